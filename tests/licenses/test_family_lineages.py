"""The families' lineage columns: counted over the families with an edge only (most
nodes are lone models), equal to a walk up every lineage of every node."""

from __future__ import annotations

import numpy as np
import polars as pl

from phylohub.licenses.audit import family_table


def _components(n: int, links: list[tuple[int, int]]) -> list[int]:
    """Weakly connected components (the genealogy's families) of ``n`` nodes."""
    up = list(range(n))

    def find(i: int) -> int:
        while up[i] != i:
            up[i] = up[up[i]]
            i = up[i]
        return i

    for a, b in links:
        up[find(a)] = find(b)
    return [find(i) for i in range(n)]


def _genealogy(n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``nodes`` (id, parent, generation, family) of a forest where most nodes are lone
    models, some trees run deep, and extra (not kept) edges join trees into one family;
    ``audited`` every edge with a verdict and rule, a quarter of them breaches."""
    rng = np.random.default_rng(seed)
    parent: list[int | None] = []
    generation: list[int] = []
    for i in range(n):
        if i == 0 or rng.random() < 0.6:
            parent.append(None)
            generation.append(0)
        else:
            p = int(i - 1 - min(i - 1, rng.geometric(0.3) - 1))
            parent.append(p)
            generation.append(generation[p] + 1)
    kept = [(i, p) for i, p in enumerate(parent) if p is not None]
    other = [(int(c), int(rng.integers(0, c))) for c in rng.integers(1, n, n // 50)]
    family = _components(n, kept + other)
    ids = [f"m{i}" for i in range(n)]
    nodes = pl.DataFrame(
        {
            "id": ids,
            "parent": [None if p is None else ids[p] for p in parent],
            "generation": generation,
            "family": family,
        },
        schema={"id": pl.String, "parent": pl.String, "generation": pl.Int64,
                "family": pl.Int64},
    )  # fmt: skip
    edges = kept + other
    verdict = rng.choice(["breach", "compatible", "unknown"], len(edges), p=[0.25, 0.55, 0.2])
    audited = pl.DataFrame(
        {
            "child": [ids[c] for c, _ in edges],
            "parent": [ids[p] for _, p in edges],
            "verdict": verdict,
            "rule": np.where(verdict == "breach", "non_commercial", ""),
        }
    )
    return nodes, audited


def _walked(nodes: pl.DataFrame, audited: pl.DataFrame) -> dict[int, tuple[int, int, int]]:
    """Per family of every node: leaves (no kept child), leaves with a breach along
    the lineage, the most breaches on one lineage; by walking up each leaf's parents."""
    breach = set(audited.filter(pl.col("verdict") == "breach").select("child", "parent").rows())
    parent = dict(zip(nodes["id"], nodes["parent"], strict=True))
    family = dict(zip(nodes["id"], nodes["family"], strict=True))
    kept_parents = set(nodes["parent"].drop_nulls())
    out: dict[int, list[int]] = {}
    for leaf in nodes["id"]:
        if leaf in kept_parents:
            continue
        count, at = 0, leaf
        while parent[at] is not None:
            count += (at, parent[at]) in breach
            at = parent[at]
        out.setdefault(family[leaf], []).append(count)
    return {f: (len(c), sum(x > 0 for x in c), max(c)) for f, c in out.items()}


def test_lineage_columns_equal_a_walk_over_every_node() -> None:
    nodes, audited = _genealogy(4_000, seed=5)
    walked = _walked(nodes, audited)
    got = family_table(audited, nodes)
    assert got.height < len(walked) / 2  # most families are lone models, without edges
    cols = ["lineages", "lineages_with_breach", "most_breaches_on_a_lineage"]
    rows = {r[0]: tuple(r[1:]) for r in got.select("family", *cols).iter_rows()}
    assert rows == {f: walked[f] for f in rows}
    assert any(v[1] == 0 for v in rows.values()) and max(v[2] for v in rows.values()) > 2
