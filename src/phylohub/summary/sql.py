"""The summary stage's SQL, against a snapshot's ``hub.duckdb`` (see docs/snapshot.md).

Every panel query returns ``value`` and ``count`` for every value (the caller keeps the
top rows); its denominator query returns one number, what the shares are shares of.
"""

from __future__ import annotations

#: Panels of the paper's Figure 2 that come from the snapshot alone:
#: name -> (values query, denominator query, unit of ``count``, what the denominator counts).
PANELS: dict[str, tuple[str, str, str, str]] = {
    "licenses": (
        "SELECT v AS value, count(*) AS count FROM (SELECT unnest(licenses) AS v FROM traits)"
        " GROUP BY v",
        "SELECT count(*) FROM traits WHERE len(licenses) > 0",
        "models",
        "models with a license",
    ),
    "tasks": (
        "SELECT task AS value, count(*) AS count FROM traits WHERE task IS NOT NULL GROUP BY task",
        "SELECT count(*) FROM traits WHERE task IS NOT NULL",
        "models",
        "models with a task",
    ),
    "languages": (
        "SELECT v AS value, count(*) AS count FROM (SELECT unnest(languages) AS v FROM traits)"
        " GROUP BY v",
        "SELECT count(*) FROM traits WHERE len(languages) > 0",
        "models",
        "models listing a language",
    ),
    "libraries": (
        "SELECT library AS value, count(*) AS count FROM traits WHERE library IS NOT NULL"
        " GROUP BY library",
        "SELECT count(*) FROM traits WHERE library IS NOT NULL",
        "models",
        "models with a library",
    ),
    "children": (
        "SELECT parent AS value, count(*) AS count FROM edges WHERE parent_in_snapshot"
        " GROUP BY parent",
        "SELECT count(*) FROM edges WHERE parent_in_snapshot",
        "children",
        "edges to a listed parent",
    ),
    "datasets": (
        "SELECT v AS value, count(*) AS count FROM (SELECT unnest(datasets) AS v FROM traits)"
        " GROUP BY v",
        "SELECT count(*) FROM traits WHERE len(datasets) > 0",
        "models",
        "models naming a dataset",
    ),
    "downloads": (
        "SELECT id AS value, downloads AS count FROM models WHERE downloads > 0",
        "SELECT coalesce(sum(downloads), 0) FROM models",
        "downloads",
        "downloads in 30 days (all models)",
    ),
}

#: One row per (model, arXiv id) the snapshot's tags name. ``arxiv`` is the table the
#: fetch_arxiv rule writes (one row per cited id; see docs/arxiv.md), a view here.
ARXIV_CITATIONS = """
SELECT t.id, a.arxiv_id, a.status, a.primary_category, a.categories
FROM (SELECT id, unnest(arxiv) AS arxiv_id FROM traits) t
JOIN arxiv a USING (arxiv_id)
"""

#: Per arXiv id, from the arXiv table: how many models cite it, how many of those cards
#: are auto-generated, and whether the fetch flagged it as a template artefact.
ARXIV_IDS = """
SELECT arxiv_id, status, primary_category, n_models AS models,
       n_auto_generated AS auto_generated_models, template
FROM arxiv
"""

#: Per (model, category) once: a model counts for each category of each paper it cites.
ARXIV_MODEL_CATEGORIES = f"""
SELECT DISTINCT id, arxiv_id, unnest(categories) AS category
FROM ({ARXIV_CITATIONS})
WHERE status = 'ok'
"""

#: Models with at least one arXiv id of known categories (the panel's denominator).
ARXIV_DENOMINATOR = f"SELECT count(DISTINCT id) FROM ({ARXIV_CITATIONS}) WHERE status = 'ok'"

#: What the availability measures and the DOI downloads read of a model and its traits.
_MODEL_DOCS_COLUMNS = """
m.id, m.downloads, m.has_safetensors,
list_contains(m.tags, 'endpoints_compatible') AS endpoints,
list_contains(m.tags, 'autotrain_compatible') AS autotrain,
len(t.dois) > 0 AS has_doi,
len(list_filter(m.siblings, lambda f: regexp_matches(
    lower(f), '\\.(safetensors|bin|pt|pth|ckpt|gguf|h5|msgpack|onnx|pkl|keras)$'
))) > 0 AS has_weights
"""

#: Per model with its traits, what the availability measures and the DOI downloads
#: read: a temporary table, so both join the models and their traits once (the DOI
#: downloads' own join took 0.6 s of the rule's 5 s at 1.86M models; docs/summary.md).
MODEL_DOCS = f"""
CREATE OR REPLACE TEMP TABLE model_docs AS
SELECT {_MODEL_DOCS_COLUMNS}
FROM models m JOIN traits t USING (id)
"""

#: The models with their card (what the card measures count), after :data:`MODEL_DOCS`.
CARDED_DOCS = """
SELECT d.*, c.status = 'ok' AS has_card, coalesce(c.auto_generated, false) AS auto_generated
FROM model_docs d JOIN cards c USING (id)
"""

#: Whether ``models``, ``traits`` and ``cards`` hold the same ids row for row, in strictly
#: increasing order (so each id once): then a model's traits and card are the rows at its
#: position, and the joins on ``id`` are the positional join (0: they are). The snapshot
#: writes each table in id order (docs/snapshot.md); a scan keeps that order.
MISALIGNED_ROWS = """
SELECT count(*) FILTER (
    WHERE m.id IS DISTINCT FROM t.id OR m.id IS DISTINCT FROM c.id OR n.id <= m.id
)
FROM (SELECT id FROM models) m
POSITIONAL JOIN (SELECT id FROM traits) t
POSITIONAL JOIN (SELECT id FROM cards) c
POSITIONAL JOIN (SELECT id FROM models OFFSET 1) n
"""

#: :data:`MODEL_DOCS` with each model's card, when :data:`MISALIGNED_ROWS` finds none: the
#: positional join reads the three tables side by side, without the two hash joins on
#: ``id`` (1.4 s of the rule's 5 s at 1.86M models, against 0.3-0.5 s for the check).
ALIGNED_MODEL_DOCS = f"""
CREATE OR REPLACE TEMP TABLE model_docs AS
SELECT {_MODEL_DOCS_COLUMNS},
       c.status = 'ok' AS has_card, coalesce(c.auto_generated, false) AS auto_generated
FROM models m POSITIONAL JOIN traits t POSITIONAL JOIN cards c
"""


def availability_query(carded: str) -> str:
    """The documentation-availability measures (the paper's 9.2) and how many models show
    each trait, one row each: metric, count, denominator; ``carded`` is the models with
    their card (:data:`CARDED_DOCS`, or ``model_docs`` itself after
    :data:`ALIGNED_MODEL_DOCS`)."""
    return f"""
WITH m AS ({carded})
SELECT 'card' AS metric, count(*) FILTER (WHERE has_card) AS count, count(*) AS denominator
FROM m
UNION ALL SELECT 'card_auto_generated', count(*) FILTER (WHERE auto_generated),
    count(*) FILTER (WHERE has_card) FROM m
UNION ALL SELECT 'weights', count(*) FILTER (WHERE has_weights), count(*) FROM m
UNION ALL SELECT 'safetensors', count(*) FILTER (WHERE has_safetensors), count(*) FROM m
UNION ALL SELECT 'safetensors_of_weights', count(*) FILTER (WHERE has_safetensors AND has_weights),
    count(*) FILTER (WHERE has_weights) FROM m
UNION ALL SELECT 'endpoints_compatible', count(*) FILTER (WHERE endpoints), count(*) FROM m
UNION ALL SELECT 'autotrain_compatible', count(*) FILTER (WHERE autotrain), count(*) FROM m
UNION ALL SELECT 'doi', count(*) FILTER (WHERE has_doi), count(*) FROM m
UNION ALL SELECT 'license', count(*) FILTER (WHERE len(t.licenses) > 0), count(*) FROM traits t
UNION ALL SELECT 'language', count(*) FILTER (WHERE len(t.languages) > 0), count(*) FROM traits t
UNION ALL SELECT 'task', count(*) FILTER (WHERE t.task IS NOT NULL), count(*) FROM traits t
UNION ALL SELECT 'library', count(*) FILTER (WHERE t.library IS NOT NULL), count(*) FROM traits t
UNION ALL SELECT 'dataset', count(*) FILTER (WHERE len(t.datasets) > 0), count(*) FROM traits t
UNION ALL SELECT 'arxiv', count(*) FILTER (WHERE len(t.arxiv) > 0), count(*) FROM traits t
UNION ALL SELECT 'downloaded', count(*) FILTER (WHERE downloads > 0), count(*) FROM m
"""


#: Downloads of models with and without a ``doi:`` tag (after :data:`MODEL_DOCS`).
DOI_DOWNLOADS = """
SELECT has_doi, count(*) AS models,
       avg(downloads) AS mean_downloads, median(downloads) AS median_downloads,
       count(*) FILTER (WHERE downloads > 0) AS downloaded_models
FROM model_docs
GROUP BY ALL
ORDER BY has_doi
"""

#: Headline counts of the snapshot, one row each (metric, value): models, edges to a
#: listed parent by relation, card lengths, distinct values of each trait.
OVERVIEW = """
SELECT 'models' AS metric, count(*)::DOUBLE AS value FROM models
UNION ALL
SELECT 'edges.' || r.relation, count(e.child)::DOUBLE
FROM (VALUES ('finetune'), ('adapter'), ('quantized'), ('merge'), ('unknown')) r(relation)
LEFT JOIN edges e ON e.relation = r.relation AND e.parent_in_snapshot
GROUP BY r.relation
UNION ALL SELECT 'edges.all', count(*) FROM edges WHERE parent_in_snapshot
UNION ALL SELECT 'edges.parent_missing', count(*) FROM edges WHERE NOT parent_in_snapshot
UNION ALL SELECT 'cards.with_text', count(*) FROM cards WHERE status = 'ok'
UNION ALL SELECT 'cards.mean_chars', avg(length_chars) FROM cards WHERE status = 'ok'
UNION ALL SELECT 'cards.median_chars', median(length_chars) FROM cards WHERE status = 'ok'
UNION ALL SELECT 'cards.max_chars', max(length_chars) FROM cards WHERE status = 'ok'
UNION ALL SELECT 'cards.mean_words', avg(length_words) FROM cards WHERE status = 'ok'
UNION ALL SELECT 'cards.truncated', count(*) FROM cards WHERE truncated
UNION ALL SELECT 'licenses.distinct', count(DISTINCT v) FROM (SELECT unnest(licenses) v FROM traits)
UNION ALL SELECT 'languages.distinct', count(DISTINCT v)
    FROM (SELECT unnest(languages) v FROM traits)
UNION ALL SELECT 'tasks.distinct', count(DISTINCT task) FROM traits
UNION ALL SELECT 'libraries.distinct', count(DISTINCT library) FROM traits
UNION ALL SELECT 'created_at.backfilled', count(*) FROM models WHERE created_at_backfilled
"""
