"""Parameter counts by generation recover the planted sizes: a descendant is the size of
its root exactly where the plant kept it so; without config.json the finding reads no
data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.traits.sizes import by_generation, model_generations, write_parameters_by_generation
from phylohub.traits.snapshot import PARAMETER_BUCKETS, frame, open_snapshot
from tests.pipeline import snapshot_of

CFG = SynthConfig(n_models=3000, seed=4, config_plant=True, config_files_plant=True,
                  size_change={"finetune": 0.2, "merge": 0.3})  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sizes")
    snapshot_of(CFG, out, configs="all")
    return out


def test_descendants_keep_their_roots_size_except_where_planted(folder: Path) -> None:
    truth = sqlite3.connect(folder / "eco" / "hub.sqlite")
    size = dict(truth.execute("SELECT id, size FROM truth_config_files").fetchall())
    con = open_snapshot(folder / "hub.duckdb")
    models = model_generations(con)
    con.close()
    compared = models.filter(pl.col("same_size").is_not_null() & (pl.col("generation") > 0))
    assert compared.height > 100
    kept = [size[r["id"]] == size[r["root"]] for r in compared.iter_rows(named=True)]
    assert compared["same_size"].to_list() == kept
    assert 0 < sum(not k for k in kept) < len(kept)  # planted changes, and kept sizes
    table = by_generation(models)
    row = table.filter(pl.col("generation") == "descendants").row(0, named=True)
    assert (row["compared"], row["same_size"]) == (len(kept), sum(kept))
    assert row["verdict"] == f"{sum(kept):,} of {len(kept):,} the size of their root"
    assert row["from_estimate"] == row["with_count"] and row["from_safetensors"] == 0


def test_the_parameters_trait_buckets_the_estimate_and_says_so(folder: Path) -> None:
    con = open_snapshot(folder / "hub.duckdb")
    query = (
        "SELECT k.parameters, k.parameter_count, k.parameters_source, f.estimated_parameters "
        "FROM config_traits k JOIN config_fields f USING (id) "
        "WHERE f.estimated_parameters IS NOT NULL"
    )
    got = frame(con, query)
    con.close()
    assert got.height > 500
    assert set(got["parameters_source"]) == {"config estimate"}
    assert got["parameter_count"].to_list() == got["estimated_parameters"].to_list()
    assert set(got["parameters"]) <= set(PARAMETER_BUCKETS) and got["parameters"].n_unique() > 2


def test_no_parameter_counts_read_no_data(tmp_path: Path) -> None:
    db = snapshot_of(SynthConfig(n_models=800, seed=2, config_plant=True), tmp_path)
    table = write_parameters_by_generation(db, tmp_path / "p.tsv")
    row = table.filter(pl.col("generation") == "descendants").row(0, named=True)
    assert row["verdict"] == "no data" and row["share_same_size"] is None
    assert "no data" in (tmp_path / "p.tsv").read_text()
