"""The diff's SQL: two snapshots attached read-only as ``old`` and ``new``.

Every statement returns rows in a fixed order, so the same snapshots give the same
tables. A trait value that is missing is written ``(none)``; a list of licenses is one
value, its sorted licenses joined by ``,``.
"""

from __future__ import annotations

NONE = "(none)"

#: Models listed in one snapshot only: ``change`` is added or removed.
MODELS = """
SELECT n.id, 'added' AS change FROM new.models n ANTI JOIN old.models o USING (id)
UNION ALL
SELECT o.id, 'removed' AS change FROM old.models o ANTI JOIN new.models n USING (id)
ORDER BY change, id
"""

#: Edges (parent, child, relation) declared in one snapshot only.
EDGES = """
SELECT n.parent, n.child, n.relation, 'added' AS change
FROM new.edges n ANTI JOIN old.edges o USING (parent, child, relation)
UNION ALL
SELECT o.parent, o.child, o.relation, 'removed' AS change
FROM old.edges o ANTI JOIN new.edges n USING (parent, child, relation)
ORDER BY change, relation, child, parent
"""

#: The compared fields of one snapshot's models (``s`` is old or new).
_FIELDS = """
SELECT m.id, m.sha,
       coalesce(nullif(array_to_string(t.licenses, ','), ''), '{none}') AS license,
       coalesce(t.task, '{none}') AS task,
       coalesce(t.library, '{none}') AS library,
       coalesce(m.gated, '{none}') AS gated
FROM {s}.models m JOIN {s}.traits t USING (id)
"""

#: One row per (model present in both, field that changed): from and to.
FIELD_CHANGES = f"""
WITH o AS ({_FIELDS.format(s="old", none=NONE)}),
     n AS ({_FIELDS.format(s="new", none=NONE)}),
     pairs AS (SELECT o.id, o.sha AS o_sha, n.sha AS n_sha, o.license AS o_license,
                      n.license AS n_license, o.task AS o_task, n.task AS n_task,
                      o.library AS o_library, n.library AS n_library,
                      o.gated AS o_gated, n.gated AS n_gated
               FROM o JOIN n USING (id))
SELECT id, 'sha' AS field, o_sha AS "from", n_sha AS "to" FROM pairs
WHERE o_sha IS DISTINCT FROM n_sha
UNION ALL SELECT id, 'license', o_license, n_license FROM pairs WHERE o_license <> n_license
UNION ALL SELECT id, 'task', o_task, n_task FROM pairs WHERE o_task <> n_task
UNION ALL SELECT id, 'library', o_library, n_library FROM pairs WHERE o_library <> n_library
UNION ALL SELECT id, 'gated', o_gated, n_gated FROM pairs WHERE o_gated <> n_gated
ORDER BY field, id
"""

#: Trait values of the new snapshot's models: ``generation`` is added (listed only in
#: the new snapshot) or existing (listed in both). Multi-valued traits (license,
#: language) give one row per value; a model without one gives ``(none)``.
TRAITS = f"""
WITH gen AS (
    SELECT n.id, CASE WHEN o.id IS NULL THEN 'added' ELSE 'existing' END AS generation
    FROM new.models n LEFT JOIN old.models o USING (id)
),
first_edge AS (
    SELECT child AS id, arg_min(relation, parent) AS relation FROM new.edges GROUP BY child
),
vals AS (
    SELECT id, 'task' AS trait, coalesce(task, '{NONE}') AS value FROM new.traits
    UNION ALL SELECT id, 'library', coalesce(library, '{NONE}') FROM new.traits
    UNION ALL SELECT id, 'license', unnest(CASE WHEN len(licenses) = 0 THEN ['{NONE}']
                                              ELSE licenses END) FROM new.traits
    UNION ALL SELECT id, 'language', unnest(CASE WHEN len(languages) = 0 THEN ['{NONE}']
                                               ELSE languages END) FROM new.traits
    UNION ALL SELECT m.id, 'relation', coalesce(e.relation, 'root')
              FROM new.models m LEFT JOIN first_edge e USING (id)
    UNION ALL SELECT id, 'card', status FROM new.cards
)
SELECT trait, value,
       count(*) FILTER (WHERE generation = 'added') AS added,
       count(*) FILTER (WHERE generation = 'existing') AS existing
FROM vals JOIN gen USING (id)
GROUP BY trait, value
ORDER BY trait, added + existing DESC, value
"""

#: Models of each generation (the denominators of the trait shares).
GENERATIONS = """
SELECT count(*) FILTER (WHERE o.id IS NULL) AS added,
       count(*) FILTER (WHERE o.id IS NOT NULL) AS existing
FROM new.models n LEFT JOIN old.models o USING (id)
"""

#: The requests a snapshot's card crawl sent, by every run (a killed run's too), as its
#: build recorded them; a database built before that has none (then: the sum of the kept
#: cards' requests).
REQUESTS = "SELECT value FROM {s}.summary WHERE name = 'card_requests'"

#: The card crawl of one snapshot (``s``): requests, cards fetched and reused.
CRAWL = f"""
SELECT count(*) AS models,
       coalesce(({REQUESTS}), sum(requests), 0)::BIGINT AS card_requests,
       count(*) FILTER (WHERE requests > 0) AS cards_requested,
       count(*) FILTER (WHERE reused) AS cards_reused,
       count(*) FILTER (WHERE status = 'ok') AS cards_ok
FROM {{s}}.cards
"""

#: Requests the old snapshot spent on the cards the new one reused.
SAVED = """
SELECT coalesce(sum(o.requests), 0)::BIGINT FROM new.cards n JOIN old.cards o USING (id)
WHERE n.reused
"""

#: One snapshot alone (``s``), for the time series: its date and sizes.
POINT = f"""
SELECT (SELECT max(last_modified) FROM {{s}}.models) AS as_of,
       (SELECT count(*) FROM {{s}}.models) AS models,
       (SELECT count(*) FROM {{s}}.edges) AS edges,
       (SELECT count(*) FROM {{s}}.cards WHERE status = 'ok') AS cards,
       coalesce(({REQUESTS}), (SELECT sum(requests) FROM {{s}}.cards), 0)::BIGINT
           AS card_requests,
       (SELECT count(*) FROM {{s}}.cards WHERE reused) AS cards_reused
"""

POINT_EDGES = "SELECT relation, count(*) FROM {s}.edges GROUP BY relation ORDER BY relation"

#: Models per license (a model with two licenses counts for each; none: ``(none)``).
POINT_LICENSES = f"""
SELECT license, count(*) AS models FROM (
    SELECT unnest(CASE WHEN len(licenses) = 0 THEN ['{NONE}'] ELSE licenses END) AS license
    FROM {{s}}.traits
) GROUP BY license ORDER BY models DESC, license
"""

#: Models per task.
POINT_TASKS = f"""
SELECT coalesce(task, '{NONE}') AS task, count(*) AS models FROM {{s}}.traits
GROUP BY ALL ORDER BY models DESC, task
"""
