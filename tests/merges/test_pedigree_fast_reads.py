"""The merges stage's fast paths equal their plain forms on a planted ecosystem with
merges: the DAG read by row lookups (:func:`phylohub.genealogy.lookup.row_index`) equals
the DAG read by joins on every id, and the merges and pairs tables built as columns
(lists gathered from the flattened parents, coefficients asked for lazily converted
parents) equal the tables built from one dict per merge and per pair."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from phylohub.merges.kinship import Coancestry, dag_generation
from phylohub.merges.pedigree import (
    Dag,
    _names_of,
    merge_depth,
    parents_of,
    read_dag,
    trace_pedigrees,
)
from tests.merge_pedigrees import merge_ecosystem, traced


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pedigree_reads")
    cfg = merge_ecosystem(2500, seed=5)
    traced(cfg, out)
    return out


def read_dag_plain(nodes: Path, edges: Path, family_nodes: Path) -> Dag:
    """The DAG by joins on every id (the reader before the row lookups)."""
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


def tables_plain(dag: Dag) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The merges and pairs tables from one dict per merge and per pair."""
    is_merge = np.zeros(dag.n_nodes, dtype=bool)
    is_merge[dag.child[(dag.relation == "merge").to_numpy()]] = True
    parents = parents_of(dag)
    depth = merge_depth(dag, is_merge)
    kin = Coancestry([tuple(int(p) for p in ps) for ps in parents], dag.generation, dag.component)
    rows: list[dict[str, Any]] = []
    pair_rows: list[dict[str, Any]] = []
    for k, m in enumerate(np.flatnonzero(is_merge).tolist()):
        ps = parents[m]
        fams = [int(dag.family[p]) for p in ps]
        for i in range(len(ps)):
            for j in range(i + 1, len(ps)):
                pair_rows.append(
                    {"merge": m, "parent_a": ps[i], "parent_b": ps[j],
                     "same_family": fams[i] == fams[j], "kinship": kin.kinship(ps[i], ps[j])}
                )  # fmt: skip
        rows.append(
            {
                "m": m, "parents": len(ps), "parent_ids": list(ps), "parent_families": fams,
                "parent_generations": [int(dag.generation[p]) for p in ps],
                "parent_is_merge": [bool(is_merge[p]) for p in ps],
                "families": len(set(fams)), "inbred": len(ps) >= 2 and len(set(fams)) == 1,
                "generation": int(dag.generation[m]), "merge_depth": int(depth[m]),
                "inbreeding": kin.inbreeding(m), "family": int(dag.family[m]),
                "component": int(dag.component[m]),
                "cluster": fams[0] if fams and fams[0] >= 0 else -1 - k,
            }
        )  # fmt: skip
    lists = {
        "parent_ids": pl.List(pl.Int64),
        "parent_families": pl.List(pl.Int64),
        "parent_generations": pl.List(pl.Int64),
        "parent_is_merge": pl.List(pl.Boolean),
    }
    frame = pl.DataFrame(rows, schema_overrides=lists)
    merges = frame.select(
        dag.ids.gather(frame["m"]).alias("id"),
        "parents",
        _names_of(dag.ids, frame["parent_ids"]).alias("parent_ids"),
        *[c for c in frame.columns if c not in ("m", "parents", "parent_ids")],
    )
    pairs = pl.DataFrame(pair_rows)
    pairs = pairs.with_columns(
        dag.ids.gather(pairs[c]).alias(c) for c in ("merge", "parent_a", "parent_b")
    )
    return merges, pairs


def reads(folder: Path) -> tuple[Path, Path, Path]:
    return (
        folder / "all" / "nodes.parquet",
        folder / "all" / "edges.parquet",
        folder / "no_merge" / "nodes.parquet",
    )


def test_dag_by_row_lookups_equals_the_joins(folder: Path) -> None:
    fast, plain = read_dag(*reads(folder)), read_dag_plain(*reads(folder))
    assert fast.ids.equals(plain.ids)
    assert fast.relation.equals(plain.relation)
    for name in ("external", "component", "family", "child", "parent", "position", "generation"):
        a, b = getattr(fast, name), getattr(plain, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert (plain.family >= 0).sum() > 0 and plain.child.size > 100


def test_dag_with_nodes_the_families_set_lacks(folder: Path, tmp_path: Path) -> None:
    """Families of nodes missing from (or reordered in) the families set: -1, and the
    others found wherever their row is."""
    fam = pl.read_parquet(folder / "no_merge" / "nodes.parquet")
    changed = tmp_path / "nodes.parquet"
    fam.sample(fraction=0.7, seed=3, shuffle=True).write_parquet(changed)
    nodes, edges, _ = reads(folder)
    fast, plain = read_dag(nodes, edges, changed), read_dag_plain(nodes, edges, changed)
    assert np.array_equal(fast.family, plain.family)
    assert (plain.family == -1).sum() > 100


def test_dag_leaves_out_edges_to_nodes_it_lacks(folder: Path, tmp_path: Path) -> None:
    """Edges whose child or parent is not a node are left out, as the inner joins did."""
    nodes, edges, family_nodes = reads(folder)
    table = pl.read_parquet(edges)
    stray = table.head(6).with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(pl.lit("nobody/child"))
        .otherwise(pl.col("child"))
        .alias("child"),
        pl.when(pl.int_range(pl.len()) % 2 == 1)
        .then(pl.lit("nobody/parent"))
        .otherwise(pl.col("parent"))
        .alias("parent"),
    )
    changed = tmp_path / "edges.parquet"
    pl.concat([stray, table]).write_parquet(changed)
    fast, plain = (
        read_dag(nodes, changed, family_nodes),
        read_dag_plain(nodes, changed, family_nodes),
    )
    assert plain.child.size == table.height
    for name in ("child", "parent", "position", "generation"):
        assert np.array_equal(getattr(fast, name), getattr(plain, name)), name


def test_columnar_merge_tables_equal_the_row_dicts(folder: Path) -> None:
    dag = read_dag(*reads(folder))
    found = trace_pedigrees(dag)
    merges, pairs = tables_plain(dag)
    assert merges.height > 50 and pairs.height >= merges.height
    assert_frame_equal(found.merges, merges)
    assert_frame_equal(found.pairs, pairs)
