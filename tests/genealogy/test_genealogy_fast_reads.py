"""The genealogy stage's fast reads equal their plain forms.

* :func:`~phylohub.genealogy.lookup.row_index` (rows of ids, by a narrowed join and the
  rows that stand aligned) equals a left join against every id, on keys of every kind:
  parents (nulls, names not there), another set's nodes (the same models first, then
  other externals), shuffled keys, none;
* the kept forest of ``count_family_shapes`` (:func:`~phylohub.genealogy.tables.forest_of`)
  equals the plain join on a planted snapshot's node tables;
* the snapshot read for one relation set (its edges alone, the models numbered once)
  gives the graph that reading every edge gives, for each set, and its edges are those
  of the query that numbers the models itself;
* the edges query that groups each edge with its first tag's position
  (:data:`~phylohub.genealogy.sql.EDGES`) gives the rows of the one that joins the
  position back to the edges (:data:`~phylohub.genealogy.sql.EDGES_PLAIN`), for each set.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from phylohub.genealogy import sql
from phylohub.genealogy.graphs import RELATIONS, read_edges, relation_graph
from phylohub.genealogy.lookup import row_index, row_index_plain
from phylohub.genealogy.tables import forest_of
from tests.merge_pedigrees import SETS, merge_ecosystem, traced


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("genealogy_reads")
    cfg = merge_ecosystem(2500, seed=4)
    db, _ = traced(cfg, folder)
    return db, folder


def test_row_index_equals_the_plain_join() -> None:
    rng = np.random.default_rng(0)
    listed = sorted({f"m{x}" for x in rng.integers(0, 10**6, 3000)})
    ids = pl.Series(listed + [f"x{i}" for i in range(200)])
    other = pl.Series(listed + [f"y{i}" for i in range(150)] + [f"x{i}" for i in range(0, 200, 3)])
    picks = rng.integers(0, len(ids) + 50, 5000)
    parents = pl.Series(
        [None if k % 4 == 0 else (ids[int(k)] if k < len(ids) else f"gone{k}") for k in picks]
    )
    cases = {
        "parents": parents,
        "another set's nodes": other,
        "the same ids": ids,
        "shuffled": ids.shuffle(seed=1),
        "prefix, then shifted": pl.concat([ids.head(1000), ids.slice(999)]),
        "none": pl.Series([], dtype=pl.String),
        "all null": pl.Series([None, None], dtype=pl.String),
    }
    for name, keys in cases.items():
        fast, plain = row_index(ids, keys), row_index_plain(ids, keys)
        assert fast.dtype == plain.dtype == np.int64, name
        assert np.array_equal(fast, plain), name
    assert (row_index(ids, other) == -1).sum() > 100
    assert row_index(pl.Series([], dtype=pl.String), parents).tolist() == [-1] * len(parents)


def test_forest_equals_the_plain_join(planted: tuple[Path, Path]) -> None:
    _, folder = planted
    for name in ("all", "no_merge"):
        nodes = pl.read_parquet(folder / name / "nodes.parquet", columns=["id", "parent"])
        forest = forest_of(nodes)
        assert np.array_equal(forest, row_index_plain(nodes["id"], nodes["parent"]))
        assert (forest >= 0).sum() > 200


def test_one_set_read_gives_the_graph_of_every_edge(planted: tuple[Path, Path]) -> None:
    db, _ = planted
    every = read_edges(db)
    for name, relations in SETS.items():
        narrow = read_edges(db, relations)
        assert narrow.child.size < every.child.size or name == "all"
        a, b = relation_graph(narrow, relations), relation_graph(every, relations)
        assert a.ids.equals(b.ids) and a.n_listed == b.n_listed, name
        for field in ("child", "parent", "relation", "position", "primary"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), (name, field)
        assert a.merged == b.merged
        for field in ("child", "parent", "relation", "component", "component_size"):
            assert np.array_equal(getattr(a.dropped, field), getattr(b.dropped, field))


def test_registered_numbering_equals_the_self_numbered_query(planted: tuple[Path, Path]) -> None:
    """The edges query joined to the models numbered once equals the query that numbers
    them again itself (a window over the sorted ids)."""
    db, _ = planted
    numbered_here = "SELECT id, (row_number() OVER (ORDER BY id) - 1)::BIGINT AS idx FROM models"
    plain = sql.EDGES.replace("SELECT id, idx FROM listed_ids", numbered_here)
    assert plain != sql.EDGES
    edges = read_edges(db)
    with duckdb.connect(str(db), read_only=True) as con:
        n = con.execute("SELECT count(*) FROM models").fetchone()[0]  # type: ignore[index]
        params = {"n": n, "relations": list(RELATIONS), "keep": list(RELATIONS)}
        rows = con.execute(plain, params).fetchnumpy()
    assert edges.child.size > 500 and (edges.parent >= n).any()
    for field in ("child", "parent", "relation", "position"):
        assert np.array_equal(getattr(edges, field), np.asarray(rows[field], dtype=np.int64))


def test_edges_query_equals_the_joined_back_query(planted: tuple[Path, Path]) -> None:
    """Each edge's first tag grouped with its own columns gives the rows (and their order)
    of the first tag joined back to the edges."""
    db, _ = planted
    with duckdb.connect(str(db), read_only=True) as con:
        ids = con.sql("SELECT id FROM models ORDER BY id").to_arrow_table()["id"]
        con.register("listed_ids", pa.table({"id": ids, "idx": np.arange(len(ids))}))
        for name, relations in SETS.items():
            params = {"n": len(ids), "relations": list(RELATIONS), "keep": relations}
            fast = con.execute(sql.EDGES, params).fetchnumpy()
            plain = con.execute(sql.EDGES_PLAIN, params).fetchnumpy()
            assert list(fast) == list(plain) == ["child", "parent", "relation", "position"]
            assert fast["child"].size > 100, name
            for field in plain:
                assert np.array_equal(fast[field], plain[field]), (name, field)
            tagged = np.asarray(plain["position"]) < 2**31 - 1
            assert tagged.any() and (plain["position"] > 0).any(), name
