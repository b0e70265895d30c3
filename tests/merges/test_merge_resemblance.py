"""Resemblance of merges to their parents by the similarity stage's measures: on an
ecosystem whose traits pass along the first parent (no inheritance rule planted), the
first-listed parent is the closest by traits more often than a random parent would be,
the claim "a merge resembles its first-listed parent more" holds, and with the parents
listed in reverse (the planted first parent last) its opposite holds; too few merges
leave it untested ("too few merges")."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from phylohub.findings.build import verdict
from phylohub.hub.synth import SynthConfig
from phylohub.merges.plots import plot_resemblance
from phylohub.merges.resemblance import first_parent_claim, resemblance
from phylohub.merges.status import MIN_MERGES
from phylohub.similarity.measures import SimilarityOptions, measure_names
from tests.merge_pedigrees import traced


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    folder = tmp_path_factory.mktemp("resemble")
    cfg = SynthConfig(
        n_models=4000, seed=5, malformed_share=0.0, merge_plant=True,
        relation_mix=dict(adapter=0.3, finetune=0.3, quantized=0.1, merge=0.3),
        shown=dict.fromkeys(("license", "language", "task", "library"), (0.9, 0.95, 0.9)),
    )  # fmt: skip
    db, found = traced(cfg, folder)
    merges = found.merges
    return resemblance(
        db, merges, pl.read_parquet(folder / "all" / "nodes.parquet"),
        pl.read_parquet(folder / "all" / "edges.parquet"), SimilarityOptions(),
        control=300, seed=1, replicates=300,
    )  # fmt: skip


def test_every_merge_is_paired_with_each_parent_and_finetunes_are_the_yardstick(
    measured: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    pairs, _ = measured
    merges = pairs.filter(pl.col("kind") == "merge")
    per = merges.group_by("a").agg(pl.len(), pl.col("parents").first(), pl.col("position").max())
    assert per.height > 100
    assert (per["len"] == per["parents"]).all() and (per["position"] == per["parents"]).all()
    assert pairs.filter(pl.col("kind") == "finetune").height == 300


def test_the_first_parent_is_closest_by_traits(measured: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    _, summary = measured
    rows = {r["measure"]: r for r in summary.iter_rows(named=True)}
    traits = rows["metadata_traits_tfidf"]
    assert traits["ci_low"] > 0  # the first-listed parent wins more than 1/parents
    assert traits["first"] > traits["others"]
    for row in rows.values():
        if row["merges"]:
            assert row["farthest"] <= row["first"] <= row["closest"]


MEASURES = measure_names(SimilarityOptions().variants)
CLAIM_COLUMNS = ("difference", "ci_low", "ci_high", None)


def claim_verdict(claims: pl.DataFrame, measure: str) -> str:
    row = claims.filter(pl.col("measure") == measure).row(0, named=True)
    return verdict(row, "greater", CLAIM_COLUMNS, "too few merges")


def reversed_order(pairs: pl.DataFrame) -> pl.DataFrame:
    """The merges' parents listed in reverse: the planted first parent last."""
    flip = pl.col("parents") + 1 - pl.col("position")
    return pairs.with_columns(
        pl.when(pl.col("kind") == "merge").then(flip).otherwise("position").alias("position")
    )


def test_the_first_parent_claim_is_judged_both_ways(
    measured: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path
) -> None:
    pairs, summary = measured
    claims = first_parent_claim(pairs, MEASURES, seed=1, replicates=300)
    assert claims["measure"].to_list() == list(MEASURES)
    traits = claims.filter(pl.col("measure") == "metadata_traits_tfidf").row(0, named=True)
    assert traits["merges"] > 100 and traits["status"] == "tested"
    assert traits["difference"] == pytest.approx(traits["first"] - traits["others"])
    assert traits["ci_low"] <= traits["difference"] <= traits["ci_high"]
    assert claim_verdict(claims, "metadata_traits_tfidf").startswith("holds")
    flipped = first_parent_claim(reversed_order(pairs), MEASURES, seed=1, replicates=300)
    assert claim_verdict(flipped, "metadata_traits_tfidf").startswith("does not hold")
    back = flipped.filter(pl.col("measure") == "metadata_traits_tfidf").row(0, named=True)
    assert back["merges"] == traits["merges"]  # two-parent merges: first and other swap
    # the figure carries every measure's row and the claim
    png = tmp_path / "r.png"
    plot_resemblance(summary, claims, png)
    assert png.stat().st_size > 0


def test_too_few_merges_get_no_interval(
    measured: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path
) -> None:
    pairs, _ = measured
    merges = pairs.filter(pl.col("kind") == "merge")["a"].unique(maintain_order=True)
    few = pairs.filter(
        (pl.col("kind") != "merge") | pl.col("a").is_in(merges.head(MIN_MERGES - 1).to_list())
    )
    claims = first_parent_claim(few, MEASURES, seed=1, replicates=100)
    assert (claims["status"] == "too few merges").all()
    assert claims["ci_low"].null_count() == claims.height
    assert claim_verdict(claims, "metadata_tfidf") == "not tested: too few merges"
    empty = first_parent_claim(pairs.head(0), MEASURES, seed=1, replicates=100)
    assert (empty["merges"] == 0).all()
    plot_resemblance(pl.DataFrame({"measure": ["metadata_tfidf"], "merges": [0]}), empty,
                     tmp_path / "e.png")  # fmt: skip
    assert (tmp_path / "e.png").is_file()
