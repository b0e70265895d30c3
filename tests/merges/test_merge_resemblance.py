"""Resemblance of merges to their parents by the similarity stage's measures: on an
ecosystem whose traits pass along the first parent (no inheritance rule planted), the
first-listed parent is the closest by traits more often than a random parent would be."""

from __future__ import annotations

import polars as pl
import pytest

from phylohub.genealogy.tables import build_genealogy
from phylohub.genealogy.tables import paths_in as genealogy_paths
from phylohub.hub.synth import SynthConfig
from phylohub.merges.resemblance import resemblance
from phylohub.merges.stage import pedigrees
from phylohub.similarity.measures import SimilarityOptions
from tests.pipeline import snapshot_of

NO_MERGE = ["finetune", "adapter", "quantized", "unknown"]
ALL = [*NO_MERGE, "merge"]


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    folder = tmp_path_factory.mktemp("resemble")
    cfg = SynthConfig(
        n_models=4000, seed=5, malformed_share=0.0, merge_plant=True,
        relation_mix=dict(adapter=0.3, finetune=0.3, quantized=0.1, merge=0.3),
        shown=dict.fromkeys(("license", "language", "task", "library"), (0.9, 0.95, 0.9)),
    )  # fmt: skip
    db = snapshot_of(cfg, folder)
    for name, relations in (("all", ALL), ("no_merge", NO_MERGE)):
        build_genealogy(db, relations, genealogy_paths(folder / name), top=5)
    merges = pedigrees(
        folder / "all" / "nodes.parquet",
        folder / "all" / "edges.parquet",
        folder / "no_merge" / "nodes.parquet",
    ).merges
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
