"""Bootstrap means, intervals and the claims table on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from phylohub.errors import PhylohubError
from phylohub.kinship.sampling import Forest, sample_kin
from phylohub.kinship.shapes import SHAPES, shape_totals
from phylohub.similarity.summary import bootstrap_means, join_pairs, summarize
from tests.kinship.test_shapes import random_forest


def test_bootstrap_means_equal_explicit_resampling() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((50, 3))
    x[::4, 1] = np.nan  # a measure some draws lack
    x[:, 2] = np.nan  # a measure no draw has
    got = bootstrap_means(x, 40, np.random.default_rng(9), block=15)
    ref_rng = np.random.default_rng(9)
    want = []
    for b in (15, 15, 10):
        idx = ref_rng.integers(0, 50, size=(b, 50), dtype=np.int64)
        for row in idx:
            sample = x[row]
            col1 = sample[:, 1][~np.isnan(sample[:, 1])]
            want.append([sample[:, 0].mean(), col1.mean() if col1.size else np.nan, np.nan])
    np.testing.assert_allclose(got, np.array(want), rtol=1e-12)


def test_percentile_intervals_cover_the_mean_about_as_often_as_they_claim() -> None:
    """95% intervals of the mean of 200 exponential draws cover the truth ~95% of the time."""
    rng = np.random.default_rng(1)
    hits = 0
    trials = 300
    for _ in range(trials):
        x = rng.exponential(1.0, size=(200, 1))
        boot = bootstrap_means(x, 400, rng)
        lo, hi = np.quantile(boot[:, 0], [0.025, 0.975])
        hits += lo <= 1.0 <= hi
    # Binomial(300, ~0.94): the percentile interval undercovers a little for skewed data.
    assert 0.89 <= hits / trials <= 0.98


def planted_similarity(pairs: pa.Table, by_relation: dict[str, float], seed: int) -> pa.Table:
    """A similarity for every distinct pair: the relation's level plus noise."""
    rng = np.random.default_rng(seed)
    seen: dict[tuple[str, str], tuple[float, float]] = {}
    for a, b, rel in zip(
        pairs["a"].to_pylist(), pairs["b"].to_pylist(), pairs["relation"].to_pylist(), strict=True
    ):
        key = (min(a, b), max(a, b))
        if key not in seen:
            level = by_relation[rel] + rng.normal(0, 0.05)
            seen[key] = (level, np.nan if rng.random() < 0.3 else level)
    keys = sorted(seen)
    return pa.table(
        {
            "a": [k[0] for k in keys],
            "b": [k[1] for k in keys],
            "m": [seen[k][0] for k in keys],
            "card_m": [seen[k][1] for k in keys],
        }
    )


@pytest.fixture(scope="module")
def hand_made() -> tuple[pa.Table, pa.Table, dict[str, int]]:
    parent = random_forest(np.random.default_rng(4), 400)
    forest = Forest.from_parents(parent)
    _, pairs = sample_kin(forest, SHAPES, 800, seed=3)
    names = pa.array([f"m/{i:04d}" for i in range(parent.size)])
    pairs = pairs.set_column(pairs.schema.get_field_index("a"), "a", names.take(pairs["a"]))
    pairs = pairs.set_column(pairs.schema.get_field_index("b"), "b", names.take(pairs["b"]))
    levels = {
        "siblings": 0.8,
        "parent_child": 0.7,
        "grandparent": 0.6,
        "uncle_nephew": 0.55,
        "great_grandparent": 0.5,
        "cousins": 0.45,
        "random": 0.1,
    }
    totals = shape_totals(parent)
    return pairs, planted_similarity(pairs, levels, 5), {s: totals[s] for s in SHAPES}


def test_means_recover_the_planted_levels(
    hand_made: tuple[pa.Table, pa.Table, dict[str, int]],
) -> None:
    pairs, sim, occ = hand_made
    s = summarize(pairs, sim, ["m", "card_m"], occ, resamples=300, seed=1)
    means = {(r["relation"], r["measure"]): r for r in s.means.to_pylist()}
    for rel, level in [("siblings", 0.8), ("parent_child", 0.7), ("random", 0.1)]:
        row = means[(rel, "m")]
        assert row["ci_low"] <= row["mean"] <= row["ci_high"]
        assert abs(row["mean"] - level) < 0.02
        assert row["n"] == 800 and row["occurrences"] > 0
        assert 0.55 * 800 < means[(rel, "card_m")]["n"] < 0.85 * 800  # ~30% missing
    assert means[("random", "m")]["occurrences"] == occ["pair"]


def test_tests_have_the_planted_signs_and_paired_differences(
    hand_made: tuple[pa.Table, pa.Table, dict[str, int]],
) -> None:
    pairs, sim, occ = hand_made
    s = summarize(pairs, sim, ["m"], occ, resamples=300, seed=1)
    tests = {(r["comparison"], r["design"]): r for r in s.tests.to_pylist()}
    sib = tests[("siblings > parent_child", "independent")]
    assert sib["difference"] == pytest.approx(sib["mean_a"] - sib["mean_b"])
    assert 0.07 < sib["difference"] < 0.13 and sib["ci_low"] > 0
    # p from the 300 family resamples: none crosses 0, so p is at its floor, 2 / (B + 1).
    assert sib["p_value"] < 0.05
    paired = tests[("siblings > parent_child", "paired in cherry")]
    assert paired["ci_low"] > 0 and paired["effect_size"] > 1
    # The paired mean_b is the mean of the two parent/child pairs of each cherry.
    rows = [r for r in s.shape_means.to_pylist() if r["shape"] == "cherry"]
    pc = [r["mean"] for r in rows if r["relation"] == "parent_child"]
    assert paired["mean_b"] == pytest.approx(sum(pc) / 2)
    uncle = tests[("uncle_nephew > grandparent", "independent")]
    assert uncle["difference"] < 0 and uncle["ci_high"] < 0  # planted: 0.55 < 0.6
    assert {r["claim"] for r in s.tests.to_pylist()} == {
        "family_resemblance",
        "siblings_over_parent",
        "generational_divide",
        "network_distance",
    }


def test_same_seed_same_summary(hand_made: tuple[pa.Table, pa.Table, dict[str, int]]) -> None:
    pairs, sim, occ = hand_made
    one = summarize(pairs, sim, ["m", "card_m"], occ, resamples=200, seed=7)
    two = summarize(pairs, sim, ["m", "card_m"], occ, resamples=200, seed=7)
    other = summarize(pairs, sim, ["m", "card_m"], occ, resamples=200, seed=8)
    assert one.means.equals(two.means) and one.tests.equals(two.tests)
    assert one.shape_means.equals(two.shape_means)
    assert not one.means.equals(other.means)


def test_pairs_without_a_similarity_row_are_refused(
    hand_made: tuple[pa.Table, pa.Table, dict[str, int]],
) -> None:
    pairs, sim, _ = hand_made
    with pytest.raises(PhylohubError, match="no similarity row"):
        join_pairs(pairs, sim.slice(1))


def test_claims_on_fewer_families_than_min_families_get_no_verdict(
    hand_made: tuple[pa.Table, pa.Table, dict[str, int]],
) -> None:
    pairs, sim, occ = hand_made
    s = summarize(pairs, sim, ["m"], occ, resamples=100, seed=1, min_families=1)
    rows = s.tests.to_pylist()
    assert {r["status"] for r in rows} == {"tested"}
    # The gate is the row's own effective family count: at it the claim is tested, one
    # above it not.
    row = next(r for r in rows if r["comparison"] == "siblings > parent_child")
    k = int(row["effective_families"])
    assert 1 <= k <= row["n_families"]
    for gate, status in ((k, "tested"), (k + 1, "too few families")):
        again = summarize(pairs, sim, ["m"], occ, resamples=100, seed=1, min_families=gate)
        same = [r for r in again.tests.to_pylist() if r["comparison"] == row["comparison"]]
        assert {r["status"] for r in same if r["design"] == row["design"]} == {status}
        assert again.tests.column("n_families").equals(s.tests.column("n_families"))


def test_random_pairs_go_with_their_first_models_family(
    hand_made: tuple[pa.Table, pa.Table, dict[str, int]],
) -> None:
    pairs, sim, occ = hand_made
    s = summarize(pairs, sim, ["m"], occ, resamples=50, seed=1)
    rand = pairs.filter(pc.equal(pairs["shape"], "pair"))
    row = next(r for r in s.means.to_pylist() if r["relation"] == "random")
    assert row["n_families"] == len(set(rand["family_a"].to_pylist()))
    ab = zip(rand["a"].to_pylist(), rand["b"].to_pylist(), strict=True)
    assert row["n_pairs"] == len({(min(a, b), max(a, b)) for a, b in ab})
