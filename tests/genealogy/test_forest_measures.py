"""Forest measures against brute force: depths, roots, subtree sizes, structural virality."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phylohub.genealogy.trees import depths_and_roots, structural_virality, subtree_sizes
from tests.genealogy.genealogy_data import random_forest, tree_distances

KINDS = ["recursive", "path", "star", "broom", "forest", "pa"]


def walk_up(parent: np.ndarray, i: int) -> list[int]:
    chain = [i]
    while parent[chain[-1]] >= 0:
        chain.append(int(parent[chain[-1]]))
    return chain


@pytest.mark.parametrize("kind", KINDS)
def test_depths_roots_and_subtree_sizes_equal_walking_up_every_node(kind: str) -> None:
    rng = np.random.default_rng(11)
    for n in (1, 2, 3, 17, 200):
        parent = random_forest(rng, n, kind)
        depth, root = depths_and_roots(parent)
        size = subtree_sizes(parent, depth)
        chains = [walk_up(parent, i) for i in range(n)]
        assert depth.tolist() == [len(c) - 1 for c in chains]
        assert root.tolist() == [c[-1] for c in chains]
        # a node's subtree: every node whose chain passes through it
        assert size.tolist() == [sum(i in c for c in chains) for i in range(n)]


@pytest.mark.parametrize("kind", KINDS)
def test_virality_is_the_mean_distance_over_all_pairs_of_each_tree(kind: str) -> None:
    rng = np.random.default_rng(5)
    checked = 0
    for n in (1, 2, 3, 5, 12, 60, 150):
        parent = random_forest(rng, n, kind)
        dist = tree_distances(parent)
        roots, vir = structural_virality(parent)
        assert roots.tolist() == np.flatnonzero(parent < 0).tolist()
        for r, v in zip(roots.tolist(), vir.tolist(), strict=True):
            members = sorted(dist[r])
            pairs = [(a, b) for a in members for b in members if a < b]
            if not pairs:
                assert math.isnan(v)
                continue
            brute = sum(dist[a][b] for a, b in pairs) / len(pairs)
            assert v == pytest.approx(brute, rel=1e-12)
            checked += 1
    assert checked > 0


def test_virality_of_stars_and_paths_follows_their_closed_forms() -> None:
    for n in (2, 3, 10, 1000):
        star = np.r_[-1, np.zeros(n - 1, dtype=np.int64)]
        path = np.arange(-1, n - 1, dtype=np.int64)
        assert structural_virality(star)[1][0] == pytest.approx(2 * (n - 1) / n)
        assert structural_virality(path)[1][0] == pytest.approx((n + 1) / 3)


def test_deep_chains_and_large_stars_are_exact_in_integers() -> None:
    # A path of 200,000 nodes: the pair sum is n(n^2 - 1)/6 ~ 1.3e15, beyond float's
    # integer precision once summed carelessly.
    n = 200_000
    path = np.arange(-1, n - 1, dtype=np.int64)
    depth, root = depths_and_roots(path)
    assert depth[-1] == n - 1 and (root == 0).all()
    assert structural_virality(path)[1][0] == pytest.approx((n + 1) / 3, rel=1e-12)
