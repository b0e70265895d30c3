"""The pipeline recovers the planted sibling effect, and loses it when it is switched off.

The synthetic ecosystem plants sibling-correlated directed mutation: a mutating child
takes its parent's cohort target with probability ``sibling_correlation`` (0.8 by
default), moving forward along a drift order with probability ``drift_forward``.
Switched off (``sibling_correlation=0``, ``drift_forward=0.5``), children mutate
independently of one another and in no preferred direction, so siblings, two mutation
steps apart, must be *less* alike than parent and child.

The effect is read on the ``traits`` metadata string: siblings declare the same parent
(``base_model:`` tags) and are made at the same time, so any string that keeps names,
parents or dates makes siblings alike whatever the knob (the last test shows it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.kinship.pairs import write_kin_pairs
from phylohub.kinship.sampling import shape_pairs
from phylohub.kinship.shapes import SHAPES
from phylohub.similarity.measures import measure_names
from phylohub.similarity.stage import read_tsv, run_compute_similarity, run_summarize_similarity

DRAWS = 3000
VARIANTS = ["paper", "no_ids", "traits"]
PAPER_SIX = measure_names(["paper"])  # metadata_* and card_*


def run_stage(db: Path, out: Path, seed: int = 11, draws: int = DRAWS) -> dict[str, Path]:
    """The stage's three table-making rules, as the scripts call them."""
    d = out / "similarity"
    paths = {
        "pairs": d / "kin_pairs.parquet",
        "shapes": d / "kin_shapes.tsv",
        "forest": d / "kin_forest.json",
        "similarity": d / "pair_similarity.parquet",
        "vocabulary": d / "vocabulary.parquet",
        "stats": d / "similarity_stats.json",
        "means": d / "similarity_means.tsv",
        "shape_means": d / "similarity_shape_means.tsv",
        "tests": d / "similarity_tests.tsv",
    }
    write_kin_pairs(db, paths["pairs"], paths["shapes"], paths["forest"], ["finetune"], draws, seed)
    options = {"metadata": {"variants": VARIANTS}, "vocabulary_size": 512}
    run_compute_similarity(db, paths["pairs"], options, 2, paths)
    run_summarize_similarity(
        paths["pairs"], paths["shapes"], paths["similarity"], measure_names(VARIANTS),
        resamples=1000, confidence=0.95, seed=seed, out=paths,
    )  # fmt: skip
    return paths


def claims_of(paths: dict[str, Path]) -> dict[tuple[str, str, str], dict[str, Any]]:
    rows = read_tsv(paths["tests"]).to_pylist()
    return {(r["comparison"], r["design"], r["measure"]): r for r in rows}


@pytest.fixture(scope="module")
def planted(snapshot20k: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The default ecosystem (sibling_correlation 0.8, drift_forward 0.9)."""
    return run_stage(snapshot20k, tmp_path_factory.mktemp("planted"))


@pytest.fixture(scope="module")
def switched_off(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from tests.pipeline import snapshot_of

    folder = tmp_path_factory.mktemp("switched_off")
    cfg = SynthConfig(n_models=20_000, seed=7, sibling_correlation=0.0, drift_forward=0.5)
    return run_stage(snapshot_of(cfg, folder), folder)


def test_relatives_are_more_alike_than_random_pairs_on_all_six_measures(
    planted: dict[str, Path],
) -> None:
    tests = claims_of(planted)
    relations = ["parent_child", "siblings", "grandparent", "uncle_nephew", "cousins"]
    relations.append("great_grandparent")
    for measure in PAPER_SIX:
        for rel in relations:
            row = tests[(f"{rel} > random", "independent", measure)]
            assert row["ci_low"] > 0, (rel, measure, row)


def test_siblings_are_more_alike_than_parent_and_child_where_it_is_planted(
    planted: dict[str, Path],
) -> None:
    tests = claims_of(planted)
    for design in ("independent", "paired in cherry"):
        row = tests[("siblings > parent_child", design, "metadata_traits_tfidf")]
        assert row["ci_low"] > 0 and row["p_value"] < 1e-3, (design, row)
        assert row["n_a"] == DRAWS
    # The paper's headline measure says so too.
    assert tests[("siblings > parent_child", "independent", "metadata_tfidf")]["ci_low"] > 0


def test_the_sibling_advantage_disappears_when_the_planted_effect_is_off(
    switched_off: dict[str, Path],
) -> None:
    tests = claims_of(switched_off)
    for design in ("independent", "paired in cherry"):
        row = tests[("siblings > parent_child", design, "metadata_traits_tfidf")]
        # No advantage left; siblings, two independent mutations apart, are less alike.
        assert row["ci_high"] < 0, (design, row)


def test_the_papers_metadata_string_favours_siblings_even_when_the_effect_is_off(
    switched_off: dict[str, Path],
) -> None:
    """Shared base_model tags, names and dates: a sibling advantage that is no inheritance."""
    tests = claims_of(switched_off)
    for measure in ("metadata_tfidf", "metadata_no_ids_tfidf"):
        row = tests[("siblings > parent_child", "independent", measure)]
        assert row["ci_low"] > 0, (measure, row)


def test_the_forest_and_shape_counts_are_those_of_the_snapshot(
    planted: dict[str, Path], snapshot20k: Path
) -> None:
    import duckdb

    with duckdb.connect(str(snapshot20k), read_only=True) as con:
        (edges,) = con.execute(
            "SELECT count(DISTINCT child) FROM edges WHERE relation = 'finetune' "
            "AND parent_in_snapshot"
        ).fetchone()  # type: ignore[misc]
    forest = json.loads(planted["forest"].read_text())
    assert forest["edges_used"] + forest["cycle_edges"] == edges
    shapes = {r["shape"]: r for r in read_tsv(planted["shapes"]).to_pylist()}
    assert shapes["edge"]["occurrences"] == forest["edges_used"]
    assert shapes["pair"]["occurrences"] == forest["models"] * (forest["models"] - 1) // 2
    pairs = pq.read_table(planted["pairs"])
    present = [s for s, r in shapes.items() if r["occurrences"] > 0]
    assert set(present) == set(SHAPES)
    assert pairs.num_rows == DRAWS * sum(len(shape_pairs(s)) for s in present)


def test_same_seed_same_tables(snapshot20k: Path, tmp_path: Path) -> None:
    one = run_stage(snapshot20k, tmp_path / "one", seed=5, draws=300)
    two = run_stage(snapshot20k, tmp_path / "two", seed=5, draws=300)
    other = run_stage(snapshot20k, tmp_path / "other", seed=6, draws=300)
    for name in ("pairs", "shapes", "similarity", "vocabulary", "means", "shape_means", "tests"):
        assert one[name].read_bytes() == two[name].read_bytes(), name
    assert one["pairs"].read_bytes() != other["pairs"].read_bytes()
