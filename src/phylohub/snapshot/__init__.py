"""The snapshot: the crawl's listing and cards merged into one DuckDB file, ``hub.duckdb``.

:func:`build_snapshot` reads the listing parts and card shards
(:mod:`phylohub.crawl.schema`), checks that they reconcile, and writes the tables below
into ``hub.duckdb`` and, one ``<table>.parquet`` each, into a parquet folder. The same
inputs give the same rows in the same order. Every table and column also carries its
description in the database (``SELECT * FROM duckdb_columns()``); the full reference is
``docs/snapshot.md``.

Tables
======
``models`` (one row per listed model, sorted by id)
    ``id``, ``_id``, ``author``, ``sha``, ``created_at`` (TIMESTAMP, UTC),
    ``created_at_backfilled`` (the Hub's 2022-03-02T23:29:04.000Z back-fill),
    ``last_modified``, ``downloads``, ``downloads_all_time``, ``likes``,
    ``trending_score``, ``private``, ``gated`` ('auto'/'manual', NULL when false),
    ``disabled``, ``pipeline_tag``, ``library_name``, ``tags`` (list), ``card_data`` (JSON
    text), ``siblings`` (list of file names), ``has_readme``, ``has_safetensors``,
    ``safetensors_params``, ``children_count``, ``used_storage``, and the listing order
    ``page``, ``position``. Keys an entry omits are NULL.
``tags`` (one row per tag, sorted by id, position)
    ``id``, ``position``, ``tag``, ``prefix`` (``base_model``, ``license``, ``arxiv``,
    ``dataset``, ``doi``, ``region``, else NULL), ``value`` (after ``prefix:``).
``edges`` (one row per (parent, child) pair, sorted by child, parent)
    ``parent``, ``child``, ``relation`` (finetune/adapter/quantized/merge from a typed
    ``base_model:REL:P`` tag; ``unknown`` when only the plain ``base_model:P`` names P),
    ``parent_in_snapshot``. A typed tag and its plain twin are one edge; the parent is
    resolved to the listed id, exactly or else case-insensitively.
``malformed_tags`` (sorted by id, position, reason)
    ``id``, ``position``, ``tag``, ``reason``: ``empty_value``, ``missing_parent_id``,
    ``unknown_relation``, ``bad_parent_id``, ``self_loop``, ``conflicting_relation``,
    ``null_tag`` (see :data:`~phylohub.snapshot.tables.MALFORMED_REASONS`).
``cards`` (one row per listed model, sorted by id)
    ``id``, ``sha``, ``status``, ``http_status``, ``message``, ``text`` (as
    huggingface_hub reads it; in ``parquet/cards.parquet`` only, the one copy of the texts:
    :func:`attach_card_texts` makes the view ``cards_with_text`` of that file on a
    connection, every column and ``text``), ``encoding`` (``utf-8``, ``bom``, ``invalid-utf-8``),
    ``raw`` (the exact bytes unless plain UTF-8), ``length_chars``, ``length_words``,
    ``body_chars`` (without the YAML front matter, found as huggingface_hub finds it),
    ``bytes``, ``truncated``, ``auto_generated`` ("automatically generated" or
    "generated automatically", any case), ``etag``, ``fetched_at``, ``reused``,
    ``requests``, ``source`` (``fetched``, ``previous`` or ``bootstrap``: the public card
    dump).
``traits`` (one row per listed model, sorted by id; lists sorted and distinct)
    ``id``, ``licenses``, ``languages`` (English names; unknown codes kept as-is),
    ``language_codes``, ``unknown_language_codes``, ``n_languages``, ``task``,
    ``library``, ``datasets``, ``arxiv``, ``dois``.
``data_quality`` (one row per flagged value, sorted by id, trait, value, rule)
    ``id``, ``trait`` (language, dataset, library, task), ``value`` (as ``traits`` holds
    it), ``rule``: a value a form or a training script filled in, not a choice
    (:mod:`phylohub.snapshot.quality`: ``placeholder_language_run``,
    ``template_dataset``, ``library_inconsistent``, ``empty_task``).
``model_type`` (one row per model whose config summary names one, sorted by id)
    ``id``, ``model_type``: the listing's ``config.model_type``.
``architectures`` (one row per architecture class, sorted by id, architecture)
    ``id``, ``architecture``: each class of ``config.architectures`` once.
``quantization`` (one row per model with a ``quantization_config``, sorted by id)
    ``id``, ``method`` (``quant_method``; ``bitsandbytes`` for ``load_in_4bit``/``8bit``),
    ``bits``. The parameter count is ``models.safetensors_params``.
``config_fields`` (one row per model whose ``config.json`` the crawl fetched, by id)
    ``id``, ``hidden_size``, ``num_hidden_layers``, ``num_attention_heads``,
    ``intermediate_size``, ``vocab_size``, ``max_position_embeddings``, ``torch_dtype``,
    ``estimated_parameters`` (12·L·h² + V·h, an estimate); empty with ``crawl.configs: none``.
``language_codes`` (one row per distinct language tag, sorted by code)
    ``code``, ``name``, ``scheme`` (639-1, 639-3, 639-2/B or NULL), ``known``, ``models``.
``summary`` (sorted by name)
    ``name``, ``value``: the counts of :class:`SnapshotSummary`.

Views ``edges_finetune``, ``edges_adapter``, ``edges_quantized``, ``edges_merge`` and
``edges_unknown`` hold ``parent``, ``child``, ``parent_in_snapshot`` of one relation.

Examples
--------
>>> from phylohub.snapshot import build_snapshot  # doctest: +SKIP
>>> summary = build_snapshot(parts, shards, Path("hub.duckdb"), Path("parquet"))  # doctest: +SKIP
>>> summary.models == summary.cards  # doctest: +SKIP
True
"""

from typing import TYPE_CHECKING, Any

from phylohub.snapshot.connect import (
    CARDS_WITH_TEXT,
    attach_card_texts,
    cards_parquet,
    connect_snapshot,
)

if TYPE_CHECKING:
    from phylohub.snapshot.build import (
        SnapshotSummary,
        build_snapshot,
        read_listing_manifest,
        read_summary,
    )

#: The names of :mod:`phylohub.snapshot.build`, imported when first asked for: a rule that
#: only reads a snapshot does not load the build (pyarrow, numpy) at start.
_BUILD_NAMES = ("SnapshotSummary", "build_snapshot", "read_listing_manifest", "read_summary")


def __getattr__(name: str) -> Any:
    if name in _BUILD_NAMES:
        from phylohub.snapshot import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CARDS_WITH_TEXT",
    "SnapshotSummary",
    "attach_card_texts",
    "build_snapshot",
    "cards_parquet",
    "connect_snapshot",
    "read_listing_manifest",
    "read_summary",
]
