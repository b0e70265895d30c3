"""Resemblance of a merge to its parents, by the similarity stage's measures.

Every merge of two or more parents, all listed, is paired with each parent; a sample of
finetune child-parent pairs (``merges.resemblance_control``, seeded from ``seed``) is the
yardstick. The measures are :func:`phylohub.similarity.measures.pair_similarity`'s (the
similarity stage's options and vocabularies: the workflow's rule reads the fit of
``fit_similarity_vocabulary``), not rewritten here. Per measure: the mean similarity of a
merge to its first-listed parent, to its other parents, to its closest and its farthest
parent, and of a finetune to its parent; and whether the first-listed parent is the
closest more often than were the order of the parents random (ties share the win).

The claim "a merge resembles its first-listed parent more" (:func:`first_parent_claim`)
reads each merge's similarity to its first-listed parent less its mean similarity to the
others: 0 in expectation were the order of the parents random, above 0 when the first
is the closer, below when the others are. Its interval resamples the merges' families
(:func:`phylohub.merges.pedigree.merge_clusters`); with too few merges or families it
has none (:func:`phylohub.merges.status.claim_status`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from phylohub.merges.inheritance import _boot, _num
from phylohub.merges.status import claim_status
from phylohub.similarity.measures import (
    FittedVocabularies,
    SimilarityOptions,
    measure_names,
    pair_similarity,
)

#: The columns of resemblance_claims.tsv.
CLAIM_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "claim": pl.String,
    "measure": pl.String,
    "merges": pl.Int64,
    **dict.fromkeys(("first", "others", "difference", "ci_low", "ci_high"), pl.Float64),
    "status": pl.String,
    "families": pl.Int64,
}


def resemblance_pairs(
    merges: pl.DataFrame, nodes: pl.DataFrame, edges: pl.DataFrame, control: int, seed: int
) -> pl.DataFrame:
    """``a`` (the child), ``b`` (a parent), ``kind`` (``merge`` or ``finetune``),
    ``position`` (the parent's place in the tags, 1 first), ``parents`` and ``cluster``
    (a merge's, from the merges table: the family its intervals resample; null for the
    finetune yardstick).

    Columnar, and every ``is_in`` is against the few listed ids the pairs could name
    (:func:`_listed_among`), never against every listed id: a Python set of the listed
    ids, or a hash set of them built per ``is_in``, cost seconds at the Hub's size.
    A test holds it equal to the Python loop over the merges it replaced.
    """
    multi = merges.filter(pl.col("parents") >= 2).select("id", "parent_ids", "cluster")
    finetunes = edges.filter(pl.col("relation") == "finetune")
    listed = _listed_among(
        nodes,
        pl.concat(
            [multi["id"], multi["parent_ids"].explode(), finetunes["child"], finetunes["parent"]]
        ),
    ).implode()
    long = (
        multi.filter(pl.col("id").is_in(listed))
        .with_row_index("_m")
        .with_columns(pl.col("parent_ids").list.len().cast(pl.Int64).alias("parents"))
        .explode("parent_ids")
        .with_columns(
            (pl.int_range(pl.len()).over("_m") + 1).cast(pl.Int64).alias("position"),
            pl.col("parent_ids").is_in(listed).fill_null(False).alias("_ok"),
        )
        .filter(pl.col("_ok").all().over("_m"))
        .select(
            pl.col("id").alias("a"),
            pl.col("parent_ids").alias("b"),
            pl.lit("merge").alias("kind"),
            "position",
            "parents",
            "cluster",
        )
    )
    ft = _finetune_sample(finetunes, listed, control, seed).select(
        pl.col("child").alias("a"),
        pl.col("parent").alias("b"),
        pl.lit("finetune").alias("kind"),
        pl.lit(1, pl.Int64).alias("position"),
        pl.lit(1, pl.Int64).alias("parents"),
        pl.lit(None, pl.Int64).alias("cluster"),
    )
    return pl.concat([long, ft])


def _listed_among(nodes: pl.DataFrame, candidates: pl.Series) -> pl.Series:
    """The listed (not external) ids of ``nodes`` that are among ``candidates``: the hash
    set is built of the candidates (few), the listed ids (every model) only probe it."""
    listed = nodes.filter(~pl.col("external"))["id"]
    return listed.filter(listed.is_in(candidates.drop_nulls().unique().implode()))


def _finetune_sample(
    edges: pl.DataFrame, listed: pl.Series, control: int, seed: int
) -> pl.DataFrame:
    """The seeded sample of ``control`` distinct finetune (child, parent) pairs of listed
    models (``listed``: imploded ids), in (child, parent) order."""
    ft = (
        edges.filter(pl.col("relation") == "finetune")
        .filter(pl.col("child").is_in(listed) & pl.col("parent").is_in(listed))
        .select("child", "parent")
        .unique()
        .sort("child", "parent")
    )
    if ft.height > control:
        keep = np.random.default_rng([seed, 18, 5]).choice(ft.height, control, replace=False)
        ft = ft[np.sort(keep)]
    return ft


def measure_pairs(
    db: Path,
    pairs: pl.DataFrame,
    options: SimilarityOptions,
    fitted: FittedVocabularies | None = None,
    card_texts: Path | None = None,
) -> pl.DataFrame:
    """``pairs`` with one column per measure (the similarity stage's; ``fitted``: its
    vocabularies, fitted here if None; ``card_texts``: the prepared cards written with
    them, read from the snapshot if None)."""
    table, _, _ = pair_similarity(
        db, pairs["a"].to_list(), pairs["b"].to_list(), options, fitted, card_texts
    )
    sim = pl.from_arrow(table)
    assert isinstance(sim, pl.DataFrame)
    key = pairs.with_columns(
        pl.min_horizontal("a", "b").alias("lo"), pl.max_horizontal("a", "b").alias("hi")
    )
    return key.join(
        sim.rename({"a": "lo", "b": "hi"}), on=["lo", "hi"], how="left", maintain_order="left"
    ).drop("lo", "hi")


def summarize(
    measured: pl.DataFrame,
    measures: Sequence[str],
    seed: int,
    replicates: int,
    level: float = 0.95,
) -> pl.DataFrame:
    """Per measure (module docs): ``merges``, ``families`` (their clusters), ``first``,
    ``others``, ``closest``, ``farthest``, ``finetune``, ``first_closest``, ``null``,
    ``difference`` (first_closest - null) with ``ci_low``/``ci_high`` (a bootstrap
    resampling the merges' families, at ``level``; none unless
    :func:`phylohub.merges.status.claim_status` is ``tested``)."""
    out = []
    merge_rows = measured.filter(pl.col("kind") == "merge")
    for k, m in enumerate(measures):
        per = (
            merge_rows.filter(pl.col(m).is_not_nan() & pl.col(m).is_not_null())
            .group_by("a", maintain_order=True)
            .agg(
                pl.col(m).filter(pl.col("position") == 1).first().alias("first"),
                pl.col(m).filter(pl.col("position") > 1).mean().alias("others"),
                pl.col(m).max().alias("closest"),
                pl.col(m).min().alias("farthest"),
                ((pl.col(m) == pl.col(m).max()) & (pl.col("position") == 1)).sum().alias("f"),
                (pl.col(m) == pl.col(m).max()).sum().alias("ties"),
                pl.len().alias("n"),
                pl.col("parents").first(),
                pl.col("cluster").first(),
            )
            .filter((pl.col("n") == pl.col("parents")) & pl.col("first").is_not_null())
        )
        win = (per["f"] / per["ties"]).to_numpy().astype(np.float64)
        null = (1.0 / per["n"]).to_numpy().astype(np.float64)
        g = per.height
        families = per["cluster"].n_unique()
        tested = claim_status(g, families) == "tested"
        low, high = (
            _boot((win - null)[:, None], np.ones((g, 1)), np.random.default_rng([seed, 18, 50 + k]),
                  replicates, per["cluster"].to_numpy(), level)
            if g else (np.array([np.nan]), np.array([np.nan]))
        )  # fmt: skip
        ft = measured.filter(pl.col("kind") == "finetune")[m].drop_nans().drop_nulls()
        out.append({
            "measure": m, "merges": g, "families": families,
            "first": per["first"].mean(), "others": per["others"].mean(),
            "closest": per["closest"].mean(), "farthest": per["farthest"].mean(),
            "finetune": ft.mean() if ft.len() else None, "finetunes": ft.len(),
            "first_closest": float(win.mean()) if g else None,
            "null": float(null.mean()) if g else None,
            "difference": float((win - null).mean()) if tested else None,
            "ci_low": _num(low, 0) if tested else None,
            "ci_high": _num(high, 0) if tested else None,
        })  # fmt: skip
    return pl.DataFrame(out, infer_schema_length=None)


def per_merge(measured: pl.DataFrame, measure: str) -> pl.DataFrame:
    """Per merge whose every pair has a value of ``measure``: its similarity to the
    ``first``-listed parent and the mean over the ``others``."""
    return (
        measured.filter(pl.col("kind") == "merge")
        .filter(pl.col(measure).is_not_nan() & pl.col(measure).is_not_null())
        .group_by("a", maintain_order=True)
        .agg(
            pl.col(measure).filter(pl.col("position") == 1).first().alias("first"),
            pl.col(measure).filter(pl.col("position") > 1).mean().alias("others"),
            pl.len().alias("n"),
            pl.col("parents").first(),
            pl.col("cluster").first(),
        )
        .filter(
            (pl.col("n") == pl.col("parents"))
            & pl.col("first").is_not_null()
            & pl.col("others").is_not_null()
        )
    )


def first_parent_claim(
    measured: pl.DataFrame,
    measures: Sequence[str],
    seed: int,
    replicates: int,
    level: float = 0.95,
) -> pl.DataFrame:
    """Per measure, the claim "a merge resembles its first-listed parent more" (module
    docs): ``merges``, ``families`` (their clusters), mean ``first`` and ``others``,
    ``difference`` = mean of first - others with ``ci_low``/``ci_high`` (percentile
    bootstrap resampling the merges' families, at ``level``) and ``status``
    (:func:`phylohub.merges.status.claim_status`: no interval unless ``tested``)."""
    rows = []
    for k, m in enumerate(measures):
        per = per_merge(measured, m)
        d = (per["first"] - per["others"]).to_numpy().astype(np.float64)
        families = per["cluster"].n_unique()
        status = claim_status(d.size, families)
        enough = status == "tested"
        low, high = (
            _boot(d[:, None], np.ones((d.size, 1)), np.random.default_rng([seed, 18, 70 + k]),
                  replicates, per["cluster"].to_numpy(), level)
            if enough else (np.array([np.nan]), np.array([np.nan]))
        )  # fmt: skip
        rows.append({
            "claim": "first_parent_resemblance", "measure": m, "merges": d.size,
            "first": per["first"].mean() if d.size else None,
            "others": per["others"].mean() if d.size else None,
            "difference": float(d.mean()) if enough else None,
            "ci_low": _num(low, 0) if enough else None,
            "ci_high": _num(high, 0) if enough else None,
            "status": status, "families": families,
        })  # fmt: skip
    return pl.DataFrame(rows, schema=CLAIM_SCHEMA)


def resemblance(
    db: Path,
    merges: pl.DataFrame,
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    options: SimilarityOptions,
    control: int,
    seed: int,
    replicates: int,
    fitted: FittedVocabularies | None = None,
    card_texts: Path | None = None,
    level: float = 0.95,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The measured pairs and their summary (module docs); ``fitted``: the similarity
    stage's vocabularies (fitted here if None); ``card_texts``: the prepared cards written
    with them (read from the snapshot if None)."""
    pairs = resemblance_pairs(merges, nodes, edges, control, seed)
    names = measure_names(options.variants)
    if pairs.height == 0:  # nothing to measure: every measure's row, empty
        pairs = pairs.with_columns(pl.lit(None, pl.Float64).alias(m) for m in names)
        return pairs, summarize(pairs, names, seed, replicates, level)
    measured = measure_pairs(db, pairs, options, fitted, card_texts)
    return measured, summarize(measured, names, seed, replicates, level)
