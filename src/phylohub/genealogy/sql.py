"""The SQL that reads a snapshot's genealogy out of ``hub.duckdb`` (one module per schema).

Nodes are numbered once: the listed models ``0 .. n-1`` in id order (the order of the
``models`` table), then the parents missing from the snapshot. A missing parent is named
as tagged, and the Hub's ids are case-insensitive, so spellings that differ only in case
are one external node, named by the smallest spelling.
"""

from __future__ import annotations

#: Listed models in id order, with their creation time (ms since the epoch; NULL -> NULL).
LISTED = """
SELECT id, epoch_ms(created_at) AS created_ms
FROM models
ORDER BY id
"""

#: Parents missing from the snapshot, one row per case-folded name, in name order.
EXTERNAL = """
SELECT min(parent) AS id
FROM edges
WHERE NOT parent_in_snapshot
GROUP BY lower(parent)
ORDER BY id
"""

#: The listed ids, the external parents numbered and every ``base_model`` tag's parent
#: with its position: the common table expressions :data:`EDGES` and :data:`EDGES_PLAIN`
#: share.
_EDGE_TAGS = r"""
WITH listed AS (
    SELECT id, idx FROM listed_ids
), external AS (
    SELECT lower(parent) AS lid,
        ($n + row_number() OVER (ORDER BY min(parent)) - 1)::BIGINT AS idx
    FROM edges WHERE NOT parent_in_snapshot GROUP BY lower(parent)
), named AS (
    SELECT id AS child, position, string_split(value, ':') AS parts
    FROM tags WHERE prefix = 'base_model'
), declared AS (
    SELECT child, position, parts[len(parts)] AS raw FROM named WHERE len(parts) <= 2
)"""


#: Every edge of the relations ``$keep`` as node indices, with its relation and the position
#: of the first tag naming it (which parent a tree keeps). ``$n`` is the number of listed
#: models; ``listed_ids`` the rows of :data:`LISTED` with their index ``idx`` (the reader
#: registers them: numbering the models here again sorted 1.86M ids a second time);
#: external parents are numbered over every edge's, whichever are kept. A set of
#: fewer relations joins fewer edges to the tags (the finetune set: 0.5 s less at 1.86M).
#: The snapshot holds one edge per (child, parent) (``INSERT_EDGES`` groups by them), so
#: the first tag's position is grouped with the edge's own columns instead of joined
#: back to the edges (:data:`EDGES_PLAIN`, the same rows: 0.3-0.7 s less a set at 1.86M).
EDGES = rf"""{_EDGE_TAGS}, first_tag AS (
    SELECT e.child, e.parent, e.relation, e.parent_in_snapshot,
        coalesce(min(d.position) FILTER (WHERE d.raw = e.parent), min(d.position)) AS position
    FROM edges e LEFT JOIN declared d ON d.child = e.child AND lower(d.raw) = lower(e.parent)
    WHERE list_contains($keep, e.relation)
    GROUP BY e.child, e.parent, e.relation, e.parent_in_snapshot
)
SELECT c.idx AS child,
    coalesce(p.idx, x.idx) AS parent,
    (list_position($relations, e.relation) - 1)::TINYINT AS relation,
    coalesce(e.position, 2147483647)::INTEGER AS position
FROM first_tag e
JOIN listed c ON c.id = e.child
LEFT JOIN listed p ON e.parent_in_snapshot AND p.id = e.parent
LEFT JOIN external x ON NOT e.parent_in_snapshot AND x.lid = lower(e.parent)
ORDER BY child, position, parent
"""


#: :data:`EDGES` as first written: each edge of the set joined back to its first tag's
#: position (the plain form the tests hold :data:`EDGES` to).
EDGES_PLAIN = rf"""{_EDGE_TAGS}, first_tag AS (
    SELECT e.child, e.parent,
        coalesce(min(d.position) FILTER (WHERE d.raw = e.parent), min(d.position)) AS position
    FROM edges e LEFT JOIN declared d ON d.child = e.child AND lower(d.raw) = lower(e.parent)
    WHERE list_contains($keep, e.relation)
    GROUP BY e.child, e.parent
)
SELECT c.idx AS child,
    coalesce(p.idx, x.idx) AS parent,
    (list_position($relations, e.relation) - 1)::TINYINT AS relation,
    coalesce(f.position, 2147483647)::INTEGER AS position
FROM edges e
JOIN first_tag f ON f.child = e.child AND f.parent = e.parent
JOIN listed c ON c.id = e.child
LEFT JOIN listed p ON e.parent_in_snapshot AND p.id = e.parent
LEFT JOIN external x ON NOT e.parent_in_snapshot AND x.lid = lower(e.parent)
WHERE list_contains($keep, e.relation)
ORDER BY child, position, parent
"""
