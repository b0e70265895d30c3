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
on a planted ecosystem (:mod:`phylohub.inference.calibration`): in a snapshot with configs
an ``unknown`` verdict (one side has no ``model_type``) is keyed ``missing`` there, apart
from the ``unknown`` of a snapshot without any.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import duckdb
import polars as pl

from phylohub.inference.signals import SIGNALS, TEMPLATES, codes, name_signal, read_signals

log = logging.getLogger(__name__)

#: Verdicts of the config signal (the edges' ``config`` column).
CONFIG_VERDICTS = ("agrees", "disagrees", "unknown")
#: The combination's verdict for ``unknown`` in a snapshot with configs (a ``model_type``
#: table of at least one model): one side of the pair has no ``model_type`` though others
#: have, calibrated apart from ``unknown`` in a snapshot without configs, where every pair
#: is (:func:`combo_key`).
MISSING = "missing"

#: The declared edges as the keys of the pairs they cover (``kin_declared``: the listed
#: child, and every listed or external parent whose id is the declared parent's but for
#: case), and the listed children that declare any parent (``kin_declaring``): the proposed
#: rows are matched to them on integers.
DECLARED = """
CREATE TEMP TABLE kin_declared AS
WITH declared AS (SELECT DISTINCT child, lower(parent) AS lparent FROM edges),
ids AS (SELECT key, lid FROM kin_models UNION ALL SELECT key, lower(id) FROM kin_external)
SELECT DISTINCT c.key AS ckey, i.key AS pkey
FROM declared d JOIN kin_models c ON c.id = d.child JOIN ids i ON i.lid = d.lparent;
CREATE TEMP TABLE kin_declaring AS
SELECT DISTINCT c.key AS ckey FROM edges e JOIN kin_models c ON c.id = e.child
"""

#: Every proposed row (one per signal and evidence) that passes the constraints: a parent
#: older than the child (or external), and a child that declares no parent or this one.
#: ``contradicts`` marks the rows of pairs that name another parent than a declared one
#: (counted for the log, then dropped). Keyed by integers (``ckey``, ``pkey``: a listed
#: model's ``kin_models.key``, an external parent's ``kin_external.key``): at the Hub's size
#: these are tens of millions of rows, and two id strings a row made them spill gigabytes.
#: A row carries its signal's code (``sig``, :func:`~phylohub.inference.signals.signal_code`)
#: and no string: the ranking reads which signals fired, and every constraint is one of the
#: pair, so :data:`PAIRS` reads the kept pairs' rows again from the signal tables, with
#: their relation and evidence. The name pairs hold only older parents (their dates are
#: compared as they are found, :data:`~phylohub.inference.signals.NAME_PAIRS`), and so do
#: the shared text's (name pairs too): only the card pairs are dated here.
PROPOSED = f"""
CREATE TEMP TABLE kin_proposed AS
WITH dated AS (
    SELECT ckey, pkey, sig, namesakes FROM name_pairs
    UNION ALL
    SELECT ckey, pkey, CAST({SIGNALS.index("card_text")} AS UTINYINT), 1 FROM text_pairs
    UNION ALL
    SELECT r.ckey, r.pkey, r.sig, 1 AS namesakes FROM card_pairs r
    JOIN kin_models c ON c.key = r.ckey
    LEFT JOIN kin_models p ON p.key = r.pkey
    WHERE p.key IS NULL OR p.created_at < c.created_at
)
SELECT r.*, d.ckey IS NULL AND r.ckey IN (SELECT ckey FROM kin_declaring) AS contradicts
FROM dated r LEFT JOIN kin_declared d ON d.ckey = r.ckey AND d.pkey = r.pkey
"""

#: The config signal of a pair (child c, parent p of ``kin_models``): ``agrees`` when both
#: have the same ``model_type``, ``disagrees`` when both have one and they differ, else
#: ``unknown`` (every pair when the snapshot holds no config at all).
CONFIG = """CASE WHEN c.mtype IS NULL OR p.mtype IS NULL THEN 'unknown'
    WHEN c.mtype = p.mtype THEN 'agrees' ELSE 'disagrees' END"""
#: The config verdicts in the ranking's order.
CONFIG_RANK = "CASE WHEN c.mtype <> p.mtype THEN 1 ELSE 0 END"

#: The name signals that count as a name's evidence in the ranking (a re-upload does not).
NAMED: tuple[str, ...] = tuple(s for s in SIGNALS if s.startswith("name_") and s != "name_reupload")

#: Per pair, only the numbers the ranking needs (no lists), and per child the first pair
#: by the ranking (every mergekit parent of a merge): the lists of signals and evidence
#: are then built for the kept pairs only, which is what keeps the memory small. The last
#: tie-break, the parent's id, is its key: keys follow ids (external ones after every
#: listed one, and a kept listed parent has a ``created_at``, ordered before theirs). The
#: first pair of a child is an ``arg_min`` over the ranking's keys as one struct (a hash
#: aggregate), not a window sorting every child's pairs: 9M pairs at 1.86M models.
KEPT = f"""
CREATE TEMP TABLE kin_kept AS
WITH counted AS (
    SELECT ckey, pkey,
        count(*) FILTER (WHERE sig IN {codes(TEMPLATES)}) AS templates,
        count(*) FILTER (WHERE sig IN {codes(("card_text",))}) AS texts,
        count(*) FILTER (WHERE sig IN {codes(NAMED)}) AS names,
        coalesce(max(namesakes) FILTER (WHERE sig IN {codes(NAMED)}), 1) AS namesakes,
        bool_or(sig IN {codes(("card_mergekit",))}) AS mergekit
    FROM kin_proposed WHERE NOT contradicts GROUP BY ckey, pkey
), firsts AS (
    SELECT k.ckey, arg_min(k.pkey, row(
        -k.templates, -k.names, -k.texts, {CONFIG_RANK}, k.namesakes, -coalesce(p.kids, 0),
        p.created_at IS NULL, coalesce(p.created_at, TIMESTAMP 'infinity'), k.pkey)) AS pkey,
        bool_or(k.mergekit) AS merge_child
    FROM counted k JOIN kin_models c ON c.key = k.ckey LEFT JOIN kin_models p ON p.key = k.pkey
    GROUP BY k.ckey
)
SELECT ckey, pkey FROM firsts WHERE NOT merge_child
UNION ALL
SELECT DISTINCT ckey, pkey FROM kin_proposed
WHERE NOT contradicts AND sig IN {codes(("card_mergekit",))}
"""

#: The kept pairs with their lists of signals and evidence; their rows are read again from
#: the signal tables as :data:`PROPOSED` reads them (every row of a kept pair passed its
#: constraints), now with the signal, relation and evidence as strings (a name's read from
#: its rest), and the ids are joined on: for these pairs only. The lists are sorted after
#: they are gathered (``list_sort``), not gathered in order (an ordered aggregate sorts
#: each pair's rows apart: at 1.86M models 7 -> 4.3 CPU s of this statement); that is the
#: same order as by (signal, evidence) because no signal's name is a prefix of another's
#: (so ``signal=`` decides before the evidence does) and no evidence is ``NULL``. The
#: child's key is kept beside its id (``ckey``): keys follow ids, so the pairs are sorted by
#: it rather than by the id string (:func:`select_edges`).
PAIRS = f"""
WITH named AS (
    SELECT ckey, pkey, rest, namesakes FROM name_pairs SEMI JOIN kin_kept USING (ckey, pkey)
), rests AS (
    SELECT rest, {name_signal("rest")} FROM (SELECT DISTINCT rest FROM named)
), rows AS (
    SELECT n.ckey, n.pkey, r.signal, r.relation, r.evidence, n.namesakes, TRUE AS listed
    FROM named n JOIN rests r ON r.rest IS NOT DISTINCT FROM n.rest
    UNION ALL
    SELECT ckey, pkey, signal, relation, evidence, 1 AS namesakes, listed
    FROM card_pairs SEMI JOIN kin_kept USING (ckey, pkey)
    UNION ALL
    SELECT ckey, pkey, 'card_text', 'unknown', shared || ' paragraphs', 1, TRUE
    FROM text_pairs SEMI JOIN kin_kept USING (ckey, pkey)
), grouped AS (
    SELECT r.ckey, r.pkey,
        list_sort(list_distinct(list(signal))) AS signals,
        list_sort(list(signal || '=' || evidence)) AS evidence,
        coalesce(
            min(relation) FILTER (WHERE signal IN {TEMPLATES}),
            min(relation) FILTER (WHERE signal LIKE 'name_%' AND relation <> 'unknown'),
            'unknown') AS relation,
        coalesce(max(namesakes) FILTER (
            WHERE signal LIKE 'name_%' AND signal <> 'name_reupload'), 1) AS namesakes,
        bool_and(listed) AS listed,
        bool_or(d.ckey IS NOT NULL) AS covered
    FROM rows r LEFT JOIN kin_declared d ON d.ckey = r.ckey AND d.pkey = r.pkey
    GROUP BY r.ckey, r.pkey
)
SELECT c.id AS child, coalesce(p.id, e.id) AS parent, g.* EXCLUDE (pkey)
    REPLACE (list_concat(g.signals,
        CASE WHEN g.relation = 'adapter' AND c.has_adapter THEN ['files_adapter']
             WHEN g.relation = 'quantized' AND c.has_gguf THEN ['files_gguf']
             ELSE [] END) AS signals),
    {CONFIG} AS config
FROM grouped g JOIN kin_models c ON c.key = g.ckey LEFT JOIN kin_models p ON p.key = g.pkey
LEFT JOIN kin_external e ON e.key = g.pkey
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


def has_configs(model_type: pl.DataFrame | None) -> bool:
    """Whether a snapshot's ``model_type`` frame holds any model's: then an ``unknown``
    config verdict is keyed :data:`MISSING` in the combination (:func:`combo_key`).

    >>> has_configs(None), has_configs(model_types_frame({}))
    (False, False)
    >>> has_configs(model_types_frame({"a/x": "llama"}))
    True
    """
    return model_type is not None and model_type.height > 0


def select_edges(
    con: duckdb.DuckDBPyConnection, model_type: Mapping[str, str] | pl.DataFrame | None
) -> pl.DataFrame:
    """The proposed pairs that pass the constraints and that the ranking keeps (one
    parent per child, every mergekit parent of a merge; module docs), with their signals,
    evidence, relation, config verdict and combination key (``combo``; an ``unknown``
    verdict keyed :data:`MISSING` when ``model_type`` holds any model, :func:`has_configs`).

    The ranking runs in DuckDB on per-pair counts before any list is built: at the Hub's
    size most children have many proposed parents (namesakes, re-uploads, links), and
    the lists of all of them were what ran out of memory."""
    types = model_types_frame(model_type)
    read_signals(con, types)
    con.execute(DECLARED)
    con.execute(PROPOSED)
    (contradicting,) = con.execute(
        "SELECT count(*) FROM (SELECT DISTINCT ckey, pkey FROM kin_proposed WHERE contradicts)"
    ).fetchone()  # type: ignore[misc]
    log.info("dropped %d pairs that name another parent than a declared one", contradicting)
    con.execute(KEPT)
    frame = pl.from_arrow(con.sql(PAIRS).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    # sorted by the child's key, which orders the children as their ids do (a listed
    # model's key is its place in id order, and ids are unique): the same rows in the same
    # order as sorted by (child, parent), at 1.86M models 1.2 -> 0.5 CPU s
    return with_combo(frame, configs=has_configs(types)).sort(["ckey", "parent"]).drop("ckey")


#: The columns :func:`combo_key` reads.
COMBO_COLUMNS = ("signals", "namesakes", "listed", "config")


def with_combo(frame: pl.DataFrame, *, configs: bool) -> pl.DataFrame:
    """``frame`` with its :func:`combo_key` (``combo``, last), computed once per distinct
    value of :data:`COMBO_COLUMNS` (a few hundred) and joined on, rather than by list
    operations on every pair (at 1.86M models 1.18M pairs, 2.1 -> 0.3 CPU s). The rows'
    order is not kept: the caller sorts them."""
    combos = frame.select(COMBO_COLUMNS).unique().with_columns(combo=combo_key(configs=configs))
    return frame.join(combos, on=list(COMBO_COLUMNS), how="left")


def combo_key(*, configs: bool) -> pl.Expr:
    """The combination a pair is calibrated by: its signals, ``ambiguous`` (two listed
    models carry the parent's name) or ``ambiguous3+`` (more), ``external`` (the parent is
    outside the snapshot), and the config verdict, e.g.
    ``card_quantizer+name_quantized|agrees``. With ``configs`` (the snapshot has a
    ``model_type`` for some models) an ``unknown`` verdict is keyed :data:`MISSING`
    (``name_finetune|missing``): such a pair is calibrated on the planted ecosystems'
    pairs of that verdict with their configs known, not on those of a snapshot without
    configs (``name_finetune|unknown``), a population of other precision."""
    verdict = pl.col("config")
    if configs:
        verdict = pl.when(verdict == "unknown").then(pl.lit(MISSING)).otherwise(verdict)
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
    return flags.list.sort().list.join("+") + pl.lit("|") + verdict


def signal_flags(frame: pl.DataFrame) -> pl.DataFrame:
    """One boolean column per signal (did it fire for the pair)."""
    return frame.with_columns([pl.col("signals").list.contains(s).alias(s) for s in SIGNALS])
