"""Pedigrees of merges: the DAG of every relation, each merge's parents, their families
and generations, inbreeding and outcrossing, families joined by merges, merge lineages.

A *merge* is a model with at least one ``merge`` edge in the relation set the stage reads
(``merges.relations``, default ``all``); its parents are all its parents in that set, in
the order of their tags (the first-listed first). A parent's *family* is its family in the
relation set ``merges.families`` (default ``no_merge``: fine-tunes, adapters,
quantizations and plain tags, as the genealogy stage defines families). A merge is
*inbred* when it has two or more parents and all lie in one family, *outcrossed* when
they lie in several.

Generations are those of the DAG (the longest path from a founder: one more than the
deepest parent), not of the genealogy's kept tree, so that a merge's generation is one
more than its deepest parent's. A merge's *merge depth* is the number of merges on its
deepest ancestral path, itself included: 1 for a merge of models that descend from no
merge, 2 for a merge of a merge's descendants, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from phylohub.genealogy.lookup import row_index
from phylohub.merges.kinship import Coancestry, dag_generation
from phylohub.merges.status import claim_status
from phylohub.traits.stats import cluster_mean

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Dag:
    """The relation set's graph as node indices (nodes in the genealogy's order)."""

    ids: pl.Series
    external: npt.NDArray[np.bool_]
    component: IntArray  # weakly connected component (the set's family)
    family: IntArray  # family in the families set (-1: not a node there)
    child: IntArray
    parent: IntArray
    relation: pl.Series
    position: IntArray
    generation: IntArray

    @property
    def n_nodes(self) -> int:
        """Models plus external parents."""
        return len(self.ids)


def read_dag(nodes: Path, edges: Path, family_nodes: Path) -> Dag:
    """The DAG from the genealogy's tables of one relation set (``nodes``, ``edges``) and
    the families of another (``family_nodes``)."""
    nd = pl.read_parquet(nodes, columns=["id", "external", "family"])
    ed = pl.read_parquet(edges, columns=["child", "parent", "relation", "position"])
    # Node rows of both ends (row_index: the rows of a join on the ids), edges naming a
    # node the table lacks left out as the inner joins left them.
    c, p = row_index(nd["id"], ed["child"]), row_index(nd["id"], ed["parent"])
    ed = (
        ed.with_columns(pl.Series("c", c), pl.Series("p", p))
        .filter((pl.col("c") >= 0) & (pl.col("p") >= 0))
        .sort(["c", "position", "p"])
    )
    fam = pl.read_parquet(family_nodes, columns=["id", "family"])
    rows = row_index(fam["id"], nd["id"])
    known = np.r_[fam["family"].fill_null(-1).to_numpy().astype(np.int64), -1]
    family = known[rows]  # row -1: the -1 appended, a node the families set lacks
    child = ed["c"].to_numpy().astype(np.int64)
    parent = ed["p"].to_numpy().astype(np.int64)
    return Dag(
        ids=nd["id"],
        external=nd["external"].to_numpy(),
        component=nd["family"].to_numpy().astype(np.int64),
        family=family.astype(np.int64),
        child=child,
        parent=parent,
        relation=ed["relation"],
        position=ed["position"].to_numpy().astype(np.int64),
        generation=dag_generation(len(nd), child, parent),
    )


def merge_depth(dag: Dag, is_merge: npt.NDArray[np.bool_]) -> IntArray:
    """Merges on each node's deepest ancestral path, itself included (level by level)."""
    depth = is_merge.astype(np.int64)
    gen_child = dag.generation[dag.child]
    order = np.argsort(gen_child, kind="stable")
    bounds = np.searchsorted(gen_child[order], np.arange(1, int(dag.generation.max()) + 2))
    start = 0
    for stop in bounds:
        sel = order[start:stop]
        start = stop
        if sel.size:
            best = np.zeros(dag.n_nodes, dtype=np.int64)
            np.maximum.at(best, dag.child[sel], depth[dag.parent[sel]])
            kids = np.unique(dag.child[sel])
            depth[kids] = best[kids] + is_merge[kids]
    return depth


@dataclass(frozen=True)
class Pedigrees:
    """Every merge with its parents and coefficients, and the tables made from them."""

    merges: pl.DataFrame
    pairs: pl.DataFrame
    by_parents: pl.DataFrame
    components: pl.DataFrame
    lineage: pl.DataFrame
    claims: pl.DataFrame
    summary: dict[str, Any]


def parents_of(dag: Dag) -> list[tuple[int, ...]]:
    """Each node's parents, in tag order (the edges are sorted by child, position)."""
    out: list[tuple[int, ...]] = [()] * dag.n_nodes
    if not dag.child.size:
        return out
    heads = np.flatnonzero(np.r_[True, dag.child[1:] != dag.child[:-1]])
    ends = np.r_[heads[1:], dag.child.size]
    parent = dag.parent.tolist()
    for c, s, e in zip(dag.child[heads].tolist(), heads.tolist(), ends.tolist(), strict=True):
        out[c] = tuple(parent[s:e])
    return out


def trace_pedigrees(dag: Dag, level: float = 0.95) -> Pedigrees:
    """Parents, families, generations and coefficients of every merge (module docs); the
    inbreeding claim's interval at ``level``."""
    is_merge_edge = (dag.relation == "merge").to_numpy()
    is_merge = np.zeros(dag.n_nodes, dtype=bool)
    is_merge[dag.child[is_merge_edge]] = True
    parents = parents_of(dag)
    depth = merge_depth(dag, is_merge)
    kin = Coancestry(parents, dag.generation, dag.component)
    merge_idx = np.flatnonzero(is_merge)
    ids = dag.ids
    merge_list = merge_idx.tolist()
    cols: dict[str, list[Any]] = {k: [] for k in ("families", "inbred", "inbreeding")}
    pair_cols: dict[str, list[Any]] = {k: [] for k in _PAIR_SCHEMA}
    family = dag.family.tolist()
    # One pass in the order the coefficients were always asked for (pairs, then the
    # merge's own), so the memo visits the same pairs; the list columns are gathered
    # from the flattened parents afterwards, not built as a Series per merge.
    for m in merge_list:
        ps = parents[m]
        fams = [family[p] for p in ps]
        for i in range(len(ps)):
            for j in range(i + 1, len(ps)):
                pair_cols["merge"].append(m)
                pair_cols["parent_a"].append(ps[i])
                pair_cols["parent_b"].append(ps[j])
                pair_cols["same_family"].append(fams[i] == fams[j])
                pair_cols["kinship"].append(kin.kinship(ps[i], ps[j]))
        distinct = len(set(fams))
        cols["families"].append(distinct)
        cols["inbred"].append(len(ps) >= 2 and distinct == 1)
        cols["inbreeding"].append(kin.inbreeding(m))
    merges = _merge_columns(dag, merge_idx, [parents[m] for m in merge_list], is_merge, depth, cols)
    pairs = _pair_frame(pl.DataFrame(pair_cols, schema=_PAIR_SCHEMA), ids)
    components, joined = family_components(dag, parents, merge_idx)
    lineage = deepest_lineage(dag, parents, depth, is_merge)
    by_parents = (
        merges.group_by("parents")
        .agg(
            pl.len().alias("merges"),
            pl.col("inbred").sum().alias("inbred"),
            (pl.col("families") > 1).sum().alias("outcrossed"),
            pl.col("inbreeding").mean().alias("mean_inbreeding"),
        )
        .sort("parents")
    )
    summary = _summary(merges, components, joined, lineage, kin.pairs_visited)
    claims = inbreeding_claims(merges, level)
    summary["inbred_share_low"], summary["inbred_share_high"] = claims.row(0)[3:5]
    return Pedigrees(merges, pairs, by_parents, components, lineage, claims, summary)


#: The columns of claims.tsv.
CLAIM_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "claim": pl.String,
    "merges": pl.Int64,
    **dict.fromkeys(("share", "share_low", "share_high", "difference"), pl.Float64),
    **dict.fromkeys(("ci_low", "ci_high"), pl.Float64),
    "families": pl.Int64,
    "status": pl.String,
}


def inbreeding_claims(merges: pl.DataFrame, level: float = 0.95) -> pl.DataFrame:
    """The claim "merges are mostly inbred": the inbred share of the merges of two or more
    parents less 1/2 (``difference``, ``ci_low``, ``ci_high``; Wilson's interval with the
    standard error clustered by family, :func:`merge_clusters`), with the share itself
    and the ``families`` (clusters) behind it; no interval unless ``status``
    (:func:`claim_status`) is ``tested``."""
    multi = merges.filter(pl.col("parents") >= 2)
    values = multi["inbred"].cast(pl.Float64).to_numpy()
    est = cluster_mean(values, multi["cluster"].to_numpy(), level, share=True)
    status = claim_status(values.size, est.clusters)
    enough = status == "tested"
    low, high = (est.low, est.high) if enough else (None, None)
    return pl.DataFrame(
        {
            "claim": ["mostly_inbred"],
            "merges": [values.size],
            "share": [est.mean if values.size else None],
            "share_low": [low],
            "share_high": [high],
            "difference": [est.mean - 0.5 if enough else None],
            "ci_low": [low - 0.5 if low is not None else None],
            "ci_high": [high - 0.5 if high is not None else None],
            "families": [est.clusters],
            "status": [status],
        },
        schema=CLAIM_SCHEMA,
    )


def _lists(offsets: npt.NDArray[np.int32], values: Any, dtype: pl.DataType) -> pl.Series:
    """A list column from the offsets of each list and its flattened values."""
    out = pl.from_arrow(pa.ListArray.from_arrays(pa.array(offsets), pa.array(values)))
    assert isinstance(out, pl.Series)
    return out.cast(dtype)


def _merge_columns(
    dag: Dag,
    merge_idx: IntArray,
    parent_lists: list[tuple[int, ...]],
    is_merge: npt.NDArray[np.bool_],
    depth: IntArray,
    cols: dict[str, list[Any]],
) -> pl.DataFrame:
    """The merges table: one row per merge, its parents' lists gathered from the
    flattened parent indices (``cols``: the columns the kinship pass made)."""
    lens = np.fromiter((len(ps) for ps in parent_lists), np.int64, len(parent_lists))
    offsets = np.concatenate([np.zeros(1, np.int32), np.cumsum(lens, dtype=np.int32)])
    flat = np.fromiter((p for ps in parent_lists for p in ps), np.int64, int(lens.sum()))
    return pl.DataFrame(
        {
            "id": dag.ids.gather(merge_idx).cast(pl.String),
            "parents": lens,
            "parent_ids": _names_of(dag.ids, _lists(offsets, flat, pl.List(pl.Int64))),
            "parent_families": _lists(offsets, dag.family[flat], pl.List(pl.Int64)),
            "parent_generations": _lists(offsets, dag.generation[flat], pl.List(pl.Int64)),
            "parent_is_merge": _lists(offsets, is_merge[flat], pl.List(pl.Boolean)),
            "families": pl.Series(cols["families"], dtype=pl.Int64),
            "inbred": pl.Series(cols["inbred"], dtype=pl.Boolean),
            "generation": dag.generation[merge_idx].astype(np.int64),
            "merge_depth": depth[merge_idx].astype(np.int64),
            "inbreeding": pl.Series(cols["inbreeding"], dtype=pl.Float64),
            "family": dag.family[merge_idx].astype(np.int64),
            "component": dag.component[merge_idx].astype(np.int64),
            "cluster": merge_clusters(_first_families(dag, flat, offsets, lens)),
        }
    )


def _first_families(
    dag: Dag, flat: IntArray, offsets: npt.NDArray[np.int32], lens: IntArray
) -> IntArray:
    """The family of each merge's first-listed parent (-1 for a merge with none)."""
    if not flat.size:
        return np.full(lens.size, -1, dtype=np.int64)
    first = dag.family[flat[np.minimum(offsets[:-1], flat.size - 1)]]
    return np.where(lens > 0, first, -1).astype(np.int64)


def merge_clusters(first_families: IntArray) -> IntArray:
    """The unit every interval of the merges stage resamples, per merge: its first-listed
    parent's family in ``merges.families`` (the family ``inbreeding_families.tsv`` counts
    it in), or the merge alone (a negative label of its own) where that parent is no node
    there. Merges of one family share their parents' ancestry, authors and recipes, so
    they are not independent evidence: a family whose users publish hundreds of merges
    counts as one draw, as the similarity stage's families do.

    >>> merge_clusters(np.array([4, -1, 4, -1]))
    array([ 4, -2,  4, -4])
    """
    first_families = np.asarray(first_families, dtype=np.int64)
    alone = -1 - np.arange(first_families.size, dtype=np.int64)
    return np.where(first_families >= 0, first_families, alone)


def _names_of(ids: pl.Series, lists: pl.Series) -> pl.Series:
    """``lists`` (of row indices of ``ids``) as lists of ids, each list as long as it was.

    One gather of the flattened indices, not a Python lambda per list (a Series built per
    merge: most of the frame's second at the Hub's size).
    """
    lens = lists.list.len().fill_null(0).to_numpy().astype(np.int32)
    offsets = np.concatenate([np.zeros(1, np.int32), np.cumsum(lens, dtype=np.int32)])
    flat = ids.gather(lists.explode().drop_nulls()).cast(pl.String).to_arrow()
    out = pl.from_arrow(pa.ListArray.from_arrays(pa.array(offsets), flat))
    assert isinstance(out, pl.Series)
    return out.cast(pl.List(pl.String))


#: The columns of the pairs table before its indices are named.
_PAIR_SCHEMA: dict[str, Any] = {
    "merge": pl.Int64,
    "parent_a": pl.Int64,
    "parent_b": pl.Int64,
    "same_family": pl.Boolean,
    "kinship": pl.Float64,
}


def _pair_frame(frame: pl.DataFrame, ids: pl.Series) -> pl.DataFrame:
    return frame.with_columns(
        ids.gather(frame[c]).alias(c) if frame.height else pl.col(c).cast(pl.String)
        for c in ("merge", "parent_a", "parent_b")
    )


def family_components(
    dag: Dag, parents: list[tuple[int, ...]], merge_idx: IntArray
) -> tuple[pl.DataFrame, int]:
    """The graph of families joined by merges (a merge joins its own family and its
    parents'): its components of two or more families, the largest first, and the number
    of families they hold."""
    # imported here: scipy.sparse.csgraph takes longer to import than many a merges
    # rule's work (bench/startup.py), and only this function needs it
    from scipy import sparse
    from scipy.sparse import csgraph

    n_fam = int(dag.family.max(initial=-1)) + 1
    a: list[int] = []
    b: list[int] = []
    for m in merge_idx.tolist():
        fams = sorted({int(dag.family[x]) for x in (m, *parents[m])} - {-1})
        a += fams[:-1]
        b += fams[1:]
    graph = sparse.coo_matrix((np.ones(len(a)), (a, b)), shape=(n_fam, n_fam))
    _, label = csgraph.connected_components(graph, directed=False)
    sizes = np.bincount(label, minlength=1) if n_fam else np.zeros(0, np.int64)
    fam = dag.family[dag.family >= 0]
    models = np.bincount(label[fam], minlength=len(sizes)) if n_fam else sizes
    merges = np.bincount(
        label[dag.family[merge_idx][dag.family[merge_idx] >= 0]], minlength=len(sizes)
    )
    joined = np.flatnonzero(sizes >= 2)
    table = pl.DataFrame(
        {
            "families": sizes[joined].astype(np.int64),
            "models": models[joined].astype(np.int64),
            "merges": merges[joined].astype(np.int64),
        }
    ).sort(["families", "models"], descending=True)
    table = table.select(pl.int_range(1, pl.len() + 1).alias("rank"), pl.all())
    return table, int(sizes[joined].sum())


def deepest_lineage(
    dag: Dag, parents: list[tuple[int, ...]], depth: IntArray, is_merge: npt.NDArray[np.bool_]
) -> pl.DataFrame:
    """The merges on the deepest merge lineage, newest first: from the merge of greatest
    merge depth (ties: the highest generation, then the smallest index) back through the
    parent of greatest merge depth each step."""
    schema = {"step": pl.Int64, "id": pl.String, "merge_depth": pl.Int64, "generation": pl.Int64}
    if not is_merge.any():
        return pl.DataFrame(schema=schema)
    cand = np.flatnonzero(is_merge)
    best = cand[np.lexsort((cand, -dag.generation[cand], -depth[cand]))[0]]
    path = [int(best)]
    node = int(best)
    while depth[node] > 1 or not is_merge[node]:
        ps = parents[node]
        if not ps:
            break
        node = max(ps, key=lambda p: (depth[p], is_merge[p], -p))
        path.append(node)
    path = [x for x in path if is_merge[x]]
    return pl.DataFrame(
        {
            "step": list(range(len(path))),
            "id": dag.ids.gather(path),
            "merge_depth": depth[path],
            "generation": dag.generation[path],
        },
        schema=schema,
    )


def _summary(
    merges: pl.DataFrame,
    components: pl.DataFrame,
    joined: int,
    lineage: pl.DataFrame,
    pairs_visited: int,
) -> dict[str, Any]:
    n = merges.height
    multi = merges.filter(pl.col("parents") >= 2)
    inbred = int(multi["inbred"].sum())
    return {
        "merges": n,
        "merges_multi_parent": multi.height,
        "inbred": inbred,
        "outcrossed": multi.height - inbred,
        "inbred_share": inbred / multi.height if multi.height else None,
        "merges_of_merges": int(merges["parent_is_merge"].list.any().sum() if n else 0),
        "merges_descended_from_merges": int((merges["merge_depth"] >= 2).sum()),
        "max_merge_depth": int(merges["merge_depth"].to_numpy().max(initial=0)),
        "max_generation": int(merges["generation"].to_numpy().max(initial=0)),
        "mean_inbreeding": float(multi["inbreeding"].to_numpy().mean()) if multi.height else None,
        "inbred_coefficient_positive": int((multi["inbreeding"] > 0).sum()),
        "families_joined": joined,
        "family_components": components.height,
        "largest_component_families": int(components["families"][0]) if components.height else 0,
        "largest_component_models": int(components["models"][0]) if components.height else 0,
        "deepest_lineage": lineage["id"].to_list(),
        "kinship_pairs_visited": pairs_visited,
    }
