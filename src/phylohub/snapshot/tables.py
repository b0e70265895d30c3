"""The snapshot's tables, described once: names, types and what every column means.

This is the single description of ``hub.duckdb``. The builder attaches it to the database
(``COMMENT ON TABLE/COLUMN``, so ``duckdb_columns()`` shows it), the tests check that the
tables built have exactly these columns and types, and :func:`render_markdown` renders the
reference section of ``docs/snapshot.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from phylohub.snapshot.quality import RULES
from phylohub.vocabulary import EDGE_RELATIONS, TAG_RELATIONS

#: Relations of a typed ``base_model:REL:ORG/NAME`` tag.
RELATIONS: tuple[str, ...] = TAG_RELATIONS
#: Tag prefixes with a meaning (hub-api vocabulary); any other ``x:y`` tag is opaque.
KNOWN_PREFIXES: tuple[str, ...] = ("base_model", "license", "arxiv", "dataset", "doi", "region")
#: Why a tag went to ``malformed_tags``.
MALFORMED_REASONS: dict[str, str] = {
    "empty_value": "a known prefix with nothing after it (``base_model:``, ``license:``, ...)",
    "missing_parent_id": "a relation with no parent (``base_model:finetune:``, "
    "``base_model:finetune``)",
    "unknown_relation": "``base_model:X:P`` where X is not finetune/adapter/quantized/merge",
    "bad_parent_id": "the parent is not ``ns/name`` (no namespace, extra path segments, "
    "whitespace, an extra ``:``)",
    "self_loop": "the parent is the model itself (compared case-insensitively)",
    "conflicting_relation": "a typed tag whose relation differs from an earlier typed tag "
    "for the same parent (the edge keeps the earlier one)",
    "null_tag": "a null element in the entry's ``tags`` list",
}


@dataclass(frozen=True)
class Column:
    """One column: its name, DuckDB type and meaning."""

    name: str
    type: str
    doc: str


@dataclass(frozen=True)
class Table:
    """One table: its name, what a row is, its sort order and its columns.

    ``columns`` are those of ``<name>.parquet``; ``parquet_only`` names the ones the table
    in ``hub.duckdb`` leaves out (held once, in the parquet file: the card texts).
    """

    name: str
    doc: str
    order_by: tuple[str, ...]
    columns: tuple[Column, ...]
    parquet_only: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names of the parquet file, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def db_columns(self) -> tuple[Column, ...]:
        """The columns of the table in ``hub.duckdb``, in order."""
        return tuple(c for c in self.columns if c.name not in self.parquet_only)


def _c(name: str, type_: str, doc: str) -> Column:
    return Column(name, type_, doc)


TABLES: tuple[Table, ...] = (
    Table(
        "models",
        "One row per listed model: every field of its listing entry "
        "(``full=true&config=true&cardData=true``), parsed and typed (``modelId``, a copy "
        "of ``id``, is not kept).",
        ("id",),
        (
            _c("id", "VARCHAR", "model id ``namespace/name``, as listed"),
            _c("_id", "VARCHAR", "the Hub's object id (24 hex digits)"),
            _c("author", "VARCHAR", "namespace (``author``)"),
            _c("sha", "VARCHAR", "head commit of the repository when listed"),
            _c("created_at", "TIMESTAMP", "``createdAt`` in UTC (the back-fill value kept)"),
            _c(
                "created_at_backfilled",
                "BOOLEAN",
                "``createdAt`` is the Hub's back-fill 2022-03-02T23:29:04.000Z "
                "(created before dates were recorded), not a real date",
            ),
            _c("last_modified", "TIMESTAMP", "``lastModified`` in UTC"),
            _c("downloads", "BIGINT", "downloads in the last 30 days"),
            _c("downloads_all_time", "BIGINT", "``downloadsAllTime``; NULL unless listed"),
            _c("likes", "BIGINT", "likes"),
            _c("trending_score", "DOUBLE", "``trendingScore``"),
            _c("private", "BOOLEAN", "``private`` (false for every listed model)"),
            _c("gated", "VARCHAR", "``auto`` or ``manual``; NULL when the entry says false"),
            _c("disabled", "BOOLEAN", "``disabled``; NULL when the entry omits it"),
            _c("pipeline_tag", "VARCHAR", "the task; NULL when absent"),
            _c("library_name", "VARCHAR", "the library; NULL when absent"),
            _c("tags", "VARCHAR[]", "the entry's tags, in the Hub's order"),
            _c("card_data", "VARCHAR", "``cardData`` (the card's front matter) as JSON text"),
            _c("siblings", "VARCHAR[]", "file names of the repository (``rfilename``)"),
            _c("has_readme", "BOOLEAN", "``README.md`` is among the siblings"),
            _c("has_safetensors", "BOOLEAN", "a sibling ends in ``.safetensors``"),
            _c(
                "safetensors_params",
                "BIGINT",
                "``safetensors.total`` (parameters); NULL unless the entry has it",
            ),
            _c("children_count", "BIGINT", "``childrenModelCount``; NULL unless listed"),
            _c("used_storage", "BIGINT", "``usedStorage`` in bytes; NULL unless listed"),
            _c("page", "BIGINT", "listing page the model came on (0-based)"),
            _c("position", "BIGINT", "position on that page (0-based)"),
        ),
    ),
    Table(
        "tags",
        "One row per tag of a listed model (long form of ``models.tags``).",
        ("id", "position"),
        (
            _c("id", "VARCHAR", "model id"),
            _c("position", "INTEGER", "index in the entry's tag list (0-based)"),
            _c("tag", "VARCHAR", "the tag as listed"),
            _c(
                "prefix",
                "VARCHAR",
                "``base_model``, ``license``, ``arxiv``, ``dataset``, ``doi`` or "
                "``region`` when the tag starts with one and a ``:``; else NULL",
            ),
            _c("value", "VARCHAR", "the tag after ``prefix:``; the whole tag when no prefix"),
        ),
    ),
    Table(
        "edges",
        "One row per (parent, child) pair declared by the child's ``base_model`` tags; "
        "a typed tag and its plain twin are one edge.",
        ("child", "parent"),
        (
            _c(
                "parent",
                "VARCHAR",
                "the base model; the listed id when it matches one (exactly, else "
                "case-insensitively), else as tagged",
            ),
            _c("child", "VARCHAR", "the model that declares it (a listed id)"),
            _c(
                "relation",
                "VARCHAR",
                "finetune, adapter, quantized or merge from ``base_model:REL:P``; "
                "``unknown`` when only the plain ``base_model:P`` names the parent",
            ),
            _c("parent_in_snapshot", "BOOLEAN", "the parent is a listed model"),
        ),
    ),
    Table(
        "malformed_tags",
        "One row per tag that could not be read as meant (never silently dropped); "
        "self-loops are here, not in ``edges``.",
        ("id", "position", "reason"),
        (
            _c("id", "VARCHAR", "model id"),
            _c("position", "INTEGER", "index in the entry's tag list (0-based)"),
            _c("tag", "VARCHAR", "the tag as listed (NULL for a null element)"),
            _c("reason", "VARCHAR", "one of: " + ", ".join(MALFORMED_REASONS)),
        ),
    ),
    Table(
        "cards",
        "One row per listed model: its card row from the crawl, with measures of the text. "
        "The text itself is held once, in ``parquet/cards.parquet`` beside ``hub.duckdb`` "
        "(every column below); the table holds every column but ``text`` "
        "(``phylohub.snapshot.attach_card_texts`` makes the view ``cards_with_text`` of "
        "the file on a connection).",
        ("id",),
        (
            _c("id", "VARCHAR", "model id"),
            _c("sha", "VARCHAR", "the repository sha the card was fetched at"),
            _c("status", "VARCHAR", "ok, no_readme, gated, not_found, disabled or error"),
            _c("http_status", "INTEGER", "last HTTP status; NULL when no request was made"),
            _c(
                "message",
                "VARCHAR",
                "what the Hub said when it refused the card (its `X-Error-Message`), else the "
                "answer's status line, or the client's last error after its retries; NULL when ok",
            ),
            _c(
                "text",
                "VARCHAR",
                "the card (front matter included) as huggingface_hub's ``RepoCard.load`` "
                "reads it: UTF-8, a leading byte order mark dropped; bytes that are not "
                "UTF-8 read as U+FFFD; NULL unless ok. In ``cards.parquet`` only",
            ),
            _c(
                "encoding",
                "VARCHAR",
                "``utf-8``, ``bom`` (UTF-8 after a byte order mark) or ``invalid-utf-8`` "
                "(bytes that are not UTF-8); NULL unless ok",
            ),
            _c(
                "raw",
                "BLOB",
                "the card's exact bytes as served (cut at the cap) when they are not "
                "``text`` in UTF-8 (encoding bom or invalid-utf-8); else NULL",
            ),
            _c(
                "length_chars",
                "BIGINT",
                "characters (code points) of ``text``; a run of bytes that are not UTF-8 "
                "counts as one U+FFFD",
            ),
            _c(
                "length_words",
                "BIGINT",
                "words of ``text``: runs of characters other than ASCII whitespace",
            ),
            _c(
                "body_chars",
                "BIGINT",
                "characters of ``text`` without its YAML front matter, found as "
                "huggingface_hub's ``RepoCard`` finds it (blank lines, then a ``---`` "
                "line, up to the next ``---`` line)",
            ),
            _c("bytes", "BIGINT", "size of the whole README as served (before any cut)"),
            _c("truncated", "BOOLEAN", "``text`` was cut at the crawl's size cap"),
            _c(
                "auto_generated",
                "BOOLEAN",
                "``text`` contains 'automatically generated' or 'generated "
                "automatically' (any case); NULL without text",
            ),
            _c("etag", "VARCHAR", "the README's ETag (git blob sha1)"),
            _c("fetched_at", "TIMESTAMP", "UTC time of the answer (or of the reuse)"),
            _c("reused", "BOOLEAN", "copied from a previous snapshot (same sha)"),
            _c("requests", "INTEGER", "HTTP requests spent on this card"),
            _c(
                "source",
                "VARCHAR",
                "where the row came from: fetched, previous (same sha) or bootstrap (the "
                "public card dump, same lastModified)",
            ),
        ),
        parquet_only=("text",),
    ),
    Table(
        "traits",
        "One row per listed model: the traits the analysis compares along edges. Lists "
        "are sorted and hold distinct values; a model without a trait has an empty list.",
        ("id",),
        (
            _c("id", "VARCHAR", "model id"),
            _c("licenses", "VARCHAR[]", "values of ``license:`` tags"),
            _c(
                "languages",
                "VARCHAR[]",
                "language names of the language tags (``en``/``eng`` -> English); an "
                "unknown code is kept as it is",
            ),
            _c("language_codes", "VARCHAR[]", "the language tags as listed"),
            _c(
                "unknown_language_codes",
                "VARCHAR[]",
                "language tags that are no ISO 639 code (kept as-is in ``languages``)",
            ),
            _c("n_languages", "INTEGER", "number of ``languages``"),
            _c("task", "VARCHAR", "``pipeline_tag``"),
            _c("library", "VARCHAR", "``library_name``"),
            _c("datasets", "VARCHAR[]", "values of ``dataset:`` tags"),
            _c("arxiv", "VARCHAR[]", "values of ``arxiv:`` tags"),
            _c("dois", "VARCHAR[]", "values of ``doi:`` tags"),
        ),
    ),
    Table(
        "data_quality",
        "One row per model, trait and value that a rule reads as a form's or a training "
        "script's default rather than a choice (kept in ``traits``; the traits stage "
        "leaves them out with ``traits.exclude_flagged``).",
        ("id", "trait", "value", "rule"),
        (
            _c("id", "VARCHAR", "model id"),
            _c("trait", "VARCHAR", "language, dataset, library or task"),
            _c(
                "value",
                "VARCHAR",
                "the value as ``traits`` holds it (a language by its name, ``Afar``)",
            ),
            _c("rule", "VARCHAR", "the rule that fired, one of: " + ", ".join(RULES)),
        ),
    ),
    Table(
        "model_type",
        "One row per listed model whose config summary (the listing's ``config``) names "
        "a ``model_type``.",
        ("id",),
        (
            _c("id", "VARCHAR", "model id"),
            _c("model_type", "VARCHAR", "``config.model_type`` as listed (``llama``, ``bert``)"),
        ),
    ),
    Table(
        "architectures",
        "One row per architecture class in a listed model's config summary "
        "(``config.architectures``, each distinct class once).",
        ("id", "architecture"),
        (
            _c("id", "VARCHAR", "model id"),
            _c("architecture", "VARCHAR", "the class, e.g. ``LlamaForCausalLM``"),
        ),
    ),
    Table(
        "quantization",
        "One row per listed model whose config summary has a ``quantization_config``.",
        ("id",),
        (
            _c("id", "VARCHAR", "model id"),
            _c(
                "method",
                "VARCHAR",
                "``quant_method`` (``gptq``, ``awq``, ``bitsandbytes``, ...); "
                "``bitsandbytes`` when only ``load_in_4bit``/``load_in_8bit`` say so",
            ),
            _c(
                "bits",
                "INTEGER",
                "``bits`` (4 or 8 from ``load_in_4bit``/``load_in_8bit``); NULL when unsaid",
            ),
        ),
    ),
    Table(
        "config_fields",
        "One row per listed model whose ``config.json`` the crawl fetched (``crawl.configs``: "
        "``families`` or ``all``; empty with ``none``), its fields read as ``transformers`` "
        "names them, with the usual aliases (``d_model``, ``n_embd``, ``num_layers``, "
        "``n_layer``, ``num_heads``, ``n_head``, ``text_config.*``).",
        ("id",),
        (
            _c("id", "VARCHAR", "model id"),
            _c("hidden_size", "BIGINT", "``hidden_size`` (h); NULL when unsaid"),
            _c("num_hidden_layers", "BIGINT", "``num_hidden_layers`` (L); NULL when unsaid"),
            _c("num_attention_heads", "BIGINT", "``num_attention_heads``; NULL when unsaid"),
            _c("intermediate_size", "BIGINT", "``intermediate_size``; NULL when unsaid"),
            _c("vocab_size", "BIGINT", "``vocab_size`` (V); NULL when unsaid"),
            _c("max_position_embeddings", "BIGINT", "``max_position_embeddings``"),
            _c("torch_dtype", "VARCHAR", "``torch_dtype`` (``bfloat16``, ``float32``, ...)"),
            _c(
                "estimated_parameters",
                "BIGINT",
                "an estimate of a decoder's parameters, 12·L·h² + V·h (attention 4h², MLP "
                "8h² a layer, the embedding V·h); NULL unless L, h and V are known",
            ),
        ),
    ),
    Table(
        "language_codes",
        "One row per distinct language tag in the snapshot: how it was read.",
        ("code",),
        (
            _c("code", "VARCHAR", "the tag as listed"),
            _c("name", "VARCHAR", "the language name (the code itself when unknown)"),
            _c("scheme", "VARCHAR", "``639-1``, ``639-3`` or ``639-2/B``; NULL when unknown"),
            _c("known", "BOOLEAN", "the code is an ISO 639 code"),
            _c("models", "BIGINT", "models carrying the tag"),
        ),
    ),
    Table(
        "summary",
        "Counts for later stages and reports, one row per name: ``models``, ``tags``, "
        "``edges``, ``edges.<relation>``, ``edges.parent_missing``, ``cards``, "
        "``cards.<status>``, ``cards.encoding.<encoding>``, ``cards.auto_generated``, "
        "``cards.truncated``, "
        "``cards.sha_mismatch``, ``malformed_tags``, ``malformed_tags.<reason>``, "
        "``data_quality``, ``data_quality.<rule>``, ``data_quality.models`` (models with a "
        "flag), "
        "``self_loops`` (models with a self-loop tag), ``listing_parts``, ``card_shards``, "
        "``card_requests`` (the requests the card crawl sent, by every run, a killed run's "
        "included: the shards' ``.stats.json`` ``requests``, as the crawl health counts "
        "them; shards without a stats file: the card rows' ``requests``), "
        "``schema_version``.",
        ("name",),
        (
            _c("name", "VARCHAR", "what is counted"),
            _c("value", "BIGINT", "the count"),
        ),
    ),
)

TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

#: Views over ``edges``: one per relation.
VIEWS: dict[str, str] = {f"edges_{r}": f"edges of relation {r}" for r in EDGE_RELATIONS}


def render_markdown() -> str:
    """The reference section of ``docs/snapshot.md``: one markdown table per table.

    Returns
    -------
    str
        Markdown, ending in a newline.

    Examples
    --------
    >>> render_markdown().splitlines()[0]
    '### `models`'
    """
    out: list[str] = []
    for t in TABLES:
        out += [f"### `{t.name}`", "", t.doc.replace("``", "`"), ""]
        out += [f"Sorted by {', '.join(t.order_by)}.", ""]
        out += ["| column | type | meaning |", "|---|---|---|"]
        out += [
            f"| `{c.name}` | {c.type} | {c.doc.replace('``', '`').replace('|', '/')} |"
            for c in t.columns
        ]
        out.append("")
    out += ["### Views", ""]
    out += [
        f"- `{name}`: {doc} (`parent`, `child`, `parent_in_snapshot`)"
        for name, doc in VIEWS.items()
    ]
    out += ["", "### Reasons in `malformed_tags`", ""]
    out += [f"- `{r}`: {d.replace('``', '`')}" for r, d in MALFORMED_REASONS.items()]
    out += ["", "### Rules in `data_quality`", ""]
    out += [f"- `{r}` ({t}): {d.replace('``', '`')}" for r, (t, d) in RULES.items()]
    return "\n".join(out) + "\n"
