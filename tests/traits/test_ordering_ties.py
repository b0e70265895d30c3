"""The tie rule of the weighted and unweighted orderings: of the orders optimal for one
share, the one that puts most of the other share forward, for the data and the baseline
alike, so that both shares are what any exact solver gives (brute force here)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from phylohub.traits.drift import DriftGraph, DriftSettings, _nulls, order_graph
from phylohub.traits.ordering import oriented

SHARES = {"weighted": ("forward_transitions", "forward_arcs"),
          "unweighted": ("forward_arcs", "forward_transitions")}  # fmt: skip


def _graph(counts: np.ndarray) -> DriftGraph:
    k = counts.shape[0]
    values = tuple(f"v{i}" for i in range(k))
    return DriftGraph("license", values, (1,) * k, np.ones(k), counts, int(counts.sum()))


def _forward(weights: np.ndarray, perms: np.ndarray) -> np.ndarray:
    """What each permutation puts forward of ``weights``."""
    total = np.zeros(len(perms), dtype=np.int64)
    for a, b in itertools.combinations(range(perms.shape[1]), 2):
        total += weights[perms[:, a], perms[:, b]]
    return total


def _optima(counts: np.ndarray, kind: str) -> tuple[int, int, int]:
    """By trying every order: the best primary, and the most and the least of the other
    share among the orders that reach it (the first two: the lexicographic optimum)."""
    k = counts.shape[0]
    perms = np.array(list(itertools.permutations(range(k))), dtype=np.int64)
    transitions, arcs = _forward(counts, perms), _forward(oriented(counts), perms)
    primary, secondary = (transitions, arcs) if kind == "weighted" else (arcs, transitions)
    best = primary.max()
    tied = secondary[primary == best]
    return int(best), int(tied.max()), int(tied.min())


def _lexicographic(counts: np.ndarray, kind: str) -> tuple[int, int]:
    """(primary, secondary) of the lexicographic optimum."""
    primary, most, _ = _optima(counts, kind)
    return primary, most


def _counts(rng: np.random.Generator, k: int, high: int = 4) -> np.ndarray:
    c = rng.integers(0, high, size=(k, k)) * (rng.random((k, k)) < 0.7)
    np.fill_diagonal(c, 0)
    return c.astype(np.int64)


def test_both_shares_are_the_lexicographic_optimum_on_small_graphs_with_ties() -> None:
    rng = np.random.default_rng(20261207)
    settings = DriftSettings(null_replicates=0, check_unique=False)
    broke_a_tie = 0
    for _ in range(120):
        counts = _counts(rng, int(rng.integers(2, 8)))
        report = order_graph(_graph(counts), settings)["orderings"]
        for kind, (first, second) in SHARES.items():
            got = report[kind]
            primary, secondary, least = _optima(counts, kind)
            assert (got[first], got[second]) == (primary, secondary), (counts, kind)
            assert got["objective"] == got["bound"] == primary and got["optimal"]
            assert got["ties_broken"] is True
            # the paper's plain objective alone could have returned less of the other share
            broke_a_tie += secondary > least
        assert report["normalised"]["ties_broken"] is False
    assert broke_a_tie > 20  # the rule decided something (46 of the 240 orderings)


def test_the_coin_flip_baseline_breaks_ties_by_the_same_rule() -> None:
    counts = _counts(np.random.default_rng(7), 6, high=5)
    graph = _graph(counts)
    settings = DriftSettings(null_replicates=40, check_unique=False, seed=3)
    report = order_graph(graph, settings)["orderings"]
    nulls = _nulls(graph, settings)  # the same coin flips the stage drew
    for kind in SHARES:
        shares = []
        for null in nulls:
            primary, secondary = _lexicographic(null.counts, kind)
            e = (primary, secondary) if kind == "unweighted" else (secondary, primary)
            arcs, transitions = int(oriented(null.counts).sum()), int(null.counts.sum())
            shares.append((e[0] / arcs if arcs else np.nan, e[1] / transitions))
        expected = np.array(shares)
        for col, name in enumerate(("drifts_explained", "mutations_explained")):
            x = expected[:, col][np.isfinite(expected[:, col])]
            assert report[kind]["null"][name]["mean"] == pytest.approx(x.mean(), abs=1e-12)
            assert report[kind]["null"][name]["replicates"] == x.size


def test_counts_too_large_for_the_rule_are_ordered_without_it() -> None:
    counts = _counts(np.random.default_rng(11), 5) * 10**8  # m x primary could pass 1e9
    report = order_graph(_graph(counts), DriftSettings(null_replicates=3))["orderings"]
    for kind, (first, _) in SHARES.items():
        got = report[kind]
        assert got["ties_broken"] is False and got["optimal"]
        assert got[first] == got["objective"] == _lexicographic(counts, kind)[0]
