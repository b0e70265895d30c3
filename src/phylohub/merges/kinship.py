"""Kinship (coefficient of coancestry) over a pedigree with any number of parents.

The textbook recursion (Lange, *Mathematical and Statistical Methods for Genetic
Analysis*, ch. 5; the tabular method of Emik and Terrill), for nodes numbered so that a
parent always has a lower *rank* (its DAG generation) than its child:

* ``f(a, a) = (1 + F_a) / 2``, where ``F_a`` (the inbreeding coefficient of ``a``) is the
  kinship of its parents;
* ``f(a, b) = mean over the parents p of b of f(a, p)`` when ``b`` is not an ancestor of
  ``a`` (``rank(b) >= rank(a)``, ``b != a``);
* a founder (no known parent) is unrelated to every other founder: ``f(a, b) = 0``.

Two generalisations, both of the same reading (each parent passes on one allele drawn at
random, and an unknown parent is a founder unrelated to everyone):

* **n parents.** A merge of ``n >= 2`` parents takes each of its two alleles from a
  parent drawn at random among its ``n``, two different parents for the two alleles:
  ``f(a, b) = (1/n) sum_p f(a, p)`` and ``F_b`` is the *mean kinship over the unordered
  pairs of distinct parents*. With ``n = 2`` both are the textbook formulas.
* **One parent.** A fine-tune (an adapter, a quantization) declares one parent; its
  other parent is unknown, hence a founder: ``f(a, b) = f(a, p) / 2`` and ``F_b = 0``,
  so ``f(b, b) = 1/2``. This is the genetic reading of an offspring of one known parent;
  reading single-parent descent as identity (a clone) instead would make every model of
  a fine-tune chain kin 1/2 with its root, and the coefficients of merges in deep
  families would say more about chain length than about whose models were merged.

The kinship of two nodes is computed on demand and memoised, so that only the pairs the
merges' parents lead to are ever visited, never all pairs. Nodes in different weakly
connected components are unrelated without recursion.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from itertools import combinations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


class Coancestry:
    """Kinship and inbreeding coefficients of the nodes of one pedigree.

    Parameters
    ----------
    parents
        ``parents[i]``: the known parents of node ``i`` (any order; empty for a founder).
        Kept as given (not copied) and read as the recursion visits each node.
    rank
        A number per node, strictly greater than each of its parents' (the DAG generation).
    component
        Optional weakly connected component per node: nodes of two components are unrelated.

    Examples
    --------
    >>> full_sibs = Coancestry([(), (), (0, 1), (0, 1)], [0, 0, 1, 1])
    >>> full_sibs.kinship(2, 3), full_sibs.kinship(0, 2)
    (0.25, 0.25)
    """

    def __init__(
        self,
        parents: Sequence[Sequence[int]],
        rank: Sequence[int] | IntArray,
        component: Sequence[int] | IntArray | None = None,
    ) -> None:
        self._given = parents
        self._parents: dict[int, tuple[int, ...]] = {}
        self.rank = np.asarray(rank, dtype=np.int64)
        self.component = None if component is None else np.asarray(component, dtype=np.int64)
        self._kin: dict[tuple[int, int], float] = {}
        self._inbreeding: dict[int, float] = {}
        # One frame per generation walked up: raise the limit to the pedigree's depth.
        depth = int(self.rank.max(initial=0))
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * depth + 1000))

    def parents_of(self, a: int) -> tuple[int, ...]:
        """``a``'s parents as Python ints, converted on first use: the recursion visits
        few of a pedigree's nodes, and converting all 1.86M lists up front took longer
        than the whole recursion at the Hub's size."""
        ps = self._parents.get(a)
        if ps is None:
            ps = self._parents[a] = tuple(int(p) for p in self._given[a])
        return ps

    def inbreeding(self, a: int) -> float:
        """``F_a``: the mean kinship of the pairs of ``a``'s distinct parents (0 for a
        founder or a node of one known parent: its other parent is unknown)."""
        ps = self.parents_of(a)
        if len(ps) < 2:
            return 0.0
        if a not in self._inbreeding:
            pairs = list(combinations(ps, 2))
            self._inbreeding[a] = sum(self.kinship(p, q) for p, q in pairs) / len(pairs)
        return self._inbreeding[a]

    def kinship(self, a: int, b: int) -> float:
        """``f(a, b)``: the chance that an allele drawn from ``a`` and one from ``b`` are
        identical by descent."""
        if a == b:
            return (1.0 + self.inbreeding(a)) / 2.0
        if self.component is not None and self.component[a] != self.component[b]:
            return 0.0
        if self.rank[a] > self.rank[b]:
            a, b = b, a  # b is now not an ancestor of a
        key = (a, b)
        hit = self._kin.get(key)
        if hit is not None:
            return hit
        ps = self.parents_of(b)
        value = sum(self.kinship(a, p) for p in ps) / max(2, len(ps)) if ps else 0.0
        self._kin[key] = value
        return value

    @property
    def pairs_visited(self) -> int:
        """Pairs whose kinship was computed (the memo's size): the work done."""
        return len(self._kin)


def dag_generation(n_nodes: int, child: IntArray, parent: IntArray) -> IntArray:
    """Longest path from a founder to each node of an acyclic graph (founders: 0), level by
    level: a node's generation is one more than its deepest parent's."""
    indegree = np.bincount(child, minlength=n_nodes)
    order = np.argsort(parent, kind="stable")
    kids = child[order]
    starts = np.searchsorted(parent[order], np.arange(n_nodes + 1))
    generation = np.zeros(n_nodes, dtype=np.int64)
    frontier = np.flatnonzero(indegree == 0)
    level = 0
    while frontier.size:
        generation[frontier] = level
        lengths = starts[frontier + 1] - starts[frontier]
        if not lengths.sum():
            break
        idx = np.repeat(starts[frontier], lengths) + (
            np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        )
        reached = kids[idx]
        np.subtract.at(indegree, reached, 1)
        frontier = np.unique(reached[indegree[reached] == 0])
        level += 1
    return generation
