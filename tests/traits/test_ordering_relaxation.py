"""The LP relaxation that stands in for SCIP on the coin-flip baseline: every order it
returns is optimal (brute force), or, for weights without a tie rule, puts every pair
that moves a share as every near-optimal order does (brute force); it returns none where
the relaxation is weaker than the optimum or optima tie with other shares; and the
baseline's shares are those of SCIP alone."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from phylohub.errors import PhylohubError
from phylohub.traits import drift
from phylohub.traits.drift import DriftGraph, DriftSettings, _null_shares, order_graph
from phylohub.traits.ordering import (
    RelaxationSolver,
    brute_force_ordering,
    explained,
    order_value,
    solve_ordering,
    tie_broken_weights,
)

#: Coin-flip counts of 8 values whose LP relaxation (every triangle inequality) is worth
#: 801 in the unweighted tie-broken weights while the best order is worth 781: no bound
#: of the relaxation can prove an order optimal, so SCIP must solve it. Found by search.
WEAK = np.array(
    [[0, 2, 0, 1, 1, 2, 0, 3], [0, 0, 0, 0, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 0, 1],
     [2, 1, 1, 0, 0, 0, 1, 1], [0, 0, 2, 2, 0, 1, 0, 3], [1, 0, 1, 0, 2, 0, 0, 0],
     [0, 1, 1, 2, 2, 0, 0, 1], [0, 1, 0, 2, 0, 3, 0, 0]]
)  # fmt: skip


def _coin_flips(rng: np.random.Generator, k: int, high: int = 4) -> np.ndarray:
    """Traffic per pair split by coin flips, as the null baseline draws it."""
    total = np.triu(rng.integers(0, high, size=(k, k)), 1)
    forward = rng.binomial(total, 0.5)
    out: np.ndarray = forward + (total - forward).T
    return out


def _graph(
    counts: np.ndarray, trait: str = "task", exposure: np.ndarray | None = None
) -> DriftGraph:
    k = counts.shape[0]
    values = tuple(f"v{i}" for i in range(k))
    expo = np.arange(1, k + 1) if exposure is None else exposure
    return DriftGraph(trait, values, (1,) * k, expo, counts, int(counts.sum()))


def _every_order(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every permutation of the k values (k <= 7) and its value."""
    k = weights.shape[0]
    perms = np.array(list(itertools.permutations(range(k))), dtype=np.int64)
    values = np.zeros(len(perms))
    for a, b in itertools.combinations(range(k), 2):
        values += weights[perms[:, a], perms[:, b]]
    return perms, values


def _relaxation_value(weights: np.ndarray) -> float:
    """The LP optimum with every triangle inequality written out (HiGHS, for checking)."""
    k = weights.shape[0]
    first, second = np.triu_indices(k, 1)
    index = np.zeros((k, k), dtype=np.int64)
    index[first, second] = np.arange(len(first))
    rows = []
    for i, j, m in itertools.combinations(range(k), 3):
        row = np.zeros(len(first))
        row[[index[i, j], index[j, m]]] = 1
        row[index[i, m]] = -1
        rows.append(row)
    a = np.array(rows)
    gains = weights[first, second] - weights[second, first]
    lp = linprog(
        -gains,
        A_ub=np.vstack([a, -a]),
        b_ub=np.concatenate([np.ones(len(a)), np.zeros(len(a))]),
        bounds=(0, 1),
        method="highs",
    )
    return float(-lp.fun + weights[second, first].sum())


@pytest.mark.parametrize("kind", ["weighted", "unweighted"])
def test_every_order_it_returns_is_optimal(kind: str) -> None:
    rng = np.random.default_rng(20261207)
    proven = 0
    for k in (4, 5, 6, 7, 8):
        solver = RelaxationSolver(k)  # one LP for every graph of k values, as the stage
        for _ in range(25):
            weights, _m = tie_broken_weights(_coin_flips(rng, k), kind)
            order = solver.solve(weights)
            if order is not None:
                assert sorted(order) == list(range(k))
                assert order_value(weights, order) == brute_force_ordering(weights)[1]
                proven += 1
    assert proven > 100  # of 125: the relaxation proves most of them


def test_a_relaxation_weaker_than_the_optimum_proves_nothing_and_scip_solves_it() -> None:
    weights, _m = tie_broken_weights(WEAK, "unweighted")
    best = brute_force_ordering(weights)[1]
    assert (best, _relaxation_value(weights)) == pytest.approx((781, 801))
    assert RelaxationSolver(8).solve(weights) is None
    assert solve_ordering(weights).objective == best
    # in the baseline, the graph's shares are those of the (lexicographic) optimum
    e = explained(WEAK, brute_force_ordering(weights)[0])
    assert _null_shares([_graph(WEAK)], "unweighted", DriftSettings()) == (
        [(e.drifts, e.mutations)],
        0,  # ordered by SCIP
    )


def test_every_order_forced_returns_puts_the_chosen_pairs_as_every_near_optimum_does() -> None:
    rng = np.random.default_rng(20261208)
    proven = tried = 0
    for k in (3, 4, 5, 6, 7):
        solver = RelaxationSolver(k)
        for _ in range(30):
            graph = _graph(_coin_flips(rng, k, high=6), exposure=rng.integers(1, 9, size=k))
            weights, scale = graph.solve_weights("normalised")
            assert scale is None  # rates: no tie rule
            unequal = graph.counts != graph.counts.T
            order = solver.forced(weights, unequal)
            tried += 1
            if order is None:
                continue
            proven += 1
            perms, values = _every_order(weights)
            best = values.max()
            near = perms[values >= best - 1e-6 * max(1.0, abs(best))]
            assert order_value(weights, order) >= best - 1e-6 * max(1.0, abs(best))
            position = np.argsort(np.array(order))
            for other in near:
                other_position = np.argsort(other)
                for i, j in zip(*np.nonzero(unequal), strict=True):
                    assert (position[i] < position[j]) == (other_position[i] < other_position[j])
            shares = explained(graph.counts, order)
            assert all(explained(graph.counts, other) == shares for other in near)
    assert proven > tried * 3 // 4  # of 150: the relaxation answers for most of them


class _JointOnly(RelaxationSolver):
    """The relaxation with no re-solve per pair: what the first duals and the one LP
    over every unproven pair (``_none_turned``) show, counting the graphs that LP
    proves."""

    MAX_RESOLVES = 0

    def __init__(self, k: int) -> None:
        super().__init__(k)
        self.joint = 0
        self.refused = 0

    def _none_turned(self, *args: Any) -> bool:
        proven = super()._none_turned(*args)
        self.joint += proven
        self.refused += not proven
        return proven


def test_the_one_lp_over_the_unproven_pairs_proves_only_what_every_near_optimum_does() -> None:
    """Graphs proven by the LP that turns round as many unproven pairs as it can (no
    re-solve allowed): every order within the margin of the optimum, all tried, puts
    each chosen pair as the returned one; that LP proves graphs the first duals do
    not, and refuses some (where a tie or the relaxation's halves turn a pair)."""
    rng = np.random.default_rng(20261207)
    joint = refused = 0
    for k in (4, 5, 6, 7):
        solver = _JointOnly(k)
        for _ in range(40):
            graph = _graph(_coin_flips(rng, k, high=6), exposure=rng.integers(1, 9, size=k))
            weights, _scale = graph.solve_weights("normalised")
            unequal = graph.counts != graph.counts.T
            before = solver.joint
            order = solver.forced(weights, unequal)
            if order is None or solver.joint == before:
                continue
            joint += 1
            perms, values = _every_order(weights)
            best = values.max()
            near = perms[values >= best - 1e-6 * max(1.0, abs(best))]
            position = np.argsort(np.array(order))
            for other in near:
                other_position = np.argsort(other)
                for i, j in zip(*np.nonzero(unequal), strict=True):
                    assert (position[i] < position[j]) == (other_position[i] < other_position[j])
        refused += solver.refused
    assert joint >= 20  # of 160 graphs, the ones the first duals left open
    assert refused > 0


def test_forced_returns_none_where_tied_optima_explain_different_shares() -> None:
    # v0 -> v1 once (exposure 1), v1 -> v0 twice (exposure 2): both rates are 1, so both
    # orders are optimal, and the first puts 1 transition forward, the second 2 and the arc
    counts = np.array([[0, 1], [2, 0]])
    graph = _graph(counts, exposure=np.array([1, 2]))
    weights, _scale = graph.solve_weights("normalised")
    assert order_value(weights, (0, 1)) == order_value(weights, (1, 0))
    assert explained(counts, (0, 1)) != explained(counts, (1, 0))
    assert RelaxationSolver(2).forced(weights, counts != counts.T) is None
    # the baseline then takes SCIP's order, as it did before the relaxation
    e = explained(counts, solve_ordering(weights).order)
    shares = _null_shares([graph], "normalised", DriftSettings())
    assert shares == ([(e.drifts, e.mutations)], 0)
    # a pair whose orientation moves no share is not asked about
    assert RelaxationSolver(2).forced(weights, np.zeros((2, 2), dtype=bool)) is not None


def test_forced_leaves_to_scip_the_graphs_that_need_more_resolves_than_allowed() -> None:
    rng = np.random.default_rng(3)
    proven = {"default": 0, "none allowed": 0}
    for _ in range(40):
        graph = _graph(_coin_flips(rng, 7, high=6), exposure=rng.integers(1, 9, size=7))
        weights, _scale = graph.solve_weights("normalised")
        unequal = graph.counts != graph.counts.T
        default = RelaxationSolver(7).forced(weights, unequal)
        capped = RelaxationSolver(7)
        capped.MAX_RESOLVES = 0
        none_allowed = capped.forced(weights, unequal)
        assert default is not None or none_allowed is None  # the cap only takes away
        proven["default"] += default is not None
        proven["none allowed"] += none_allowed is not None
    # the duals alone prove some graphs; the re-solves prove more, which the cap leaves
    assert 0 < proven["none allowed"] < proven["default"]


def test_the_baseline_is_what_scip_alone_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    counts = rng.poisson(3.0, size=(12, 12)) * (rng.random((12, 12)) < 0.6)
    np.fill_diagonal(counts, 0)
    graph = _graph(counts)
    settings = DriftSettings(null_replicates=40, check_unique=False, seed=4)
    calls = {"proven": 0, "all": 0, "forced": 0, "forced proven": 0}

    class Counted(RelaxationSolver):
        def solve(self, weights: np.ndarray) -> tuple[int, ...] | None:
            order = super().solve(weights)
            calls["all"] += 1
            calls["proven"] += order is not None
            return order

        def forced(
            self, weights: np.ndarray, pairs: np.ndarray, margin: float = 1e-6
        ) -> tuple[int, ...] | None:
            order = super().forced(weights, pairs, margin)
            calls["forced"] += 1
            calls["forced proven"] += order is not None
            return order

    monkeypatch.setattr(drift, "RelaxationSolver", Counted)
    with_relaxation = order_graph(graph, settings)
    assert calls["all"] == 2 * 40  # every weighted and unweighted coin-flip graph
    assert calls["proven"] > 40  # most of them stood in for SCIP
    assert calls["forced"] == 40  # every normalised one
    assert calls["forced proven"] > 20

    class Never(RelaxationSolver):
        def solve(self, weights: np.ndarray) -> tuple[int, ...] | None:
            return None

        def forced(
            self, weights: np.ndarray, pairs: np.ndarray, margin: float = 1e-6
        ) -> tuple[int, ...] | None:
            return None

    monkeypatch.setattr(drift, "RelaxationSolver", Never)
    assert order_graph(graph, settings) == with_relaxation


def test_it_refuses_weights_it_cannot_prove() -> None:
    solver = RelaxationSolver(3)
    with pytest.raises(PhylohubError, match="integer weights"):
        solver.solve(np.array([[0, 0.5, 0], [0, 0, 1], [1, 0, 0]]))
    with pytest.raises(PhylohubError, match="orders 3 traits, not 2"):
        solver.solve(np.zeros((2, 2)))
