"""From signals to inferred edges: constraints, one parent per child, a calibrated confidence.

A proposed pair (child, parent) is kept when the parent is another listed model created
strictly before the child (or a model outside the snapshot that a tool's template names:
``external``), and when the child declares no parent, or declares this one (the row is
then ``covered``: the declared edge already says it). A pair that names another parent
than a declared one would contradict the declared edge and is dropped. Because every
kept parent is older than its child, inferred edges alone close no cycle.

One parent per child is kept (all of a mergekit card's parents for a merge), ranked by:
template card signals, then shared card text, then any name signal, then fewer namesakes
(listed models sharing the parent's name), then the parent with more declared children,
then the older parent. Its confidence is the precision that its *combination* of signals
(with ``ambiguous``, ``external`` and the config's verdict) had on a planted ecosystem
(:mod:`phylohub.inference.calibration`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import duckdb
import polars as pl

from phylohub.inference.signals import SIGNALS, TEMPLATES, read_signals

log = logging.getLogger(__name__)

#: Verdicts of the config signal.
CONFIG_VERDICTS = ("agrees", "disagrees", "unknown")

PAIRS = f"""
WITH proposed AS (
    SELECT child, parent, signal, relation, evidence, namesakes, TRUE AS listed
    FROM name_pairs
    UNION ALL
    SELECT child, parent, signal, relation, evidence, 1 AS namesakes, listed
    FROM card_pairs
    UNION ALL
    SELECT child, parent, 'card_text', 'unknown', shared || ' paragraphs', 1, TRUE
    FROM text_pairs
), grouped AS (
    SELECT child, parent,
        list(DISTINCT signal ORDER BY signal) AS signals,
        list(signal || '=' || evidence ORDER BY signal, evidence) AS evidence,
        coalesce(
            min(relation) FILTER (WHERE signal IN {TEMPLATES}),
            min(relation) FILTER (WHERE signal LIKE 'name_%' AND relation <> 'unknown'),
            'unknown') AS relation,
        max(namesakes) FILTER (WHERE signal LIKE 'name_%' AND signal <> 'name_reupload')
            AS namesakes,
        bool_and(listed) AS listed,
        count(*) FILTER (WHERE signal IN {TEMPLATES}) AS templates,
        count(*) FILTER (WHERE signal = 'card_text') AS texts,
        count(*) FILTER (WHERE signal LIKE 'name_%' AND signal <> 'name_reupload') AS names
    FROM proposed GROUP BY child, parent
), declared AS (
    SELECT DISTINCT child, parent FROM edges
)
SELECT g.* REPLACE (list_concat(g.signals,
        CASE WHEN g.relation = 'adapter' AND c.has_adapter THEN ['files_adapter']
             WHEN g.relation = 'quantized' AND c.has_gguf THEN ['files_gguf']
             ELSE [] END) AS signals),
    coalesce(g.namesakes, 1) AS n_namesakes,
    c.author = p.author AS same_author, coalesce(p.kids, 0) AS parent_kids,
    c.created_at AS child_created, p.created_at AS parent_created,
    EXISTS (SELECT 1 FROM declared d WHERE d.child = g.child
        AND lower(d.parent) = lower(g.parent)) AS covered,
    EXISTS (SELECT 1 FROM declared d WHERE d.child = g.child) AS child_declares
FROM grouped g
JOIN kin_models c ON c.id = g.child
LEFT JOIN kin_models p ON p.id = g.parent
WHERE (p.id IS NULL OR p.created_at < c.created_at)
"""


def config_agreement(
    pairs: pl.DataFrame, model_type: Mapping[str, str] | pl.DataFrame | None
) -> pl.Series:
    """The config signal of each pair: ``agrees`` when child and parent have the same
    ``model_type``, ``disagrees`` when both have one and they differ, else ``unknown``
    (and ``unknown`` for every pair when the snapshot holds no config at all).

    >>> p = pl.DataFrame({"child": ["a/x-GGUF", "b/y", "c/z"], "parent": ["o/x", "o/q", "o/r"]})
    >>> config_agreement(p, {"a/x-GGUF": "llama", "o/x": "llama", "b/y": "gpt2", "o/q": "t5"}
    ...                  ).to_list()
    ['agrees', 'disagrees', 'unknown']
    """
    if model_type is None:
        return pl.Series("config", ["unknown"] * pairs.height, dtype=pl.String)
    if not isinstance(model_type, pl.DataFrame):
        model_type = pl.DataFrame(
            {"id": list(model_type), "model_type": list(model_type.values())},
            schema={"id": pl.String, "model_type": pl.String},
        )
    types = model_type.select(
        pl.col("id").str.to_lowercase().alias("key"), pl.col("model_type").str.to_lowercase()
    ).unique("key")
    joined = (
        pairs.select(
            pl.col("child").str.to_lowercase().alias("c"),
            pl.col("parent").str.to_lowercase().alias("p"),
        )
        .join(types.rename({"key": "c", "model_type": "tc"}), on="c", how="left")
        .join(types.rename({"key": "p", "model_type": "tp"}), on="p", how="left")
    )
    verdict = (
        pl.when(pl.col("tc").is_null() | pl.col("tp").is_null())
        .then(pl.lit("unknown"))
        .when(pl.col("tc") == pl.col("tp"))
        .then(pl.lit("agrees"))
        .otherwise(pl.lit("disagrees"))
    )
    return joined.select(verdict.alias("config")).to_series()


def snapshot_model_types(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """The snapshot's ``model_type`` table (id, model_type), or None when it has none."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "model_type" not in tables:
        return None
    frame = pl.from_arrow(con.sql("SELECT id, model_type FROM model_type").to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def candidate_pairs(
    con: duckdb.DuckDBPyConnection, model_type: Mapping[str, str] | pl.DataFrame | None
) -> pl.DataFrame:
    """Every proposed pair that passes the constraints (module docs), with its signals,
    evidence, relation, config verdict and combination key (``combo``)."""
    read_signals(con)
    frame = pl.from_arrow(con.sql(PAIRS).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    frame = frame.drop("namesakes").rename({"n_namesakes": "namesakes"})
    contradicting = frame.filter(pl.col("child_declares") & ~pl.col("covered"))
    log.info("dropped %d pairs that name another parent than a declared one", contradicting.height)
    frame = frame.filter(~pl.col("child_declares") | pl.col("covered"))
    frame = frame.with_columns(config_agreement(frame, model_type))
    return frame.with_columns(combo=combo_key())


def combo_key() -> pl.Expr:
    """The combination a pair is calibrated by: its signals, ``ambiguous`` (two listed
    models carry the parent's name) or ``ambiguous3+`` (more), ``external`` (the parent is
    outside the snapshot), and the config verdict, e.g.
    ``card_quantizer+name_quantized|agrees``."""
    flags = pl.concat_list(
        pl.col("signals"),
        pl.when(pl.col("namesakes") == 2)
        .then(pl.lit(["ambiguous"]))
        .when(pl.col("namesakes") > 2)
        .then(pl.lit(["ambiguous3+"]))
        .otherwise(pl.lit([], pl.List(pl.String))),
        pl.when(~pl.col("listed"))
        .then(pl.lit(["external"]))
        .otherwise(pl.lit([], pl.List(pl.String))),
    )
    return flags.list.sort().list.join("+") + pl.lit("|") + pl.col("config")


def select_edges(pairs: pl.DataFrame) -> pl.DataFrame:
    """One parent per child (every mergekit parent of a merge), by the ranking of the
    module docs; ties broken by parent id so the choice is deterministic."""
    ranked = pairs.sort(
        ["child", "templates", "texts", "names", "namesakes", "parent_kids", "parent_created",
         "parent"],
        descending=[False, True, True, True, False, True, False, False],
        nulls_last=True,
    )  # fmt: skip
    first = ranked.group_by("child", maintain_order=True).head(1)
    merges = ranked.filter(pl.col("signals").list.contains("card_mergekit"))
    merge_children = merges.select("child").unique()
    first = first.join(merge_children, on="child", how="anti")
    return pl.concat([first, merges]).sort(["child", "parent"])


def signal_flags(frame: pl.DataFrame) -> pl.DataFrame:
    """One boolean column per signal (did it fire for the pair)."""
    return frame.with_columns([pl.col("signals").list.contains(s).alias(s) for s in SIGNALS])
