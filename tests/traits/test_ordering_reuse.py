"""The faster null baseline gives what the slower one gave: one SCIP model reused for many
graphs returns what a fresh model returns, and the orderings file is the same whether
the traits are ordered in one process or two."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from phylohub.traits import drift
from phylohub.traits.drift import DriftGraph, DriftSettings, order_graph, write_orderings
from phylohub.traits.ordering import (
    Ordering,
    OrderingSolver,
    RelaxationSolver,
    explained,
    oriented,
    solve_ordering,
)
from phylohub.vocabulary import TRAITS


def _planted(rng: np.random.Generator, k: int) -> np.ndarray:
    """Transitions mostly forward along a hidden order (as on the Hub), permuted."""
    i, j = np.indices((k, k))
    near = 0.6 ** (np.abs(i - j) - 1.0) * rng.integers(1, 50, size=(k, k))
    w = rng.poisson(near * np.where(j > i, 9, 1))
    np.fill_diagonal(w, 0)
    perm = rng.permutation(k)
    out: np.ndarray = w[np.ix_(perm, perm)]
    return out


def _graph(rng: np.random.Generator, trait: str, k: int) -> DriftGraph:
    counts = _planted(rng, k)
    return DriftGraph(
        trait=trait,
        values=tuple(f"{trait}-{v}" for v in range(k)),
        models=tuple(int(m) for m in sorted(rng.integers(1, 1000, size=k), reverse=True)),
        exposure=rng.integers(0, 500, size=k),
        counts=counts,
        transitions=int(counts.sum()) + 7,
    )


def _without_time(result: Ordering) -> tuple[object, ...]:
    return tuple(v for f, v in dataclasses.asdict(result).items() if f != "seconds")


@pytest.mark.parametrize("k", [2, 3, 7, 14, 20])
def test_a_reused_model_returns_what_a_fresh_model_returns(k: int) -> None:
    rng = np.random.default_rng(k)
    graph = _graph(rng, "license", k)
    nulls = [graph.shuffled(rng) for _ in range(12)]
    weights = [g.weights(kind) for g in nulls for kind in ("weighted", "unweighted", "normalised")]
    weights += weights[:3]  # graphs seen before are answered from the record
    solver = OrderingSolver(k, seed=5)
    for w in weights:
        assert _without_time(solver.solve(w)) == _without_time(solve_ordering(w, seed=5))


def test_ties_are_broken_as_a_fresh_model_breaks_them() -> None:
    """0/1 arcs and small integers have many optimal orders: the one returned must not
    depend on what the model solved before."""
    rng = np.random.default_rng(11)
    solver = OrderingSolver(9)
    for _ in range(30):
        w = oriented(rng.integers(0, 3, size=(9, 9))).astype(float)
        assert _without_time(solver.solve(w)) == _without_time(solve_ordering(w))


class _FreshEveryTime:
    """A fresh SCIP model for every graph, SCIP's own cuts in whatever the baseline asks."""

    def __init__(self, k: int, time_limit: float, seed: int, *, cuts: bool) -> None:
        self.time_limit, self.seed = time_limit, seed

    def solve(self, weights: np.ndarray) -> Ordering:
        return solve_ordering(weights, self.time_limit, self.seed)


def test_the_null_baseline_is_what_a_fresh_solve_per_replicate_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = _graph(np.random.default_rng(3), "task", 12)
    settings = DriftSettings(null_replicates=25, seed=2)
    fast = order_graph(graph, settings)

    monkeypatch.setattr(drift, "OrderingSolver", _FreshEveryTime)
    assert order_graph(graph, settings) == fast


def _noisy(rng: np.random.Generator, k: int) -> DriftGraph:
    """Traffic with no direction at all: coin-flip graphs the LP relaxation often
    leaves to SCIP, and whose 0/1 arcs tie many orders."""
    counts = rng.poisson(rng.integers(1, 30, size=(k, k))).astype(np.int64)
    np.fill_diagonal(counts, 0)
    values = tuple(f"v{i}" for i in range(k))
    return DriftGraph(
        trait="task",
        values=values,
        models=(1,) * k,
        exposure=np.full(k, 100),
        counts=counts,
        transitions=int(counts.sum()),
    )


def test_without_scips_cuts_tie_broken_graphs_keep_their_optimum_and_shares() -> None:
    """The baseline's solver leaves SCIP's own cuts out for tie-broken weights: the same
    optimal value, proven, and (the tie rule) the same shares explained, where the order
    it returns is another of the tied optima too."""
    left = other_order = 0
    for k, seed in [(12, 2), (14, 5), (14, 3)]:
        rng = np.random.default_rng(seed)
        graph = _noisy(rng, k)
        relaxation, lean = RelaxationSolver(k), OrderingSolver(k, seed=5, cuts=False)
        for g in [graph.shuffled(rng) for _ in range(10)]:
            weights, scale = g.solve_weights("unweighted")
            assert scale is not None
            if relaxation.solve(weights) is not None:
                continue  # what the baseline gives SCIP is what the relaxation leaves
            left += 1
            got, fresh = lean.solve(weights), solve_ordering(weights, seed=5)
            assert got.optimal and (got.objective, got.bound) == (fresh.objective, fresh.bound)
            assert explained(g.counts, got.order) == explained(g.counts, fresh.order)
            other_order += got.order != fresh.order
    assert left >= 4 and other_order >= 1  # SCIP was reached, and a tie went the other way


def test_the_noisy_baseline_is_what_a_fresh_solve_per_replicate_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As above, on a graph whose baseline SCIP solves without its own cuts."""
    graph = _noisy(np.random.default_rng(2), 12)
    settings = DriftSettings(null_replicates=25, seed=2)
    lean: list[bool] = []

    class Recording(OrderingSolver):
        def __init__(self, k: int, time_limit: float, seed: int, *, cuts: bool) -> None:
            super().__init__(k, time_limit, seed, cuts=cuts)
            lean.append(not cuts)

    monkeypatch.setattr(drift, "OrderingSolver", Recording)
    fast = order_graph(graph, settings)
    assert any(lean)

    monkeypatch.setattr(drift, "OrderingSolver", _FreshEveryTime)
    assert order_graph(graph, settings) == fast


def _tables(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Transition tables of every trait, drift graphs of 2 to 12 values."""
    rng = np.random.default_rng(8)
    moves, expo, values = [], [], []
    for n, trait in enumerate(TRAITS):
        g = _graph(rng, trait, 2 + (n * 10) // max(1, len(TRAITS) - 1))
        for (i, a), (j, b) in itertools.permutations(enumerate(g.values), 2):
            if g.counts[i, j]:
                moves.append((trait, "finetune", a, b, int(g.counts[i, j])))
        expo += [(trait, "finetune", v, int(x)) for v, x in zip(g.values, g.exposure, strict=True)]
        values += [(trait, v, m) for v, m in zip(g.values, g.models, strict=True)]
    paths = (tmp_path / "t.parquet", tmp_path / "e.parquet", tmp_path / "v.parquet")
    cols = (
        ["trait", "relation", "source", "target", "transitions"],
        ["trait", "relation", "value", "pairs"],
        ["trait", "value", "models"],
    )
    for path, rows, names in zip(paths, (moves, expo, values), cols, strict=True):
        pl.DataFrame(rows, schema=names, orient="row").write_parquet(path)
    return paths


def test_two_workers_write_the_same_files_as_one(tmp_path: Path) -> None:
    tables = _tables(tmp_path)
    settings = DriftSettings(relations=("finetune",), top_k=12, null_replicates=10, seed=4)
    files = {}
    for workers in (1, 2):
        out = (tmp_path / f"o{workers}.json", tmp_path / f"p{workers}.parquet")
        write_orderings(*tables, *out, settings, workers=workers)
        files[workers] = [p.read_bytes() for p in out]
    assert files[1] == files[2]
    assert len(files[1][0]) > 1000  # every trait was ordered
