"""Exact kin-shape counts against brute-force enumeration of node subsets."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from phylohub.errors import PhylohubError
from phylohub.kinship.shapes import (
    SHAPE_NODES,
    SHAPES,
    anchor_weights,
    check_forest,
    shape_totals,
)

# Each connected shape as a rooted tree: role -> parent role (None for the shape's root).
SHAPE_TREES: dict[str, dict[str, str | None]] = {
    "edge": {"p": None, "c": "p"},
    "cherry": {"p": None, "a": "p", "b": "p"},
    "chain2": {"g": None, "p": "g", "c": "p"},
    "star3": {"p": None, "a": "p", "b": "p", "c": "p"},
    "fork": {"g": None, "p": "g", "a": "p", "b": "p"},
    "uncle": {"g": None, "p": "g", "u": "g", "c": "p"},
    "chain3": {"G": None, "g": "G", "p": "g", "c": "p"},
    "cousins": {"g": None, "a": "g", "b": "g", "x": "a", "y": "b"},
}


def canonical(children: dict[object, list[object]], root: object) -> str:
    """AHU canonical string of a rooted tree."""
    return "(" + "".join(sorted(canonical(children, c) for c in children[root])) + ")"


def tree_form(par: dict[object, object | None]) -> str | None:
    """Canonical form of a rooted tree given child -> parent; None unless one tree."""
    roots = [v for v, p in par.items() if p is None]
    if len(roots) != 1:
        return None
    children: dict[object, list[object]] = {v: [] for v in par}
    for v, p in par.items():
        if p is not None:
            children[p].append(v)
    return canonical(children, roots[0])


SHAPE_FORMS = {name: tree_form(dict(tree)) for name, tree in SHAPE_TREES.items()}


def brute_force_counts(parent: np.ndarray) -> dict[str, int]:
    """Count every shape by looking at every node subset of its size."""
    n = parent.size
    counts = {"pair": n * (n - 1) // 2}
    for name, tree in SHAPE_TREES.items():
        k = len(tree)
        hits = 0
        for subset in combinations(range(n), k):
            inside = set(subset)
            induced = {v: (int(parent[v]) if parent[v] in inside else None) for v in subset}
            if tree_form(induced) == SHAPE_FORMS[name]:
                hits += 1
        counts[name] = hits
    return counts


def random_forest(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random forest on n nodes, indices shuffled so that parents need not come first."""
    parent = np.full(n, -1, dtype=np.int64)
    for v in range(1, n):
        if rng.random() < 0.8:
            # Preferential towards a few hubs so that stars and cousins occur.
            parent[v] = (
                int(rng.integers(0, v)) if rng.random() < 0.5 else int(rng.integers(0, min(v, 3)))
            )
    perm = rng.permutation(n)
    inv = np.empty(n, dtype=np.int64)
    inv[perm] = np.arange(n)
    shuffled = np.full(n, -1, dtype=np.int64)
    for v in range(n):
        if parent[v] >= 0:
            shuffled[inv[v]] = inv[parent[v]]
    return shuffled


@pytest.mark.parametrize("seed", range(40))
def test_every_shape_count_matches_brute_force_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    parent = random_forest(rng, int(rng.integers(1, 14)))
    totals = shape_totals(parent)
    expected = brute_force_counts(parent)
    assert {s: totals[s] for s in SHAPES} == expected
    assert totals["nodes"] == parent.size
    assert totals["roots"] == int((parent < 0).sum())


def test_the_random_forests_exercise_every_shape() -> None:
    """The brute-force test would prove little if some shape never occurred."""
    seen = dict.fromkeys(SHAPES, 0)
    for seed in range(40):
        rng = np.random.default_rng(seed)
        totals = shape_totals(random_forest(rng, int(rng.integers(1, 14))))
        for s in SHAPES:
            seen[s] += totals[s] > 0
    assert all(v >= 5 for v in seen.values()), seen


@pytest.mark.parametrize("shape", SHAPES)
def test_anchor_weights_sum_to_the_total_and_are_positive(shape: str) -> None:
    rng = np.random.default_rng(3)
    parent = random_forest(rng, 60)
    anchors, weights = anchor_weights(parent, shape)
    assert weights.sum() == shape_totals(parent)[shape]
    assert (weights > 0).all()
    assert (np.diff(anchors) > 0).all()


def test_great_grandparent_chains_need_a_grandparent_above_the_middle_edge() -> None:
    # 0 -> 1 -> {2, 3}: the paper's weight d(1) = 2 would count two 3-paths; there are none.
    assert shape_totals([-1, 0, 1, 1])["chain3"] == 0
    # 0 -> 1 -> 2 -> {3, 4}: two great-grandparent chains.
    assert shape_totals([-1, 0, 1, 2, 2])["chain3"] == 2


def test_cousins_are_children_of_two_distinct_siblings() -> None:
    # 0 -> {1, 2, 3}; 1 -> {4, 5}; 2 -> {6}; 3 -> {7, 8, 9}: 2*1 + 2*3 + 1*3 = 11.
    parent = [-1, 0, 0, 0, 1, 1, 2, 3, 3, 3]
    assert shape_totals(parent)["cousins"] == 11


def test_counts_are_exact_beyond_int64_products() -> None:
    # One parent with 3,000,000 children: C(n, 3) ~ 4.5e18 is near the int64 limit.
    n = 3_000_001
    parent = np.zeros(n, dtype=np.int64)
    parent[0] = -1
    totals = shape_totals(parent)
    k = n - 1
    assert totals["star3"] == k * (k - 1) * (k - 2) // 6
    assert totals["pair"] == n * (n - 1) // 2


def test_shape_nodes_name_every_shape() -> None:
    assert set(SHAPE_NODES) == set(SHAPES)
    for name, tree in SHAPE_TREES.items():
        assert set(tree) == set(SHAPE_NODES[name])


@pytest.mark.parametrize(
    ("parent", "message"),
    [
        ([0, -1], "its own parent"),
        ([-1, 5], "not a node index"),
        ([1, 2, 0], "cycle"),
        ([[-1]], "one dimension"),
    ],
)
def test_a_parent_array_that_is_no_forest_is_refused(parent: list[int], message: str) -> None:
    with pytest.raises(PhylohubError, match=message):
        check_forest(parent)


def test_an_unknown_shape_is_refused() -> None:
    with pytest.raises(PhylohubError, match="unknown kin shape"):
        anchor_weights([-1, 0], "triangle")
