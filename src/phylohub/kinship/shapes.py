"""Kin shapes of a forest: exact counts and the per-anchor weights that sample them.

A forest is given as a parent array: ``parent[i]`` is the index of node ``i``'s parent,
``-1`` for a root. Every shape below is a small rooted subgraph of the forest (the paper's
Table 1 and its appendix, plus first cousins). Its number of occurrences is a closed form
over the out-degrees ``d(u)`` (number of children) and in-degrees (0 or 1 in a forest),
computed in O(n); the tests check each one against brute-force enumeration.

Each shape is counted from one *anchor* node: the weight of an anchor is the number of
occurrences of the shape that it anchors, so the weights sum to the shape's total, and
drawing an anchor in proportion to its weight, then the other nodes uniformly among their
admissible choices (:mod:`phylohub.kinship.sampling`), draws every occurrence with the
same probability.

Shapes, their closed forms (``d(u)`` children of ``u``, ``p(u)`` parent of ``u``,
``[p(u)]`` 1 when ``u`` has a parent, ``C(k, r)`` binomial) and drawings::

    pair      C(n, 2)                         a   b       two distinct nodes, any

    edge      n - roots                       p           parent and child
                                              |
                                              c

    cherry    sum_u C(d(u), 2)                  p         a parent with two of its
                                               / \\        children: a sibling pair
                                              a   b

    chain2    sum_v [p(v)] d(v)               g           grandparent, parent,
                                              |           grandchild (2-path)
                                              p
                                              |
                                              c

    star3     sum_u C(d(u), 3)                  p         a parent with three children
                                               /|\\
                                              a b c

    fork      sum_v [p(v)] C(d(v), 2)         g           a grandparent with two
                                              |           grandchildren through one
                                              p           child
                                             / \\
                                            a   b

    uncle     sum_v [p(v)] (d(g) - 1) d(v)      g         a parent with two children,
              (g = p(v))                       / \\        one of which has a child:
                                              p   u       uncle u, nephew c
                                              |
                                              c

    chain3    sum_v [p(p(v))] d(v)            G           great-grandparent chain
              = sum over edges g->p of        |           (3-path). The paper's code
              in(g) d(p)
                                              g           weighted the middle edge by
                                              |           d(p) alone; the exact weight
                                              p           is in(g) d(p), in(g) = 1 when
                                              |           g has a parent, else 0
                                              c

    cousins   sum_g sum_{a<b} d(a) d(b)         g         first cousins x, y: children
              over children a, b of g          / \\        of two distinct siblings a, b
                                              a   b
                                              |   |
                                              x   y

The pairs of a kinship relation map one to one onto the occurrences of one shape
(:data:`RELATION_SHAPE`): a sibling pair onto a ``cherry``, a grandparent pair onto a
``chain2``, a great-grandparent pair onto a ``chain3``, an uncle/nephew pair onto an
``uncle``, a cousin pair onto a ``cousins``. ``star3`` and ``fork`` carry no relation of
their own; they serve the paper's comparisons of the pairs inside one shape.

Anchors, and the draw of the other nodes once the anchor is drawn (what the sampler does):

=========  ==================  ==============================================================
shape      anchor (weight)     other nodes
=========  ==================  ==============================================================
pair       a = i (n - 1 - i)   b uniform among the nodes with index > i
edge       c, non-root (1)     p = p(c)
cherry     p (C(d, 2))         a, b: two distinct children of p, uniform
chain2     p (d(p))            g = p(p); c uniform child of p
star3      p (C(d, 3))         a, b, c: three distinct children of p, uniform
fork       p (C(d, 2))         g = p(p); a, b: two distinct children of p, uniform
uncle      p ((d(g)-1) d(p))   g = p(p); u uniform sibling of p; c uniform child of p
chain3     p (d(p))            g = p(p), G = p(g); c uniform child of p
cousins    a (d(a) L(a))       g = p(a); x uniform child of a; y uniform among the L(a)
                               children of the siblings of a with a larger index than a
=========  ==================  ==============================================================

Examples
--------
>>> import numpy as np
>>> parent = np.array([-1, 0, 0, 1, 1, 2])  # 0 -> {1, 2}; 1 -> {3, 4}; 2 -> {5}
>>> totals = shape_totals(parent)
>>> totals["edge"], totals["cherry"], totals["chain2"], totals["uncle"], totals["cousins"]
(5, 2, 3, 3, 2)
>>> anchors, weights = anchor_weights(parent, "cherry")
>>> anchors.tolist(), weights.tolist()
([0, 1], [1, 1])
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from phylohub.errors import PhylohubError

__all__ = [
    "RELATION_SHAPE",
    "SHAPES",
    "SHAPE_NODES",
    "anchor_weights",
    "check_forest",
    "checked_anchor_weights",
    "out_degrees",
    "shape_counts",
    "shape_totals",
]

IntArray = npt.NDArray[np.int64]

#: Largest out-degree whose C(d, 3) fits in int64.
_MAX_STAR: Final[int] = 3_800_000

#: Every shape, smallest first (the order of the paper's Table 1, cousins last).
SHAPES: Final[tuple[str, ...]] = (
    "pair",
    "edge",
    "cherry",
    "chain2",
    "star3",
    "fork",
    "uncle",
    "chain3",
    "cousins",
)

#: The roles of the nodes of each shape, in the order the sampler returns them.
SHAPE_NODES: Final[dict[str, tuple[str, ...]]] = {
    "pair": ("a", "b"),
    "edge": ("p", "c"),
    "cherry": ("p", "a", "b"),
    "chain2": ("g", "p", "c"),
    "star3": ("p", "a", "b", "c"),
    "fork": ("g", "p", "a", "b"),
    "uncle": ("g", "p", "u", "c"),
    "chain3": ("G", "g", "p", "c"),
    "cousins": ("g", "a", "b", "x", "y"),
}

#: The shape whose occurrences are in one-to-one correspondence with the pairs of a
#: relation, and the two roles of that pair inside it.
RELATION_SHAPE: Final[dict[str, tuple[str, str, str]]] = {
    "random": ("pair", "a", "b"),
    "parent_child": ("edge", "p", "c"),
    "siblings": ("cherry", "a", "b"),
    "grandparent": ("chain2", "g", "c"),
    "uncle_nephew": ("uncle", "u", "c"),
    "cousins": ("cousins", "x", "y"),
    "great_grandparent": ("chain3", "G", "c"),
}


def check_forest(parent: npt.ArrayLike) -> IntArray:
    """Return ``parent`` as an int64 array after checking that it describes a forest.

    Parameters
    ----------
    parent : array_like of int
        ``parent[i]`` is the parent of node ``i``; ``-1`` marks a root.

    Returns
    -------
    numpy.ndarray
        The same values, int64, one dimension.

    Raises
    ------
    PhylohubError
        If a value is below -1 or not a node, a node is its own parent, or the parent
        links contain a cycle.
    """
    arr = np.asarray(parent)
    if arr.ndim != 1:
        raise PhylohubError(f"a parent array must have one dimension, not {arr.ndim}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise PhylohubError(f"a parent array must hold integers, not {arr.dtype}")
    out = arr.astype(np.int64, copy=False)
    n = out.size
    if n == 0:
        return out
    bad = (out < -1) | (out >= n)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PhylohubError(f"parent[{i}] = {int(out[i])} is not a node index nor -1")
    selfs = out == np.arange(n)
    if selfs.any():
        raise PhylohubError(f"node {int(np.flatnonzero(selfs)[0])} is its own parent")
    # Pointer doubling: after k rounds anc[i] is i's 2^k-th ancestor (or -1); in a forest
    # every chain ends at a root within log2(n) + 1 rounds.
    anc = out.copy()
    for _ in range(int(np.ceil(np.log2(n + 1))) + 1):
        live = anc >= 0
        if not live.any():
            return out
        anc[live] = anc[anc[live]]
    raise PhylohubError(
        f"the parent links contain a cycle (e.g. through node {int(np.flatnonzero(anc >= 0)[0])})"
    )


def out_degrees(parent: IntArray) -> IntArray:
    """Number of children of each node (int64, length n)."""
    n = parent.size
    return np.bincount(parent[parent >= 0], minlength=n).astype(np.int64)


def _choose2(k: IntArray) -> IntArray:
    return k * (k - 1) // 2


def _choose3(k: IntArray) -> IntArray:
    # C(k, 2) * (k - 2) / 3 without the int64 overflow of k (k - 1) (k - 2) at k ~ 2e6.
    if k.size and int(k.max()) > _MAX_STAR:
        raise PhylohubError(
            f"a node with {int(k.max()):,} children has more 3-children subsets than int64 holds"
        )
    a = _choose2(k)
    out: IntArray = (a // 3) * (k - 2) + ((a % 3) * (k - 2)) // 3
    return out


def _exact_sum(w: IntArray) -> int:
    """Sum of non-negative int64 weights as a Python int, without overflow."""
    if w.size == 0:
        return 0
    top = int(w.max())
    if top == 0 or top < (2**62) // w.size:
        return int(w.sum())
    return sum(int(x) for x in w.tolist())


def _later_cousin_children(parent: IntArray, deg: IntArray) -> IntArray:
    """Per node a: the number of children of a's siblings with a larger index than a.

    ``d(a) * later[a]`` counts the cousin pairs (x, y), x a child of a and y a child of a
    later sibling of a, so each unordered cousin pair is counted once. Roots get 0.
    """
    n = parent.size
    later = np.zeros(n, dtype=np.int64)
    nonroot = np.flatnonzero(parent >= 0)
    if nonroot.size == 0:
        return later
    # Non-root nodes sorted by (parent, index): sibling groups contiguous, in index order.
    order = nonroot[np.argsort(parent[nonroot], kind="stable")]
    csum = np.cumsum(deg[order])
    grp = parent[order]
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    ends = np.r_[starts[1:], order.size]
    # Suffix sum within the group = group total - inclusive prefix sum.
    later[order] = np.repeat(csum[ends - 1], ends - starts) - csum
    return later


def _weights(par: IntArray, deg: IntArray, shape: str) -> IntArray:
    """Weight of every node as the anchor of ``shape`` (0 when it anchors none)."""
    n = par.size
    has_parent = par >= 0
    up = np.maximum(par, 0)
    if shape == "pair":
        return np.arange(n - 1, -1, -1, dtype=np.int64)
    if shape == "edge":
        return has_parent.astype(np.int64)
    if shape == "cherry":
        return _choose2(deg)
    if shape == "chain2":
        return np.where(has_parent, deg, 0)
    if shape == "star3":
        return _choose3(deg)
    if shape == "fork":
        return np.where(has_parent, _choose2(deg), 0)
    if shape == "uncle":
        return np.where(has_parent, (deg[up] - 1) * deg, 0)
    if shape == "chain3":
        # in(g) * d(p) for the middle edge (g, p), g = parent(p): in(g) = [g has a parent].
        return np.where(has_parent & (par[up] >= 0), deg, 0)
    if shape == "cousins":
        return np.where(has_parent, deg * _later_cousin_children(par, deg), 0)
    raise PhylohubError(f"unknown kin shape {shape!r}; known: {', '.join(SHAPES)}")


def anchor_weights(parent: npt.ArrayLike, shape: str) -> tuple[IntArray, IntArray]:
    """Anchors of a shape and the number of occurrences each anchors.

    Parameters
    ----------
    parent : array_like of int
        The forest (``-1`` for roots).
    shape : str
        One of :data:`SHAPES`.

    Returns
    -------
    anchors : numpy.ndarray of int64
        Node indices with a positive weight, increasing (see the module's table for the
        anchor of each shape).
    weights : numpy.ndarray of int64
        Occurrences anchored by each; they sum to ``shape_totals(parent)[shape]``.

    Raises
    ------
    PhylohubError
        For an unknown shape or a parent array that is not a forest.
    """
    par = check_forest(parent)
    return checked_anchor_weights(par, out_degrees(par), shape)


def checked_anchor_weights(
    par: IntArray, degree: IntArray, shape: str
) -> tuple[IntArray, IntArray]:
    """:func:`anchor_weights` of a forest already checked (:func:`check_forest`), with its
    :func:`out_degrees`: ``sample_kin`` draws every shape from one checked
    :class:`~phylohub.kinship.sampling.Forest`, where checking it and counting its
    children again for each shape cost ~0.3 s of the rule at 1.86M models."""
    if shape not in SHAPES:
        raise PhylohubError(f"unknown kin shape {shape!r}; known: {', '.join(SHAPES)}")
    w = _weights(par, degree, shape).astype(np.int64, copy=False)
    anchors = np.flatnonzero(w > 0).astype(np.int64)
    return anchors, w[anchors]


def shape_totals(parent: npt.ArrayLike) -> dict[str, int]:
    """Exact number of occurrences of every kin shape in a forest, in O(n).

    Parameters
    ----------
    parent : array_like of int
        ``parent[i]`` is the index of node ``i``'s parent, ``-1`` for a root.

    Returns
    -------
    dict of str to int
        One entry per name of :data:`SHAPES` (see the module docstring for the drawings
        and closed forms), plus ``nodes`` and ``roots``. Counts are Python ints (exact,
        no overflow).

    Raises
    ------
    PhylohubError
        If ``parent`` is not a forest.

    Examples
    --------
    >>> shape_totals([-1, 0, 0, 0])["star3"]
    1
    >>> shape_totals([-1, 0, 1, 2])["chain3"]
    1
    """
    par = check_forest(parent)
    totals: dict[str, int] = {"nodes": int(par.size), "roots": int((par < 0).sum())}
    deg = out_degrees(par)
    for shape in SHAPES:
        totals[shape] = _exact_sum(_weights(par, deg, shape))
    return totals


def shape_counts(parent: npt.ArrayLike) -> tuple[dict[str, int], dict[str, int]]:
    """:func:`shape_totals` and, per shape, the number of its anchors (the size of
    :func:`anchor_weights`' anchors), from one check of the forest and one pass.

    Why: ``sample_kin_pairs`` needs both for every shape, and checking the forest and
    counting the children again for each shape and each of the two (19 checks of a
    1.86M-node forest) was a fifth of the rule.
    """
    par = check_forest(parent)
    totals: dict[str, int] = {"nodes": int(par.size), "roots": int((par < 0).sum())}
    anchors: dict[str, int] = {}
    deg = out_degrees(par)
    for shape in SHAPES:
        w = _weights(par, deg, shape).astype(np.int64, copy=False)
        totals[shape] = _exact_sum(w)
        anchors[shape] = int(np.count_nonzero(w > 0))
    return totals, anchors
