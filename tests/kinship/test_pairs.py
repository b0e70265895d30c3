"""``sample_kin_pairs``: the forest and the shape counts are those of the snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from phylohub.io import read_tsv
from phylohub.kinship.pairs import write_kin_pairs
from phylohub.kinship.sampling import shape_pairs
from phylohub.kinship.shapes import SHAPES

DRAWS = 3000


def test_the_forest_and_shape_counts_are_those_of_the_snapshot(
    snapshot20k: Path, tmp_path: Path
) -> None:
    pairs_out, shapes_out, forest_out = (
        tmp_path / "kin_pairs.parquet",
        tmp_path / "kin_shapes.tsv",
        tmp_path / "kin_forest.json",
    )
    write_kin_pairs(snapshot20k, pairs_out, shapes_out, forest_out, ["finetune"], DRAWS, 11)
    with duckdb.connect(str(snapshot20k), read_only=True) as con:
        (edges,) = con.execute(
            "SELECT count(DISTINCT child) FROM edges WHERE relation = 'finetune' "
            "AND parent_in_snapshot"
        ).fetchone()  # type: ignore[misc]
    forest = json.loads(forest_out.read_text())
    assert forest["edges_used"] + forest["cycle_edges"] == edges
    shapes = {r["shape"]: r for r in read_tsv(shapes_out).to_dicts()}
    assert shapes["edge"]["occurrences"] == forest["edges_used"]
    assert shapes["pair"]["occurrences"] == forest["models"] * (forest["models"] - 1) // 2
    present = [s for s, r in shapes.items() if r["occurrences"] > 0]
    assert set(present) == set(SHAPES)
    pairs = pq.read_table(pairs_out)
    assert pairs.num_rows == DRAWS * sum(len(shape_pairs(s)) for s in present)
