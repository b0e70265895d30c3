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

Each measure is estimated two ways (the ``estimate`` column):

``edges``
    the paper's: averaged over pairs, so a parent counts once per child. One popular
    root with a long card and hundreds of children then carries the parent side (and
    the change) almost alone;
``parents``
    every parent once: its children are averaged first, then the parents. It says what
    a typical parent's children do, whatever the family size.

Both get intervals from a **cluster bootstrap over parents** (``replicates`` resamples
of the parents with replacement, seeded): children of one parent share its card and move
together, so they are not independent draws. Means and changes take the bootstrap's
percentile interval, which follows the skew of heavy-tailed card lengths; shares take
Wilson's score interval with the sample size the bootstrap's standard error implies
(:func:`phylohub.traits.stats.wilson_interval`), so a relation where no card is
auto-generated still gets an honest upper bound. Medians are given beside the means
because card lengths are heavy-tailed. Rows: each relation, and ``all`` (the typed
relations pooled). :func:`card_availability` adds the paper's other observation: models
with family ties have cards far more often than models without.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from phylohub.draws import count_draws, draw_indexes
from phylohub.io import write_parquet
from phylohub.traits import sql
from phylohub.traits.snapshot import (
    RELATIONS,
    TYPED_RELATIONS,
    frame,
    open_snapshot,
    parent_codes,
)
from phylohub.traits.stats import cluster_mean, wilson_interval

log = logging.getLogger(__name__)

Array = npt.NDArray[Any]

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

#: The two estimates of every measure (module docs).
ESTIMATES = ("edges", "parents")

THINNING_SCHEMA = {
    "measure": pl.String,
    "relation": pl.String,
    "estimate": pl.String,
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


def coded_documentation(con: Any) -> pl.DataFrame:
    """:func:`documentation` with the parents as integers (``cluster``) and no ids, unsorted
    (:data:`sql.CODED_DOCUMENTATION`): :func:`thinning` gives the same table from either."""
    return frame(con, sql.CODED_DOCUMENTATION)


def _kept(doc: pl.DataFrame, which: str) -> pl.DataFrame:
    if which == "both_cards":
        return doc.filter(pl.col("p_card") & pl.col("c_card"))
    if which == "both_languages":
        return doc.filter((pl.col("p_languages") > 0) & (pl.col("c_languages") > 0))
    return doc


@dataclass(frozen=True)
class _Clusters:
    """One measure's pairs summed per parent: what every estimate and resample needs."""

    n: int  # pairs
    size: Array  # children per parent
    parent_sum: Array  # the parent's value times its children
    child_sum: Array  # its children's values, summed

    @property
    def g(self) -> int:
        return int(self.size.size)

    def means(self, weights: Array) -> dict[str, tuple[Array, Array]]:
        """Parent and child means of both estimates for rows of parent ``weights`` (how
        often each parent is drawn; all ones for the data itself)."""
        edges = weights @ self.size
        per_parent = weights.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return {
                "edges": (weights @ self.parent_sum / edges, weights @ self.child_sum / edges),
                "parents": (
                    weights @ (self.parent_sum / self.size) / per_parent,
                    weights @ (self.child_sum / self.size) / per_parent,
                ),
            }


def _clusters(p: Array, c: Array, parent: Array) -> _Clusters:
    """Sum the pairs' values per parent."""
    _, inverse = np.unique(parent, return_inverse=True)
    g = int(inverse.max()) + 1 if inverse.size else 0
    return _Clusters(
        n=int(p.size),
        size=np.bincount(inverse, minlength=g).astype(float),
        parent_sum=np.bincount(inverse, weights=p, minlength=g),
        child_sum=np.bincount(inverse, weights=c, minlength=g),
    )


def _resample(clusters: _Clusters, replicates: int, rng: np.random.Generator) -> dict[str, Array]:
    """Both estimates' (parent, child) means over ``replicates`` resamples of the parents
    with replacement: an array (replicates, 2) per estimate."""
    g = clusters.g
    out: dict[str, list[Array]] = {e: [] for e in ESTIMATES}
    chunk = max(1, min(replicates, 4_000_000 // max(g, 1)))  # weights of ~32 MB at a time
    done = 0
    while done < replicates:
        b = min(chunk, replicates - done)
        weights = count_draws(draw_indexes(rng, g, (b, g)), g)
        for estimate, (pm, cm) in clusters.means(weights).items():
            out[estimate].append(np.column_stack([pm, cm]))
        done += b
    return {e: np.vstack(v) for e, v in out.items()}


def _interval(
    point: float, boot: Array, n: int, g: int, level: float, share: bool
) -> tuple[float, float]:
    """The bootstrap interval of one quantity: percentile, or Wilson's for a share."""
    boot = boot[np.isfinite(boot)]
    if g < 2 or boot.size < 2 or not np.isfinite(point):
        return float("nan"), float("nan")
    if share:
        return wilson_interval(point, float(boot.std(ddof=1)), n, g, level)
    tail = (1 - level) / 2
    low, high = np.quantile(boot, [tail, 1 - tail])
    return float(low), float(high)


def _row(
    measure: str, relation: str, p: Array, c: Array, parent: Array, share: bool,
    level: float, replicates: int, rng: np.random.Generator,
) -> list[dict[str, Any]]:  # fmt: skip
    """The ``edges`` and ``parents`` rows of one measure and relation."""
    clusters = _clusters(p, c, parent)
    g = clusters.g
    point = clusters.means(np.ones(g)) if g else dict.fromkeys(ESTIMATES, (np.nan, np.nan))
    boot = _resample(clusters, replicates, rng) if g >= 2 and replicates > 0 else {}
    medians = {
        "edges": (p, c),
        "parents": (clusters.parent_sum / clusters.size, clusters.child_sum / clusters.size),
    }
    rows = []
    for estimate in ESTIMATES:
        pm, cm = (float(x) for x in point[estimate])
        b = boot.get(estimate, np.empty((0, 2)))
        size = clusters.n if estimate == "edges" else g
        p_low, p_high = _interval(pm, b[:, 0], size, g, level, share)
        c_low, c_high = _interval(cm, b[:, 1], size, g, level, share)
        d_low, d_high = _interval(cm - pm, b[:, 1] - b[:, 0], size, g, level, False)
        mp, mc = medians[estimate]
        rows.append(
            {
                "measure": measure,
                "relation": relation,
                "estimate": estimate,
                "pairs": clusters.n,
                "parents": g,
                "parent_mean": pm,
                "parent_low": max(0.0, p_low) if np.isfinite(p_low) else p_low,
                "parent_high": p_high,
                "child_mean": cm,
                "child_low": max(0.0, c_low) if np.isfinite(c_low) else c_low,
                "child_high": c_high,
                "change_mean": cm - pm,
                "change_low": d_low,
                "change_high": d_high,
                "parent_median": float(np.median(mp)) if len(mp) else float("nan"),
                "child_median": float(np.median(mc)) if len(mc) else float("nan"),
            }
        )
    return rows


def thinning(
    doc: pl.DataFrame, level: float = 0.95, replicates: int = 1000, seed: int = 0
) -> pl.DataFrame:
    """Parent and child means of every measure, per relation, both estimates, with
    cluster-bootstrap intervals.

    Parameters
    ----------
    doc
        The frame of :func:`documentation` (``relation``, ``parent`` and the sides'
        columns of :data:`MEASURES`), or of :func:`coded_documentation` (its ``cluster``
        numbers the parents already).
    level
        Confidence level of the intervals.
    replicates
        Resamples of the parents for the intervals (0: no intervals).
    seed
        Seed of the resamples; each measure and relation draws from its own stream, so
        a row does not depend on the others.

    Returns
    -------
    polars.DataFrame
        One row per measure, relation and estimate (:data:`THINNING_SCHEMA`).
    """
    with one_blas_thread():
        return _thinning(doc, level, replicates, seed)


def one_blas_thread() -> Any:
    """A context in which BLAS uses one thread. The resamples' means are matrix-vector
    products (resamples x parents times parents); with a BLAS thread per core the second
    thread mostly spins, so at 1.86M models they cost twice the CPU for the same wall
    time (thinning 15 s -> 7 s CPU). One thread also makes the last bits of a mean the
    same on every machine: how BLAS splits a product, and so where it rounds, follows
    its thread count."""
    from threadpoolctl import threadpool_limits  # scikit-learn's own dependency

    return threadpool_limits(limits=1, user_api="blas")


def _thinning(doc: pl.DataFrame, level: float, replicates: int, seed: int) -> pl.DataFrame:
    """:func:`thinning` (BLAS limited by the caller)."""
    rows: list[dict[str, Any]] = []
    if "cluster" not in doc.columns:
        doc = doc.with_columns(cluster=parent_codes(doc))  # parents as sortable integers
    for m, (measure, (p_col, c_col, which, share)) in enumerate(MEASURES.items()):
        kept = _kept(doc, which)
        for r, relation in enumerate(ROWS):
            wanted = TYPED_RELATIONS if relation == "all" else (relation,)
            sub = kept.filter(pl.col("relation").is_in(wanted))
            rows += _row(
                measure, relation,
                sub[p_col].cast(pl.Float64).to_numpy(), sub[c_col].cast(pl.Float64).to_numpy(),
                sub["cluster"].to_numpy(), share, level, replicates,
                np.random.default_rng([seed, m, r]),
            )  # fmt: skip
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
    replicates: int = 1000,
    seed: int = 0,
    threads: int | None = None,
    memory_mb: int | None = None,
    extra_edges: pl.DataFrame | None = None,
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
    level, replicates, seed
        Confidence level, parent resamples and seed of the intervals (:func:`thinning`).
    extra_edges
        Inferred edges compared beside the declared ones (``genealogy.inferred``).
    """
    # documentation only: no config traits to make
    con = open_snapshot(db, parents, threads, memory_mb, extra_edges=extra_edges, traits=False)
    try:
        doc = coded_documentation(con)
        availability = card_availability(con, level)
    finally:
        con.close()
    table = thinning(doc, level, replicates, seed)
    all_rows = table.filter(pl.col("relation") == "all")
    for row in all_rows.iter_rows(named=True):
        log.info(
            "%s (%s): parent %.3g -> child %.3g over %d pairs, %d parents",
            row["measure"], row["estimate"], row["parent_mean"], row["child_mean"], row["pairs"],
            row["parents"],
        )  # fmt: skip
    write_parquet(table, Path(out))
    write_parquet(availability, Path(out_availability))
    return table
