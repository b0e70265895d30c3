"""Forest measures in near-linear time: roots, generations, subtree sizes, virality.

A forest is a parent array (``parent[i]`` the parent of node ``i``, ``-1`` for a root).
Everything here is numpy over whole arrays, with no Python loop over nodes:

- :func:`depths_and_roots` by pointer jumping: ``O(n log d)`` for depth ``d``;
- :func:`subtree_sizes` level by level from the deepest: ``O(n)`` after a counting sort;
- :func:`structural_virality`: the mean distance over all pairs of a tree's nodes from its
  subtree sizes, ``O(n)``.

Structural virality (Goel, Anderson, Hofman and Watts 2016) of a tree with ``n >= 2``
nodes is the mean shortest-path distance over its ``n (n - 1) / 2`` pairs of nodes. Each
edge above a subtree of ``s`` nodes lies on the path of exactly ``s (n - s)`` pairs, so
the sum of all distances is ``sum over non-root v of s(v) (n - s(v))``: a star of ``n``
nodes has ``2 (n - 1) / n`` (broadcast), a path ``(n + 1) / 3`` (viral).

Examples
--------
>>> import numpy as np
>>> depths_and_roots(np.array([-1, 0, 1, -1]))[0].tolist()
[0, 1, 2, 0]
>>> structural_virality(np.array([-1, 0, 0, 0]))[1][0]  # a star of 4 nodes
1.5
>>> structural_virality(np.array([-1, 0, 1, 2]))[1][0]  # a path of 4 nodes
1.6666666666666667
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def depths_and_roots(parent: IntArray) -> tuple[IntArray, IntArray]:
    """Depth (generation) of every node and the root of its tree, by pointer jumping.

    Parameters
    ----------
    parent
        A forest's parent array (``-1`` for roots); it must have no cycle.

    Returns
    -------
    depth : numpy.ndarray of int64
        Edges from the node up to its root (0 for a root).
    root : numpy.ndarray of int64
        The root of the node's tree (itself for a root).

    Notes
    -----
    ``jump[i]`` starts at the parent (a root points to itself) and ``dist[i]`` at 1 (0
    for a root); each round doubles the jump, ``dist += dist[jump]; jump = jump[jump]``,
    so after ``ceil(log2(d)) + 1`` rounds every jump has reached its root. Only nodes
    whose jump has not reached a root take part in a round.
    """
    n = parent.size
    idx = np.arange(n, dtype=np.int64)
    jump = np.where(parent >= 0, parent, idx)
    dist = (parent >= 0).astype(np.int64)
    live = np.flatnonzero(parent >= 0)
    while live.size:
        j = jump[live]
        dist[live] += dist[j]
        jump[live] = jump[j]
        live = live[parent[jump[live]] >= 0]
    return dist, jump


def levels(depth: IntArray) -> tuple[IntArray, IntArray]:
    """Nodes grouped by depth: ``order`` sorted by depth and ``starts`` of each depth.

    Nodes of depth ``k`` are ``order[starts[k]:starts[k + 1]]``, in index order.
    """
    order = np.argsort(depth, kind="stable").astype(np.int64)
    counts = np.bincount(depth) if depth.size else np.zeros(1, np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return order, starts


def subtree_sizes(parent: IntArray, depth: IntArray) -> IntArray:
    """Number of nodes in each node's subtree (itself included).

    Parameters
    ----------
    parent
        A forest's parent array.
    depth
        Depths from :func:`depths_and_roots`.

    Returns
    -------
    numpy.ndarray of int64
        Subtree sizes; a root's is the size of its tree.
    """
    size = np.ones(parent.size, dtype=np.int64)
    order, starts = levels(depth)
    for k in range(starts.size - 2, 0, -1):  # deepest level first, roots excluded
        nodes = order[starts[k] : starts[k + 1]]
        np.add.at(size, parent[nodes], size[nodes])
    return size


def structural_virality(
    parent: IntArray,
    root: IntArray | None = None,
    size: IntArray | None = None,
) -> tuple[IntArray, FloatArray]:
    """Structural virality of every tree of a forest, in ``O(n)``.

    Parameters
    ----------
    parent
        A forest's parent array.
    root, size
        The roots (:func:`depths_and_roots`) and subtree sizes (:func:`subtree_sizes`)
        when already computed.

    Returns
    -------
    roots : numpy.ndarray of int64
        The roots, increasing.
    virality : numpy.ndarray of float64
        The mean distance over all pairs of nodes of each root's tree; NaN for a tree of
        one node.
    """
    if root is None or size is None:
        depth, root = depths_and_roots(parent)
        size = subtree_sizes(parent, depth)
    roots = np.flatnonzero(parent < 0).astype(np.int64)
    child = np.flatnonzero(parent >= 0)
    n_tree = size[root[child]]
    pair_sum = np.zeros(parent.size, dtype=np.int64)  # exact: int64, no float rounding
    np.add.at(pair_sum, root[child], size[child] * (n_tree - size[child]))
    n = size[roots].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        vir = np.where(n > 1, 2.0 * pair_sum[roots] / (n * (n - 1)), np.nan)
    return roots, vir
