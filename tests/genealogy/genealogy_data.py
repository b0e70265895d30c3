"""Small random forests and DAGs for brute-force checks, with node labels shuffled."""

from __future__ import annotations

from collections import deque

import numpy as np

IntArray = np.ndarray


def random_forest(rng: np.random.Generator, n: int, kind: str = "mixed") -> IntArray:
    """A parent array of ``n`` nodes, shuffled so that parents are not numbered first.

    kind: ``recursive`` (uniform attachment), ``path``, ``star``, ``broom`` (a path then
    a star), ``forest`` (several recursive trees) or ``mixed`` (any of them).
    """
    if kind == "mixed":
        kind = str(rng.choice(["recursive", "path", "star", "broom", "forest", "pa"]))
    parent = np.full(n, -1, dtype=np.int64)
    for i in range(1, n):
        if kind == "path":
            parent[i] = i - 1
        elif kind == "star":
            parent[i] = 0
        elif kind == "broom":
            parent[i] = i - 1 if i < n // 2 else n // 2 - 1
        elif kind == "forest":
            parent[i] = -1 if rng.random() < 0.2 else rng.integers(0, i)
        elif kind == "pa":  # preferential: later nodes pick earlier parents by degree
            parent[i] = (
                rng.integers(0, i) if rng.random() < 0.5 else parent[rng.integers(1, i + 1) - 1]
            )
        else:
            parent[i] = rng.integers(0, i)
    perm = rng.permutation(n)
    out = np.full(n, -1, dtype=np.int64)
    out[perm] = np.where(parent >= 0, perm[np.maximum(parent, 0)], -1)
    return out


def tree_distances(parent: IntArray) -> dict[int, dict[int, int]]:
    """All-pairs distances inside each tree, by breadth-first search from every node."""
    n = parent.size
    adj: list[list[int]] = [[] for _ in range(n)]
    for c, p in enumerate(parent.tolist()):
        if p >= 0:
            adj[c].append(p)
            adj[p].append(c)
    out: dict[int, dict[int, int]] = {}
    for s in range(n):
        dist = {s: 0}
        queue = deque([s])
        while queue:
            u = queue.popleft()
            for v in adj[u]:
                if v not in dist:
                    dist[v] = dist[u] + 1
                    queue.append(v)
        out[s] = dist
    return out


def components(n: int, edges: list[tuple[int, int]]) -> list[set[int]]:
    """Weakly connected components by union-find, each a set of nodes."""
    up = list(range(n))

    def find(x: int) -> int:
        while up[x] != x:
            up[x] = up[up[x]]
            x = up[x]
        return x

    for a, b in edges:
        up[find(a)] = find(b)
    groups: dict[int, set[int]] = {}
    for x in range(n):
        groups.setdefault(find(x), set()).add(x)
    return list(groups.values())
