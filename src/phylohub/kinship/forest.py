"""The family forest of a snapshot: one parent per model along the chosen relations.

Nodes are every listed model, in id order (row ``i`` of ``SELECT id FROM models ORDER BY
id``), so that random pairs are drawn over the whole snapshot as in the paper. A model's
parent is a listed model that it declares with an edge of one of the chosen relations
(the paper: ``finetune``). The kinship analysis needs a forest, so:

- a model with several such parents (a merge, if merges are chosen, or a card listing two
  base models) keeps the first by id; the others are counted in ``extra_parents``;
- a cycle of declarations (A says B is its base, B says A) is broken at the model of the
  cycle with the smallest id, which becomes a root; counted in ``cycle_edges``.

The *family* of a model is the weakly connected component of every edge of the chosen
relations between listed models, the extra parents and cut cycle edges included (as the
genealogy stage defines families), named by its first root by id. Every tree of the
forest lies inside one family; two trees that a second base model joins are one family,
for their models share ancestry and so are not independent evidence. Similarity
statistics resample families (:mod:`phylohub.similarity.summary`).

Examples
--------
>>> forest = load_forest(Path("results/S/hub.duckdb"), ["finetune"])  # doctest: +SKIP
>>> forest.stats["edges_used"] == int((forest.parent >= 0).sum())  # doctest: +SKIP
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from phylohub.errors import PhylohubError
from phylohub.vocabulary import EDGE_RELATIONS

__all__ = ["EDGE_RELATIONS", "KinForest", "break_cycles", "families", "load_forest", "tree_roots"]

IntArray = npt.NDArray[np.int64]

#: Relations an edge of the snapshot may have (``edges.relation``).

#: The parent links of the chosen relations between listed models, as node indices,
#: sorted by child id then parent id. The indices come from ``_nodes`` (the ids read
#: once in id order, registered with their row numbers), not from numbering the models
#: in the query (a sort of every id for each side of the join); index order is id order.
_EDGES_BY_NODES_SQL: Final[str] = """
SELECT c.i AS child, p.i AS parent
FROM edges e
JOIN _nodes c ON c.id = e.child
JOIN _nodes p ON p.id = e.parent
WHERE e.parent_in_snapshot AND list_contains($relations, e.relation)
ORDER BY c.i, p.i
"""


@dataclass(frozen=True)
class KinForest:
    """Model ids (the nodes, in id order, an Arrow string array), their parents,
    families and how the forest was made.

    ``family`` is the node index of each node's family (the first root by id of its
    weakly connected component, see the module docstring). ``stats`` holds ``models``,
    ``edges`` (edges of the chosen relations between listed models), ``edges_used``,
    ``extra_parents``, ``cycle_edges`` and ``families``.
    """

    ids: pa.Array
    parent: IntArray
    relations: tuple[str, ...]
    stats: dict[str, int]
    family: IntArray


def break_cycles(parent: IntArray) -> tuple[IntArray, int]:
    """Make every node whose parent links form a cycle the root of its cycle.

    Each cycle is cut at its smallest node index (its parent becomes -1). Returns the new
    parent array and the number of cycles cut. O(n) vectorised unless there are cycles;
    nodes on or below a cycle are then walked one by one.
    """
    par = parent.copy()
    n = par.size
    anc = par.copy()
    for _ in range(int(np.ceil(np.log2(n + 1))) + 1):
        live = anc >= 0
        if not live.any():
            return par, 0
        anc[live] = anc[anc[live]]
    state = np.zeros(n, dtype=np.int8)  # 0 unseen, 1 on the current walk, 2 done
    cut = 0
    for start in np.flatnonzero(anc >= 0).tolist():
        walk = []
        v = start
        while v >= 0 and state[v] == 0:
            state[v] = 1
            walk.append(v)
            v = int(par[v])
        if v >= 0 and state[v] == 1:  # closed a new cycle at v
            cycle = walk[walk.index(v) :]
            par[min(cycle)] = -1
            cut += 1
        state[walk] = 2
    return par, cut


def tree_roots(parent: IntArray) -> IntArray:
    """The root of every node's tree in a forest (no cycles), by pointer doubling:
    O(n log depth).

    >>> tree_roots(np.array([-1, 0, 1, -1, 3]))
    array([0, 0, 0, 3, 3])
    """
    anc = np.where(parent >= 0, parent, np.arange(parent.size)).astype(np.int64)
    while True:
        nxt = anc[anc]
        if np.array_equal(nxt, anc):
            return anc
        anc = nxt


def families(parent: IntArray, child: IntArray, par_of: IntArray) -> IntArray:
    """The family of every node: its weakly connected component over all the edges
    ``child -> par_of`` (not only the forest's), named by the component's smallest root.

    ``parent`` is the forest (after :func:`break_cycles`): every component holds at least
    one of its roots, for the forest's edges are a subset of the edges given.

    >>> families(np.array([-1, 0, -1, 2]), np.array([1, 3, 3]), np.array([0, 2, 0]))
    array([0, 0, 0, 0])
    >>> families(np.array([-1, 0, -1]), np.array([1]), np.array([0]))
    array([0, 0, 2])
    """
    # imported here: scipy.sparse.csgraph takes longer to import than a small forest
    # takes to load (bench/startup.py)
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    n = parent.size
    graph = coo_array((np.ones(child.size, dtype=np.int8), (child, par_of)), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="weak")
    comp: IntArray = np.asarray(labels, dtype=np.int64)
    first_root = np.full(int(comp.max()) + 1 if n else 0, n, dtype=np.int64)
    roots = np.flatnonzero(parent < 0)
    np.minimum.at(first_root, comp[roots], roots)
    out: IntArray = first_root[comp]
    return out


def load_forest(db: Path, relations: Sequence[str], extra_edges: Any = None) -> KinForest:
    """Read the forest of the chosen relations from a snapshot's ``hub.duckdb``.

    Parameters
    ----------
    db : pathlib.Path
        The snapshot database (tables ``models`` and ``edges``).
    relations : sequence of str
        Edge relations that make a parent (a subset of :data:`EDGE_RELATIONS`).
    extra_edges : polars.DataFrame, optional
        Inferred edges read beside the declared ones (``genealogy.inferred``;
        :func:`phylohub.inference.switch.shadow_edges`).

    Returns
    -------
    KinForest

    Raises
    ------
    PhylohubError
        For an unknown relation, an empty list, or a missing database.
    """
    rels = tuple(relations)
    unknown = sorted(set(rels) - set(EDGE_RELATIONS))
    if not rels or unknown:
        raise PhylohubError(
            f"similarity.relations must name some of {', '.join(EDGE_RELATIONS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    if not db.is_file():
        raise PhylohubError(f"no snapshot database at {db}; build the snapshot first")
    # Imported here: the inference package pulls in the snapshot build (a second of
    # start-up that the similarity summary, which needs this module's tree_roots, skips).
    from phylohub.inference.switch import shadow_edges

    with duckdb.connect(str(db), read_only=True) as con:
        if extra_edges is not None:
            shadow_edges(con, extra_edges)
        # The ids as Arrow (no Python string per model), numbered once for the edges.
        ids = (
            con.sql("SELECT id FROM models ORDER BY id")
            .to_arrow_table()["id"]
            .combine_chunks()
            .cast(pa.string())
        )
        con.register("_nodes", pa.table({"id": ids, "i": np.arange(len(ids), dtype=np.int64)}))
        edges = con.execute(_EDGES_BY_NODES_SQL, {"relations": list(rels)}).fetchnumpy()
    child = np.asarray(edges["child"], dtype=np.int64)
    par_of = np.asarray(edges["parent"], dtype=np.int64)
    parent = np.full(len(ids), -1, dtype=np.int64)
    # Edges are sorted by child id then parent id: the first row of each child wins.
    first = np.ones(child.size, dtype=bool)
    first[1:] = child[1:] != child[:-1]
    parent[child[first]] = par_of[first]
    parent, cycles = break_cycles(parent)
    family = families(parent, child, par_of)
    stats = {
        "models": len(ids),
        "edges": int(child.size),
        "edges_used": int((parent >= 0).sum()),
        "extra_parents": int((~first).sum()),
        "cycle_edges": cycles,
        "families": int(np.unique(family).size),
    }
    return KinForest(ids, parent, rels, stats, family)
