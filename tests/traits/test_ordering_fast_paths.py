"""The faster orderings give what the plain ones gave: the heuristic start SCIP begins
from is the same order as its numpy form's (so SCIP walks the same path), and the null
baseline cut into slices, in one process or two, is the baseline solved in one piece."""

from __future__ import annotations

import json

import numpy as np
import pytest

from phylohub.traits import drift
from phylohub.traits.drift import DriftGraph, DriftSettings, order_graph
from phylohub.traits.ordering import _heuristic_order_numpy, heuristic_order, oriented


def _weights(rng: np.random.Generator, k: int, kind: int) -> np.ndarray:
    """Transitions of a few values (many ties), their 0/1 arcs, or rates (floats)."""
    counts = rng.poisson(rng.uniform(0.0, 4.0), size=(k, k))
    if kind == 1:
        w: np.ndarray = oriented(counts).astype(float)
    elif kind == 2:
        w = counts / rng.integers(1, 60, size=k)[:, None]
    else:
        w = counts.astype(float)
    np.fill_diagonal(w, 0.0)
    return w


def test_the_heuristic_start_is_the_numpy_forms_order_on_many_graphs() -> None:
    rng = np.random.default_rng(17)
    starts_moved = 0
    for n in range(1500):
        w = _weights(rng, int(rng.integers(0, 24)), n % 3)
        fast = heuristic_order(w)
        assert fast == _heuristic_order_numpy(w)
        net = w.sum(axis=1) - w.sum(axis=0)
        starts_moved += fast != sorted(range(len(w)), key=lambda i: (-net[i], i))
    assert starts_moved > 300  # the single moves were exercised, not only the first sort


def _graph(k: int) -> DriftGraph:
    rng = np.random.default_rng(k)
    i, j = np.indices((k, k))
    counts = rng.poisson(np.where(j > i, 6.0, 2.0) * rng.integers(0, 3, size=(k, k))) + 1
    np.fill_diagonal(counts, 0)
    return DriftGraph(
        trait="task",
        values=tuple(f"v{v}" for v in range(k)),
        models=tuple(range(k, 0, -1)),
        exposure=rng.integers(1, 400, size=k),
        counts=counts,
        transitions=int(counts.sum()),
    )


@pytest.mark.parametrize("k", [2, 9])
def test_a_baseline_in_slices_is_the_baseline_in_one_piece(
    k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = _graph(k)
    settings = DriftSettings(null_replicates=23, seed=3)
    monkeypatch.setattr(drift, "_CHUNK", 1000)
    whole = order_graph(graph, settings)
    monkeypatch.setattr(drift, "_CHUNK", 4)
    assert len(drift._units([graph], settings)) == 3 * (1 + 6)
    same = json.dumps(whole)  # as the file has it (NaN shares compare equal)
    assert json.dumps(order_graph(graph, settings)) == same
    assert json.dumps(drift._order_graphs([graph, graph], settings, workers=2)) == (
        f"[{same}, {same}]"
    )
    assert whole["orderings"]["weighted"]["null"]["mutations_explained"]["replicates"] == 23
