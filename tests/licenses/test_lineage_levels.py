"""Breaches along a lineage, summed one generation at a time against the level above
only: equal to a walk up each node's kept parents, on a deep random forest."""

from __future__ import annotations

import numpy as np
import polars as pl

from phylohub.licenses.audit import lineage_breaches


def _forest(n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``nodes`` (id, parent, generation) of a random forest whose deep chains reach
    past 30 generations, and ``audited`` edges, a third of them breaches (some edges
    not kept, so not on any lineage)."""
    rng = np.random.default_rng(seed)
    parent: list[int | None] = []
    generation: list[int] = []
    for i in range(n):
        if i == 0 or rng.random() < 0.05:
            parent.append(None)
            generation.append(0)
        else:
            p = int(i - 1 - min(i - 1, rng.geometric(0.5) - 1))  # mostly the last node
            parent.append(p)
            generation.append(generation[p] + 1)
    ids = [f"m{i}" for i in range(n)]
    nodes = pl.DataFrame(
        {
            "id": ids,
            "parent": [None if p is None else ids[p] for p in parent],
            "generation": generation,
        },
        schema={"id": pl.String, "parent": pl.String, "generation": pl.Int64},
    )
    kept = [(ids[i], ids[p]) for i, p in enumerate(parent) if p is not None]
    other = [(ids[i], ids[int(rng.integers(0, n))]) for i in rng.integers(1, n, n // 10)]
    edges = kept + other
    verdict = rng.choice(["breach", "compatible", "unknown"], len(edges), p=[0.3, 0.5, 0.2])
    audited = pl.DataFrame(
        {"child": [c for c, _ in edges], "parent": [p for _, p in edges], "verdict": verdict}
    )
    return nodes, audited


def _walk(nodes: pl.DataFrame, audited: pl.DataFrame) -> dict[str, int]:
    breach = set(audited.filter(pl.col("verdict") == "breach").select("child", "parent").rows())
    parent = dict(zip(nodes["id"], nodes["parent"], strict=True))
    out = {}
    for node in nodes["id"]:
        count, at = 0, node
        while parent[at] is not None:
            count += (at, parent[at]) in breach
            at = parent[at]
        out[node] = count
    return out


def test_lineage_breaches_equal_a_walk_up_every_lineage() -> None:
    nodes, audited = _forest(3_000, seed=11)
    assert int(nodes["generation"].to_numpy().max()) > 30
    got = lineage_breaches(audited, nodes)
    assert got.height == nodes.height
    assert dict(got.iter_rows()) == _walk(nodes, audited)
    assert max(dict(got.iter_rows()).values()) > 5


def test_lineage_breaches_of_no_nodes_is_empty() -> None:
    nodes, audited = _forest(10, seed=1)
    assert lineage_breaches(audited, nodes.clear()).height == 0
