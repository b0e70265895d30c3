"""Every SQL statement of the snapshot builder, in the order the build runs them (the
``data_quality`` table's, with its rules, are in :mod:`phylohub.snapshot.quality`).

The inputs are two views the builder creates on its connection: ``listing_raw`` (the
listing parts, :data:`phylohub.crawl.schema.LISTING_SCHEMA`) and ``cards_raw`` (the card
shards, :data:`phylohub.crawl.schema.CARD_SCHEMA`), plus the temporary table ``iso_639``
(``code``, ``name``, ``scheme``) from :mod:`phylohub.snapshot.languages`. Constant lists
(relations, prefixes, statuses) are bound as parameters (``$relations``, ...), never pasted
into the text. Every write ends in an ``ORDER BY`` (or, for ``tags``, reads a table
written in that order, keeping it), so a table's rows come out in the same order on every
build.
"""

from __future__ import annotations

#: Timestamps are read and written in UTC, whatever the machine's zone.
SET_UTC = "SET TimeZone = 'UTC'"
#: The threads DuckDB runs on (the build's readers of card shards follow it).
CURRENT_THREADS = "SELECT current_setting('threads')"

#: Around a statement whose rows may land in any order (a temporary table its readers
#: sort or look up by id): kept in order, DuckDB 2.0 wrote ``CREATE_ENTRIES`` with a
#: fifth more CPU and part of the second core idle (see docs/snapshot.md, Scale).
UNORDERED = "SET preserve_insertion_order = false"
#: Back to the build's setting: every table's rows in the order they were inserted.
ORDERED = "SET preserve_insertion_order = true"

# --------------------------------------------------------------------------- reconciliation

#: Rows and distinct ids of the listing.
LISTING_COUNTS = """
SELECT count(*) AS n_rows, count(DISTINCT id) AS n_ids, count(*) FILTER (WHERE id IS NULL)
FROM listing_raw
"""

#: Ids listed more than once (a few, with their count).
LISTING_DUPLICATES = """
SELECT id, count(*) AS n FROM listing_raw WHERE id IS NOT NULL
GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT $limit
"""

#: Entries that are not valid JSON.
LISTING_BAD_JSON = """
SELECT count(*), list(id ORDER BY id)[1:$limit]
FROM listing_raw WHERE entry IS NULL OR NOT json_valid(entry)
"""

#: Rows and distinct ids of the card shards.
CARD_COUNTS = """
SELECT count(*) AS n_rows, count(DISTINCT id) AS n_ids, count(*) FILTER (WHERE id IS NULL)
FROM cards_raw
"""

CARD_DUPLICATES = """
SELECT id, count(*) AS n FROM cards_raw WHERE id IS NOT NULL
GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT $limit
"""

#: Card rows whose id is not listed: their count and a few of them.
CARDS_UNLISTED = """
SELECT count(*), list(id ORDER BY id)[1:$limit]
FROM (SELECT DISTINCT id FROM cards_raw WHERE id IS NOT NULL) c
WHERE NOT EXISTS (SELECT 1 FROM listing_raw l WHERE l.id = c.id)
"""

#: Listed ids without a card row.
LISTED_WITHOUT_CARD = """
SELECT count(*), list(id ORDER BY id)[1:$limit]
FROM (SELECT DISTINCT id FROM listing_raw WHERE id IS NOT NULL) l
WHERE NOT EXISTS (SELECT 1 FROM cards_raw c WHERE c.id = l.id)
"""

#: Card statuses outside the crawl's vocabulary.
CARD_BAD_STATUS = """
SELECT count(*), list(DISTINCT coalesce(status, 'NULL') ORDER BY coalesce(status, 'NULL'))
FROM cards_raw WHERE status IS NULL OR NOT list_contains($statuses, status)
"""

# --------------------------------------------------------------------------- schema

CREATE_TABLES = """
CREATE TABLE models (
    id VARCHAR NOT NULL,
    _id VARCHAR,
    author VARCHAR,
    sha VARCHAR,
    created_at TIMESTAMP,
    created_at_backfilled BOOLEAN,
    last_modified TIMESTAMP,
    downloads BIGINT,
    downloads_all_time BIGINT,
    likes BIGINT,
    trending_score DOUBLE,
    private BOOLEAN,
    gated VARCHAR,
    disabled BOOLEAN,
    pipeline_tag VARCHAR,
    library_name VARCHAR,
    tags VARCHAR[],
    card_data VARCHAR,
    siblings VARCHAR[],
    has_readme BOOLEAN,
    has_safetensors BOOLEAN,
    safetensors_params BIGINT,
    children_count BIGINT,
    used_storage BIGINT,
    page BIGINT,
    position BIGINT
);
CREATE TABLE tags (
    id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    tag VARCHAR NOT NULL,
    prefix VARCHAR,
    value VARCHAR NOT NULL
);
CREATE TABLE edges (
    parent VARCHAR NOT NULL,
    child VARCHAR NOT NULL,
    relation VARCHAR NOT NULL,
    parent_in_snapshot BOOLEAN NOT NULL
);
CREATE TABLE malformed_tags (
    id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    tag VARCHAR,
    reason VARCHAR NOT NULL
);
CREATE TABLE cards (
    id VARCHAR NOT NULL,
    sha VARCHAR,
    status VARCHAR NOT NULL,
    http_status INTEGER,
    message VARCHAR,
    encoding VARCHAR,
    raw BLOB,
    length_chars BIGINT,
    length_words BIGINT,
    body_chars BIGINT,
    bytes BIGINT,
    truncated BOOLEAN,
    auto_generated BOOLEAN,
    etag VARCHAR,
    fetched_at TIMESTAMP,
    reused BOOLEAN,
    requests INTEGER,
    source VARCHAR
);
CREATE TABLE traits (
    id VARCHAR NOT NULL,
    licenses VARCHAR[] NOT NULL,
    languages VARCHAR[] NOT NULL,
    language_codes VARCHAR[] NOT NULL,
    unknown_language_codes VARCHAR[] NOT NULL,
    n_languages INTEGER NOT NULL,
    task VARCHAR,
    library VARCHAR,
    datasets VARCHAR[] NOT NULL,
    arxiv VARCHAR[] NOT NULL,
    dois VARCHAR[] NOT NULL
);
CREATE TABLE model_type (
    id VARCHAR NOT NULL,
    model_type VARCHAR NOT NULL
);
CREATE TABLE architectures (
    id VARCHAR NOT NULL,
    architecture VARCHAR NOT NULL
);
CREATE TABLE quantization (
    id VARCHAR NOT NULL,
    method VARCHAR NOT NULL,
    bits INTEGER
);
CREATE TABLE config_fields (
    id VARCHAR NOT NULL,
    hidden_size BIGINT,
    num_hidden_layers BIGINT,
    num_attention_heads BIGINT,
    intermediate_size BIGINT,
    vocab_size BIGINT,
    max_position_embeddings BIGINT,
    torch_dtype VARCHAR,
    estimated_parameters BIGINT
);
CREATE TABLE language_codes (
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    scheme VARCHAR,
    known BOOLEAN NOT NULL,
    models BIGINT NOT NULL
);
CREATE TABLE summary (
    name VARCHAR NOT NULL,
    value BIGINT NOT NULL
);
"""

#: One view per edge relation; the relation is the only thing that changes.
CREATE_VIEWS = """
CREATE VIEW edges_finetune AS
    SELECT parent, child, parent_in_snapshot FROM edges WHERE relation = 'finetune';
CREATE VIEW edges_adapter AS
    SELECT parent, child, parent_in_snapshot FROM edges WHERE relation = 'adapter';
CREATE VIEW edges_quantized AS
    SELECT parent, child, parent_in_snapshot FROM edges WHERE relation = 'quantized';
CREATE VIEW edges_merge AS
    SELECT parent, child, parent_in_snapshot FROM edges WHERE relation = 'merge';
CREATE VIEW edges_unknown AS
    SELECT parent, child, parent_in_snapshot FROM edges WHERE relation = 'unknown';
"""

#: The ISO 639 table, copied from the arrow table registered as ``iso_639_arrow``.
CREATE_ISO_639 = "CREATE TEMP TABLE iso_639 AS SELECT code, name, scheme FROM iso_639_arrow"

DROP_TEMP_TABLES = """
DROP TABLE configs;
DROP TABLE base_model_tags;
DROP TABLE language_tags;
DROP TABLE folded_ids;
DROP TABLE iso_639;
"""

# --------------------------------------------------------------------------- models

#: The typed shape of a listing entry: parsed once per row by json_transform. A key the
#: entry omits (or of another type) reads as NULL; ``config`` is kept as JSON text (what
#: ``json_extract(entry, '$.config')`` gives) for the config summary.
ENTRY_SHAPE = (
    '{"author":"VARCHAR","createdAt":"VARCHAR","lastModified":"VARCHAR",'
    '"downloads":"BIGINT","downloadsAllTime":"BIGINT","likes":"BIGINT",'
    '"trendingScore":"DOUBLE","private":"BOOLEAN","gated":"JSON","disabled":"BOOLEAN",'
    '"pipeline_tag":"VARCHAR","library_name":"VARCHAR","tags":["VARCHAR"],'
    '"cardData":"JSON","siblings":[{"rfilename":"VARCHAR"}],'
    '"safetensors":{"total":"BIGINT"},"childrenModelCount":"BIGINT","usedStorage":"BIGINT",'
    '"config":"JSON"}'
)

#: Every listing entry parsed once into the typed struct ``e`` (``ENTRY_SHAPE``), which
#: both ``models`` and the config summary read: ``json_valid`` in the reconciliation, the
#: models' ``json_transform`` and the config's ``json_extract`` each parsed every entry
#: (the listing is most of the build's JSON). Doubles as the reconciliation's JSON check:
#: it fails on any entry that is not valid JSON (then ``LISTING_BAD_JSON`` names them),
#: and a NULL ``e`` (a NULL entry, or the valid ``null``) sends the build to that check too.
CREATE_ENTRIES = """
CREATE TEMP TABLE entries AS
SELECT page, position, id, _id, sha, json_transform(entry, $shape) AS e FROM listing_raw
"""

#: Entries parsed to NULL (a NULL entry or the JSON ``null``): only these can be invalid
#: without the parse failing.
ENTRIES_NULL = "SELECT count(*) FROM entries WHERE e IS NULL"

DROP_ENTRIES = "DROP TABLE entries"

INSERT_MODELS = """
INSERT INTO models
WITH typed AS (
    SELECT *,
        timezone('UTC', try_cast(e.createdAt AS TIMESTAMPTZ)) AS created,
        [s.rfilename FOR s IN e.siblings] AS files
    FROM entries
)
SELECT
    id,
    _id,
    e.author,
    sha,
    created,
    created = $backfill,
    timezone('UTC', try_cast(e.lastModified AS TIMESTAMPTZ)),
    e.downloads,
    e.downloadsAllTime,
    e.likes,
    e.trendingScore,
    e.private,
    CASE
        WHEN json_type(e.gated) = 'VARCHAR' THEN e.gated ->> '$'
        WHEN e.gated IS NULL OR e.gated = 'false' OR e.gated = 'null' THEN NULL
        ELSE CAST(e.gated AS VARCHAR)
    END,
    e.disabled,
    e.pipeline_tag,
    e.library_name,
    e.tags,
    CASE WHEN e.cardData IS NULL OR e.cardData = 'null' THEN NULL
        ELSE CAST(e.cardData AS VARCHAR) END,
    files,
    coalesce(list_contains(files, 'README.md'), false),
    coalesce(len([f FOR f IN files IF ends_with(f, '.safetensors')]) > 0, false),
    e.safetensors.total,
    e.childrenModelCount,
    e.usedStorage,
    page,
    position
FROM typed
ORDER BY id
"""

# --------------------------------------------------------------------------- tags

#: Every tag of every model, in ``(id, position)`` order without a sort: ``models`` is
#: written in id order (``INSERT_MODELS``' ``ORDER BY id``), and a scan of it, ``unnest``
#: (each list in its own order), the filter and the projection all keep the order rows
#: come in, which the insert keeps (``preserve_insertion_order``). An ``ORDER BY id,
#: position`` here sorted the 7.5M tags again: 7.6 -> 3.6 s of CPU at 1.86M models, the
#: same rows in the same order (a test holds it to the sorted form on several threads).
INSERT_TAGS = """
INSERT INTO tags
WITH long AS (
    SELECT id, unnest(tags) AS tag, unnest(range(len(tags))) AS position
    FROM models WHERE tags IS NOT NULL
), prefixed AS (
    SELECT id, position, tag,
        CASE WHEN contains(tag, ':') AND list_contains($prefixes, split_part(tag, ':', 1))
            THEN split_part(tag, ':', 1) END AS prefix
    FROM long WHERE tag IS NOT NULL
)
SELECT id, position, tag, prefix,
    CASE WHEN prefix IS NULL THEN tag ELSE substr(tag, length(prefix) + 2) END
FROM prefixed
"""

#: Lower-cased ids, to resolve a parent written in another case.
CREATE_FOLDED_IDS = """
CREATE TEMP TABLE folded_ids AS
SELECT lower(id) AS lid, min(id) AS id, count(*) AS n FROM models GROUP BY lower(id)
"""

#: Every ``base_model`` tag, parsed: relation, resolved parent, and what is wrong with it.
CREATE_BASE_MODEL_TAGS = r"""
CREATE TEMP TABLE base_model_tags AS
WITH split AS (
    SELECT id AS child, position, tag, value, string_split(value, ':') AS parts
    FROM tags WHERE prefix = 'base_model'
), parsed AS (
    SELECT *,
        CASE WHEN len(parts) = 2 THEN parts[1] END AS relation,
        CASE len(parts) WHEN 1 THEN parts[1] WHEN 2 THEN parts[2] END AS parent_raw
    FROM split
), resolved AS (
    SELECT p.*,
        coalesce(exact.id, CASE WHEN folded.n = 1 THEN folded.id END, p.parent_raw) AS parent,
        exact.id IS NOT NULL OR coalesce(folded.n = 1, false) AS parent_in_snapshot
    FROM parsed p
    LEFT JOIN models exact ON exact.id = p.parent_raw
    LEFT JOIN folded_ids folded ON folded.lid = lower(p.parent_raw)
)
SELECT child, position, tag, relation, parent, parent_in_snapshot,
    CASE
        WHEN value = '' THEN 'empty_value'
        WHEN len(parts) > 2 THEN 'bad_parent_id'
        WHEN len(parts) = 2 AND NOT list_contains($relations, relation) THEN 'unknown_relation'
        WHEN parent_raw = '' OR (len(parts) = 1 AND list_contains($relations, parent_raw))
            THEN 'missing_parent_id'
        WHEN NOT regexp_full_match(parent_raw, '[^/\s]+/[^/\s]+') THEN 'bad_parent_id'
        WHEN lower(parent) = lower(child) THEN 'self_loop'
    END AS reason
FROM resolved
"""

#: One edge per (child, parent): the relation of the first typed tag, else ``unknown``.
INSERT_EDGES = """
INSERT INTO edges
SELECT parent, child,
    coalesce(arg_min(relation, position) FILTER (WHERE relation IS NOT NULL), 'unknown'),
    bool_or(parent_in_snapshot)
FROM base_model_tags
WHERE reason IS NULL
GROUP BY child, parent
ORDER BY child, parent
"""

INSERT_MALFORMED = """
INSERT INTO malformed_tags
WITH problems AS (
    SELECT child AS id, position, tag, reason FROM base_model_tags WHERE reason IS NOT NULL
    UNION ALL
    SELECT b.child, b.position, b.tag, 'conflicting_relation'
    FROM base_model_tags b JOIN edges e ON e.child = b.child AND e.parent = b.parent
    WHERE b.reason IS NULL AND b.relation IS NOT NULL AND b.relation <> e.relation
    UNION ALL
    SELECT id, position, tag, 'empty_value' FROM tags
    WHERE prefix IS NOT NULL AND prefix <> 'base_model' AND value = ''
    UNION ALL
    SELECT id, position, NULL, 'null_tag' FROM (
        SELECT id, unnest(tags) AS tag, unnest(range(len(tags))) AS position
        FROM models WHERE list_aggregate(tags, 'count') < len(tags)
    ) WHERE tag IS NULL
)
SELECT id, position, tag, reason FROM problems ORDER BY id, position, reason
"""

# --------------------------------------------------------------------------- traits

#: Bare tags read as languages: ISO 639-1 codes, and any bare tag the card's front matter
#: declares under ``language`` (a three-letter tag such as ``jax`` or ``trl`` is a
#: language only when declared). The declared codes are joined (they are distinct per
#: model and code, so the join adds no row): an ``EXISTS`` over them was planned as a
#: grouping of all 3.6M bare tags by (id, code) first, 4.2 -> 1.4 s of CPU at 1.86M models
#: for the same rows (a test holds the two forms equal).
CREATE_LANGUAGE_TAGS = """
CREATE TEMP TABLE language_tags AS
WITH declared AS (
    SELECT DISTINCT id, lower(trim(code)) AS code FROM (
        SELECT id, unnest(CASE json_type(card_data, '$.language')
            WHEN 'ARRAY' THEN from_json(json_extract(card_data, '$.language'), '["VARCHAR"]')
            WHEN 'VARCHAR' THEN [json_extract_string(card_data, '$.language')]
        END) AS code
        FROM models WHERE card_data IS NOT NULL
    ) WHERE code IS NOT NULL
)
SELECT t.id, t.tag AS code, coalesce(iso.name, t.tag) AS name, iso.scheme
FROM tags t
LEFT JOIN iso_639 iso ON iso.code = lower(t.tag)
LEFT JOIN declared d ON d.id = t.id AND d.code = lower(t.tag)
WHERE t.prefix IS NULL AND NOT contains(t.tag, ':')
    AND (iso.scheme = '639-1' OR d.id IS NOT NULL)
"""

INSERT_TRAITS = """
INSERT INTO traits
WITH tag_traits AS (
    SELECT id,
        list_sort(list_distinct(list(value) FILTER (WHERE prefix = 'license'))) AS licenses,
        list_sort(list_distinct(list(value) FILTER (WHERE prefix = 'dataset'))) AS datasets,
        list_sort(list_distinct(list(value) FILTER (WHERE prefix = 'arxiv'))) AS arxiv,
        list_sort(list_distinct(list(value) FILTER (WHERE prefix = 'doi'))) AS dois
    FROM tags
    WHERE prefix IN ('license', 'dataset', 'arxiv', 'doi') AND value <> ''
    GROUP BY id
), langs AS (
    SELECT id,
        list_sort(list_distinct(list(name))) AS languages,
        list_sort(list_distinct(list(code))) AS codes,
        list_sort(list_distinct(list(code) FILTER (WHERE scheme IS NULL))) AS unknown
    FROM language_tags GROUP BY id
)
SELECT m.id,
    coalesce(t.licenses, []),
    coalesce(l.languages, []),
    coalesce(l.codes, []),
    coalesce(l.unknown, []),
    coalesce(len(l.languages), 0),
    m.pipeline_tag,
    m.library_name,
    coalesce(t.datasets, []),
    coalesce(t.arxiv, []),
    coalesce(t.dois, [])
FROM models m
LEFT JOIN tag_traits t ON t.id = m.id
LEFT JOIN langs l ON l.id = m.id
ORDER BY m.id
"""

# --------------------------------------------------------------------------- config

#: The config summary of each listed entry that has one (``config=true`` on the listing):
#: its model type, architecture classes and quantization. A key of another type (a
#: number for ``model_type``) reads as NULL and is left out. Read from the parsed entries
#: (``CREATE_ENTRIES``): no entry is parsed again, only the small config text.
CREATE_CONFIGS = """
CREATE TEMP TABLE configs AS
SELECT id, e.config AS config FROM entries
WHERE json_type(e.config) = 'OBJECT'
"""

INSERT_MODEL_TYPE = """
INSERT INTO model_type
SELECT id, model_type FROM (
    SELECT id, CASE WHEN json_type(config, '$.model_type') = 'VARCHAR'
        THEN json_extract_string(config, '$.model_type') END AS model_type
    FROM configs
)
WHERE model_type IS NOT NULL AND model_type <> ''
ORDER BY id
"""

INSERT_ARCHITECTURES = """
INSERT INTO architectures
SELECT DISTINCT id, architecture FROM (
    SELECT id, unnest(json_extract_string(config, '$.architectures[*]')) AS architecture
    FROM configs WHERE json_type(config, '$.architectures') = 'ARRAY'
)
WHERE architecture IS NOT NULL AND architecture <> ''
ORDER BY id, architecture
"""

#: The fields of each fetched ``config.json`` (``configs_raw``: the config shards, rows of
#: the card schema) of a listed model; an integer field of another type reads as NULL.
#: The estimate: 12·L·h² + V·h, a decoder's layers and embedding (see docs/snapshot.md).
INSERT_CONFIG_FIELDS = """
INSERT INTO config_fields
WITH ok AS (
    SELECT id, text::JSON AS j FROM configs_raw
    WHERE status = 'ok' AND json_valid(text) AND json_type(text) = 'OBJECT'
        AND id IN (SELECT id FROM models)
), f AS (
    SELECT id,
        coalesce(try_cast(j->>'$.hidden_size' AS BIGINT), try_cast(j->>'$.d_model' AS BIGINT),
            try_cast(j->>'$.n_embd' AS BIGINT),
            try_cast(j->>'$.text_config.hidden_size' AS BIGINT)) AS h,
        coalesce(try_cast(j->>'$.num_hidden_layers' AS BIGINT),
            try_cast(j->>'$.num_layers' AS BIGINT), try_cast(j->>'$.n_layer' AS BIGINT),
            try_cast(j->>'$.text_config.num_hidden_layers' AS BIGINT)) AS l,
        coalesce(try_cast(j->>'$.num_attention_heads' AS BIGINT),
            try_cast(j->>'$.num_heads' AS BIGINT), try_cast(j->>'$.n_head' AS BIGINT),
            try_cast(j->>'$.text_config.num_attention_heads' AS BIGINT)) AS heads,
        coalesce(try_cast(j->>'$.intermediate_size' AS BIGINT),
            try_cast(j->>'$.text_config.intermediate_size' AS BIGINT)) AS inter,
        coalesce(try_cast(j->>'$.vocab_size' AS BIGINT),
            try_cast(j->>'$.text_config.vocab_size' AS BIGINT)) AS v,
        try_cast(j->>'$.max_position_embeddings' AS BIGINT) AS positions,
        CASE WHEN json_type(j, '$.torch_dtype') = 'VARCHAR' THEN j->>'$.torch_dtype' END AS dtype
    FROM ok
)
SELECT DISTINCT ON (id) id, h, l, heads, inter, v, positions, dtype,
    CASE WHEN h > 0 AND l > 0 AND v > 0 THEN 12 * l * h * h + v * h END
FROM f
ORDER BY id
"""

INSERT_QUANTIZATION = """
INSERT INTO quantization
WITH q AS (
    SELECT id, json_extract(config, '$.quantization_config') AS qc
    FROM configs WHERE json_type(config, '$.quantization_config') = 'OBJECT'
), read AS (
    SELECT id,
        coalesce(nullif(lower(json_extract_string(qc, '$.quant_method')), ''),
            CASE WHEN json_extract_string(qc, '$.load_in_4bit') = 'true'
                OR json_extract_string(qc, '$.load_in_8bit') = 'true'
                THEN 'bitsandbytes' END) AS method,
        coalesce(try_cast(json_extract_string(qc, '$.bits') AS INTEGER),
            CASE WHEN json_extract_string(qc, '$.load_in_4bit') = 'true' THEN 4
                WHEN json_extract_string(qc, '$.load_in_8bit') = 'true' THEN 8 END) AS bits
    FROM q
)
SELECT id, method, bits FROM read WHERE method IS NOT NULL ORDER BY id
"""

INSERT_LANGUAGE_CODES = """
INSERT INTO language_codes
SELECT code, any_value(name), any_value(scheme), any_value(scheme) IS NOT NULL,
    count(DISTINCT id)
FROM language_tags GROUP BY code ORDER BY code
"""

# --------------------------------------------------------------------------- cards

CHECKPOINT = "CHECKPOINT"

#: The card rows with their derived columns, in the cards table's column order, each
#: with the batch of ids it belongs to (``$starts``: the first id of every batch but the
#: first; see ``CARD_BATCH_STARTS``). The build streams it out once, appending each row to
#: its batch's file in its work folder: one read of the shards routes every row, where a
#: filtered scan per batch decoded every shard once per batch (the crawl hashes ids into
#: shards, so no shard or row group holds a range of ids).
ROUTED_CARDS = """
SELECT
    id,
    sha,
    status,
    http_status,
    message,
    text,
    encoding,
    raw,
    length(text) AS length_chars,
    -- filled in Python on each chunk streamed out (phylohub.snapshot.build.count_words,
    -- and length_chars less build.front_matter_chars, huggingface_hub's pattern): as
    -- functions DuckDB called, each copied every text into Arrow once more
    CAST(NULL AS BIGINT) AS length_words,
    CAST(NULL AS BIGINT) AS body_chars,
    bytes,
    truncated,
    -- text ILIKE '%automatically generated%' OR text ILIKE '%generated automatically%':
    -- filled in Python too (build.auto_generated, Arrow's case-insensitive search, which
    -- answers as ILIKE does at an eighth of the CPU of lower-casing every text)
    CAST(NULL AS BOOLEAN) AS auto_generated,
    etag,
    timezone('UTC', fetched_at) AS fetched_at,
    reused,
    requests,
    source,
    len(list_filter($starts, lambda s: s <= id)) AS batch
FROM cards_raw
"""

#: The cards table filled from ``cards.parquet`` once the batches have written it (in id
#: order), every column but ``text``: the texts (most of the snapshot's bytes) are held
#: once, in the file, which their readers read (``attach_card_texts``). One statement over
#: the file, which DuckDB reads on every thread with the file's row order kept
#: (``preserve_insertion_order``) and without decoding a text.
INSERT_CARDS_FROM_PARQUET = "INSERT INTO cards SELECT * EXCLUDE (text) FROM read_parquet($path)"

#: Where the card rows are cut into batches of ids (see ``ROUTED_CARDS``): the first id
#: of each batch and its card bytes. A batch holds the cards whose ids start within
#: ``$batch_bytes`` of card bytes of the batch's first (``bytes``, the README's size as
#: served: known without reading a text), so at most that plus one card.
CARD_BATCH_STARTS = """
WITH running AS (
    SELECT id, sum(coalesce(bytes, 0)) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) AS upto,
        coalesce(bytes, 0) AS own
    FROM cards_raw
)
SELECT min(id) AS low, sum(own) AS card_bytes FROM running
GROUP BY (upto - own) // $batch_bytes
ORDER BY low
"""

# --------------------------------------------------------------------------- summary

INSERT_SUMMARY = """
INSERT INTO summary
WITH counts AS (
    SELECT 'models' AS name, count(*) AS value FROM models
    UNION ALL SELECT 'tags', count(*) FROM tags
    UNION ALL SELECT 'edges', count(*) FROM edges
    UNION ALL
    SELECT 'edges.' || r.relation, count(e.child)
    FROM (SELECT unnest($edge_relations) AS relation) r
    LEFT JOIN edges e ON e.relation = r.relation GROUP BY r.relation
    UNION ALL SELECT 'edges.parent_missing', count(*) FROM edges WHERE NOT parent_in_snapshot
    UNION ALL SELECT 'cards', count(*) FROM cards
    UNION ALL
    SELECT 'cards.' || s.status, count(c.id)
    FROM (SELECT unnest($statuses) AS status) s
    LEFT JOIN cards c ON c.status = s.status GROUP BY s.status
    UNION ALL
    SELECT 'cards.encoding.' || e.encoding, count(c.id)
    FROM (SELECT unnest($encodings) AS encoding) e
    LEFT JOIN cards c ON c.encoding = e.encoding GROUP BY e.encoding
    UNION ALL SELECT 'cards.auto_generated', count(*) FROM cards WHERE auto_generated
    UNION ALL SELECT 'cards.truncated', count(*) FROM cards WHERE truncated
    UNION ALL
    SELECT 'cards.sha_mismatch', count(*)
    FROM cards c JOIN models m ON m.id = c.id WHERE c.sha IS DISTINCT FROM m.sha
    UNION ALL SELECT 'malformed_tags', count(*) FROM malformed_tags
    UNION ALL
    SELECT 'malformed_tags.' || r.reason, count(t.id)
    FROM (SELECT unnest($reasons) AS reason) r
    LEFT JOIN malformed_tags t ON t.reason = r.reason GROUP BY r.reason
    UNION ALL SELECT 'data_quality', count(*) FROM data_quality
    UNION ALL
    SELECT 'data_quality.' || r.rule, count(q.id)
    FROM (SELECT unnest($rules) AS rule) r
    LEFT JOIN data_quality q ON q.rule = r.rule GROUP BY r.rule
    UNION ALL SELECT 'data_quality.models', count(DISTINCT id) FROM data_quality
    UNION ALL
    SELECT 'self_loops', count(DISTINCT id) FROM malformed_tags WHERE reason = 'self_loop'
    UNION ALL SELECT 'listing_parts', $listing_parts
    UNION ALL SELECT 'card_shards', $card_shards
    UNION ALL SELECT 'card_requests', $card_requests
    UNION ALL SELECT 'schema_version', $schema_version
)
SELECT name, value FROM counts ORDER BY name
"""

SELECT_SUMMARY = "SELECT name, value FROM summary ORDER BY name"

# --------------------------------------------------------------------------- checks, export

#: The columns and types of a table, as built (for the schema check).
TABLE_COLUMNS = """
SELECT column_name, data_type FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $table
ORDER BY column_index
"""


def comment_statements(comments: list[tuple[str, str | None, str]]) -> str:
    """``COMMENT ON`` statements for (table, column or None, text) triples.

    DuckDB takes no parameters in ``COMMENT ON``, so the text is quoted here: single
    quotes doubled. Tables and columns come from :mod:`phylohub.snapshot.tables`.

    Examples
    --------
    >>> comment_statements([("t", None, "it's"), ("t", "c", "x")])
    "COMMENT ON TABLE t IS 'it''s';\\nCOMMENT ON COLUMN t.c IS 'x';"
    """
    out = []
    for table, column, text in comments:
        literal = "'" + text.replace("'", "''") + "'"
        if column is None:
            out.append(f"COMMENT ON TABLE {table} IS {literal};")
        else:
            out.append(f"COMMENT ON COLUMN {table}.{column} IS {literal};")
    return "\n".join(out)
