"""Mutation rates (the paper's Definition 7.1) per trait and relation, with intervals.

On an edge from parent P to child C, a trait whose values form the sets ``T(P)`` and
``T(C)`` mutates by ``1 - |T(P) ∩ T(C)| / |T(P) ∪ T(C)|`` (0: unchanged, 1: nothing
kept). For a single-valued trait (task, library, one license) it is 0 or 1. The rate of a
relation is the mean over its compared pairs where *both* sides have the trait; pairs
with the trait on one side only say nothing about mutation and are left out, as in the
paper.

Traits: ``license`` (the ``license:`` tags), ``language`` (language names, so ``en`` and
``eng`` are one language), ``task`` (``pipeline_tag``) and ``library``
(``library_name``). Relations: finetune, adapter, quantized, merge, unknown (plain
``base_model:`` tags) and ``all`` (the four typed relations pooled).

Intervals are cluster-robust with the parent as the cluster
(:func:`phylohub.traits.stats.cluster_mean`): siblings mutate together.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from phylohub.io import write_parquet
from phylohub.traits import sql
from phylohub.traits.snapshot import (
    RELATIONS,
    TYPED_RELATIONS,
    frame,
    open_snapshot,
    parent_codes,
    use_flags,
)
from phylohub.traits.stats import cluster_mean
from phylohub.vocabulary import TRAITS

log = logging.getLogger(__name__)

#: The traits compared, in the order the stage reports them.
#: Rows of the mutation table per trait: each relation, then the typed ones pooled.
ROWS = (*RELATIONS, "all")

MUTATION_SCHEMA = {
    "trait": pl.String,
    "relation": pl.String,
    "pairs": pl.Int64,
    "parents": pl.Int64,
    "rate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "se": pl.Float64,
    "changed": pl.Float64,
}


def jaccard_distance(parent: Collection[str], child: Collection[str]) -> float:
    """Definition 7.1 on one edge: ``1 - |P ∩ C| / |P ∪ C|``.

    Parameters
    ----------
    parent, child
        The trait's values on each side (neither empty).

    Examples
    --------
    >>> jaccard_distance({"en", "fr", "de"}, {"en"})
    0.6666666666666667
    >>> jaccard_distance(["mit"], ["mit"]), jaccard_distance(["mit"], ["apache-2.0"])
    (0.0, 1.0)
    """
    p, c = set(parent), set(child)
    return 1.0 - len(p & c) / len(p | c)


def mutation_distances(con: Any) -> pl.DataFrame:
    """Definition 7.1 on every compared pair where both sides have the trait.

    Parameters
    ----------
    con
        A connection from :func:`phylohub.traits.snapshot.open_snapshot`.

    Returns
    -------
    polars.DataFrame
        ``trait``, ``relation``, ``child``, ``parent``, ``distance``.
    """
    return frame(con, sql.MUTATION_DISTANCES)


def coded_distances(con: Any) -> pl.DataFrame:
    """:func:`mutation_distances` keyed by integers (:data:`sql.CODED_MUTATION_DISTANCES`):
    ``trait``, ``relation``, ``cluster`` (the parent, numbered in the parents' sorting
    order), ``distance``, in the same row order. :func:`mutation_rates` gives the same
    table from either; this one leaves the ids in the snapshot."""
    return frame(con, sql.CODED_MUTATION_DISTANCES)


def mutation_rates(distances: pl.DataFrame, level: float = 0.95) -> pl.DataFrame:
    """The mean distance per trait and relation, with cluster-robust intervals.

    Parameters
    ----------
    distances
        The frame of :func:`mutation_distances`, or of :func:`coded_distances` (its
        ``cluster`` numbers the parents already).
    level
        Confidence level of the intervals.

    Returns
    -------
    polars.DataFrame
        One row per trait and relation (:data:`ROWS`, empty relations included with 0
        pairs): ``pairs``, ``parents`` (clusters), ``rate``, ``ci_low``, ``ci_high``,
        ``se``, and ``changed`` (share of pairs with any change).

    Examples
    --------
    >>> d = pl.DataFrame({"trait": ["task"] * 3, "relation": ["finetune"] * 3,
    ...                   "child": ["a/1", "a/2", "a/3"], "parent": ["b/1", "b/1", "b/2"],
    ...                   "distance": [1.0, 0.0, 0.0]})
    >>> row = mutation_rates(d).filter(trait="task", relation="all").row(0, named=True)
    >>> row["pairs"], row["parents"], round(row["rate"], 4)
    (3, 2, 0.3333)
    """
    rows: list[dict[str, Any]] = []
    cluster = distances["cluster"] if "cluster" in distances.columns else parent_codes(distances)
    coded = distances.select("trait", "relation", "distance", cluster=cluster)
    for trait in TRAITS:
        of_trait = coded.filter(pl.col("trait") == trait)
        for relation in ROWS:
            wanted = TYPED_RELATIONS if relation == "all" else (relation,)
            sub = of_trait.filter(pl.col("relation").is_in(wanted))
            values = sub["distance"].to_numpy()
            parents = sub["cluster"].to_numpy()
            est = cluster_mean(values, parents, level, share=True)
            rows.append(
                {
                    "trait": trait,
                    "relation": relation,
                    "pairs": est.n,
                    "parents": est.clusters,
                    "rate": est.mean,
                    "ci_low": est.low,
                    "ci_high": est.high,
                    "se": est.se,
                    "changed": float(np.mean(values > 0)) if len(values) else float("nan"),
                }
            )
    return pl.DataFrame(rows, schema=MUTATION_SCHEMA)


def distances_both_ways(con: Any) -> dict[str, pl.DataFrame]:
    """:func:`coded_distances` with the snapshot's flagged values kept and left out
    (:data:`FLAGGED`), as :func:`~phylohub.traits.snapshot.use_flags` then
    :func:`coded_distances` each way would give them, with the join of every pair to its
    traits run once, not twice (one pass was the rule's largest cost at the Hub's size).

    Only a pair whose parent or child has a flagged value (``sql.CREATE_FLAGGED_PAIRS``)
    can differ between the two ways: those pairs alone are measured again with the flags
    left out, and take their rows' places (the rows sorted as the query sorts them, by
    trait, relation and pair); with none, the second way is the first. Leaves the
    connection's ``trait_sets`` with the flagged values left out.
    """
    use_flags(con, False)
    con.execute(sql.CREATE_CODED_EDGES)
    kept = frame(con, sql.CODED_PAIR_DISTANCES)
    use_flags(con, True)
    con.execute(sql.CREATE_FLAGGED_PAIRS)
    flagged = frame(con, "SELECT pair FROM flagged_pairs")["pair"]
    if flagged.is_empty():
        # the same frame both ways: write_mutation_rates measures its rates once
        kept = kept.drop("pair")
        log.info("no compared pair with a flagged value: both ways are the same")
        return {"kept": kept, "excluded": kept}
    again = frame(con, sql.RECODED_PAIR_DISTANCES)
    left = kept.join(flagged.to_frame(), on="pair", how="anti")
    excluded = pl.concat([left, again]).sort("trait", "relation", "pair")
    log.info("%d compared pairs with a flagged value measured again", flagged.len())
    return {"kept": kept.drop("pair"), "excluded": excluded.drop("pair")}


#: The ``flagged`` column of the rates measured both ways (``mutation_rates_flagged``):
#: the snapshot's flagged values kept as traits, or left out.
FLAGGED = ("kept", "excluded")


def write_mutation_rates(
    db: Path,
    out: Path,
    parents: str = "first",
    level: float = 0.95,
    threads: int | None = None,
    memory_mb: int | None = None,
    exclude_flagged: bool = False,
    both_out: Path | None = None,
    extra_edges: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Measure the mutation rates of a snapshot and write them as parquet.

    Parameters
    ----------
    db
        The snapshot's ``hub.duckdb``.
    out
        ``results/{snapshot}/traits/mutation_rates.parquet``: the rates of the run's
        choice, ``exclude_flagged``.
    parents, threads, memory_mb, exclude_flagged
        See :func:`phylohub.traits.snapshot.open_snapshot`.
    level
        Confidence level of the intervals.
    both_out
        ``results/{snapshot}/traits/mutation_rates_flagged.parquet``: the rates both ways,
        with the snapshot's flagged values (``data_quality``) kept as traits and left
        out, told apart by the column ``flagged`` (:data:`FLAGGED`), so the findings show
        what the flags change whatever the run's choice. Not written when None.
    extra_edges
        Inferred edges compared beside the declared ones (``genealogy.inferred``).

    Returns
    -------
    polars.DataFrame
        The table written to ``out`` (:func:`mutation_rates`).
    """
    # the rates read the traits of the compared pairs' models alone
    con = open_snapshot(db, parents, threads, memory_mb, extra_edges=extra_edges, pairs_only=True)
    try:
        both = distances_both_ways(con)
    finally:
        con.close()
    choice = "excluded" if exclude_flagged else "kept"
    log.info("%d trait comparisons on compared pairs", both[choice].height)
    # each way's rates once: the run's choice is one of the two written to both_out, and
    # with no flagged pair both ways are one frame (distances_both_ways), measured once
    rates: dict[str, pl.DataFrame] = {}
    for f, d in both.items():
        if both_out or f == choice:
            same = [rates[g] for g in rates if both[g] is d]
            rates[f] = same[0] if same else mutation_rates(d, level)
    table = rates[choice]
    if both_out is not None:
        _write_both_rates(rates, Path(both_out))
    for row in table.filter(pl.col("relation") == "all").iter_rows(named=True):
        log.info(
            "%s: rate %.3f [%.3f, %.3f] over %d pairs",
            row["trait"], row["rate"], row["ci_low"], row["ci_high"], row["pairs"],
        )  # fmt: skip
    write_parquet(table, Path(out))
    return table


def _write_both_rates(rates: dict[str, pl.DataFrame], out: Path) -> pl.DataFrame:
    """The rates of each way of handling flagged values (:data:`FLAGGED`), stacked with
    ``flagged`` first, written to ``out`` (see :func:`write_mutation_rates`)."""
    table = pl.concat(
        [rates[flagged].select(pl.lit(flagged).alias("flagged"), pl.all()) for flagged in FLAGGED]
    )
    for row in table.filter(pl.col("relation") == "all").iter_rows(named=True):
        log.info("%s, flagged values %s: rate %.3f", row["trait"], row["flagged"], row["rate"])
    write_parquet(table, out)
    return table
