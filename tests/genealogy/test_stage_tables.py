"""The stage's tables: complete, consistent with each other, deterministic; shape counts."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from phylohub.genealogy.families import analyse, node_table
from phylohub.genealogy.graphs import RELATION_SETS, load_graph
from phylohub.genealogy.tables import (
    OUTPUTS,
    build_genealogy,
    forest_of,
    paths_in,
    shape_table,
    top_parents,
    write_shape_table,
)
from phylohub.kinship.shapes import shape_totals


@pytest.fixture(scope="module")
def snapshot(snapshot3k: Path) -> Path:
    """A crawled 3,000-model ecosystem (shared with the other genealogy tests)."""
    return snapshot3k


@pytest.fixture(scope="module")
def built(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tables")
    for name, rels in RELATION_SETS.items():
        build_genealogy(snapshot, rels, paths_in(out / name), top=7)
    return out


def tsv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, separator="\t")


@pytest.mark.parametrize("name", list(RELATION_SETS))
def test_every_table_is_written_and_the_tables_agree(name: str, built: Path) -> None:
    folder = built / name
    assert sorted(p.name for p in folder.iterdir()) == sorted(OUTPUTS)
    nodes = pl.read_parquet(folder / "nodes.parquet")
    families = pl.read_parquet(folder / "families.parquet")
    edges = pl.read_parquet(folder / "edges.parquet")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["nodes"] == nodes.height == families["size"].sum()
    assert summary["edges"] == edges.height == families["edges"].sum() == nodes["children"].sum()
    assert summary["families"] == families.height
    assert summary["external_ancestors"] == nodes["external"].sum() == families["external"].sum()
    assert set(edges["relation"]) <= set(RELATION_SETS[name])
    assert edges["kept"].sum() == (nodes["parents"] > 0).sum()
    sizes = tsv(folder / "family_sizes.tsv")
    assert sizes["families"].sum() == families.height and sizes["nodes"].sum() == nodes.height
    depths = tsv(folder / "depths.tsv")
    assert depths["families"].sum() == families.height and depths["nodes"].sum() == nodes.height
    assert depths["generation"].max() == summary["max_depth"] == families["depth"].max()
    vir = tsv(folder / "virality_by_size.tsv")
    assert vir["families"].sum() == families["virality"].is_not_null().sum()
    largest = tsv(folder / "largest_families.tsv")
    assert largest.height == 7 and largest["size"].to_list() == families["size"][:7].to_list()
    assert summary["largest_family"]["size"] == families["size"].max()


def test_top_parents_rank_by_children_then_id() -> None:
    nodes = pl.DataFrame(
        {
            "id": ["b/x", "a/y", "c/z", "d/w"],
            "external": [False] * 4,
            "family": [0, 1, 2, 3],
            "generation": [0] * 4,
            "children": [3, 3, 5, 0],
            "children_finetune": [3, 3, 5, 0],
            "subtree": [4, 4, 6, 1],
        }
    )
    got = top_parents(nodes, 10)
    assert got["id"].to_list() == ["c/z", "a/y", "b/x"]
    assert got["rank"].to_list() == [1, 2, 3]


def test_the_same_snapshot_gives_byte_identical_tables(snapshot: Path, tmp_path: Path) -> None:
    for run in ("one", "two"):
        build_genealogy(snapshot, RELATION_SETS["all"], paths_in(tmp_path / run))
    for name in OUTPUTS:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_shape_counts_are_those_of_the_kept_forest(snapshot: Path, built: Path) -> None:
    graph = load_graph(snapshot, RELATION_SETS["finetune"])
    nodes = node_table(analyse(graph))
    assert forest_of(nodes).tolist() == graph.primary.tolist()
    files = {name: built / name / "nodes.parquet" for name in RELATION_SETS}
    table = write_shape_table(files, built / "shapes.tsv")
    assert table.columns == ["shape", *RELATION_SETS]
    for name in RELATION_SETS:
        forest = forest_of(pl.read_parquet(files[name]))
        assert dict(zip(table["shape"], table[name], strict=True)) == shape_totals(forest)
    assert tsv(built / "shapes.tsv").equals(table)


def test_cousin_and_sibling_counts_match_enumeration_on_a_small_forest() -> None:
    # two trees: 0 -> {1, 2, 3}, 1 -> {4, 5}, 2 -> {6}, 3 -> {7, 8, 9}; 10 -> {11}
    parent = [-1, 0, 0, 0, 1, 1, 2, 3, 3, 3, -1, 10]
    ids = [f"m/{i:02d}" for i in range(len(parent))]
    nodes = pl.DataFrame({"id": ids, "parent": [ids[p] if p >= 0 else None for p in parent]})
    counts = dict(zip(*shape_table({"s": nodes}).get_columns(), strict=True))
    par = np.array(parent)
    cousins = sum(
        1
        for x, y in combinations(range(len(parent)), 2)
        if par[x] >= 0 and par[y] >= 0 and par[x] != par[y]
        and par[par[x]] >= 0 and par[par[x]] == par[par[y]]
    )  # fmt: skip
    siblings = sum(
        1 for x, y in combinations(range(len(parent)), 2) if par[x] >= 0 and par[x] == par[y]
    )
    assert counts["cousins"] == cousins == 2 * 1 + 2 * 3 + 1 * 3
    assert counts["cherry"] == siblings
    assert counts["edge"] == 10 and counts["roots"] == 2
