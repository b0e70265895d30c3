"""The exact linear ordering: SCIP against brute force and dynamic programming."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from phylohub.errors import PhylohubError
from phylohub.traits.ordering import (
    brute_force_ordering,
    explained,
    heuristic_order,
    order_value,
    oriented,
    second_best,
    solve_ordering,
)


def _instance(rng: np.random.Generator, k: int) -> np.ndarray:
    """Weights of several kinds: small integers (many ties), sparse reals, 0/1 arcs."""
    kind = int(rng.integers(3))
    if kind == 0:
        w = rng.integers(0, 6, size=(k, k)).astype(float)
    elif kind == 1:
        w = rng.random((k, k)) * (rng.random((k, k)) < 0.5)
    else:
        w = oriented(rng.integers(0, 4, size=(k, k))).astype(float)
    np.fill_diagonal(w, 0)
    return w


def test_solver_agrees_with_brute_force_on_every_small_instance() -> None:
    rng = np.random.default_rng(20250712)
    for _ in range(300):
        k = int(rng.integers(1, 9))
        w = _instance(rng, k)
        result = solve_ordering(w)
        best_order, best = brute_force_ordering(w)
        assert result.optimal, (w, result)
        assert result.gap == 0 and result.status == "optimal"
        assert sorted(result.order) == list(range(k))
        assert result.objective == pytest.approx(best, abs=1e-9)
        assert order_value(w, result.order) == pytest.approx(best, abs=1e-9)
        assert result.bound == pytest.approx(best, abs=1e-6)
        assert order_value(w, best_order) == pytest.approx(best, abs=1e-9)


def _dynamic_programme(w: np.ndarray) -> float:
    """The optimum over subsets (Held-Karp style): exact, O(2^k k^2)."""
    k = w.shape[0]
    best = np.full(1 << k, -np.inf)
    best[0] = 0.0
    for subset in range(1, 1 << k):
        members = [i for i in range(k) if subset >> i & 1]
        for last in members:
            rest = subset & ~(1 << last)
            gain = sum(w[j, last] for j in members if j != last)
            best[subset] = max(best[subset], best[rest] + gain)
    return float(best[-1])


@pytest.mark.parametrize("seed", range(4))
def test_solver_agrees_with_dynamic_programming_on_harder_random_instances(seed: int) -> None:
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 20, size=(11, 11)).astype(float)
    np.fill_diagonal(w, 0)
    result = solve_ordering(w)
    assert result.optimal
    assert result.objective == pytest.approx(_dynamic_programme(w))


def _planted(rng: np.random.Generator, k: int) -> np.ndarray:
    """Transitions that mostly run forward along 0..k-1, then shuffled."""
    w = np.zeros((k, k))
    for i, j in itertools.permutations(range(k), 2):
        near = 0.6 ** (abs(i - j) - 1) * rng.integers(1, 50)
        w[i, j] = rng.poisson(near * (9 if j > i else 1))
    return w


def test_forty_traits_solve_in_seconds_with_far_fewer_triangles_than_all() -> None:
    rng = np.random.default_rng(3)
    k = 40
    perm = rng.permutation(k)
    w = _planted(rng, k)[np.ix_(perm, perm)]
    result = solve_ordering(w, time_limit=60)
    assert result.optimal
    assert result.seconds < 30
    assert result.triangles < 2 * math.comb(k, 3) / 5  # lazily: a fraction of them


def test_second_best_tells_a_unique_optimum_from_a_tie() -> None:
    chain = np.array([[0, 5, 5], [0, 0, 5], [0, 0, 0]], dtype=float)
    best = solve_ordering(chain)
    assert best.order == (0, 1, 2)
    other = second_best(chain, best.order)
    assert other is not None and other.objective < best.objective
    tie = np.array([[0, 5, 5], [0, 0, 0], [0, 0, 0]], dtype=float)  # 1 and 2 unordered
    best = solve_ordering(tie)
    other = second_best(tie, best.order)
    assert other is not None and other.objective == best.objective
    assert other.order != best.order


def test_heuristic_start_is_a_permutation_and_never_beats_the_optimum() -> None:
    rng = np.random.default_rng(5)
    for _ in range(50):
        w = _instance(rng, int(rng.integers(2, 9)))
        order = heuristic_order(w)
        assert sorted(order) == list(range(w.shape[0]))
        assert order_value(w, order) <= brute_force_ordering(w)[1] + 1e-9


def test_explained_counts_forward_arcs_and_transitions() -> None:
    counts = np.array([[0, 9, 4, 0], [1, 0, 6, 2], [4, 3, 0, 5], [0, 0, 1, 0]])
    e = explained(counts, [0, 1, 2, 3])
    # arcs: 0->1 (9>1), 1->2 (6>3), 2->3 (5>1), 1->3 (2>0); 0-2 tied (4=4): no arc
    assert (e.forward_arcs, e.arcs) == (4, 4)
    assert (e.forward_transitions, e.transitions) == (9 + 4 + 6 + 2 + 5, counts.sum())
    e = explained(counts, [3, 2, 1, 0])
    assert e.forward_arcs == 0
    assert e.drifts == 0.0


def test_bad_weights_are_a_user_error() -> None:
    with pytest.raises(PhylohubError, match="square"):
        solve_ordering(np.zeros((2, 3)))
    with pytest.raises(PhylohubError, match="finite"):
        solve_ordering(np.array([[0, np.nan], [1, 0]]))
