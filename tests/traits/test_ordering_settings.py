"""SCIP's bookkeeping settings (statistics clocks, the primal-dual integral, display, rare
time checks) leave every solve as it was: the same order, even where many orders are
optimal, the same bound and the same node count. The null baseline's shares depend on
which optimal order comes back, so a setting that steered the search would move them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phylohub.traits import ordering
from phylohub.traits.ordering import Ordering, OrderingSolver, oriented, solve_ordering


def _without_time(result: Ordering) -> tuple[object, ...]:
    return tuple(v for f, v in dataclasses.asdict(result).items() if f != "seconds")


def _graphs(k: int) -> list[np.ndarray]:
    """Coin-flip splits of noisy traffic (as the null baseline solves), and 0/1 arcs with
    many optimal orders, in each ordering kind's form."""
    rng = np.random.default_rng(k)
    out = []
    for _ in range(8):
        total = np.triu(rng.poisson(rng.uniform(0, 12, size=(k, k))), 1)
        forward = rng.binomial(total, 0.5)
        counts = forward + (total - forward).T
        out += [counts.astype(float), oriented(counts).astype(float)]
        out.append(counts / rng.integers(1, 300, size=k)[:, None])
    return out


def test_the_model_carries_every_bookkeeping_setting() -> None:
    model = ordering._build(np.zeros((4, 4)), 60.0, 0).model
    for name, value in ordering._BOOKKEEPING.items():
        assert model.getParam(name) == value


@pytest.mark.parametrize("k", [6, 12, 20])
def test_bookkeeping_settings_return_the_same_solves(
    k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    graphs = _graphs(k)
    lean = OrderingSolver(k, seed=3)
    with_them = [_without_time(lean.solve(w)) for w in graphs]
    with_them_fresh = [_without_time(solve_ordering(w, seed=3)) for w in graphs[:6]]
    monkeypatch.setattr(ordering, "_BOOKKEEPING", {})
    plain = OrderingSolver(k, seed=3)
    assert plain.problem is not None
    assert plain.problem.model.getParam("timing/statistictiming")  # SCIP's default is on
    assert [_without_time(plain.solve(w)) for w in graphs] == with_them
    assert [_without_time(solve_ordering(w, seed=3)) for w in graphs[:6]] == with_them_fresh
