"""The genealogy stage's tables: what :func:`build_genealogy` writes for one relation set.

``results/{snapshot}/genealogy/{relations}/`` holds (the rule names each file; the
names below are those of :data:`TABLES`):

``nodes.parquet``
    one row per node (listed models in id order, then external ancestors): ``id``,
    ``external``, ``family``, ``generation``, ``parent`` (kept), ``parents``,
    ``children``, ``children_<relation>``, ``subtree`` (:func:`~.families.node_table`);
``edges.parquet``
    the set's edges: ``child``, ``parent``, ``relation``, ``position`` (of the first tag
    naming the parent), ``kept`` (the edge is in the kept tree);
``families.parquet``
    one row per family, the largest first (:func:`~.families.family_table`);
``cycles.parquet``
    the edges dropped to break cycles: ``child``, ``parent``, ``relation``,
    ``component``, ``component_size``;
``largest_families.tsv``, ``top_parents.tsv``
    the ``top`` largest families and the ``top`` models with the most children in the
    set (in the finetune set: the most fine-tuned models);
``family_sizes.tsv``
    ``size``, ``families``, ``nodes``: the family-size distribution;
``depths.tsv``
    ``generation``, ``families`` (whose depth it is), ``nodes`` (at that generation);
``virality_by_size.tsv``
    structural virality of tree families by size class (``size_min`` .. ``size_max``,
    powers of two): ``families``, ``median``, ``mean``, ``p10``, ``p90``;
``summary.json``
    the counts of :func:`summarise`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from phylohub.genealogy.families import Genealogy, analyse, family_table, node_table
from phylohub.genealogy.graphs import RELATIONS, load_graph
from phylohub.genealogy.lookup import row_index
from phylohub.io import check_outputs, write_json, write_parquet, write_tsv
from phylohub.io import paths_in as io_paths_in

log = logging.getLogger(__name__)

#: Files written into a relation set's folder.
OUTPUTS: tuple[str, ...] = (
    "nodes.parquet",
    "edges.parquet",
    "families.parquet",
    "cycles.parquet",
    "largest_families.tsv",
    "top_parents.tsv",
    "family_sizes.tsv",
    "depths.tsv",
    "virality_by_size.tsv",
    "summary.json",
)


def edge_table(gen: Genealogy) -> pl.DataFrame:
    """The set's edges by id: ``child``, ``parent``, ``relation``, ``position``, ``kept``."""
    g = gen.graph
    ids = g.id_series
    rel = pl.Series("relation", list(RELATIONS)).gather(g.relation)
    return pl.DataFrame(
        {
            "child": ids.gather(g.child),
            "parent": ids.gather(g.parent),
            "relation": rel,
            "position": g.position.astype(np.int32),
            "kept": g.primary[g.child] == g.parent,
        }
    )


def cycle_table(gen: Genealogy) -> pl.DataFrame:
    """Edges dropped to break cycles, by id, with their strongly connected set."""
    d = gen.graph.dropped
    ids = gen.graph.id_series
    return pl.DataFrame(
        {
            "child": ids.gather(d.child),
            "parent": ids.gather(d.parent),
            "relation": pl.Series(list(RELATIONS), dtype=pl.String).gather(d.relation),
            "component": d.component,
            "component_size": d.component_size,
        },
        schema={
            "child": pl.String,
            "parent": pl.String,
            "relation": pl.String,
            "component": pl.Int64,
            "component_size": pl.Int64,
        },
    )


def top_parents(nodes: pl.DataFrame, top: int) -> pl.DataFrame:
    """The ``top`` nodes with the most children in the set (ties: by id)."""
    rel_cols = [c for c in nodes.columns if c.startswith("children_")]
    return (
        nodes.filter(pl.col("children") > 0)
        .sort(["children", "id"], descending=[True, False])
        .head(top)
        .select(
            pl.int_range(1, pl.len() + 1).alias("rank"),
            "id",
            "external",
            "family",
            "generation",
            "children",
            *rel_cols,
            "subtree",
        )
    )


def largest_families(families: pl.DataFrame, top: int) -> pl.DataFrame:
    """The ``top`` largest families (the table's own order)."""
    return families.head(top).select(
        (pl.col("family") + 1).alias("rank"),
        "root",
        "root_external",
        "size",
        "models",
        "external",
        "roots",
        "depth",
        "leaf_share",
        "branching",
        "max_children",
        "virality",
    )


def size_distribution(families: pl.DataFrame) -> pl.DataFrame:
    """Families and nodes per family size."""
    return (
        families.group_by("size")
        .agg(pl.len().alias("families"))
        .with_columns((pl.col("size") * pl.col("families")).alias("nodes"))
        .sort("size")
    )


def depth_distribution(families: pl.DataFrame, nodes: pl.DataFrame) -> pl.DataFrame:
    """Per generation: families of that depth, and nodes at that generation."""
    fam = families.group_by(pl.col("depth").alias("generation")).agg(pl.len().alias("families"))
    nod = nodes.group_by("generation").agg(pl.len().alias("nodes"))
    top = max([0, *fam["generation"].to_list(), *nod["generation"].to_list()])
    frame = pl.DataFrame({"generation": np.arange(top + 1, dtype=np.int64)})
    return (
        frame.join(fam, on="generation", how="left")
        .join(nod, on="generation", how="left")
        .fill_null(0)
        .with_columns(pl.col("families").cast(pl.Int64), pl.col("nodes").cast(pl.Int64))
    )


def virality_by_size(families: pl.DataFrame) -> pl.DataFrame:
    """Structural virality of the families that have one, by size class (powers of two)."""
    vir = families.filter(pl.col("virality").is_not_null())
    k = np.floor(np.log2(vir["size"].to_numpy().astype(float))).astype(np.int64)
    return (
        vir.with_columns(pl.Series("k", k))
        .group_by("k")
        .agg(
            pl.len().alias("families"),
            pl.col("virality").median().alias("median"),
            pl.col("virality").mean().alias("mean"),
            pl.col("virality").quantile(0.1, "linear").alias("p10"),
            pl.col("virality").quantile(0.9, "linear").alias("p90"),
        )
        .sort("k")
        .select(
            (2 ** pl.col("k")).alias("size_min"),
            (2 ** (pl.col("k") + 1) - 1).alias("size_max"),
            "families",
            "median",
            "mean",
            "p10",
            "p90",
        )
    )


def average_ranks(x: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Ranks from 1, ties given their mean rank (``scipy.stats.rankdata``'s default):
    exact halves, so any correct computation gives the same floats."""
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    new_value = np.r_[True, sorted_x[1:] != sorted_x[:-1]]
    dense = np.cumsum(new_value)[np.argsort(order, kind="mergesort")]
    count = np.r_[np.flatnonzero(new_value), x.size]
    ranks: npt.NDArray[np.float64] = 0.5 * (count[dense] + count[dense - 1] + 1)
    return ranks


def spearman(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> float:
    """Spearman's rank correlation, the same float as ``scipy.stats.spearmanr(a,
    b).statistic`` (NaN for fewer than two values, a constant input or a NaN in either),
    without importing scipy.stats: 1.5 s of imports in each of the three genealogy jobs,
    more than the summary's own work at 100k models."""
    both = np.column_stack((a, b))
    if both.shape[0] <= 1 or (both[0] == both).all(axis=0).any() or np.isnan(both).any():
        return float("nan")
    # Laid out as scipy's apply_along_axis leaves it (one row per variable, then
    # transposed), so that corrcoef sums in the same order.
    ranked = np.stack([average_ranks(both[:, 0]), average_ranks(both[:, 1])]).T
    return float(np.corrcoef(ranked, rowvar=False)[1, 0])


def summarise(gen: Genealogy, families: pl.DataFrame) -> dict[str, Any]:
    """The set's headline counts (``summary.json``).

    Parameters
    ----------
    gen
        From :func:`~.families.analyse`.
    families
        Its :func:`~.families.family_table`.

    Returns
    -------
    dict
        ``relations``; ``models``, ``external_ancestors``, ``nodes``; ``edges``,
        ``edges_to_external``, ``edges_by_relation``, ``edges_merged_case``
        (edges naming one external parent in two cases), ``edges_dropped_cycles``,
        ``cycles`` (strongly connected sets broken); ``children_with_several_parents``;
        ``children_with_children`` and its ``share`` of children; ``families``,
        ``singletons``, ``families_2plus``, ``models_in_families_2plus``,
        ``families_not_trees``; ``largest_family`` (root, size); ``max_depth``;
        ``virality`` (families with one, median, mean, Spearman correlation with size).
    """
    g = gen.graph
    n_children = gen.children.sum(axis=1)
    is_child = g.primary >= 0
    vir = families.filter(pl.col("virality").is_not_null())
    sizes = families["size"]
    if vir.height > 2 and vir["size"].n_unique() > 1:
        rho = spearman(vir["size"].to_numpy(), vir["virality"].to_numpy())
    else:
        rho = None
    return {
        "relations": list(g.relations),
        "models": g.n_listed,
        "external_ancestors": g.n_nodes - g.n_listed,
        "nodes": g.n_nodes,
        "edges": int(g.child.size),
        "edges_to_external": int((g.parent >= g.n_listed).sum()),
        "edges_by_relation": {
            r: int((g.relation == RELATIONS.index(r)).sum()) for r in RELATIONS if r in g.relations
        },
        "edges_merged_case": g.merged,
        "edges_dropped_cycles": int(g.dropped.child.size),
        "cycles": int(np.unique(g.dropped.component).size),
        "children_with_several_parents": int((gen.n_parents > 1).sum()),
        "children_with_children": {
            "count": int((is_child & (n_children > 0)).sum()),
            "share": float((is_child & (n_children > 0)).sum() / max(1, int(is_child.sum()))),
        },
        "families": gen.n_families,
        "singletons": int((sizes == 1).sum()),
        "families_2plus": int((sizes >= 2).sum()),
        "models_in_families_2plus": int(families.filter(pl.col("size") >= 2)["models"].sum()),
        "families_not_trees": int((~families["tree"]).sum()),
        "largest_family": {
            "root": families["root"][0] if families.height else None,
            "size": int(sizes[0]) if families.height else 0,
        },
        "max_depth": int(gen.generation.max()) if gen.generation.size else 0,
        "virality": {
            "families": vir.height,
            "median": float(vir["virality"].median()) if vir.height else None,  # type: ignore[arg-type]
            "mean": float(vir["virality"].mean()) if vir.height else None,  # type: ignore[arg-type]
            "spearman_with_size": rho,
        },
    }


#: The tables of one relation set: the name of each (the ``build_genealogy`` rule's output
#: of that name) and its file name in the set's folder.
TABLES: dict[str, str] = {
    "nodes": "nodes.parquet",
    "edges": "edges.parquet",
    "families": "families.parquet",
    "cycles": "cycles.parquet",
    "largest": "largest_families.tsv",
    "top_parents": "top_parents.tsv",
    "sizes": "family_sizes.tsv",
    "depths": "depths.tsv",
    "virality": "virality_by_size.tsv",
    "summary": "summary.json",
}


def paths_in(folder: Path) -> dict[str, Path]:
    """Each table's path in ``folder`` under the rule's file names (:data:`TABLES`)."""
    return io_paths_in(folder, TABLES)


def write_tables(gen: Genealogy, out: Mapping[str, Path], top: int = 10) -> dict[str, Any]:
    """Write every table of one relation set (see the module docstring).

    Parameters
    ----------
    gen
        From :func:`~.families.analyse`.
    out
        The path of each table of :data:`TABLES`, by name (the rule's outputs).
    top
        Rows of ``largest_families.tsv`` and ``top_parents.tsv``.

    Returns
    -------
    dict
        The summary written to ``summary.json``.
    """
    check_outputs(out, TABLES, "genealogy")
    nodes = node_table(gen)
    families = family_table(gen)
    write_parquet(nodes, out["nodes"])
    write_parquet(edge_table(gen), out["edges"])
    write_parquet(families, out["families"])
    write_parquet(cycle_table(gen), out["cycles"])
    write_tsv(largest_families(families, top), out["largest"])
    write_tsv(top_parents(nodes, top), out["top_parents"])
    write_tsv(size_distribution(families), out["sizes"])
    write_tsv(depth_distribution(families, nodes), out["depths"])
    write_tsv(virality_by_size(families), out["virality"])
    summary = summarise(gen, families)
    write_json(summary, out["summary"])
    return summary


def build_genealogy(
    db: Path,
    relations: Sequence[str],
    out: Mapping[str, Path],
    top: int = 10,
    extra: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The genealogy of one relation set of a snapshot, written as the stage's tables.

    Parameters
    ----------
    db
        The snapshot's ``hub.duckdb``.
    relations
        The relations of the set, e.g. ``["finetune"]``.
    out
        Where each table of :data:`TABLES` goes, by name (the rule's outputs;
        :func:`paths_in` for a folder).
    top
        Rows of the top-N tables.
    extra
        Inferred edges to add to the declared ones (``genealogy.inferred: include:...``;
        :func:`~.graphs.with_edges`), or None for the declared edges only.

    Returns
    -------
    dict
        The set's summary (also in ``summary.json``).
    """
    start = time.perf_counter()
    graph = load_graph(db, relations, extra)
    log.info("graph of %s built in %.2f s", "+".join(relations), time.perf_counter() - start)
    gen = analyse(graph)
    log.info("%d families measured in %.2f s", gen.n_families, time.perf_counter() - start)
    summary = write_tables(gen, out, top)
    log.info(
        "%s: %d nodes, %d edges, %d families (largest %d, deepest %d) in %.2f s",
        "+".join(relations),
        summary["nodes"],
        summary["edges"],
        summary["families"],
        summary["largest_family"]["size"],
        summary["max_depth"],
        time.perf_counter() - start,
    )
    return summary


def forest_of(nodes: pl.DataFrame) -> npt.NDArray[np.int64]:
    """The kept forest of a ``nodes.parquet`` table as a parent array (row indices).

    Parameters
    ----------
    nodes
        A relation set's node table, in its stored order.

    Returns
    -------
    numpy.ndarray of int64
        ``parent[i]``: row of node ``i``'s kept parent, ``-1`` for a root.
    """
    return row_index(nodes["id"], nodes["parent"])


def shape_table(nodes: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Exact counts of every kin shape in the kept forest of each relation set.

    One row per count of :func:`phylohub.kinship.shapes.shape_totals` (``nodes``,
    ``roots``, then the shapes: pairs, edges, sibling pairs, ..., cousin pairs), one
    column per relation set. In a set with merges the forest keeps each model's
    first-declared parent, so a merge's other parents are not counted.

    Parameters
    ----------
    nodes
        ``nodes.parquet`` of each relation set, by set name.

    Returns
    -------
    polars.DataFrame
        ``shape`` and one Int64-or-larger column per set (counts are exact integers).
    """
    from phylohub.kinship.shapes import shape_totals

    totals = {name: shape_totals(forest_of(frame)) for name, frame in nodes.items()}
    shapes = list(next(iter(totals.values()))) if totals else []
    columns: dict[str, Any] = {"shape": shapes}
    for name, counts in totals.items():
        values = [counts[s] for s in shapes]
        big = any(v > np.iinfo(np.int64).max for v in values)
        columns[name] = pl.Series(name, [str(v) for v in values] if big else values)
    return pl.DataFrame(columns)


def write_shape_table(nodes: Mapping[str, Path], out: Path) -> pl.DataFrame:
    """Read each set's ``nodes.parquet``, count its shapes, write ``out`` (TSV)."""
    frames = {name: pl.read_parquet(path, columns=["id", "parent"]) for name, path in nodes.items()}
    table = shape_table(frames)
    write_tsv(table, out)
    return table
