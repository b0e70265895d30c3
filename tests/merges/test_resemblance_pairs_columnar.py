"""The columnar pairing of merges with their parents (and the finetune yardstick) equals
the plain loop over the merges on a planted ecosystem with merges: as traced, with some
merges, parents and finetune models made external (dropped), with the parents' order
reversed, with and without the finetune sample, and with nothing left to pair; and the
merges table's parent ids, turned from indices by one gather, equal the plain lookup."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

from phylohub.merges.pedigree import _names_of
from phylohub.merges.resemblance import _finetune_sample, resemblance_pairs
from tests.merge_pedigrees import merge_ecosystem, traced

Tables = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    folder = tmp_path_factory.mktemp("pairs")
    cfg = merge_ecosystem(1500, seed=9)
    _, found = traced(cfg, folder)
    merges = found.merges.select("id", "parents", "parent_ids", "cluster")
    nodes = pl.read_parquet(folder / "all" / "nodes.parquet", columns=["id", "external"])
    edges = pl.read_parquet(
        folder / "all" / "edges.parquet", columns=["child", "parent", "relation"]
    )
    return merges, nodes, edges


def pairs_plain(
    merges: pl.DataFrame, nodes: pl.DataFrame, edges: pl.DataFrame, control: int, seed: int
) -> pl.DataFrame:
    """``resemblance_pairs`` as the Python loop over the merges it replaced."""
    listed = set(nodes.filter(~pl.col("external"))["id"].to_list())
    rows: list[tuple[Any, ...]] = []
    multi = merges.filter(pl.col("parents") >= 2).select("id", "parent_ids", "cluster")
    for mid, ps, cluster in multi.iter_rows():
        if mid in listed and all(p in listed for p in ps):
            rows.extend((mid, p, "merge", k, len(ps), cluster) for k, p in enumerate(ps, start=1))
    all_listed = pl.Series(sorted(listed), dtype=pl.String).implode()
    ft = _finetune_sample(edges, all_listed, control, seed)
    rows.extend((c, p, "finetune", 1, 1, None) for c, p in ft.iter_rows())
    schema = {"a": pl.String, "b": pl.String, "kind": pl.String, "position": pl.Int64,
              "parents": pl.Int64, "cluster": pl.Int64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def both(
    merges: pl.DataFrame, nodes: pl.DataFrame, edges: pl.DataFrame, control: int
) -> pl.DataFrame:
    fast = resemblance_pairs(merges, nodes, edges, control, seed=3)
    assert_frame_equal(fast, pairs_plain(merges, nodes, edges, control, seed=3), check_exact=True)
    return fast


@pytest.mark.parametrize("control", [10, 100_000])
def test_as_traced(tables: Tables, control: int) -> None:
    pairs = both(*tables, control)
    assert pairs.filter(pl.col("kind") == "merge").height > 100
    assert pairs.filter(pl.col("kind") == "merge")["position"].max() >= 2


def test_external_models_are_dropped_alike(tables: Tables) -> None:
    merges, nodes, edges = tables
    multi = merges.filter(pl.col("parents") >= 2)
    gone = {
        *multi["id"].gather_every(7).to_list(),  # merges
        *(ps[-1] for ps in multi["parent_ids"].gather_every(5).to_list()),  # a parent
        *edges.filter(pl.col("relation") == "finetune")["child"].gather_every(3).to_list(),
    }
    cut = nodes.with_columns(
        pl.col("external") | pl.col("id").is_in(pl.Series(sorted(gone)).implode())
    )
    pairs = both(merges, cut, edges, 50)
    assert pairs.height < both(merges, nodes, edges, 50).height
    assert not pairs["a"].is_in(pl.Series(sorted(gone)).implode()).any()


def test_reversed_parents_keep_their_positions(tables: Tables) -> None:
    merges, nodes, edges = tables
    rev = merges.with_columns(pl.col("parent_ids").list.reverse())
    pairs = both(rev, nodes, edges, 50)
    first = pairs.filter((pl.col("kind") == "merge") & (pl.col("position") == 1))
    want = rev.filter(pl.col("id").is_in(first["a"].implode())).select(
        pl.col("id").alias("a"), pl.col("parent_ids").list.first().alias("b")
    )
    assert_frame_equal(first.select("a", "b").sort("a"), want.sort("a"))


def test_nothing_to_pair(tables: Tables) -> None:
    merges, nodes, edges = tables
    pairs = both(merges, nodes.with_columns(pl.lit(True).alias("external")), edges, 50)
    assert pairs.height == 0


def test_merge_parent_names_are_the_plain_lookup() -> None:
    """The merges table's ``parent_ids`` (indices turned into ids by one gather) equal the
    per-merge lookup, empty lists and repeated parents included."""
    ids = pl.Series(["a", "b", "c", "d"])
    lists = pl.Series([[2, 0], [], [3, 3, 1], [0]], dtype=pl.List(pl.Int64))
    plain = pl.Series([[ids[p] for p in ps] for ps in lists.to_list()], dtype=pl.List(pl.String))
    assert_series_equal(_names_of(ids, lists), plain, check_names=False)
    assert _names_of(ids, lists.head(0)).len() == 0
