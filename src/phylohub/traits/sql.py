"""Every SQL statement of the traits stage, run on a snapshot's ``hub.duckdb`` (read only).

:data:`CREATE_COMPARED_EDGES` first makes the temporary table ``compared_edges``: the
(parent, child) pairs the stage compares; :data:`FLAGGED_VALUES` and
:data:`CREATE_TRAIT_SETS` make the view ``trait_sets``: the traits compared, flagged
values left out or not. Every other statement reads them. Constant lists
and choices are bound as parameters (``$parents``, ``$traits``), never pasted into the
text. Every result ends in an ``ORDER BY``, so the same snapshot gives the same rows.
"""

from __future__ import annotations

#: The pairs compared: edges whose parent is a listed model. ``parent_rank`` is the order
#: in which the child declares its parents (the position of the first ``base_model`` tag
#: naming each, ties by id): 1 is the first declared parent, the base a merge was built
#: on. With ``$parents = 'first'`` only rank 1 is kept (one pair per child, the planted
#: truth's convention); with ``'all'`` every declared parent (the paper's code). Ranks are
#: counted over all edges, listed parents or not, so a merge whose first parent is missing
#: from the listing is not compared with its second one in its place. Only the children
#: with several edges are ranked through the tags (a child with one edge ranks it first
#: whatever they say): the tag table's join was most of the statement's time at the
#: Hub's size (tests/traits/test_snapshot_fast_paths.py holds it to ranking every edge).
CREATE_COMPARED_EDGES = """
CREATE OR REPLACE TEMP TABLE compared_edges AS
WITH counted AS (
    SELECT child, parent, relation, parent_in_snapshot,
        count(*) OVER (PARTITION BY child) AS n_edges
    FROM edges
), several AS (
    SELECT child, parent, relation, parent_in_snapshot FROM counted WHERE n_edges > 1
), base_tags AS (
    SELECT id AS child, position, lower(string_split(value, ':')[-1]) AS lparent
    FROM tags WHERE prefix = 'base_model' AND id IN (SELECT child FROM several)
), declared AS (
    SELECT e.child, e.parent, e.relation, e.parent_in_snapshot,
        min(b.position) AS first_position
    FROM several e
    LEFT JOIN base_tags b ON b.child = e.child AND b.lparent = lower(e.parent)
    GROUP BY ALL
), ranked AS (
    SELECT child, parent, relation, parent_in_snapshot, row_number() OVER (
        PARTITION BY child ORDER BY first_position NULLS LAST, parent
    ) AS parent_rank
    FROM declared
    UNION ALL
    SELECT child, parent, relation, parent_in_snapshot, 1::BIGINT
    FROM counted WHERE n_edges = 1
)
SELECT child, parent, relation, parent_rank
FROM ranked
WHERE parent_in_snapshot AND ($parents = 'all' OR parent_rank = 1)
ORDER BY child, parent
"""

#: The flagged values per model when ``$exclude``, else none; then (CREATE_TRAIT_SETS)
#: the compared traits of every model: ``traits``, less the values the snapshot flags as a
#: form's or a script's default (``data_quality``) when ``$exclude`` is true; ``traits``
#: as it is otherwise. Every count of values, pairs and transitions reads this view, so
#: ``traits.exclude_flagged`` filters them all in one place. A value flagged away leaves
#: the model without the trait when it was its only one (an empty task, a wrong library).
FLAGGED_VALUES = """
CREATE OR REPLACE TEMP TABLE flagged_values AS
SELECT id,
    list(value) FILTER (WHERE trait = 'language') AS language,
    list(value) FILTER (WHERE trait = 'task') AS task,
    list(value) FILTER (WHERE trait = 'library') AS library
FROM data_quality WHERE $exclude GROUP BY id
"""

#: The parameter count of every listed model and its source (see :data:`CREATE_CONFIG_TRAITS`),
#: read by :data:`CREATE_CONFIG_TRAITS` and, alone, by the parameters by generation.
PARAMETER_COUNTS = """
SELECT m.id,
    CASE WHEN m.safetensors_params > 0 THEN m.safetensors_params
        WHEN f.estimated_parameters > 0 THEN f.estimated_parameters END AS n,
    CASE WHEN m.safetensors_params > 0 THEN 'safetensors'
        WHEN f.estimated_parameters > 0 THEN 'config estimate' END AS source
FROM models m LEFT JOIN config_fields f ON f.id = m.id
"""

#: The config traits of every model, from the snapshot's config tables: ``model_type``;
#: ``heads``, the head of each architecture class (``LlamaForCausalLM`` ->
#: ``ForCausalLM``; a class without ``For`` keeps its ``LMHeadModel`` or ``Model``
#: ending); ``quantization``, the method, or ``none`` for a model with a config summary
#: and no quantization; ``parameters``, the bucket of ``parameter_count``: the
#: listing's ``safetensors.total`` where present, else the estimate from the crawled
#: ``config.json`` (``config_fields.estimated_parameters``); ``parameters_source`` says
#: which (bounds ``$bounds`` in parameters, labels ``$buckets``, one more label than bounds).
CREATE_CONFIG_TRAITS = r"""
CREATE OR REPLACE TEMP TABLE config_traits AS
WITH heads AS (
    SELECT id, list_sort(list_distinct(list(CASE
        WHEN regexp_matches(architecture, 'For[A-Z][A-Za-z0-9]*$')
            THEN regexp_extract(architecture, '(For[A-Z][A-Za-z0-9]*)$', 1)
        WHEN regexp_matches(architecture, '(LMHeadModel|Model)$')
            THEN regexp_extract(architecture, '(LMHeadModel|Model)$', 1)
        ELSE architecture END))) AS heads
    FROM architectures GROUP BY id
), configured AS (
    SELECT id FROM model_type UNION SELECT id FROM architectures
    UNION SELECT id FROM quantization
), p AS (PARAMETER_COUNTS)
SELECT p.id, t.model_type, coalesce(h.heads, []) AS heads,
    CASE WHEN q.method IS NOT NULL THEN q.method
        WHEN c.id IS NOT NULL THEN 'none' END AS quantization,
    CASE WHEN p.n IS NULL THEN NULL
        ELSE $buckets[1 + len([b FOR b IN $bounds IF p.n >= b])]
    END AS parameters,
    p.n AS parameter_count, p.source AS parameters_source
FROM p
LEFT JOIN model_type t ON t.id = p.id
LEFT JOIN heads h ON h.id = p.id
LEFT JOIN quantization q ON q.id = p.id
LEFT JOIN configured c ON c.id = p.id
""".replace("PARAMETER_COUNTS", PARAMETER_COUNTS)

#: The models of the compared pairs (either side), as :data:`CREATE_PAIR_CONFIG_TRAITS`
#: keeps them.
_PAIR_MODELS = "(SELECT child FROM compared_edges UNION ALL SELECT parent FROM compared_edges)"


def _pairs_only(statement: str) -> str:
    """:data:`CREATE_CONFIG_TRAITS` over the compared pairs' models only: the models and
    their architectures filtered before the joins and the heads' regular expressions."""
    out = statement.replace(
        "FROM models m LEFT JOIN config_fields f ON f.id = m.id\n",
        f"FROM models m LEFT JOIN config_fields f ON f.id = m.id\nWHERE m.id IN {_PAIR_MODELS}\n",
    ).replace(
        "FROM architectures GROUP BY id",
        f"FROM architectures WHERE id IN {_PAIR_MODELS} GROUP BY id",
    )
    assert out.count(_PAIR_MODELS) == 2, "CREATE_CONFIG_TRAITS changed: filter it anew"
    return out


#: :data:`CREATE_CONFIG_TRAITS` for the models of ``compared_edges`` only: the same row
#: for each of them. For a rule that reads the traits of the compared pairs alone (the
#: mutation rates): at the Hub's size a third of the models, and every join of the pairs
#: to ``trait_sets`` then probes a third of the rows
#: (tests/traits/test_snapshot_fast_paths.py holds the distances to those of every model's).
CREATE_PAIR_CONFIG_TRAITS = _pairs_only(CREATE_CONFIG_TRAITS)

#: Empty config tables for a snapshot built before they existed (schema version < 4):
#: its models simply show no config trait.
CREATE_EMPTY_CONFIG_TABLES = {
    "model_type": "CREATE TEMP TABLE model_type (id VARCHAR, model_type VARCHAR)",
    "architectures": "CREATE TEMP TABLE architectures (id VARCHAR, architecture VARCHAR)",
    "quantization": "CREATE TEMP TABLE quantization (id VARCHAR, method VARCHAR, bits INTEGER)",
    "config_fields": "CREATE TEMP TABLE config_fields (id VARCHAR, estimated_parameters BIGINT)",
}

#: The snapshot's languages, task and library of ``traits t`` less the model's flagged
#: values (``flagged_values f``): the columns of ``trait_sets`` and of :data:`TRAIT_COUNTS`.
_UNFLAGGED = (
    "[x FOR x IN t.languages IF NOT list_contains(coalesce(f.language, []), x)] AS languages,\n"
    "    CASE WHEN list_contains(coalesce(f.task, []), t.task) THEN NULL ELSE t.task END AS task,\n"
    "    CASE WHEN list_contains(coalesce(f.library, []), t.library) THEN NULL ELSE t.library END\n"
    "        AS library"
)

CREATE_TRAIT_SETS = f"""
CREATE OR REPLACE TEMP VIEW trait_sets AS
SELECT t.id, t.licenses,
    {_UNFLAGGED},
    k.model_type, k.heads, k.quantization, k.parameters
FROM traits t LEFT JOIN flagged_values f ON f.id = t.id
LEFT JOIN config_traits k ON k.id = t.id
"""

#: One row per compared pair and trait, with both sides' values as sets (lists that are
#: sorted and distinct; a single-valued trait is a list of at most one value; a model
#: without the trait has an empty list).
_TRAIT_VALUES = """
WITH sides AS (
    SELECT KEYS, e.relation,
        p.licenses AS p_license, c.licenses AS c_license,
        p.languages AS p_language, c.languages AS c_language,
        CASE WHEN p.task IS NULL THEN [] ELSE [p.task] END AS p_task,
        CASE WHEN c.task IS NULL THEN [] ELSE [c.task] END AS c_task,
        CASE WHEN p.library IS NULL THEN [] ELSE [p.library] END AS p_library,
        CASE WHEN c.library IS NULL THEN [] ELSE [c.library] END AS c_library,
        CASE WHEN p.model_type IS NULL THEN [] ELSE [p.model_type] END AS p_model_type,
        CASE WHEN c.model_type IS NULL THEN [] ELSE [c.model_type] END AS c_model_type,
        coalesce(p.heads, []) AS p_architecture, coalesce(c.heads, []) AS c_architecture,
        CASE WHEN p.quantization IS NULL THEN [] ELSE [p.quantization] END AS p_quantization,
        CASE WHEN c.quantization IS NULL THEN [] ELSE [c.quantization] END AS c_quantization,
        CASE WHEN p.parameters IS NULL THEN [] ELSE [p.parameters] END AS p_parameters,
        CASE WHEN c.parameters IS NULL THEN [] ELSE [c.parameters] END AS c_parameters
    FROM EDGES e
    JOIN trait_sets p ON p.id = e.parent
    JOIN trait_sets c ON c.id = e.child
)
SELECT KEY_COLUMNS, relation, 'license' AS trait, p_license AS p, c_license AS c FROM sides
UNION ALL SELECT KEY_COLUMNS, relation, 'language', p_language, c_language FROM sides
UNION ALL SELECT KEY_COLUMNS, relation, 'task', p_task, c_task FROM sides
UNION ALL SELECT KEY_COLUMNS, relation, 'library', p_library, c_library FROM sides
UNION ALL SELECT KEY_COLUMNS, relation, 'model_type', p_model_type, c_model_type FROM sides
UNION ALL SELECT KEY_COLUMNS, relation, 'architecture', p_architecture, c_architecture
    FROM sides
UNION ALL SELECT KEY_COLUMNS, relation, 'quantization', p_quantization, c_quantization
    FROM sides
UNION ALL SELECT KEY_COLUMNS, relation, 'parameters', p_parameters, c_parameters FROM sides
"""
TRAIT_VALUES = (
    _TRAIT_VALUES.replace("KEY_COLUMNS", "child, parent")
    .replace("KEYS", "e.child, e.parent")
    .replace("EDGES", "compared_edges")
)
#: The same rows keyed by integers: ``pair``, the compared pair's place in
#: ``compared_edges`` (made in (child, parent) order, so ``pair`` sorts as they do), and
#: ``cluster``, its parent numbered in the parents' sorting order. The mutation rates
#: need no more than these: sorting and sending millions of id strings to Python, then
#: numbering their parents there, took most of a rule's time at the Hub's size.
#: The compared pairs with their integer keys, written once for every statement that
#: keys by them (inline here, as the temporary table ``coded_edges`` below).
_CODED_EDGES = (
    "SELECT child, parent, relation, rowid AS pair, "
    "dense_rank() OVER (ORDER BY parent) AS cluster FROM compared_edges"
)
CODED_TRAIT_VALUES = (
    _TRAIT_VALUES.replace("KEY_COLUMNS", "pair, cluster")
    .replace("KEYS", "e.pair, e.cluster")
    .replace("EDGES", f"({_CODED_EDGES})")
)

#: Definition 7.1 on every compared pair where both sides have the trait:
#: ``1 - |P ∩ C| / |P ∪ C|`` (the sets hold distinct values).
MUTATION_DISTANCES = f"""
WITH v AS ({TRAIT_VALUES})
SELECT trait, relation, child, parent,
    1.0 - len(list_intersect(p, c)) / len(list_distinct(list_concat(p, c))) AS distance
FROM v
WHERE len(p) > 0 AND len(c) > 0
ORDER BY trait, relation, child, parent
"""

#: The compared pairs keyed as in :data:`CODED_TRAIT_VALUES`, made once per connection
#: for :data:`CODED_PAIR_DISTANCES` and :data:`RECODED_PAIR_DISTANCES` (the mutation rates
#: measured both ways of handling flagged values).
CREATE_CODED_EDGES = f"""
CREATE OR REPLACE TEMP TABLE coded_edges AS
{_CODED_EDGES}
"""

#: The compared pairs whose parent or child has a value ``flagged_values`` takes out of
#: ``trait_sets`` (:data:`FLAGGED_VALUES`): the only pairs whose trait values, and so
#: whose distances, differ between the two ways of handling flagged values.
CREATE_FLAGGED_PAIRS = """
CREATE OR REPLACE TEMP TABLE flagged_pairs AS
WITH f AS (
    SELECT id FROM flagged_values
    WHERE language IS NOT NULL OR task IS NOT NULL OR library IS NOT NULL
)
SELECT pair FROM coded_edges
WHERE parent IN (SELECT id FROM f) OR child IN (SELECT id FROM f)
"""

#: :data:`MUTATION_DISTANCES` keyed by integers (:data:`CODED_TRAIT_VALUES`): the same
#: rows in the same order, ``cluster`` in place of ``child`` and ``parent``. Each side's
#: values are distinct (sets), so the union holds ``|P| + |C| - |P ∩ C|`` values: the same
#: integers divided, without building the union (a tenth of the query's time).
CODED_MUTATION_DISTANCES = f"""
WITH v AS ({CODED_TRAIT_VALUES})
SELECT trait, relation, cluster, 1.0 - i / (len(p) + len(c) - i) AS distance
FROM (SELECT *, len(list_intersect(p, c)) AS i FROM v WHERE len(p) > 0 AND len(c) > 0)
ORDER BY trait, relation, pair
"""

#: ``trait_sets`` (:data:`CREATE_TRAIT_SETS`) of the models at either end of a compared
#: pair only, as the CTE ``end_sets``: ``traits`` and ``config_traits`` are each filtered
#: to those ids before they are joined, so the view's join of every listed model's traits
#: to its config traits (a hash table of all of them, built once per side of the pairs
#: when the view is read twice) is made once, over the ends. The same row for each end.
_ENDS = "(SELECT parent FROM compared_edges UNION ALL SELECT child FROM compared_edges)"
_END_SETS = (
    CREATE_TRAIT_SETS.strip()
    .replace("CREATE OR REPLACE TEMP VIEW trait_sets AS", "end_sets AS (")
    .replace("FROM traits t", f"FROM (SELECT * FROM traits WHERE id IN {_ENDS}) t")
    .replace(
        "LEFT JOIN config_traits k",
        f"LEFT JOIN (SELECT * FROM config_traits WHERE id IN {_ENDS}) k",
    )
    .rstrip()
    + "\n)"
)
assert _END_SETS.count(_ENDS) == 2, "CREATE_TRAIT_SETS changed: filter it anew"

#: The rows of :data:`TRAIT_VALUES` where both sides have the trait, made once for
#: :data:`COMPARED_TRANSITIONS` and :data:`COMPARED_EXPOSURES` (each of which joined the
#: pairs to the traits on its own before), keyed by ``pair``, the pair's row in
#: ``compared_edges``, in place of ``child`` and ``parent`` (no id string is written into
#: the table or sorted after it), and read from ``end_sets`` (each end's traits joined
#: once). At 1.86M models the statement and the transitions after it 3.1-4.5 s -> 2.3-3.3
#: s CPU (tests/traits/test_rule_fast_paths.py holds the transitions and exposures to the
#: former statements).
CREATE_COMPARED_VALUES = (
    "CREATE OR REPLACE TEMP TABLE compared_values AS\nSELECT * FROM (\n"
    + _TRAIT_VALUES.replace("WITH sides AS (", f"WITH {_END_SETS},\nsides AS (", 1)
    .replace("JOIN trait_sets p ON", "JOIN end_sets p ON")
    .replace("JOIN trait_sets c ON", "JOIN end_sets c ON")
    .replace("KEY_COLUMNS", "pair")
    .replace("KEYS", "e.rowid AS pair")
    .replace("EDGES", "compared_edges")
    + ") WHERE len(p) > 0 AND len(c) > 0\n"
)
assert "trait_sets" not in CREATE_COMPARED_VALUES

#: The transitions the paper logs on each pair: every dropped value (in P, not in C) to
#: every child value, and every parent value to every added value (in C, not in P); each
#: ordered (source, target) once per pair. For single values: one transition P -> C when
#: they differ.
TRANSITIONS = f"""
WITH v AS ({TRAIT_VALUES}),
changed AS (
    SELECT row_number() OVER (ORDER BY trait, child, parent) AS pair, trait, relation, p, c,
        [x FOR x IN p IF NOT list_contains(c, x)] AS dropped,
        [x FOR x IN c IF NOT list_contains(p, x)] AS added
    FROM v
    WHERE len(p) > 0 AND len(c) > 0 AND (len(dropped) > 0 OR len(added) > 0)
),
logged AS (
    SELECT pair, trait, relation, s.source, t.target
    FROM changed, unnest(changed.dropped) AS s(source), unnest(changed.c) AS t(target)
    UNION
    SELECT pair, trait, relation, s.source, t.target
    FROM changed, unnest(changed.p) AS s(source), unnest(changed.added) AS t(target)
)
SELECT trait, relation, source, target, count(*) AS transitions
FROM logged
GROUP BY ALL
ORDER BY trait, relation, source, target
"""

#: Exposure: compared pairs (both sides with the trait) whose parent carries each value,
#: per relation; transitions from a value divided by its exposure are its mutation rates.
EXPOSURES = f"""
WITH v AS ({TRAIT_VALUES})
SELECT trait, relation, value, count(*) AS pairs
FROM v, unnest(v.p) AS u(value)
WHERE len(p) > 0 AND len(c) > 0
GROUP BY ALL
ORDER BY trait, relation, value
"""

#: Listed models carrying each value of each trait: the counts of every value of
#: ``trait_sets`` (materialised once: the plain form), without its join of every listed
#: model's ``traits`` to its ``config_traits``: the snapshot's traits are counted from
#: ``traits`` (less the flagged values), the config traits from ``config_traits``. Both
#: hold one row per listed model (``traits`` is made from ``models``, whose ids the build
#: holds unique, and so is ``config_traits``), so every model is counted once on each
#: side, as in the join; at 1.86M models the join was two thirds of the statement (1.3
#: -> 0.45 s). Not for ``config_traits`` of the compared pairs only (``pairs_only``).
#: tests/traits/test_rule_fast_paths.py holds it to the plain form.
TRAIT_COUNTS = f"""
WITH s AS MATERIALIZED (
    SELECT t.licenses,
    {_UNFLAGGED}
    FROM traits t LEFT JOIN flagged_values f ON f.id = t.id
),
v AS (
    SELECT 'license' AS trait, value FROM s, unnest(s.licenses) AS u(value)
    UNION ALL SELECT 'language', value FROM s, unnest(s.languages) AS u(value)
    UNION ALL SELECT 'task', task FROM s WHERE task IS NOT NULL
    UNION ALL SELECT 'library', library FROM s WHERE library IS NOT NULL
    UNION ALL SELECT 'model_type', model_type FROM config_traits WHERE model_type IS NOT NULL
    UNION ALL SELECT 'architecture', value FROM config_traits k, unnest(k.heads) AS u(value)
    UNION ALL SELECT 'quantization', quantization FROM config_traits
        WHERE quantization IS NOT NULL
    UNION ALL SELECT 'parameters', parameters FROM config_traits WHERE parameters IS NOT NULL
)
SELECT trait, value, count(*) AS models FROM v GROUP BY ALL ORDER BY trait, value
"""

#: The documentation of both sides of every compared pair. A card is available when the
#: crawl fetched a README (status ``ok``); length and auto-generation are NULL otherwise.
DOCUMENTATION = """
SELECT e.relation, e.child, e.parent,
    pc.status = 'ok' AS p_card, cc.status = 'ok' AS c_card,
    pc.length_chars AS p_chars, cc.length_chars AS c_chars,
    pc.auto_generated AS p_auto, cc.auto_generated AS c_auto,
    pt.n_languages AS p_languages, ct.n_languages AS c_languages
FROM compared_edges e
JOIN cards pc ON pc.id = e.parent
JOIN cards cc ON cc.id = e.child
JOIN traits pt ON pt.id = e.parent
JOIN traits ct ON ct.id = e.child
ORDER BY e.relation, e.child, e.parent
"""

#: :data:`DOCUMENTATION` as the thinning table needs it: ``cluster`` (the parent numbered
#: in the parents' sorting order, as :func:`phylohub.traits.snapshot.parent_codes` numbers
#: them) in place of ``child`` and ``parent``, unsorted. The table's sums are of whole
#: numbers and counts (exact in any order), its medians sort their values, and its
#: clusters are numbered in the parents' order whatever the rows' order: the same table
#: without sorting the pairs by id and sending the ids to Python
#: (tests/traits/test_rule_fast_paths.py).
#:
#: Each model's card and languages are joined once (``documented``: ``cards`` joined to
#: ``traits``, for the models at either end of a compared pair only), and each side of a
#: pair looks its model up there, where :data:`DOCUMENTATION` joins both tables once per
#: side: two scans of each and four joins of the pairs, against one scan of each, their
#: join and two. The joins are inner, as there: a pair whose parent or child lacks a
#: ``cards`` or a ``traits`` row is left out, and a model's rows count as often as in the
#: four joins. At 1.86M models 2.2 -> 1.3 s (tests/traits/test_rule_fast_paths.py holds
#: its rows to the four joins').
CODED_DOCUMENTATION = """
WITH documented AS MATERIALIZED (
    SELECT c.id, c.status = 'ok' AS card, c.length_chars AS chars,
        c.auto_generated AS auto, t.n_languages AS languages
    FROM cards c JOIN traits t ON t.id = c.id
    WHERE c.id IN (SELECT parent FROM compared_edges UNION ALL SELECT child FROM compared_edges)
)
SELECT e.relation, dense_rank() OVER (ORDER BY e.parent) AS cluster,
    p.card AS p_card, c.card AS c_card, p.chars AS p_chars, c.chars AS c_chars,
    p.auto AS p_auto, c.auto AS c_auto, p.languages AS p_languages, c.languages AS c_languages
FROM compared_edges e
JOIN documented p ON p.id = e.parent
JOIN documented c ON c.id = e.child
"""

#: Card availability of models with family ties (in an edge whose other side is listed)
#: and without.
CARD_AVAILABILITY = """
WITH tied AS (
    SELECT child AS id FROM edges WHERE parent_in_snapshot
    UNION SELECT parent FROM edges WHERE parent_in_snapshot
)
SELECT t.id IS NOT NULL AS family_ties, count(*) AS models,
    count(*) FILTER (WHERE c.status = 'ok') AS with_card
FROM cards c LEFT JOIN tied t ON t.id = c.id
GROUP BY ALL ORDER BY family_ties
"""

#: The tables the stage reads, to check a snapshot before the work.
REQUIRED_TABLES = ("models", "tags", "edges", "cards", "traits", "data_quality")
#: The config tables it reads where the snapshot has them (empty stand-ins otherwise).
CONFIG_TABLES = ("model_type", "architectures", "quantization", "config_fields")

SNAPSHOT_TABLES = """
SELECT table_name FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main'
"""

#: :data:`TRANSITIONS` and :data:`EXPOSURES` on ``compared_values``
#: (:data:`CREATE_COMPARED_VALUES`): the same rows. A (trait, pair) is one row there, as a
#: (trait, child, parent) numbered by ``row_number`` is in :data:`TRANSITIONS`, so the
#: transitions take its ``pair`` as it is: the number only keeps one pair's transitions
#: apart from another's in the ``UNION``.
COMPARED_TRANSITIONS = TRANSITIONS.replace(
    f"WITH v AS ({TRAIT_VALUES})", "WITH v AS (SELECT * FROM compared_values)"
).replace("SELECT row_number() OVER (ORDER BY trait, child, parent) AS pair,", "SELECT pair,")
assert "row_number" not in COMPARED_TRANSITIONS

#: :data:`COMPARED_TRANSITIONS` per parent as well: (trait, relation, parent, source,
#: target) and the transitions the parent's children log, the clusters of the drift
#: graphs' coin-flip baseline (siblings mutate together: ``DriftGraph.shuffled``). Made
#: once as the temporary table ``transition_blocks``; :data:`TRANSITIONS_FROM_BLOCKS`
#: sums it back to :data:`COMPARED_TRANSITIONS`' rows
#: (tests/traits/test_rule_fast_paths.py holds them equal).
CREATE_TRANSITION_BLOCKS = (
    "CREATE OR REPLACE TEMP TABLE transition_blocks AS\n"
    + COMPARED_TRANSITIONS.replace(
        "SELECT trait, relation, source, target, count(*) AS transitions\nFROM logged",
        "SELECT l.trait, l.relation, e.parent, l.source, l.target, count(*) AS transitions\n"
        "FROM logged l JOIN compared_edges e ON e.rowid = l.pair",
    ).replace(
        "ORDER BY trait, relation, source, target",
        "ORDER BY trait, relation, parent, source, target",
    )
)
assert "e.rowid = l.pair" in CREATE_TRANSITION_BLOCKS
TRANSITION_BLOCKS = (
    "SELECT * FROM transition_blocks ORDER BY trait, relation, parent, source, target"
)
TRANSITIONS_FROM_BLOCKS = """
SELECT trait, relation, source, target, CAST(sum(transitions) AS BIGINT) AS transitions
FROM transition_blocks
GROUP BY ALL
ORDER BY trait, relation, source, target
"""
COMPARED_EXPOSURES = EXPOSURES.replace(
    f"WITH v AS ({TRAIT_VALUES})", "WITH v AS (SELECT * FROM compared_values)"
)

#: :data:`CODED_MUTATION_DISTANCES` on ``coded_edges`` (:data:`CREATE_CODED_EDGES`), with
#: each row's ``pair``: the same rows in the same order.
CODED_PAIR_DISTANCES = CODED_MUTATION_DISTANCES.replace(
    "SELECT trait, relation, cluster,", "SELECT trait, relation, cluster, pair,"
).replace(f"({_CODED_EDGES})", "coded_edges")
#: :data:`CODED_PAIR_DISTANCES` of the pairs in ``flagged_pairs`` only
#: (:data:`CREATE_FLAGGED_PAIRS`).
RECODED_PAIR_DISTANCES = CODED_PAIR_DISTANCES.replace(
    "FROM coded_edges", "FROM (SELECT * FROM coded_edges SEMI JOIN flagged_pairs USING (pair))"
)
