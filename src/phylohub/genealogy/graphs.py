"""Genealogy graphs of a snapshot: nodes, edges of a relation set, cycles broken, a tree kept.

A snapshot's ``edges`` table is read once (:func:`read_edges`) as node indices: the listed
models ``0 .. n-1`` in id order, then the parents missing from the snapshot (*external*
ancestors, named as tagged; spellings that differ only in case are one node, because the
Hub's ids are case-insensitive). :func:`relation_graph` then keeps the edges of a set of
relations:

``("finetune",)``
    the paper's trees (a child almost always has one parent);
``("finetune", "adapter", "quantized", "unknown")``
    all but merge (the paper's largest families);
``RELATIONS``
    everything: merges give a child several parents, so a family is a DAG.

External ancestors are nodes of the graph (roots: nothing is known of their own parents),
counted apart from the models, never dropped. Only those named by an edge of the set are
kept, so a set's external nodes are numbered ``n, n+1, ...`` in name order among them.

Cycles
======
Declared ``base_model`` tags can contradict each other (A names B as its base, B names
A). A set's graph is made acyclic by one rule: inside each strongly connected set of
models, an edge is kept only when its parent was created before its child (``createdAt``,
then the id for equal or missing dates, as for the Hub's back-filled 2022-03-02 dates).
Every kept edge inside such a set then runs forward in one total order, so no cycle is
left, and no edge outside a cycle's strongly connected set is touched. The dropped edges
are reported (:attr:`Graph.dropped`).

The kept tree
=============
Every node keeps one parent, which makes a forest (:attr:`Graph.primary`): of its parents
in the set, the one its tags name first (the lowest position of a ``base_model`` tag
naming it; ties, which cannot occur for distinct parents, by node index). On the Hub
that is the first ``base_model`` of the card, the model the page shows as the base. In
the finetune graph almost every child has one parent and the forest is the graph; with
merges it is a spanning forest of each family, and a merge's other parents are edges
outside it. Generations, subtree sizes, structural virality and the kin shapes are
measured on this forest.

Examples
--------
>>> import numpy as np
>>> e = SnapshotEdges.from_arrays(
...     ["a/base", "b/ft", "c/q"], child=[1, 2], parent=[0, 1],
...     relation=["finetune", "quantized"])
>>> relation_graph(e, ("finetune",)).primary.tolist()
[-1, 0, -1]
>>> relation_graph(e, RELATIONS).primary.tolist()
[-1, 0, 1]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from phylohub.errors import PhylohubError
from phylohub.genealogy import sql
from phylohub.vocabulary import EDGE_RELATIONS

if TYPE_CHECKING:
    import polars as pl

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Relations of the snapshot's edges, in the order of their codes 0..4.
RELATIONS: tuple[str, ...] = EDGE_RELATIONS
#: The relation sets the paper uses, by the names the workflow gives them.
RELATION_SETS: dict[str, tuple[str, ...]] = {
    "finetune": ("finetune",),
    "no_merge": ("finetune", "adapter", "quantized", "unknown"),
    "all": RELATIONS,
}
#: A missing ``createdAt`` sorts after every real date (the id then decides).
_NO_DATE = np.iinfo(np.int64).max


def relation_codes(relations: Sequence[str]) -> IntArray:
    """The codes (indices into :data:`RELATIONS`) of a relation set, checked.

    Parameters
    ----------
    relations
        Relation names; each one of :data:`RELATIONS`.

    Returns
    -------
    numpy.ndarray
        Their codes, sorted, without repeats.

    Raises
    ------
    PhylohubError
        For an empty set or an unknown name.

    Examples
    --------
    >>> relation_codes(["adapter", "finetune"]).tolist()
    [0, 1]
    """
    unknown = sorted(set(relations) - set(RELATIONS))
    if unknown:
        raise PhylohubError(
            f"unknown relation(s) {', '.join(unknown)}; known: {', '.join(RELATIONS)}"
        )
    if not relations:
        raise PhylohubError("a relation set needs at least one relation")
    return np.array(sorted({RELATIONS.index(r) for r in relations}), dtype=np.int64)


@dataclass(frozen=True)
class SnapshotEdges:
    """Every edge of a snapshot, as indices of its nodes.

    Attributes
    ----------
    ids
        Node ids (a pyarrow string array): the ``n_listed`` listed models in id order,
        then the external parents in name order.
    n_listed
        Number of listed models.
    created_ms
        ``createdAt`` of the listed models, ms since the epoch (missing: the int64 max).
    child, parent
        Node indices of each edge, sorted by child, then by the position of the first tag
        naming the parent, then by parent.
    relation
        Code of each edge's relation (index into :data:`RELATIONS`).
    position
        Position of the first ``base_model`` tag of the child naming the parent.
    """

    ids: Any
    n_listed: int
    created_ms: IntArray
    child: IntArray
    parent: IntArray
    relation: IntArray
    position: IntArray

    @property
    def n_nodes(self) -> int:
        """Listed models plus external parents."""
        return len(self.ids)

    @classmethod
    def from_arrays(
        cls,
        ids: Sequence[str],
        child: npt.ArrayLike,
        parent: npt.ArrayLike,
        relation: Sequence[str],
        n_listed: int | None = None,
        created_ms: npt.ArrayLike | None = None,
        position: npt.ArrayLike | None = None,
    ) -> SnapshotEdges:
        """Edges given by hand (tests, examples): node ids and index arrays.

        Parameters
        ----------
        ids
            Node ids; the first ``n_listed`` are listed models (all by default), the
            rest external parents.
        child, parent
            Node indices of each edge.
        relation
            Relation name of each edge.
        n_listed
            Number of listed models (default: every node).
        created_ms
            Creation times of the listed models (default: all equal, so ids decide).
        position
            Position of each edge's first tag (default: the order the edges are given).

        Returns
        -------
        SnapshotEdges
            The edges, sorted as :func:`read_edges` sorts them.
        """
        n = len(ids) if n_listed is None else n_listed
        c = np.asarray(child, dtype=np.int64)
        p = np.asarray(parent, dtype=np.int64)
        r = np.array([RELATIONS.index(x) for x in relation], dtype=np.int64)
        pos = np.arange(c.size) if position is None else np.asarray(position, dtype=np.int64)
        order = np.lexsort((p, pos, c))
        created = np.zeros(n, np.int64) if created_ms is None else np.asarray(created_ms)
        return cls(
            pa.array(list(ids), pa.string()),
            n,
            created.astype(np.int64),
            c[order],
            p[order],
            r[order],
            pos[order].astype(np.int64),
        )


def _connect(db: Path) -> Any:
    import duckdb

    if not Path(db).is_file():
        raise PhylohubError(f"no snapshot at {db} (build it with the build_snapshot rule)")
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise PhylohubError(f"cannot open snapshot {db}: {exc}") from exc
    tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    missing = sorted({"models", "edges", "tags"} - tables)
    if missing:
        con.close()
        raise PhylohubError(f"{db} is not a snapshot: no table {', '.join(missing)}")
    return con


def read_edges(db: Path, relations: Sequence[str] | None = None, threads: int = 1) -> SnapshotEdges:
    """Read every node and edge of a snapshot (all relations) as indices.

    Parameters
    ----------
    db
        A snapshot's ``hub.duckdb``.
    relations
        Read only the edges of these relations (every node all the same, numbered as
        for all of them), or None for every edge. :func:`relation_graph` of a set gives
        the same graph from either, for the set's relations or more.
    threads
        DuckDB threads. One by default: the rules that read a graph run on one thread,
        two side by side, and DuckDB's default of one per core spent ~0.3 s more CPU
        per read at 1.86M models (docs/genealogy.md); the rows are the same.

    Returns
    -------
    SnapshotEdges
        Nodes and edges; see :class:`SnapshotEdges`.

    Raises
    ------
    PhylohubError
        If ``db`` is missing or is not a snapshot.
    """
    con = _connect(db)
    try:
        con.execute(f"SET threads = {int(threads)}")
        listed = con.sql(sql.LISTED).to_arrow_table()
        external = con.sql(sql.EXTERNAL).to_arrow_table()
        n = listed.num_rows
        numbered = pa.table(
            {"id": listed.column("id"), "idx": pa.array(np.arange(n, dtype=np.int64))}
        )
        con.register("listed_ids", numbered)
        keep = list(RELATIONS if relations is None else relations)
        params = {"n": n, "relations": list(RELATIONS), "keep": keep}
        edges = con.execute(sql.EDGES, params).fetchnumpy()
    finally:
        con.close()
    created = listed.column("created_ms").to_numpy(zero_copy_only=False)
    created = np.where(np.isnan(created.astype(float)), _NO_DATE, created).astype(np.int64)
    # One copy of the ids: the chunks concatenated at once (combining each column
    # first copied the 1.86M listed ids twice, ~0.2 s).
    chunks = [*listed.column("id").chunks, *external.column("id").chunks]
    ids = pa.concat_arrays([c.cast(pa.string()) for c in chunks] or [pa.array([], pa.string())])
    out = SnapshotEdges(
        ids,
        n,
        created,
        np.asarray(edges["child"], dtype=np.int64),
        np.asarray(edges["parent"], dtype=np.int64),
        np.asarray(edges["relation"], dtype=np.int64),
        np.asarray(edges["position"], dtype=np.int64),
    )
    log.info(
        "read %d models, %d external parents, %d edges from %s",
        n,
        out.n_nodes - n,
        out.child.size,
        db,
    )
    return out


@dataclass(frozen=True)
class DroppedEdges:
    """Edges left out of a graph to break the cycles of declared tags.

    Attributes
    ----------
    child, parent
        Node indices (of the graph the edges were dropped from).
    relation
        Relation codes.
    component
        Index of the strongly connected set the edge lay in (0, 1, ... per graph).
    component_size
        Models in that set.
    """

    child: IntArray
    parent: IntArray
    relation: IntArray
    component: IntArray
    component_size: IntArray


@dataclass(frozen=True)
class Graph:
    """The genealogy graph of one relation set, acyclic, with the tree it keeps.

    Attributes
    ----------
    relations
        The relation names of the set.
    ids
        Node ids (pyarrow string array): listed models, then the external parents that
        edges of the set name.
    n_listed
        Listed models (nodes ``0 .. n_listed - 1``).
    child, parent, relation, position
        The set's edges (after merging case-variants of an external parent and dropping
        cycle edges), sorted by child, then tag position, then parent.
    primary
        The kept tree: ``primary[i]`` is the parent ``i`` keeps, ``-1`` for a root.
    dropped
        Edges dropped to break cycles.
    merged
        Edges merged because they named one external parent in different cases.
    """

    relations: tuple[str, ...]
    ids: Any
    n_listed: int
    child: IntArray
    parent: IntArray
    relation: IntArray
    position: IntArray
    primary: IntArray
    dropped: DroppedEdges
    merged: int

    @property
    def n_nodes(self) -> int:
        """Models plus external ancestors."""
        return len(self.ids)

    @cached_property
    def id_series(self) -> pl.Series:
        """The node ids as a polars Series named ``id``, converted once per graph: every
        table of a set names its nodes by id, and four conversions of the 1.86M ids cost
        ~0.1 s."""
        import polars as pl

        series = pl.from_arrow(self.ids)
        assert isinstance(series, pl.Series)
        return series.alias("id")

    @property
    def external(self) -> BoolArray:
        """True for the external ancestors (parents missing from the snapshot)."""
        out: BoolArray = np.arange(self.n_nodes) >= self.n_listed
        return out


def _strong_components(n: int, child: IntArray, parent: IntArray) -> IntArray:
    """Strong-component label of each node, -1 outside any cycle (size-1 components).

    Cycles can only pass through nodes with both a parent and a child, so the search runs
    on that (small) subgraph.
    """
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped, unused-ignore]
    from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped, unused-ignore]

    labels = np.full(n, -1, dtype=np.int64)
    inner = np.zeros(n, dtype=bool)
    inner[np.intersect1d(child, parent)] = True
    keep = inner[child] & inner[parent]
    if not keep.any():
        return labels
    nodes = np.flatnonzero(inner)
    local = np.full(n, -1, dtype=np.int64)
    local[nodes] = np.arange(nodes.size)
    m = nodes.size
    g = coo_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (local[parent[keep]], local[child[keep]])),
        shape=(m, m),
    ).tocsr()
    _, lab = connected_components(g, directed=True, connection="strong")
    sizes = np.bincount(lab)
    cyclic = sizes[lab] > 1
    # Renumber the cyclic components 0, 1, ... in order of their smallest node.
    uniq, first = np.unique(lab[cyclic], return_index=True)
    order = np.argsort(first, kind="stable")
    rename = np.full(sizes.size, -1, dtype=np.int64)
    rename[uniq[order]] = np.arange(uniq.size)
    labels[nodes[cyclic]] = rename[lab[cyclic]]
    return labels


def relation_graph(edges: SnapshotEdges, relations: Sequence[str]) -> Graph:
    """The graph of one relation set: its nodes, acyclic edges and kept tree.

    Parameters
    ----------
    edges
        Every edge of the snapshot (:func:`read_edges`).
    relations
        The relations to keep (names of :data:`RELATIONS`).

    Returns
    -------
    Graph
        See :class:`Graph`; the module docstring states the rules (external parents,
        cycles, the kept parent).

    Raises
    ------
    PhylohubError
        For an unknown relation.
    """
    codes = relation_codes(relations)
    n = edges.n_listed
    sel = np.isin(edges.relation, codes)
    child, parent = edges.child[sel], edges.parent[sel]
    relation, position = edges.relation[sel], edges.position[sel]

    # External parents named by this set's edges, renumbered n, n+1, ... in name order.
    used = np.unique(parent[parent >= n])
    remap = np.arange(edges.n_nodes, dtype=np.int64)
    remap[used] = n + np.arange(used.size)
    parent = remap[parent]
    if used.size == edges.n_nodes - n:
        # Every external parent is named (the numbering is the identity): the ids as read.
        ids = edges.ids
    else:
        ids = pa.concat_arrays([edges.ids.slice(0, n), edges.ids.take(pa.array(used))])
    n_nodes = n + used.size

    # One edge per (child, parent): case variants of an external name are one node.
    key = child * n_nodes + parent
    _, first = np.unique(key, return_index=True)
    first.sort()
    merged = child.size - first.size
    child, parent = child[first], parent[first]
    relation, position = relation[first], position[first]

    # Break cycles: inside a strongly connected set keep only edges from older to newer.
    comp = _strong_components(n_nodes, child, parent)
    inside = (comp[child] >= 0) & (comp[child] == comp[parent])
    if inside.any():
        created = np.full(n_nodes, _NO_DATE, dtype=np.int64)
        created[:n] = edges.created_ms
        rank = np.empty(n_nodes, dtype=np.int64)
        rank[np.lexsort((np.arange(n_nodes), created))] = np.arange(n_nodes)
        drop = inside & (rank[parent] > rank[child])
    else:
        drop = np.zeros(child.size, dtype=bool)
    sizes = np.bincount(comp[comp >= 0]) if (comp >= 0).any() else np.zeros(0, np.int64)
    dropped = DroppedEdges(
        child[drop],
        parent[drop],
        relation[drop],
        comp[child[drop]],
        sizes[comp[child[drop]]].astype(np.int64),
    )
    if drop.any():
        log.warning(
            "%s: %d edge(s) dropped to break cycles in %d strongly connected set(s)",
            "+".join(relations),
            int(drop.sum()),
            int(np.unique(comp[child[drop]]).size),
        )
    keep = ~drop
    child, parent, relation, position = child[keep], parent[keep], relation[keep], position[keep]

    primary = np.full(n_nodes, -1, dtype=np.int64)
    head = np.ones(child.size, dtype=bool)
    head[1:] = child[1:] != child[:-1]
    primary[child[head]] = parent[head]
    return Graph(
        tuple(relations),
        ids,
        n,
        child,
        parent,
        relation,
        position,
        primary,
        dropped,
        int(merged),
    )


def with_edges(edges: SnapshotEdges, extra: Any) -> SnapshotEdges:
    """``edges`` with more edges between listed models added (inferred kin, see
    :mod:`phylohub.inference`): ``extra`` is a table with ``child``, ``parent`` (ids) and
    ``relation``. An added edge sorts after every declared edge of its child (it has no
    ``base_model`` tag); one whose child or parent is not listed, or that is already
    declared, is left out.

    >>> e = SnapshotEdges.from_arrays(["a", "b", "c"], [1], [0], ["finetune"])
    >>> import polars as pl
    >>> more = pl.DataFrame({"child": ["c", "b"], "parent": ["a", "a"],
    ...                      "relation": ["quantized", "finetune"]})
    >>> w = with_edges(e, more)
    >>> w.child.tolist(), w.parent.tolist(), [RELATIONS[r] for r in w.relation]
    ([1, 2], [0, 0], ['finetune', 'quantized'])
    """
    n = edges.n_listed
    listed = edges.ids.slice(0, n).to_pylist()
    index = {node: i for i, node in enumerate(listed)}
    have = set(zip(edges.child.tolist(), edges.parent.tolist(), strict=True))
    child, parent, relation = [], [], []
    for c, p, r in zip(extra["child"], extra["parent"], extra["relation"], strict=True):
        ci, pi = index.get(c), index.get(p)
        if ci is None or pi is None or (ci, pi) in have:
            continue
        have.add((ci, pi))
        child.append(ci)
        parent.append(pi)
        relation.append(RELATIONS.index(r))
    c_all = np.concatenate([edges.child, np.asarray(child, dtype=np.int64)])
    p_all = np.concatenate([edges.parent, np.asarray(parent, dtype=np.int64)])
    r_all = np.concatenate([edges.relation, np.asarray(relation, dtype=np.int64)])
    pos = np.concatenate([edges.position, np.full(len(child), 2**31 - 1, dtype=np.int64)])
    order = np.lexsort((p_all, pos, c_all))
    log.info("added %d inferred edges to %d declared ones", len(child), edges.child.size)
    return SnapshotEdges(
        edges.ids, n, edges.created_ms, c_all[order], p_all[order], r_all[order], pos[order]
    )


def load_graph(db: Path, relations: Sequence[str], extra: Any = None) -> Graph:
    """Read a snapshot and build the graph of one relation set (:func:`relation_graph`).

    Parameters
    ----------
    db
        A snapshot's ``hub.duckdb``.
    relations
        The relations to keep.
    extra
        Edges to add to the declared ones (:func:`with_edges`), or None.

    Returns
    -------
    Graph
        The set's graph.
    """
    relation_codes(relations)
    if extra is None:
        return relation_graph(read_edges(db, relations), relations)
    # Every relation's edges: an inferred edge that a declared one of another relation
    # covers is left out (with_edges), so those must be read too.
    return relation_graph(with_edges(read_edges(db), extra), relations)


def parent_array(db: Path, relations: Sequence[str]) -> tuple[list[str], IntArray]:
    """The kept forest of a relation set as a parent array, with the node ids.

    Parameters
    ----------
    db
        A snapshot's ``hub.duckdb``.
    relations
        The relations to keep, e.g. ``("finetune",)`` for the paper's trees.

    Returns
    -------
    ids : list of str
        Node ids: the listed models in id order, then the external parents (parents
        missing from the snapshot) that the set's edges name, in name order.
    parent : numpy.ndarray of int64
        ``parent[i]`` is the index of the parent node ``i`` keeps, ``-1`` for a root. A
        node with several parents in the set keeps the one its tags name first (its
        first ``base_model``); edges that closed a cycle are left out first (see the
        module docstring). The array is a forest, ready for
        :func:`phylohub.kinship.shapes.shape_totals`.
    """
    g = load_graph(db, relations)
    return g.ids.to_pylist(), g.primary
