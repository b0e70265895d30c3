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
from scipy import sparse
from scipy.sparse import csgraph

from phylohub.merges.kinship import Coancestry, dag_generation
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
    index = nd.select("id", pl.int_range(pl.len(), dtype=pl.Int64).alias("idx"))
    ed = (
        pl.read_parquet(edges, columns=["child", "parent", "relation", "position"])
        .join(index.rename({"id": "child", "idx": "c"}), on="child")
        .join(index.rename({"id": "parent", "idx": "p"}), on="parent")
        .sort(["c", "position", "p"])
    )
    fam = pl.read_parquet(family_nodes, columns=["id", "family"]).rename({"family": "fam"})
    family = nd.select("id").join(fam, on="id", how="left", maintain_order="left")["fam"]
    child = ed["c"].to_numpy().astype(np.int64)
    parent = ed["p"].to_numpy().astype(np.int64)
    return Dag(
        ids=nd["id"],
        external=nd["external"].to_numpy(),
        component=nd["family"].to_numpy().astype(np.int64),
        family=family.fill_null(-1).to_numpy().astype(np.int64),
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


def trace_pedigrees(dag: Dag) -> Pedigrees:
    """Parents, families, generations and coefficients of every merge (module docs)."""
    is_merge_edge = (dag.relation == "merge").to_numpy()
    is_merge = np.zeros(dag.n_nodes, dtype=bool)
    is_merge[dag.child[is_merge_edge]] = True
    parents = parents_of(dag)
    depth = merge_depth(dag, is_merge)
    kin = Coancestry(parents, dag.generation, dag.component)
    merge_idx = np.flatnonzero(is_merge)
    ids = dag.ids
    rows: list[dict[str, Any]] = []
    pair_rows: list[dict[str, Any]] = []
    for m in merge_idx.tolist():
        ps = parents[m]
        fams = [int(dag.family[p]) for p in ps]
        for i in range(len(ps)):
            for j in range(i + 1, len(ps)):
                pair_rows.append(
                    {
                        "merge": m,
                        "parent_a": ps[i],
                        "parent_b": ps[j],
                        "same_family": fams[i] == fams[j],
                        "kinship": kin.kinship(ps[i], ps[j]),
                    }
                )
        rows.append(
            {
                "m": m,
                "parents": len(ps),
                "parent_ids": list(ps),
                "parent_families": fams,
                "parent_generations": [int(dag.generation[p]) for p in ps],
                "parent_is_merge": [bool(is_merge[p]) for p in ps],
                "families": len(set(fams)),
                "inbred": len(ps) >= 2 and len(set(fams)) == 1,
                "generation": int(dag.generation[m]),
                "merge_depth": int(depth[m]),
                "inbreeding": kin.inbreeding(m),
                "family": int(dag.family[m]),
                "component": int(dag.component[m]),
            }
        )
    merges = _merge_frame(rows, ids)
    pairs = _pair_frame(pair_rows, ids)
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
    claims = inbreeding_claims(merges)
    summary["inbred_share_low"], summary["inbred_share_high"] = claims.row(0)[3:5]
    return Pedigrees(merges, pairs, by_parents, components, lineage, claims, summary)


#: The columns of claims.tsv.
CLAIM_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "claim": pl.String,
    "merges": pl.Int64,
    **dict.fromkeys(("share", "share_low", "share_high", "difference"), pl.Float64),
    **dict.fromkeys(("ci_low", "ci_high"), pl.Float64),
}

#: Below this many merges of two or more parents a claim gets no verdict ("too few").
MIN_MERGES = 10


def inbreeding_claims(merges: pl.DataFrame, level: float = 0.95) -> pl.DataFrame:
    """The claim "merges are mostly inbred": the inbred share of the merges of two or more
    parents less 1/2 (``difference``, ``ci_low``, ``ci_high``; Wilson's interval, each
    merge one observation), with the share itself; no interval below :data:`MIN_MERGES`."""
    multi = merges.filter(pl.col("parents") >= 2)
    values = multi["inbred"].cast(pl.Float64).to_numpy()
    est = cluster_mean(values, np.arange(values.size), level, share=True)
    enough = values.size >= MIN_MERGES
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
        },
        schema=CLAIM_SCHEMA,
    )


def _merge_frame(rows: list[dict[str, Any]], ids: pl.Series) -> pl.DataFrame:
    schema: dict[str, Any] = {
        "m": pl.Int64,
        "parents": pl.Int64,
        "parent_ids": pl.List(pl.Int64),
        "parent_families": pl.List(pl.Int64),
        "parent_generations": pl.List(pl.Int64),
        "parent_is_merge": pl.List(pl.Boolean),
        "families": pl.Int64,
        "inbred": pl.Boolean,
        "generation": pl.Int64,
        "merge_depth": pl.Int64,
        "inbreeding": pl.Float64,
        "family": pl.Int64,
        "component": pl.Int64,
    }
    frame = pl.DataFrame(rows, schema=schema)
    return frame.select(
        ids.gather(frame["m"]).alias("id"),
        "parents",
        _names_of(ids, frame["parent_ids"]).alias("parent_ids"),
        *[c for c in schema if c not in ("m", "parents", "parent_ids")],
    )


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


def _pair_frame(rows: list[dict[str, Any]], ids: pl.Series) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows,
        schema={
            "merge": pl.Int64,
            "parent_a": pl.Int64,
            "parent_b": pl.Int64,
            "same_family": pl.Boolean,
            "kinship": pl.Float64,
        },
    )
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
