"""The genealogy stage's lighter writes equal their plain forms.

* the node ids read once (the models' and the external parents' chunks concatenated at
  once) are the models in id order, then the external parents in name order, as the
  snapshot's queries list them;
* a set's graph whose edges name every external parent takes the ids as read (no copy);
  every set's ids are those of the plain form (the listed ids, then the external
  parents that the set names, taken in order), whichever branch it takes; the ids
  converted to polars once per graph (:attr:`~phylohub.genealogy.graphs.Graph.id_series`)
  are those of a fresh conversion;
* the parquet tables, written at :data:`~phylohub.io.PARQUET_ZSTD_LEVEL`, are zstd files
  that read back equal (schema and rows) to the frames the stage made, as those written
  at polars' default level do.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from phylohub.genealogy import sql
from phylohub.genealogy.families import analyse, family_table, node_table
from phylohub.genealogy.graphs import RELATIONS, read_edges, relation_graph
from phylohub.genealogy.tables import TABLES, cycle_table, edge_table, paths_in, write_tables
from tests.merge_pedigrees import SETS, merge_ecosystem, traced


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("genealogy_writes")
    cfg = merge_ecosystem(2500, seed=4)
    db, _ = traced(cfg, folder)
    return db


def test_ids_read_once_are_the_models_then_the_external_parents(planted: Path) -> None:
    with duckdb.connect(str(planted), read_only=True) as con:
        listed = [row[0] for row in con.execute(sql.LISTED).fetchall()]
        external = [i for (i,) in con.execute(sql.EXTERNAL).fetchall()]
    edges = read_edges(planted)
    assert external and edges.n_listed == len(listed)
    assert edges.ids.type == pa.string()
    assert edges.ids.to_pylist() == listed + external


def test_set_ids_equal_the_plain_take(planted: Path) -> None:
    edges = read_edges(planted)
    n = edges.n_listed
    every_external = []
    for name, relations in SETS.items():
        g = relation_graph(edges, relations)
        # The plain form: the listed ids, then the external parents the set's edges name.
        codes = [RELATIONS.index(r) for r in relations]
        named = edges.parent[np.isin(edges.relation, codes)]
        used = np.unique(named[named >= n])
        plain = pa.concat_arrays([edges.ids.slice(0, n), edges.ids.take(pa.array(used))])
        assert g.ids.equals(plain), name
        every_external.append(used.size == edges.n_nodes - n)
    assert any(every_external) and not all(every_external)  # both branches taken


def test_tables_at_the_fast_level_read_back_equal(planted: Path, tmp_path: Path) -> None:
    made = {"nodes": node_table, "edges": edge_table, "families": family_table}
    made["cycles"] = cycle_table
    for name in ("no_merge", "all"):
        gen = analyse(relation_graph(read_edges(planted), SETS[name]))
        fast = paths_in(tmp_path / "fast" / name)
        write_tables(gen, fast, top=7)
        for table, file in TABLES.items():
            if not file.endswith(".parquet"):
                continue
            meta = pq.ParquetFile(fast[table]).metadata
            codecs = {
                meta.row_group(g).column(k).compression
                for g in range(meta.num_row_groups)
                for k in range(meta.num_columns)
            }
            assert codecs == {"ZSTD"} or meta.num_rows == 0, (name, table)
            frame = made[table](gen)
            plain = tmp_path / "plain" / name / file
            plain.parent.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(plain, compression="zstd")  # polars' default level
            x, y = pl.read_parquet(fast[table]), pl.read_parquet(plain)
            assert x.schema == y.schema == frame.schema and x.equals(y), (name, table)
            assert x.height > 0 or table == "cycles"


def test_id_series_is_converted_once_and_equals_the_ids(planted: Path) -> None:
    for relations in SETS.values():
        g = relation_graph(read_edges(planted), relations)
        plain = pl.from_arrow(g.ids)
        assert isinstance(plain, pl.Series)
        assert g.id_series.name == "id" and g.id_series.equals(plain)
        assert g.id_series is g.id_series
