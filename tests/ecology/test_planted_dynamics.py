"""The ecology stage recovers the generator's planted reproduction curves and succession."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from phylohub.ecology.tables import Settings, build_ecology, paths_in
from phylohub.genealogy.tables import build_genealogy
from phylohub.genealogy.tables import paths_in as genealogy_paths
from phylohub.hub.synth import BACKFILL, SynthConfig
from tests.pipeline import snapshot_of

SETS = {"finetune": ["finetune"], "no_merge": ["finetune", "adapter", "quantized", "unknown"]}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An 8,000-model ecosystem with the ecology plant on, crawled, its genealogy and
    ecology tables built."""
    folder = tmp_path_factory.mktemp("ecology")
    db = snapshot_of(SynthConfig(n_models=8000, seed=3, ecology_plant=True), folder)
    sets = {}
    for name, rels in SETS.items():
        sets[name] = genealogy_paths(folder / "genealogy" / name)
        build_genealogy(db, rels, sets[name])
    build_ecology(db, sets, "no_merge", paths_in(folder / "ecology"), Settings(seed=1))
    return folder


def _truth(folder: Path) -> dict:
    return json.loads((folder / "eco" / "truth.json").read_text())["ecology"]


def test_planted_half_lives_lie_in_their_intervals(planted: Path) -> None:
    life = pl.read_parquet(planted / "ecology" / "life.parquet").filter(
        pl.col("relations") == "no_merge"
    )
    for fam in _truth(planted)["families"]:
        row = life.filter(pl.col("root") == fam["root_id"]).row(0, named=True)
        assert row["status"] == "decaying"
        assert row["half_life_low"] <= fam["half_life_months"] <= row["half_life_high"], fam


def test_planted_handover_month_is_recovered_exactly(planted: Path) -> None:
    truth = _truth(planted)["handover"]
    hand = pl.read_csv(planted / "ecology" / "handovers.tsv", separator="\t")
    row = hand.filter(
        (pl.col("niche") == truth["niche"])
        & (pl.col("from_root") == truth["from"])
        & (pl.col("to_root") == truth["to"])
    )
    assert row.height == 1
    assert row["month"][0] == f"{truth['month']}-01"


def test_backfilled_models_are_counted_apart_never_in_march_2022(planted: Path) -> None:
    con = sqlite3.connect(planted / "eco" / "hub.sqlite")
    backfilled = con.execute(
        "SELECT count(*) FROM models WHERE created_at = ? AND NOT private", (BACKFILL,)
    ).fetchone()[0]
    summary = json.loads((planted / "ecology" / "summary.json").read_text())
    assert backfilled > 0
    assert summary["backfilled"] == backfilled
    monthly = pl.read_csv(planted / "ecology" / "births_monthly.tsv", separator="\t")
    assert monthly["births"].sum() == summary["dated"] == summary["models"] - backfilled
    march = monthly.filter(pl.col("month") == "2022-03-01")["births"].sum()
    before = con.execute(
        "SELECT count(*) FROM models WHERE NOT private AND created_at >= '2022-03-01'"
        " AND created_at < '2022-04-01' AND created_at != ?", (BACKFILL,)
    ).fetchone()[0]  # fmt: skip
    assert march == before


def test_planted_children_stay_younger_than_their_parents(planted: Path) -> None:
    con = sqlite3.connect(planted / "eco" / "hub.sqlite")
    older = con.execute(
        "SELECT count(*) FROM truth_edges e JOIN models c ON c.key = e.child"
        " JOIN models p ON p.key = e.parent WHERE c.created_at < p.created_at"
        " AND c.created_at != ?", (BACKFILL,)
    ).fetchone()[0]  # fmt: skip
    assert older == 0


def test_family_births_add_up(planted: Path) -> None:
    months = pl.read_parquet(planted / "ecology" / "family_months.parquet")
    births = pl.read_parquet(planted / "ecology" / "births.parquet")
    dated = births.filter(pl.col("born").is_not_null()).group_by("relations", "root").len()
    last = months.group_by("relations", "root").agg(pl.col("cumulative").max())
    joined = dated.join(last, on=["relations", "root"])
    assert joined.height == dated.height
    assert (joined["len"] == joined["cumulative"]).all()
