"""Documentation thinning: parents' cards against their children's, per relation.

The paper's section 4.2 and Figure 9, measured on every compared pair (parent listed):

``card_available``
    the model has a card (the crawl fetched its README), over all pairs;
``card_chars``
    the card's length in characters (front matter included), over pairs where both
    sides have a card;
``auto_generated``
    the card contains "automatically generated" or "generated automatically", over
    pairs where both sides have a card;
``languages``
    languages the model lists, over pairs where both sides list at least one.

Each measure is averaged over pairs for the parents and for the children (a parent with
many children counts once per child, as in the paper), with cluster-robust intervals
(the parent as the cluster) for both sides and for the mean change child minus parent;
medians are given beside the means because card lengths are heavy-tailed. Rows: each
relation, and ``all`` (the typed relations pooled). :func:`card_availability` adds the
paper's other observation: models with family ties have cards far more often than models
without.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from phylohub.traits import sql
from phylohub.traits.snapshot import RELATIONS, TYPED_RELATIONS, frame, open_snapshot
from phylohub.traits.stats import cluster_mean

log = logging.getLogger(__name__)

#: The measures, with the pairs they are taken over and whether they are shares.
MEASURES: dict[str, tuple[str, str, str, bool]] = {
    # name: (parent column, child column, pairs kept, share)
    "card_available": ("p_card", "c_card", "all", True),
    "card_chars": ("p_chars", "c_chars", "both_cards", False),
    "auto_generated": ("p_auto", "c_auto", "both_cards", True),
    "languages": ("p_languages", "c_languages", "both_languages", False),
}

#: Rows of the thinning table per measure.
ROWS = (*RELATIONS, "all")

THINNING_SCHEMA = {
    "measure": pl.String,
    "relation": pl.String,
    "pairs": pl.Int64,
    "parents": pl.Int64,
    "parent_mean": pl.Float64,
    "parent_low": pl.Float64,
    "parent_high": pl.Float64,
    "child_mean": pl.Float64,
    "child_low": pl.Float64,
    "child_high": pl.Float64,
    "change_mean": pl.Float64,
    "change_low": pl.Float64,
    "change_high": pl.Float64,
    "parent_median": pl.Float64,
    "child_median": pl.Float64,
}


def documentation(con: Any) -> pl.DataFrame:
    """Both sides' documentation on every compared pair (:data:`sql.DOCUMENTATION`)."""
    return frame(con, sql.DOCUMENTATION)


def _kept(doc: pl.DataFrame, which: str) -> pl.DataFrame:
    if which == "both_cards":
        return doc.filter(pl.col("p_card") & pl.col("c_card"))
    if which == "both_languages":
        return doc.filter((pl.col("p_languages") > 0) & (pl.col("c_languages") > 0))
    return doc


def thinning(doc: pl.DataFrame, level: float = 0.95) -> pl.DataFrame:
    """Parent and child means of every measure, per relation, with intervals.

    Parameters
    ----------
    doc
        The frame of :func:`documentation`.
    level
        Confidence level of the intervals.

    Returns
    -------
    polars.DataFrame
        One row per measure and relation (:data:`THINNING_SCHEMA`).
    """
    rows: list[dict[str, Any]] = []
    for measure, (p_col, c_col, which, share) in MEASURES.items():
        kept = _kept(doc, which)
        for relation in ROWS:
            wanted = TYPED_RELATIONS if relation == "all" else (relation,)
            sub = kept.filter(pl.col("relation").is_in(wanted))
            p = sub[p_col].cast(pl.Float64).to_numpy()
            c = sub[c_col].cast(pl.Float64).to_numpy()
            cluster = sub["parent"].to_numpy()
            ep = cluster_mean(p, cluster, level, share=share)
            ec = cluster_mean(c, cluster, level, share=share)
            ed = cluster_mean(c - p, cluster, level)
            floor = 0.0  # every measure is a share or a non-negative size
            rows.append(
                {
                    "measure": measure,
                    "relation": relation,
                    "pairs": ep.n,
                    "parents": ep.clusters,
                    "parent_mean": ep.mean,
                    "parent_low": floor if ep.low < floor else ep.low,
                    "parent_high": ep.high,
                    "child_mean": ec.mean,
                    "child_low": floor if ec.low < floor else ec.low,
                    "child_high": ec.high,
                    "change_mean": ed.mean,
                    "change_low": ed.low,
                    "change_high": ed.high,
                    "parent_median": float(np.median(p)) if len(p) else float("nan"),
                    "child_median": float(np.median(c)) if len(c) else float("nan"),
                }
            )
    return pl.DataFrame(rows, schema=THINNING_SCHEMA)


def card_availability(con: Any, level: float = 0.95) -> pl.DataFrame:
    """Share of listed models with a card, with and without family ties.

    Returns
    -------
    polars.DataFrame
        ``family_ties`` (bool), ``models``, ``with_card``, ``share``, ``low``, ``high``
        (Wilson intervals; models are independent here).
    """
    counts = frame(con, sql.CARD_AVAILABILITY)
    rows = []
    for ties, models, with_card in counts.iter_rows():
        y = np.zeros(int(models))
        y[: int(with_card)] = 1.0
        e = cluster_mean(y, np.arange(int(models)), level, share=True)
        rows.append(
            {
                "family_ties": bool(ties),
                "models": int(models),
                "with_card": int(with_card),
                "share": e.mean,
                "low": e.low,
                "high": e.high,
            }
        )
    schema = {
        "family_ties": pl.Boolean,
        "models": pl.Int64,
        "with_card": pl.Int64,
        "share": pl.Float64,
        "low": pl.Float64,
        "high": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def write_thinning(
    db: Path,
    out: Path,
    out_availability: Path,
    parents: str = "first",
    level: float = 0.95,
    threads: int | None = None,
    memory_mb: int | None = None,
) -> pl.DataFrame:
    """Measure documentation thinning on a snapshot and write both tables as parquet.

    Parameters
    ----------
    db
        The snapshot's ``hub.duckdb``.
    out
        ``results/{snapshot}/traits/thinning.parquet`` (:func:`thinning`).
    out_availability
        ``results/{snapshot}/traits/card_availability.parquet``
        (:func:`card_availability`).
    parents, threads, memory_mb
        See :func:`phylohub.traits.snapshot.open_snapshot`.
    level
        Confidence level of the intervals.
    """
    con = open_snapshot(db, parents, threads, memory_mb)
    try:
        doc = documentation(con)
        availability = card_availability(con, level)
    finally:
        con.close()
    table = thinning(doc, level)
    for row in table.filter(pl.col("relation") == "all").iter_rows(named=True):
        log.info(
            "%s: parent %.3g -> child %.3g over %d pairs",
            row["measure"], row["parent_mean"], row["child_mean"], row["pairs"],
        )  # fmt: skip
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    table.write_parquet(out)
    availability.write_parquet(out_availability)
    return table
