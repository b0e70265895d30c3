"""Seeded, unbiased sampling of kin shapes, and the pairs of models inside them.

Every occurrence of a shape (:mod:`phylohub.kinship.shapes`) is drawn with the same
probability: an anchor node is drawn in proportion to its weight (the number of
occurrences it anchors) by a binary search over the cumulative weights (O(log n) per
draw, exact integer arithmetic), then the other nodes of the shape uniformly among their
admissible choices (O(1) per draw, from two index layouts of the forest). Draws are
independent, with replacement, like the paper's.

A sampled shape holds ``C(k, 2)`` pairs of nodes; :func:`shape_pairs` lists them with
their kinship, read from how many generations each node lies below their closest common
ancestor (``up_a``, ``up_b``):

===========  ===========================  =========================================
up_a, up_b   relation                     network distance, generational divide
===========  ===========================  =========================================
0, 1         ``parent_child``             1, 1
1, 1         ``siblings``                 2, 0
0, 2         ``grandparent``              2, 2
1, 2         ``uncle_nephew``             3, 1
2, 2         ``cousins``                  4, 0
0, 3         ``great_grandparent``        3, 3
===========  ===========================  =========================================

Two nodes of a ``pair`` draw are unrelated by construction of the question (``random``;
they may by chance be kin, as in the paper). The pair a relation's shape is defined by
(:data:`~phylohub.kinship.shapes.RELATION_SHAPE`) is a uniform draw from all pairs of that
relation in the forest; the other pairs of a shape serve comparisons inside the shape (the
paper's D panels), for they are weighted by the shape, not uniform over their relation.

Examples
--------
>>> import numpy as np
>>> forest = Forest.from_parents(np.array([-1, 0, 0, 1, 1, 2]))
>>> draws = sample_shape(forest, "cherry", 4, np.random.default_rng(0))
>>> draws.shape
(4, 3)
>>> sorted({int(p) for p in draws[:, 0]})  # the parent of every sibling pair is 0 or 1
[0, 1]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from phylohub.errors import PhylohubError
from phylohub.kinship.shapes import (
    RELATION_SHAPE,
    SHAPE_NODES,
    SHAPES,
    _exact_sum,
    check_forest,
    checked_anchor_weights,
    out_degrees,
)

__all__ = [
    "KINSHIP",
    "RELATIONS",
    "Forest",
    "sample_kin",
    "sample_shape",
    "shape_pairs",
]

IntArray = npt.NDArray[np.int64]

#: Relations by kinship, closest first: by network distance, then generational divide
#: (the order of the figures).
RELATIONS: Final[tuple[str, ...]] = (
    "parent_child",
    "siblings",
    "grandparent",
    "uncle_nephew",
    "great_grandparent",
    "cousins",
    "random",
)

#: (generations below the common ancestor of the nearer node, of the farther) -> relation.
KINSHIP: Final[dict[tuple[int, int], str]] = {
    (0, 1): "parent_child",
    (1, 1): "siblings",
    (0, 2): "grandparent",
    (1, 2): "uncle_nephew",
    (2, 2): "cousins",
    (0, 3): "great_grandparent",
}

# Depth of each role below the shape's root (pairs inside a shape are read from these).
_ROLE_DEPTH: Final[dict[str, dict[str, int]]] = {
    "edge": {"p": 0, "c": 1},
    "cherry": {"p": 0, "a": 1, "b": 1},
    "chain2": {"g": 0, "p": 1, "c": 2},
    "star3": {"p": 0, "a": 1, "b": 1, "c": 1},
    "fork": {"g": 0, "p": 1, "a": 2, "b": 2},
    "uncle": {"g": 0, "p": 1, "u": 1, "c": 2},
    "chain3": {"G": 0, "g": 1, "p": 2, "c": 3},
    "cousins": {"g": 0, "a": 1, "b": 1, "x": 2, "y": 2},
}
# Parent role of each role inside a shape (None for the shape's root).
_ROLE_PARENT: Final[dict[str, dict[str, str | None]]] = {
    "edge": {"p": None, "c": "p"},
    "cherry": {"p": None, "a": "p", "b": "p"},
    "chain2": {"g": None, "p": "g", "c": "p"},
    "star3": {"p": None, "a": "p", "b": "p", "c": "p"},
    "fork": {"g": None, "p": "g", "a": "p", "b": "p"},
    "uncle": {"g": None, "p": "g", "u": "g", "c": "p"},
    "chain3": {"G": None, "g": "G", "p": "g", "c": "p"},
    "cousins": {"g": None, "a": "g", "b": "g", "x": "a", "y": "b"},
}


@dataclass(frozen=True)
class Forest:
    """A forest with the index layouts the sampler needs.

    Attributes
    ----------
    parent : numpy.ndarray
        Parent of each node, -1 for roots.
    degree : numpy.ndarray
        Number of children of each node.
    child_start : numpy.ndarray
        ``children[child_start[u] : child_start[u] + degree[u]]`` are u's children, by index.
    children : numpy.ndarray
        The non-root nodes, grouped by parent.
    grand : numpy.ndarray
        Nodes with a grandparent, sorted by (grandparent, parent, index): the grandchildren
        of g through its children in index order.
    slot : numpy.ndarray
        Position of each non-root node among its parent's children (0 for roots).
    later_start, later_end : numpy.ndarray
        For a node a with a parent: ``grand[later_start[a] : later_end[a]]`` are the
        children of the siblings of a with a larger index than a.
    """

    parent: IntArray
    degree: IntArray
    child_start: IntArray
    children: IntArray
    slot: IntArray
    grand: IntArray
    later_start: IntArray
    later_end: IntArray

    @classmethod
    def from_parents(cls, parent: npt.ArrayLike) -> Forest:
        """Check a parent array (:func:`~phylohub.kinship.shapes.check_forest`) and index it."""
        par = check_forest(parent)
        n = par.size
        deg = out_degrees(par)
        nonroot = np.flatnonzero(par >= 0)
        children = nonroot[np.argsort(par[nonroot], kind="stable")].astype(np.int64)
        child_start = np.zeros(n, dtype=np.int64)
        if n:
            child_start[1:] = np.cumsum(deg)[:-1]
        slot = np.zeros(n, dtype=np.int64)
        slot[children] = np.arange(children.size, dtype=np.int64) - child_start[par[children]]
        # Grandchildren of g, grouped by their parent in index order.
        up = np.maximum(par, 0)
        gp = np.where(par >= 0, par[up], -1)
        has_gp = np.flatnonzero(gp >= 0)
        grand = has_gp[np.lexsort((has_gp, par[has_gp], gp[has_gp]))].astype(np.int64)
        # For each child a of some g: where a's own children end in ``grand`` (they start
        # there when a has none), and where g's grandchildren end.
        later_start = np.zeros(n, dtype=np.int64)
        later_end = np.zeros(n, dtype=np.int64)
        if grand.size:
            gkey = gp[grand]
            pkey = par[grand]
            # Composite sort key (grandparent, parent), int64-safe for n < 3e9.
            key = gkey * n + pkey
            a = nonroot
            akey = par[a] * n + a
            # a's children occupy the keys (g, a); the later siblings' children follow.
            later_start[a] = np.searchsorted(key, akey, side="right")
            later_end[a] = np.searchsorted(gkey, par[a], side="right")
        return cls(par, deg, child_start, children, slot, grand, later_start, later_end)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.parent.size)


def _draw_anchors(
    forest: Forest, shape: str, k: int, rng: np.random.Generator
) -> tuple[IntArray, int]:
    """k anchors drawn in proportion to their weights; also the shape's total count."""
    anchors, weights = checked_anchor_weights(forest.parent, forest.degree, shape)
    if anchors.size == 0:
        return np.empty(0, dtype=np.int64), 0
    total = _exact_sum(weights)
    if total >= 2**62:
        raise PhylohubError(f"too many {shape} occurrences ({total:.3g}) for int64 sampling")
    cum = np.cumsum(weights)
    r = rng.integers(0, total, size=k, dtype=np.int64)
    return anchors[np.searchsorted(cum, r, side="right")], total


def _uniform_below(bound: IntArray, rng: np.random.Generator) -> IntArray:
    """One uniform integer in [0, bound[i]) for every i (bound > 0)."""
    if bound.size == 0:
        return np.empty(0, dtype=np.int64)
    return rng.integers(0, bound, dtype=np.int64)


def _distinct_children(
    forest: Forest, parents: IntArray, r: int, rng: np.random.Generator
) -> list[IntArray]:
    """r distinct children of each parent, uniform (sequential draws, shifted past earlier)."""
    d = forest.degree[parents]
    picked: list[IntArray] = []
    for j in range(r):
        x = _uniform_below(d - j, rng)
        # Shift past the earlier picks in increasing order: x becomes the x-th unpicked slot.
        for prev in _sorted_columns(picked):
            x = x + (x >= prev)
        picked.append(x)
    return [forest.children[forest.child_start[parents] + x] for x in picked]


def _sorted_columns(cols: list[IntArray]) -> list[IntArray]:
    """The columns sorted row by row (ascending), as a list of columns."""
    if not cols:
        return []
    stacked = np.sort(np.stack(cols, axis=1), axis=1)
    return [stacked[:, j] for j in range(stacked.shape[1])]


def _random_child(forest: Forest, parents: IntArray, rng: np.random.Generator) -> IntArray:
    x = _uniform_below(forest.degree[parents], rng)
    out: IntArray = forest.children[forest.child_start[parents] + x]
    return out


def sample_shape(forest: Forest, shape: str, k: int, rng: np.random.Generator) -> IntArray:
    """Draw k occurrences of a shape, each with the same probability.

    Parameters
    ----------
    forest : Forest
        The forest to sample from.
    shape : str
        One of :data:`~phylohub.kinship.shapes.SHAPES`.
    k : int
        Number of draws (with replacement).
    rng : numpy.random.Generator
        Source of randomness (the draws are a deterministic function of its state).

    Returns
    -------
    numpy.ndarray
        ``(k, len(SHAPE_NODES[shape]))`` node indices, columns in the order of
        :data:`~phylohub.kinship.shapes.SHAPE_NODES`; no rows when the forest holds no
        occurrence.
    """
    if shape not in SHAPES:
        raise PhylohubError(f"unknown kin shape {shape!r}; known: {', '.join(SHAPES)}")
    if k < 0:
        raise PhylohubError(f"the number of draws must be >= 0, not {k}")
    width = len(SHAPE_NODES[shape])
    par = forest.parent
    if shape == "pair":
        n = forest.n
        if n < 2:
            return np.empty((0, 2), dtype=np.int64)
        a = rng.integers(0, n, size=k, dtype=np.int64)
        b = rng.integers(0, n - 1, size=k, dtype=np.int64)
        b = b + (b >= a)
        return np.stack([a, b], axis=1)
    anchors, _ = _draw_anchors(forest, shape, k, rng)
    if anchors.size == 0:
        return np.empty((0, width), dtype=np.int64)
    cols: list[IntArray]
    if shape == "edge":
        cols = [par[anchors], anchors]
    elif shape == "cherry":
        cols = [anchors, *_distinct_children(forest, anchors, 2, rng)]
    elif shape == "chain2":
        cols = [par[anchors], anchors, _random_child(forest, anchors, rng)]
    elif shape == "star3":
        cols = [anchors, *_distinct_children(forest, anchors, 3, rng)]
    elif shape == "fork":
        cols = [par[anchors], anchors, *_distinct_children(forest, anchors, 2, rng)]
    elif shape == "uncle":
        g = par[anchors]
        # A sibling of p: a uniform child of g other than p (skip p's own slot).
        x = _uniform_below(forest.degree[g] - 1, rng)
        x = x + (x >= forest.slot[anchors])
        u = forest.children[forest.child_start[g] + x]
        cols = [g, anchors, u, _random_child(forest, anchors, rng)]
    elif shape == "chain3":
        g = par[anchors]
        cols = [par[g], g, anchors, _random_child(forest, anchors, rng)]
    else:  # cousins
        g = par[anchors]
        x = _random_child(forest, anchors, rng)
        span = forest.later_end[anchors] - forest.later_start[anchors]
        y = forest.grand[forest.later_start[anchors] + _uniform_below(span, rng)]
        b = par[y]
        cols = [g, anchors, b, x, y]
    return np.stack(cols, axis=1).astype(np.int64)


def _lca_depths(shape: str, role_a: str, role_b: str) -> tuple[int, int]:
    """Generations of two roles below their closest common ancestor inside the shape."""
    depth = _ROLE_DEPTH[shape]
    parent = _ROLE_PARENT[shape]

    def ancestors(role: str) -> list[str]:
        chain = [role]
        while (up := parent[chain[-1]]) is not None:
            chain.append(up)
        return chain

    anc_b = set(ancestors(role_b))
    lca = next(r for r in ancestors(role_a) if r in anc_b)
    return depth[role_a] - depth[lca], depth[role_b] - depth[lca]


def shape_pairs(shape: str) -> list[tuple[str, str, str, int, int]]:
    """Every pair of roles of a shape: (role_a, role_b, relation, distance, divide).

    ``role_a`` is the elder (nearer the common ancestor) of the two; pairs of a ``pair``
    draw are ``random`` with unknown distance and divide (-1).

    Examples
    --------
    >>> shape_pairs("uncle")[-1]
    ('u', 'c', 'uncle_nephew', 3, 1)
    """
    roles = SHAPE_NODES[shape]
    if shape == "pair":
        return [("a", "b", "random", -1, -1)]
    out = []
    for i, first in enumerate(roles):
        for second in roles[i + 1 :]:
            ra, rb = first, second
            ua, ub = _lca_depths(shape, ra, rb)
            if ua > ub:
                ra, rb, ua, ub = rb, ra, ub, ua
            relation = KINSHIP[(ua, ub)]
            out.append((ra, rb, relation, ua + ub, ub - ua))
    return out


def sample_kin(
    forest: Forest,
    shapes: Iterable[str],
    draws: int,
    seed: int,
    family: npt.ArrayLike | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Sample every shape and list the pairs inside the draws.

    Parameters
    ----------
    forest : Forest
        The forest (node indices are positions in the caller's id list).
    shapes : iterable of str
        Shapes to draw (a subset of :data:`~phylohub.kinship.shapes.SHAPES`).
    draws : int
        Draws per shape.
    seed : int
        Seed; each shape gets its own stream (``SeedSequence([seed, shape index])``), so
        adding a shape does not change the draws of the others.
    family : array_like of int, optional
        The family of each node (a node index naming it); default: the root of its tree.
        Every pair carries the family of each of its models, the unit the similarity
        statistics resample.

    Returns
    -------
    draws_table : pyarrow.Table
        One row per draw: ``shape``, ``draw``, ``role``, ``node`` (long form).
    pairs_table : pyarrow.Table
        One row per pair of nodes inside a draw: ``shape``, ``draw``, ``role_a``,
        ``role_b``, ``a``, ``b`` (node indices), ``relation``, ``distance``, ``divide``,
        ``defining`` (the pair the shape is the relation's uniform sample of),
        ``family_a``, ``family_b`` (the families of ``a`` and ``b``, node indices; the
        same for every pair of a kin shape, usually not for a random pair).
    """
    # imported here: the forest module pulls in duckdb and scipy's graphs, a quarter of a
    # second of every process that only needs this module's relations and shapes
    from phylohub.kinship.forest import tree_roots

    fam = tree_roots(forest.parent) if family is None else np.asarray(family, dtype=np.int64)
    if fam.shape != forest.parent.shape:
        raise PhylohubError("sample_kin: one family per node is needed")
    draw_parts: list[pa.Table] = []
    pair_parts: list[pa.Table] = []
    defining = {shape: (ra, rb) for shape, ra, rb in RELATION_SHAPE.values()}
    for shape in shapes:
        if shape not in SHAPES:
            raise PhylohubError(f"unknown kin shape {shape!r}; known: {', '.join(SHAPES)}")
        rng = np.random.default_rng(np.random.SeedSequence([seed, SHAPES.index(shape)]))
        nodes = sample_shape(forest, shape, draws, rng)
        k = nodes.shape[0]
        roles = SHAPE_NODES[shape]
        idx = np.arange(k, dtype=np.int64)
        draw_parts.append(
            pa.table(
                {
                    "shape": pa.array([shape] * (k * len(roles)), pa.string()),
                    "draw": np.repeat(idx, len(roles)),
                    "role": pa.array(list(roles) * k, pa.string()),
                    "node": nodes.reshape(-1),
                }
            )
        )
        for ra, rb, relation, dist, div in shape_pairs(shape):
            ia, ib = roles.index(ra), roles.index(rb)
            pair_parts.append(
                pa.table(
                    {
                        "shape": pa.array([shape] * k, pa.string()),
                        "draw": idx,
                        "role_a": pa.array([ra] * k, pa.string()),
                        "role_b": pa.array([rb] * k, pa.string()),
                        "a": nodes[:, ia],
                        "b": nodes[:, ib],
                        "relation": pa.array([relation] * k, pa.string()),
                        "distance": np.full(k, dist, dtype=np.int8),
                        "divide": np.full(k, div, dtype=np.int8),
                        "defining": np.full(k, defining.get(shape) == (ra, rb)),
                        "family_a": fam[nodes[:, ia]],
                        "family_b": fam[nodes[:, ib]],
                    }
                )
            )
    if not draw_parts:
        raise PhylohubError("no kin shape to sample: the list of shapes is empty")
    return pa.concat_tables(draw_parts), pa.concat_tables(pair_parts)
