"""Families of a genealogy graph: who belongs together, and the shape of each family.

A *family* is a weakly connected component of a relation set's graph (external ancestors
included). Each node's *generation* is its distance from the root along the kept tree
(:attr:`~phylohub.genealogy.graphs.Graph.primary`: every model keeps its first-declared
parent); in a tree that is the distance from the family's root, and in a family that
merges join it is the distance from the root of the model's first-declared line.

Families are numbered from 0 by decreasing size (nodes), then by the index of their
main root, so family 0 is the largest. The *main root* of a family is the root of its
largest kept tree (ties: the smallest id); a tree has one root, a family joined by merges
has several.

:func:`analyse` measures everything in near-linear time (pointer jumping, level-order
subtree sizes, ``bincount``); :func:`family_table` and :func:`node_table` lay the results
out as the stage's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from phylohub.genealogy.graphs import RELATIONS, Graph
from phylohub.genealogy.trees import depths_and_roots, structural_virality, subtree_sizes

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Genealogy:
    """The measures of one relation set's graph, per node and per family.

    Attributes
    ----------
    graph
        The graph measured.
    family
        Family of each node (0 = the largest).
    generation
        Distance of each node from its root along the kept tree.
    tree_root
        Root of each node's kept tree.
    subtree
        Nodes in each node's kept subtree (itself included).
    children
        ``children[i, r]``: children of node ``i`` by relation code ``r`` (all five
        relations; zero outside the set).
    n_parents
        Parents of each node in the set (0 for a root, 2+ for a merge).
    fam_size, fam_models, fam_external, fam_edges, fam_roots, fam_depth, fam_leaves,
    fam_parents, fam_max_children, fam_root, fam_virality
        Per family: nodes, listed models, external ancestors, edges, roots, greatest
        generation, nodes without children, nodes with children, most children of one
        node, main root (node index), and structural virality of the kept tree when it
        spans the family (one root), else NaN (also NaN for a single node).
    """

    graph: Graph
    family: IntArray
    generation: IntArray
    tree_root: IntArray
    subtree: IntArray
    children: IntArray
    n_parents: IntArray
    fam_size: IntArray
    fam_models: IntArray
    fam_external: IntArray
    fam_edges: IntArray
    fam_roots: IntArray
    fam_depth: IntArray
    fam_leaves: IntArray
    fam_parents: IntArray
    fam_max_children: IntArray
    fam_root: IntArray
    fam_virality: FloatArray

    @property
    def n_families(self) -> int:
        """Number of families."""
        return int(self.fam_size.size)


def weak_components(graph: Graph, tree_root: IntArray) -> IntArray:
    """Weakly connected component of every node, as the index of a representative root.

    The kept tree already joins every node to its tree's root; the other edges (a
    merge's further parents) join trees. So the components are those of a small graph
    on the roots, with one edge per edge outside the kept tree.

    Parameters
    ----------
    graph
        The graph.
    tree_root
        Root of each node's kept tree (:func:`~phylohub.genealogy.trees.depths_and_roots`).

    Returns
    -------
    numpy.ndarray of int64
        For each node, the smallest root index of its component.
    """
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped, unused-ignore]
    from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped, unused-ignore]

    n = graph.n_nodes
    extra = graph.primary[graph.child] != graph.parent
    a, b = tree_root[graph.child[extra]], tree_root[graph.parent[extra]]
    rep = np.arange(n, dtype=np.int64)
    if a.size:
        nodes = np.unique(np.concatenate([a, b]))
        local = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
        g = coo_matrix((np.ones(a.size, np.int8), local), shape=(nodes.size, nodes.size))
        _, lab = connected_components(g, directed=False)
        smallest = np.full(lab.max() + 1, n, dtype=np.int64)
        np.minimum.at(smallest, lab, nodes)
        rep[nodes] = smallest[lab]
    out: IntArray = rep[tree_root]
    return out


def analyse(graph: Graph) -> Genealogy:
    """Families, generations and family shapes of one relation set's graph.

    Parameters
    ----------
    graph
        From :func:`~phylohub.genealogy.graphs.relation_graph`.

    Returns
    -------
    Genealogy
        Every measure, per node and per family.
    """
    n = graph.n_nodes
    depth, tree_root = depths_and_roots(graph.primary)
    subtree = subtree_sizes(graph.primary, depth)
    component = weak_components(graph, tree_root)

    children = np.zeros((n, len(RELATIONS)), dtype=np.int64)
    np.add.at(children, (graph.parent, graph.relation), 1)
    n_children = children.sum(axis=1)
    n_parents = np.bincount(graph.child, minlength=n).astype(np.int64)
    is_root = graph.primary < 0

    # Family numbering: by decreasing size, then by the main root's index.
    comps, comp_of = np.unique(component, return_inverse=True)
    size = np.bincount(comp_of).astype(np.int64)
    roots = np.flatnonzero(is_root)
    # main root: largest kept tree, then smallest index (roots are in index order)
    by_tree = np.lexsort((roots, -subtree[roots], comp_of[roots]))
    first = np.ones(by_tree.size, dtype=bool)
    first[1:] = comp_of[roots[by_tree[1:]]] != comp_of[roots[by_tree[:-1]]]
    main_root = np.empty(comps.size, dtype=np.int64)
    main_root[comp_of[roots[by_tree[first]]]] = roots[by_tree[first]]
    order = np.lexsort((main_root, -size))
    rank = np.empty(comps.size, dtype=np.int64)
    rank[order] = np.arange(comps.size)
    family = rank[comp_of]

    f = comps.size

    def per_family(values: npt.ArrayLike) -> IntArray:
        return np.bincount(family, weights=values, minlength=f).round().astype(np.int64)

    external = graph.external
    fam_depth = np.zeros(f, dtype=np.int64)
    np.maximum.at(fam_depth, family, depth)
    fam_max_children = np.zeros(f, dtype=np.int64)
    np.maximum.at(fam_max_children, family, n_children)
    tree_roots, tree_vir = structural_virality(graph.primary, tree_root, subtree)
    vir_of_root = np.full(n, np.nan)
    vir_of_root[tree_roots] = tree_vir
    fam_roots = per_family(is_root)
    fam_root = main_root[order]
    fam_virality = np.where(fam_roots == 1, vir_of_root[fam_root], np.nan)
    return Genealogy(
        graph=graph,
        family=family,
        generation=depth,
        tree_root=tree_root,
        subtree=subtree,
        children=children,
        n_parents=n_parents,
        fam_size=size[order],
        fam_models=per_family(~external),
        fam_external=per_family(external),
        fam_edges=np.bincount(family[graph.child], minlength=f).astype(np.int64),
        fam_roots=fam_roots,
        fam_depth=fam_depth,
        fam_leaves=per_family(n_children == 0),
        fam_parents=per_family(n_children > 0),
        fam_max_children=fam_max_children,
        fam_root=fam_root,
        fam_virality=fam_virality,
    )


def family_table(gen: Genealogy) -> pl.DataFrame:
    """One row per family, family 0 (the largest) first.

    Columns: ``family``, ``root`` (main root's id), ``root_external``, ``roots`` (number
    of roots), ``size`` (nodes), ``models`` (listed), ``external`` (external ancestors),
    ``edges``, ``tree`` (the family is a tree: one root, no second parents), ``depth``
    (greatest generation), ``generations`` (depth + 1), ``leaves``, ``leaf_share``,
    ``branching`` (mean children of the members that have children), ``max_children``,
    ``virality`` (structural virality of the kept tree when it spans the family; null for
    one node or several roots).

    Parameters
    ----------
    gen
        From :func:`analyse`.

    Returns
    -------
    polars.DataFrame
        The table.
    """
    ids = gen.graph.id_series
    f = gen.n_families
    with np.errstate(invalid="ignore", divide="ignore"):
        branching = np.where(gen.fam_parents > 0, gen.fam_edges / gen.fam_parents, np.nan)
    return pl.DataFrame(
        {
            "family": np.arange(f, dtype=np.int64),
            "root": ids.gather(gen.fam_root),
            "root_external": gen.fam_root >= gen.graph.n_listed,
            "roots": gen.fam_roots,
            "size": gen.fam_size,
            "models": gen.fam_models,
            "external": gen.fam_external,
            "edges": gen.fam_edges,
            "tree": (gen.fam_roots == 1) & (gen.fam_edges == gen.fam_size - 1),
            "depth": gen.fam_depth,
            "generations": gen.fam_depth + 1,
            "leaves": gen.fam_leaves,
            "leaf_share": gen.fam_leaves / gen.fam_size,
            "branching": branching,
            "max_children": gen.fam_max_children,
            "virality": gen.fam_virality,
        },
        nan_to_null=True,
    )


def node_table(gen: Genealogy) -> pl.DataFrame:
    """One row per node (listed models in id order, then external ancestors).

    Columns: ``id``, ``external``, ``family``, ``generation``, ``parent`` (the kept
    parent's id, null for a root), ``parents`` (in the set), ``children`` (in the set),
    ``children_<relation>`` for each relation of the set, ``subtree`` (nodes of the kept
    subtree, itself included).

    Parameters
    ----------
    gen
        From :func:`analyse`.

    Returns
    -------
    polars.DataFrame
        The table.
    """
    g = gen.graph
    ids = g.id_series
    kept = g.primary >= 0
    columns: dict[str, Any] = {
        "id": ids,
        "external": g.external,
        "family": gen.family,
        "generation": gen.generation,
        "parent": ids.gather(np.where(kept, g.primary, 0)),
        "parents": gen.n_parents,
        "children": gen.children.sum(axis=1),
    }
    for code, r in enumerate(RELATIONS):
        if r in g.relations:
            columns[f"children_{r}"] = gen.children[:, code]
    columns["subtree"] = gen.subtree
    return pl.DataFrame(columns).with_columns(
        pl.when(pl.Series(kept)).then(pl.col("parent")).alias("parent")
    )
