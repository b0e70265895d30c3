"""Inheritance of traits by merges: which parent's value a merge of two or more parents
shows, which license wins when its parents' differ, and how often it shows none of them.

Each merge of two or more parents, per trait (license, language, task, library), where
the merge and every parent show the trait, falls in one class
(:func:`phylohub.hub.plant_merges.outcome`, the same rule the generator's truth uses):
``shared`` (every parent has the value), ``first`` (the first-listed parent's, not
every parent's), ``other`` (another parent's, not the first's), ``union`` (the union of
the parents' sets, equal to none of them: languages, multi-licensed models) or
``mutation`` (none of these). Values are sets, as the traits stage compares them.

Shares have Wilson's intervals (at ``merges.level``) with the standard error of a
bootstrap that resamples families (:func:`phylohub.merges.pedigree.merge_clusters`: the
first-listed parent's family; merges of one family share ancestry and recipes), seeded
from the config's ``seed``: inside [0, 1], and not a point where every merge falls one way
(percentiles of the resamples gave 0 of 6 the interval [0, 0]). Beside each, the
``families`` it rests on; a claim on too few families or merges gets no interval
(:func:`phylohub.merges.status.claim_status`).
Beside each share, the share among the merges where the class can be told apart
(``possible``: the parents differ for ``first`` and ``other``, the union differs from
every parent for ``union``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import polars as pl

from phylohub.draws import cluster_sums, draw_indexes
from phylohub.hub.plant_merges import OUTCOMES, outcome
from phylohub.merges.status import claim_status
from phylohub.snapshot.connect import connect_snapshot
from phylohub.traits.stats import wilson_interval

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: The traits compared, as the snapshot's ``traits`` table names them.
TRAITS = ("license", "language", "task", "library")
#: The traits stage's ordering the dominance of licenses is read against.
ORDERING = "weighted"

_VALUES = """
SELECT t.id, list_sort(list_distinct(coalesce(t.licenses, []))) AS license,
    list_sort(list_distinct(coalesce(t.languages, []))) AS language,
    CASE WHEN t.task IS NULL OR t.task = '' THEN [] ELSE [t.task] END AS task,
    CASE WHEN t.library IS NULL OR t.library = '' THEN [] ELSE [t.library] END AS library
FROM traits t JOIN wanted w ON w.id = t.id
"""


def read_values(db: Path, ids: Sequence[str]) -> dict[str, dict[str, frozenset[str]]]:
    """Each trait's value set of the models ``ids`` from a snapshot's ``traits`` table
    (trait -> id -> set; a model without the trait is left out)."""
    con: duckdb.DuckDBPyConnection = connect_snapshot(db)
    try:
        wanted = pl.DataFrame({"id": sorted(set(ids))}, schema={"id": pl.String})
        con.register("wanted", wanted.to_arrow())
        rows = con.execute(_VALUES).fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, frozenset[str]]] = {t: {} for t in TRAITS}
    for row in rows:
        for k, trait in enumerate(TRAITS, start=1):
            if row[k]:
                out[trait][row[0]] = frozenset(row[k])
    return out


def classify(merges: pl.DataFrame, values: dict[str, dict[str, frozenset[str]]]) -> pl.DataFrame:
    """One row per merge of two or more parents and trait that it and all its parents
    show: ``id``, ``trait``, ``parents``, ``outcome``, ``possible_first`` (the parents
    differ), ``possible_union`` (their union differs from each), ``null_first`` (the
    chance the first parent carries the merge's value were the parent order random:
    parents with the value over parents), ``child``, ``parent_values`` (``|``-joined),
    ``cluster`` (the merges table's: the family its intervals resample)."""
    rows: list[tuple[Any, ...]] = []
    for mid, parents, cluster in (
        merges.filter(pl.col("parents") >= 2).select("id", "parent_ids", "cluster").iter_rows()
    ):
        for trait in TRAITS:
            vals = values[trait]
            if mid not in vals or any(p not in vals for p in parents):
                continue
            child, pv = vals[mid], [vals[p] for p in parents]
            union = frozenset().union(*pv)
            rows.append((
                mid, trait, len(pv), outcome(child, pv), len(set(pv)) > 1,
                all(union != p for p in pv), sum(p == child for p in pv) / len(pv),
                _label(child), [_label(p) for p in pv], cluster,
            ))  # fmt: skip
    schema: dict[str, Any] = {
        "id": pl.String, "trait": pl.String, "parents": pl.Int64, "outcome": pl.String,
        "possible_first": pl.Boolean, "possible_union": pl.Boolean, "null_first": pl.Float64,
        "child": pl.String, "parent_values": pl.List(pl.String), "cluster": pl.Int64,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def _label(value: frozenset[str]) -> str:
    return ", ".join(sorted(value))


def _possible(cls: pl.DataFrame, name: str) -> npt.NDArray[np.bool_]:
    if name in ("first", "other"):
        return cls["possible_first"].to_numpy()
    if name == "union":
        return cls["possible_union"].to_numpy()
    if name == "shared":
        return ~cls["possible_first"].to_numpy()
    return np.ones(cls.height, dtype=bool)


def _boot(
    num: FloatArray,
    den: FloatArray,
    rng: np.random.Generator,
    replicates: int,
    clusters: IntArray | None = None,
    level: float = 0.95,
) -> tuple[FloatArray, FloatArray]:
    """Percentile intervals at ``level`` of ``num.sum(0) / den.sum(0)`` over merges (rows)
    resampled by ``clusters`` (:func:`_resampled`)."""
    stats = _resampled(num, den, rng, replicates, clusters)
    if not num.shape[0]:
        nan = np.full(num.shape[1], np.nan)
        return nan, nan.copy()
    tail = round(50 * (1 - level), 10)  # 2.5 at 0.95 exactly, not 2.4999999999999996
    return np.nanpercentile(stats, tail, axis=0), np.nanpercentile(stats, 100 - tail, axis=0)


def _resampled(
    num: FloatArray,
    den: FloatArray,
    rng: np.random.Generator,
    replicates: int,
    clusters: IntArray | None = None,
) -> FloatArray:
    """``num.sum(0) / den.sum(0)`` in each of ``replicates`` resamples, one row per
    resample: the rows (merges) are resampled by their ``clusters`` (a label per row;
    every row its own without), a cluster drawn twice counting twice.

    Clusters are summed first (their rows always travel together), so the resamples
    draw clusters, in the order of their sorted labels. When every row is its own
    cluster and every ``den`` is 1 (a mean over merges), a resample's denominator is its
    number of draws, ``n``: the weights are whole counts summing to ``n``, so ``w @ den``
    is ``n`` exactly in any order, and the loop divides by ``n`` without that product or
    the ``d > 0`` test. A test holds both to the plain loop.
    """
    alone = clusters is None
    if not alone:
        _, inv = np.unique(np.asarray(clusters), return_inverse=True)
        inv = inv.reshape(-1)
        g = int(inv.max()) + 1 if inv.size else 0
        alone = g == num.shape[0]
        if not alone:
            num, den = cluster_sums(num, inv, g), cluster_sums(den, inv, g)
    n = num.shape[0]
    stats = np.full((replicates, num.shape[1]), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        if n and alone and bool((den == 1).all()):
            for b in range(replicates):
                w = np.bincount(draw_indexes(rng, n, n), minlength=n).astype(np.float64)
                stats[b] = (w @ num) / n
        else:
            for b in range(replicates):
                w = np.bincount(draw_indexes(rng, n, n), minlength=n).astype(np.float64)
                d = w @ den
                stats[b] = np.where(d > 0, (w @ num) / d, np.nan)
    return stats


def _distinct(labels: Any) -> int:
    return int(np.unique(np.asarray(labels)).size)


def shares(cls: pl.DataFrame, seed: int, replicates: int, level: float = 0.95) -> pl.DataFrame:
    """Per trait and class: ``merges`` (observed), ``families`` (their clusters),
    ``count``, ``share`` with ``share_low``/``share_high``, ``possible`` and
    ``given_possible`` with ``given_low``/``given_high`` (module docs)."""
    out: list[dict[str, Any]] = []
    for t_i, trait in enumerate(TRAITS):
        sub = cls.filter(pl.col("trait") == trait)
        n = sub.height
        clusters = sub["cluster"].to_numpy()
        hit = np.stack([(sub["outcome"] == o).to_numpy() for o in OUTCOMES], axis=1)
        poss = np.stack([_possible(sub, o) for o in OUTCOMES], axis=1)
        num = np.concatenate([hit, hit & poss], axis=1).astype(np.float64)
        den = np.concatenate([np.ones_like(hit), poss], axis=1).astype(np.float64)
        rng = np.random.default_rng([seed, 18, t_i])
        stats = (
            _resampled(num, den, rng, replicates, clusters) if n else np.empty((0, num.shape[1]))
        )
        k = len(OUTCOMES)
        g = _distinct(clusters)
        for j, name in enumerate(OUTCOMES):
            p = int(poss[:, j].sum())
            share = float(hit[:, j].mean()) if n else None
            given = float((hit[:, j] & poss[:, j]).sum() / p) if p else None
            share_low, share_high = _share_interval(share, stats[:, j], n, g, level)
            given_low, given_high = _share_interval(
                given, stats[:, k + j], p, _distinct(clusters[poss[:, j]]), level
            )
            out.append({
                "trait": trait, "outcome": name, "merges": n, "families": g,
                "count": int(hit[:, j].sum()),
                "share": share, "share_low": share_low, "share_high": share_high,
                "possible": p, "given_possible": given,
                "given_low": given_low, "given_high": given_high,
            })  # fmt: skip
    return pl.DataFrame(out, infer_schema_length=None)


def _share_interval(
    share: float | None, resampled: FloatArray, n: int, clusters: int, level: float = 0.95
) -> tuple[float | None, float | None]:
    """Wilson's interval at ``level`` of a share of ``n`` merges in ``clusters`` resampled
    families with the bootstrap's standard error
    (:func:`phylohub.traits.stats.wilson_interval`): inside [0, 1], and not a point where
    every merge falls the same way (0 of 6 keeps an upper bound, as 6 of 6 a lower one),
    which the resamples' percentiles collapse to. None without merges, or with fewer
    than two families (one family gives no interval)."""
    finite = resampled[np.isfinite(resampled)]
    if share is None or n < 1 or clusters < 2 or finite.size < 2:
        return None, None
    return wilson_interval(share, float(finite.std(ddof=1)), n, clusters, level)


def _num(a: FloatArray, j: int) -> float | None:
    return float(a[j]) if j < len(a) and np.isfinite(a[j]) else None


def first_parent_claim(
    cls: pl.DataFrame, seed: int, replicates: int, level: float = 0.95
) -> pl.DataFrame:
    """The claim "merges inherit the first parent's license": among merges whose parents'
    licenses differ and that show one parent's (``first`` or ``other``), the share showing
    the first's less its share were the parent order random (``null_first``), with a
    bootstrap interval resampling families; ``families`` and ``status``
    (:func:`phylohub.merges.status.claim_status`: no difference or interval unless
    ``tested``)."""
    sub = cls.filter(
        (pl.col("trait") == "license")
        & pl.col("possible_first")
        & pl.col("outcome").is_in(["first", "other"])
    )
    first = (sub["outcome"] == "first").to_numpy().astype(np.float64)
    null = sub["null_first"].to_numpy()
    clusters = sub["cluster"].to_numpy()
    num = np.stack([first, null, first - null], axis=1)
    low, high = _boot(num, np.ones_like(num), np.random.default_rng([seed, 18, 99]), replicates,
                      clusters, level)  # fmt: skip
    n, g = sub.height, _distinct(clusters)
    status = claim_status(n, g)
    tested = status == "tested"
    row = {
        "claim": "first_parent_license", "merges": n,
        "first": float(first.mean()) if n else None, "null": float(null.mean()) if n else None,
        "difference": float((first - null).mean()) if tested else None,
        "ci_low": _num(low, 2) if tested else None, "ci_high": _num(high, 2) if tested else None,
        "families": g, "status": status,
    }  # fmt: skip
    return pl.DataFrame(
        [row],
        schema_overrides={k: pl.Float64 for k in row if k not in ("claim", "merges", "families",
                                                                  "status")},
    )  # fmt: skip


def dominance(cls: pl.DataFrame) -> pl.DataFrame:
    """The dominance matrix of licenses, long: for merges whose parents' licenses differ
    and that show one parent's, one row per (``winner``, ``loser``) pair of distinct parent
    values, the winner the merge's: ``merge``, ``winner``, ``loser``, ``cluster`` (the
    merge's family, :func:`phylohub.merges.pedigree.merge_clusters`)."""
    sub = cls.filter(
        (pl.col("trait") == "license")
        & pl.col("possible_first")
        & pl.col("outcome").is_in(["first", "other"])
    )
    rows = [
        (mid, child, loser, cluster)
        for mid, child, pv, cluster in sub.select(
            "id", "child", "parent_values", "cluster"
        ).iter_rows()
        for loser in sorted(set(pv) - {child})
    ]
    return pl.DataFrame(
        rows, schema={"merge": pl.String, "winner": pl.String, "loser": pl.String,
                      "cluster": pl.Int64}, orient="row",
    )  # fmt: skip


def dominance_matrix(long: pl.DataFrame) -> pl.DataFrame:
    """Counts of :func:`dominance`'s pairs by winner and loser, most frequent first."""
    return (
        long.group_by("winner", "loser")
        .agg(pl.len().cast(pl.Int64).alias("merges"))
        .sort(["merges", "winner", "loser"], descending=[True, False, False])
    )


def dominance_order(
    long: pl.DataFrame, order: Sequence[str], seed: int, replicates: int, level: float = 0.95
) -> dict[str, Any]:
    """Does the dominant license sit further along the traits stage's drift ``order``?
    The share of decided pairs (both values in the order) whose winner comes later, with
    Wilson's interval from a bootstrap resampling the merges' families
    (:func:`_share_interval`), and the ``merges`` and ``families`` behind it."""
    pos = {v: k for k, v in enumerate(order)}
    known = long.filter(pl.col("winner").is_in(list(pos)) & pl.col("loser").is_in(list(pos)))
    later = np.array(
        [pos[w] > pos[lo] for w, lo in known.select("winner", "loser").iter_rows()], dtype=float
    )
    clusters = known["cluster"].to_numpy()
    g = _distinct(clusters)
    share = float(later.mean()) if len(later) else None
    stats = (
        _resampled(later[:, None], np.ones((later.size, 1)),
                   np.random.default_rng([seed, 18, 7]), replicates, clusters)
        if g else None
    )  # fmt: skip
    low, high = (
        _share_interval(share, stats[:, 0], len(later), g, level)
        if stats is not None else (None, None)
    )  # fmt: skip
    return {"pairs": len(later), "merges": known["merge"].n_unique(), "families": g,
            "later_share": share, "later_low": low, "later_high": high}  # fmt: skip


def mutation_rates(share_table: pl.DataFrame, first_parent: pl.DataFrame) -> pl.DataFrame:
    """Per trait, the merges' mutation share against all parents (none of their values)
    beside the traits stage's first-parent numbers for merges (``rate``: mean Jaccard
    distance; ``changed``: share of pairs that differ)."""
    mut = share_table.filter(pl.col("outcome") == "mutation").select(
        "trait", "merges", pl.col("share").alias("all_parents"),
        pl.col("share_low").alias("all_low"), pl.col("share_high").alias("all_high"),
    )  # fmt: skip
    first = first_parent.filter(pl.col("relation") == "merge").select(
        "trait", pl.col("pairs").alias("first_pairs"), pl.col("rate").alias("first_rate"),
        pl.col("changed").alias("first_changed"),
    )  # fmt: skip
    return mut.join(first, on="trait", how="left", maintain_order="left")
