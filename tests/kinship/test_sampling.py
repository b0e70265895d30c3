"""The kin sampler draws every occurrence of a shape with the same probability."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import pytest
from scipy.stats import chisquare

from phylohub.errors import PhylohubError
from phylohub.kinship.sampling import Forest, sample_kin, sample_shape, shape_pairs
from phylohub.kinship.shapes import SHAPE_NODES, SHAPES, shape_totals
from tests.kinship.test_shapes import SHAPE_FORMS, random_forest, tree_form

#: Significance level of the goodness-of-fit tests (one test per shape and forest).
ALPHA = 0.001

# A forest with every shape: 0 -> {1, 2, 3}; 1 -> {4, 5}; 2 -> {6}; 3 -> {7, 8, 9};
# 4 -> {10, 11}; 6 -> {12}; 10 -> {13}; 14 and 15 are lone roots; 16 -> {17}.
SMALL = np.array([-1, 0, 0, 0, 1, 1, 2, 3, 3, 3, 4, 4, 6, 10, -1, -1, -1, 16])


def occurrences(parent: np.ndarray, shape: str) -> set[frozenset[int]]:
    """Every occurrence of a shape, as its node set, by brute force."""
    n = parent.size
    if shape == "pair":
        return {frozenset(s) for s in combinations(range(n), 2)}
    k = len(SHAPE_NODES[shape])
    found = set()
    for subset in combinations(range(n), k):
        inside = set(subset)
        induced = {v: (int(parent[v]) if parent[v] in inside else None) for v in subset}
        if tree_form(induced) == SHAPE_FORMS[shape]:
            found.add(frozenset(subset))
    return found


def roles_are_consistent(parent: np.ndarray, shape: str, row: np.ndarray) -> bool:
    """The sampled nodes stand in the relations their roles name."""
    r = dict(zip(SHAPE_NODES[shape], (int(v) for v in row), strict=True))
    p = {k: int(parent[v]) for k, v in r.items()}
    checks = {
        "pair": lambda: r["a"] != r["b"],
        "edge": lambda: p["c"] == r["p"],
        "cherry": lambda: p["a"] == p["b"] == r["p"] and r["a"] != r["b"],
        "chain2": lambda: p["c"] == r["p"] and p["p"] == r["g"],
        "star3": lambda: (
            p["a"] == p["b"] == p["c"] == r["p"] and len({r["a"], r["b"], r["c"]}) == 3
        ),
        "fork": lambda: p["p"] == r["g"] and p["a"] == p["b"] == r["p"] and r["a"] != r["b"],
        "uncle": lambda: p["p"] == p["u"] == r["g"] and r["u"] != r["p"] and p["c"] == r["p"],
        "chain3": lambda: p["g"] == r["G"] and p["p"] == r["g"] and p["c"] == r["p"],
        "cousins": lambda: (
            p["a"] == p["b"] == r["g"]
            and r["a"] != r["b"]
            and p["x"] == r["a"]
            and p["y"] == r["b"]
        ),
    }
    return bool(checks[shape]())


def goodness_of_fit(parent: np.ndarray, shape: str, per_cell: int, seed: int) -> float:
    """p-value of the sampled frequencies against the uniform law over all occurrences."""
    truth = occurrences(parent, shape)
    assert len(truth) == shape_totals(parent)[shape]
    forest = Forest.from_parents(parent)
    k = per_cell * len(truth)
    draws = sample_shape(forest, shape, k, np.random.default_rng(seed))
    assert draws.shape == (k, len(SHAPE_NODES[shape]))
    assert all(roles_are_consistent(parent, shape, row) for row in draws)
    counts = Counter(frozenset(int(v) for v in row) for row in draws)
    assert set(counts) <= truth  # nothing but real occurrences
    observed = [counts.get(occ, 0) for occ in sorted(truth, key=sorted)]
    return float(chisquare(observed).pvalue)


@pytest.mark.parametrize("shape", SHAPES)
def test_sampled_frequencies_match_exact_enumeration(shape: str) -> None:
    """Chi-square goodness of fit at level 0.001, 40 expected draws per occurrence."""
    assert goodness_of_fit(SMALL, shape, per_cell=40, seed=11) > ALPHA


@pytest.mark.parametrize("seed", range(6))
def test_sampler_is_unbiased_on_random_forests(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    parent = random_forest(rng, 14)
    totals = shape_totals(parent)
    tested = [s for s in SHAPES if 2 <= totals[s] <= 400]
    assert len(tested) >= 4
    for shape in tested:
        assert goodness_of_fit(parent, shape, per_cell=30, seed=seed) > ALPHA, shape


def test_the_goodness_of_fit_test_detects_a_biased_sampler() -> None:
    """The test has power: sibling pairs drawn by parent, weighted d(p) not C(d(p), 2)."""
    forest = Forest.from_parents(SMALL)
    truth = sorted(occurrences(SMALL, "cherry"), key=sorted)
    parents = np.flatnonzero(forest.degree >= 2)
    weights = forest.degree[parents]
    rng = np.random.default_rng(5)
    k = 40 * len(truth)
    r = rng.integers(0, weights.sum(), k)
    anchors = parents[np.searchsorted(np.cumsum(weights), r, side="right")]
    counts: Counter[frozenset[int]] = Counter()
    for p in anchors.tolist():
        kids = forest.children[forest.child_start[p] : forest.child_start[p] + forest.degree[p]]
        a, b = rng.choice(kids, 2, replace=False)
        counts[frozenset((p, int(a), int(b)))] += 1
    observed = [counts.get(occ, 0) for occ in truth]
    assert float(chisquare(observed).pvalue) < ALPHA


def test_same_seed_same_tables_other_seed_other_draws() -> None:
    forest = Forest.from_parents(random_forest(np.random.default_rng(1), 200))
    d1, p1 = sample_kin(forest, SHAPES, 500, seed=42)
    d2, p2 = sample_kin(forest, SHAPES, 500, seed=42)
    assert d1.equals(d2) and p1.equals(p2)
    d3, _ = sample_kin(forest, SHAPES, 500, seed=43)
    assert not d1.equals(d3)
    # A shape's draws do not depend on which other shapes are drawn.
    alone, _ = sample_kin(forest, ["cousins"], 500, seed=42)
    mask = np.asarray(d1["shape"].to_pylist()) == "cousins"
    assert alone.column("node").to_pylist() == np.asarray(d1["node"])[mask].tolist()


def test_pairs_inside_shapes_carry_their_kinship() -> None:
    assert shape_pairs("cousins") == [
        ("g", "a", "parent_child", 1, 1),
        ("g", "b", "parent_child", 1, 1),
        ("g", "x", "grandparent", 2, 2),
        ("g", "y", "grandparent", 2, 2),
        ("a", "b", "siblings", 2, 0),
        ("a", "x", "parent_child", 1, 1),
        ("a", "y", "uncle_nephew", 3, 1),
        ("b", "x", "uncle_nephew", 3, 1),
        ("b", "y", "parent_child", 1, 1),
        ("x", "y", "cousins", 4, 0),
    ]
    assert [r for _, _, r, _, _ in shape_pairs("chain3")].count("great_grandparent") == 1


def test_the_pair_table_marks_one_defining_pair_per_relation_shape() -> None:
    forest = Forest.from_parents(SMALL)
    _, pairs = sample_kin(forest, SHAPES, 50, seed=1)
    rows = (
        pairs.filter(pairs["defining"])
        .group_by(["shape", "relation"])
        .aggregate([("draw", "count")])
    )
    got = sorted(zip(rows["shape"].to_pylist(), rows["relation"].to_pylist(), strict=True))
    assert got == sorted(
        [
            ("pair", "random"),
            ("edge", "parent_child"),
            ("cherry", "siblings"),
            ("chain2", "grandparent"),
            ("uncle", "uncle_nephew"),
            ("cousins", "cousins"),
            ("chain3", "great_grandparent"),
        ]
    )


def test_a_forest_without_a_shape_gives_no_draws() -> None:
    forest = Forest.from_parents(np.array([-1, 0, -1]))
    assert sample_shape(forest, "cousins", 10, np.random.default_rng(0)).shape == (0, 5)
    assert sample_shape(forest, "edge", 3, np.random.default_rng(0)).tolist() == [[0, 1]] * 3


def test_bad_requests_are_refused() -> None:
    forest = Forest.from_parents(SMALL)
    with pytest.raises(PhylohubError, match="unknown kin shape"):
        sample_shape(forest, "triangle", 1, np.random.default_rng(0))
    with pytest.raises(PhylohubError, match=">= 0"):
        sample_shape(forest, "edge", -1, np.random.default_rng(0))
