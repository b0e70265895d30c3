"""From signals to inferred edges: constraints, one parent per child, a calibrated confidence.

A proposed pair (child, parent) is kept when the parent is another listed model created
strictly before the child (or a model outside the snapshot that a tool's template names:
``external``), and when the child declares no parent, or declares this one (the row is
then ``covered``: the declared edge already says it). A pair that names another parent
than a declared one would contradict the declared edge and is dropped. Because every
kept parent is older than its child, inferred edges alone close no cycle.

One parent per child is kept (all of a mergekit card's parents for a merge), ranked by:
template card signals, then any name signal (a re-upload's same name is none), then
shared card text, then a config that does not disagree, then fewer namesakes (listed
models sharing the parent's name that the config does not rule out), then the parent
with more declared children (``edges``: the listing's ``childrenCount`` is not in the
snapshot), then the older parent. The ranking runs on per-pair counts before the lists
of signals and evidence are built, and those only for the kept pairs: at the Hub's size
most children have many proposed parents. Its confidence is the precision that its
*combination* of signals (with ``ambiguous``, ``external`` and the config's verdict) had
on a planted ecosystem (:mod:`phylohub.inference.calibration`).
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

#: The declared edges (child, lower-case parent) and the model types, for the joins below.
DECLARED = """
CREATE TEMP TABLE kin_declared AS SELECT DISTINCT child, lower(parent) AS lparent FROM edges
"""

#: Every proposed row (one per signal and evidence) that passes the constraints: a parent
#: older than the child (or external), and a child that declares no parent or this one.
#: ``contradicts`` marks the rows of pairs that name another parent than a declared one
#: (counted for the log, then dropped).
PROPOSED = """
CREATE TEMP TABLE kin_proposed AS
WITH raw AS (
    SELECT child, parent, signal, relation, evidence, namesakes, TRUE AS listed
    FROM name_pairs
    UNION ALL
    SELECT child, parent, signal, relation, evidence, 1 AS namesakes, listed
    FROM card_pairs
    UNION ALL
    SELECT child, parent, 'card_text', 'unknown', shared || ' paragraphs', 1, TRUE
    FROM text_pairs
), dated AS (
    SELECT r.* FROM raw r
    JOIN kin_models c ON c.id = r.child
    LEFT JOIN kin_models p ON p.id = r.parent
    WHERE p.id IS NULL OR p.created_at < c.created_at
)
SELECT r.*, d.child IS NOT NULL AS covered,
    d.child IS NULL AND r.child IN (SELECT child FROM kin_declared) AS contradicts
FROM dated r LEFT JOIN kin_declared d ON d.child = r.child AND d.lparent = lower(r.parent)
"""

#: The config signal of a pair (child c, parent p of ``kin_models``): ``agrees`` when both
#: have the same ``model_type``, ``disagrees`` when both have one and they differ, else
#: ``unknown`` (every pair when the snapshot holds no config at all).
CONFIG = """CASE WHEN c.mtype IS NULL OR p.mtype IS NULL THEN 'unknown'
    WHEN c.mtype = p.mtype THEN 'agrees' ELSE 'disagrees' END"""
#: The config verdicts in the ranking's order.
CONFIG_RANK = "CASE WHEN c.mtype <> p.mtype THEN 1 ELSE 0 END"

#: Per pair, only the numbers the ranking needs (no lists), and per child the first pair
#: by the ranking (every mergekit parent of a merge): the lists of signals and evidence
#: are then built for the kept pairs only, which is what keeps the memory small.
KEPT = f"""
CREATE TEMP TABLE kin_kept AS
WITH counted AS (
    SELECT child, parent,
        count(*) FILTER (WHERE signal IN {TEMPLATES}) AS templates,
        count(*) FILTER (WHERE signal = 'card_text') AS texts,
        count(*) FILTER (WHERE signal LIKE 'name_%' AND signal <> 'name_reupload') AS names,
        coalesce(max(namesakes) FILTER (
            WHERE signal LIKE 'name_%' AND signal <> 'name_reupload'), 1) AS namesakes,
        bool_or(signal = 'card_mergekit') AS mergekit
    FROM kin_proposed WHERE NOT contradicts GROUP BY child, parent
), ranked AS (
    SELECT k.child, k.parent, k.mergekit, row_number() OVER (PARTITION BY k.child ORDER BY
        k.templates DESC, k.names DESC, k.texts DESC, {CONFIG_RANK}, k.namesakes,
        coalesce(p.kids, 0) DESC, p.created_at NULLS LAST, k.parent) AS r,
        bool_or(k.mergekit) OVER (PARTITION BY k.child) AS merge_child
    FROM counted k JOIN kin_models c ON c.id = k.child LEFT JOIN kin_models p ON p.id = k.parent
)
SELECT child, parent FROM ranked WHERE mergekit OR (r = 1 AND NOT merge_child)
"""

PAIRS = f"""
WITH grouped AS (
    SELECT child, parent,
        list(DISTINCT signal ORDER BY signal) AS signals,
        list(signal || '=' || evidence ORDER BY signal, evidence) AS evidence,
        coalesce(
            min(relation) FILTER (WHERE signal IN {TEMPLATES}),
            min(relation) FILTER (WHERE signal LIKE 'name_%' AND relation <> 'unknown'),
            'unknown') AS relation,
        coalesce(max(namesakes) FILTER (
            WHERE signal LIKE 'name_%' AND signal <> 'name_reupload'), 1) AS namesakes,
        bool_and(listed) AS listed,
        bool_or(covered) AS covered
    FROM kin_proposed SEMI JOIN kin_kept USING (child, parent)
    GROUP BY child, parent
)
SELECT g.* REPLACE (list_concat(g.signals,
        CASE WHEN g.relation = 'adapter' AND c.has_adapter THEN ['files_adapter']
             WHEN g.relation = 'quantized' AND c.has_gguf THEN ['files_gguf']
             ELSE [] END) AS signals),
    {CONFIG} AS config
FROM grouped g JOIN kin_models c ON c.id = g.child LEFT JOIN kin_models p ON p.id = g.parent
"""


def model_types_frame(model_type: Mapping[str, str] | pl.DataFrame | None) -> pl.DataFrame | None:
    """``model_type`` as a frame (``id``, ``model_type``); a mapping id -> model_type is
    accepted too.

    >>> model_types_frame({"a/x": "llama"}).rows()
    [('a/x', 'llama')]
    """
    if model_type is None or isinstance(model_type, pl.DataFrame):
        return model_type
    return pl.DataFrame(
        {"id": list(model_type), "model_type": list(model_type.values())},
        schema={"id": pl.String, "model_type": pl.String},
    )


def snapshot_model_types(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """The snapshot's ``model_type`` table (id, model_type), or None when it has none."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "model_type" not in tables:
        return None
    frame = pl.from_arrow(con.sql("SELECT id, model_type FROM model_type").to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def select_edges(
    con: duckdb.DuckDBPyConnection, model_type: Mapping[str, str] | pl.DataFrame | None
) -> pl.DataFrame:
    """The proposed pairs that pass the constraints and that the ranking keeps (one
    parent per child, every mergekit parent of a merge; module docs), with their signals,
    evidence, relation, config verdict and combination key (``combo``).

    The ranking runs in DuckDB on per-pair counts before any list is built: at the Hub's
    size most children have many proposed parents (namesakes, re-uploads, links), and
    the lists of all of them were what ran out of memory."""
    read_signals(con, model_types_frame(model_type))
    con.execute(DECLARED)
    con.execute(PROPOSED)
    (contradicting,) = con.execute(
        "SELECT count(*) FROM (SELECT DISTINCT child, parent FROM kin_proposed WHERE contradicts)"
    ).fetchone()  # type: ignore[misc]
    log.info("dropped %d pairs that name another parent than a declared one", contradicting)
    con.execute(KEPT)
    frame = pl.from_arrow(con.sql(PAIRS).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(combo=combo_key()).sort(["child", "parent"])


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


def signal_flags(frame: pl.DataFrame) -> pl.DataFrame:
    """One boolean column per signal (did it fire for the pair)."""
    return frame.with_columns([pl.col("signals").list.contains(s).alias(s) for s in SIGNALS])
