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

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.kinship.pairs import write_kin_pairs
from phylohub.kinship.shapes import RELATION_SHAPE
from phylohub.similarity.measures import measure_names
from phylohub.similarity.stage import (
    read_tsv,
    run_compute_similarity,
    run_fit_similarity_vocabulary,
    run_summarize_similarity,
)

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
        "fit": d / "vocabulary_fit.json",
        "stats": d / "similarity_stats.json",
        "means": d / "similarity_means.tsv",
        "shape_means": d / "similarity_shape_means.tsv",
        "tests": d / "similarity_tests.tsv",
    }
    write_kin_pairs(db, paths["pairs"], paths["shapes"], paths["forest"], ["finetune"], draws, seed)
    options = {"metadata": {"variants": VARIANTS}, "vocabulary_size": 512}
    run_fit_similarity_vocabulary(db, options, paths)
    run_compute_similarity(db, paths["pairs"], paths["vocabulary"], paths["fit"], options, 2, paths)
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
    planted: dict[str, Path], switched_off: dict[str, Path]
) -> None:
    tests = claims_of(planted)
    row = tests[("siblings > parent_child", "independent", "metadata_traits_tfidf")]
    # p from the same family resamples as the interval: below 5% where it leaves 0 out.
    assert row["ci_low"] > 0 and row["p_value"] < 0.05, row
    assert row["n_a"] == DRAWS
    # Inside cherries the sibling pairs of 3,000 draws come from 64 families only: the
    # family bootstrap cannot tell the planted advantage from 0 at 95% there, but it is
    # positive, and above the whole interval of the same ecosystem with the effect off.
    paired = tests[("siblings > parent_child", "paired in cherry", "metadata_traits_tfidf")]
    off = claims_of(switched_off)[
        ("siblings > parent_child", "paired in cherry", "metadata_traits_tfidf")
    ]
    assert paired["difference"] > off["ci_high"] and off["difference"] < paired["ci_low"]
    assert paired["n_families"] < 100
    # The paper's headline measure says so too.
    assert tests[("siblings > parent_child", "independent", "metadata_tfidf")]["ci_low"] > 0


def test_the_sibling_advantage_disappears_when_the_planted_effect_is_off(
    switched_off: dict[str, Path],
) -> None:
    tests = claims_of(switched_off)
    # No advantage left; siblings, two independent mutations apart, are less alike.
    row = tests[("siblings > parent_child", "independent", "metadata_traits_tfidf")]
    assert row["ci_high"] < 0, row
    assert (
        tests[("siblings > parent_child", "paired in cherry", "metadata_traits_tfidf")][
            "difference"
        ]
        < 0
    )


def test_the_papers_metadata_string_favours_siblings_even_when_the_effect_is_off(
    switched_off: dict[str, Path],
) -> None:
    """Shared base_model tags, names and dates: a sibling advantage that is no inheritance."""
    tests = claims_of(switched_off)
    for measure in ("metadata_tfidf", "metadata_no_ids_tfidf"):
        row = tests[("siblings > parent_child", "independent", measure)]
        assert row["ci_low"] > 0, (measure, row)


def test_same_seed_same_tables(snapshot20k: Path, tmp_path: Path) -> None:
    one = run_stage(snapshot20k, tmp_path / "one", seed=5, draws=300)
    two = run_stage(snapshot20k, tmp_path / "two", seed=5, draws=300)
    other = run_stage(snapshot20k, tmp_path / "other", seed=6, draws=300)
    for name in ("pairs", "shapes", "similarity", "vocabulary", "means", "shape_means", "tests"):
        assert one[name].read_bytes() == two[name].read_bytes(), name
    assert one["pairs"].read_bytes() != other["pairs"].read_bytes()


def independent_families(db: Path) -> dict[str, int]:
    """Each model's family, by union-find over every finetune edge between listed models
    (not phylohub's code): a representative of its weakly connected component."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM models").fetchall()]
        edges = con.execute(
            "SELECT child, parent FROM edges WHERE relation = 'finetune' AND parent_in_snapshot"
        ).fetchall()
    up = {m: m for m in ids}

    def find(m: str) -> str:
        while up[m] != m:
            up[m] = up[up[m]]
            m = up[m]
        return m

    for child, parent in edges:
        if child in up and parent in up:
            up[find(child)] = find(parent)
    codes: dict[str, int] = {}
    return {m: codes.setdefault(find(m), len(codes)) for m in ids}


def test_pair_and_family_counts_are_those_of_the_sampled_pairs(
    planted: dict[str, Path], snapshot20k: Path
) -> None:
    family = independent_families(snapshot20k)
    pairs = pq.read_table(planted["pairs"]).to_pylist()
    # The families the sampler wrote are the components, named differently.
    named = {(family[r["a"]], r["family_a"]) for r in pairs} | {
        (family[r["b"]], r["family_b"]) for r in pairs
    }
    assert len({c for c, _ in named}) == len({f for _, f in named}) == len(named)
    sim = {(r["a"], r["b"]): r for r in pq.read_table(planted["similarity"]).to_pylist()}

    def value(r: dict[str, Any], measure: str) -> float | None:
        v = sim[(min(r["a"], r["b"]), max(r["a"], r["b"]))][measure]
        return None if v is None or v != v else float(v)

    def count(rows: list[dict[str, Any]], measure: str) -> tuple[int, int]:
        kept = [r for r in rows if value(r, measure) is not None]
        return (
            len({(min(r["a"], r["b"]), max(r["a"], r["b"])) for r in kept}),
            len({family[r["a"]] for r in kept}),
        )

    means = {(r["relation"], r["measure"]): r for r in read_tsv(planted["means"]).to_pylist()}
    defining = {}
    for relation, (shape, ra, rb) in RELATION_SHAPE.items():
        defining[relation] = [
            r for r in pairs if r["shape"] == shape and (r["role_a"], r["role_b"]) == (ra, rb)
        ]
        for measure in ("metadata_tfidf", "card_tfidf"):
            row = means[(relation, measure)]
            assert (row["n_pairs"], row["n_families"]) == count(defining[relation], measure)
    # Random pairs come from many more families than any kin relation.
    assert means[("random", "metadata_tfidf")]["n_families"] > 1000
    assert means[("random", "metadata_tfidf")]["n_pairs"] == DRAWS  # no pair drawn twice
    assert means[("great_grandparent", "metadata_tfidf")]["n_pairs"] < DRAWS
    tests = claims_of(planted)
    paired = tests[("siblings > parent_child", "paired in cherry", "metadata_tfidf")]
    cherry = [r for r in pairs if r["shape"] == "cherry"]
    assert paired["n_pairs"] == count(cherry, "metadata_tfidf")[0]
    assert paired["n_families"] == count(cherry, "metadata_tfidf")[1]
    independent = tests[("parent_child > random", "independent", "card_tfidf")]
    a, b = count(defining["parent_child"], "card_tfidf"), count(defining["random"], "card_tfidf")
    assert independent["n_families"] == min(a[1], b[1])
    pooled = defining["parent_child"] + defining["random"]
    both = [r for r in pooled if value(r, "card_tfidf") is not None]
    assert independent["n_pairs"] == len({(min(r["a"], r["b"]), max(r["a"], r["b"])) for r in both})
