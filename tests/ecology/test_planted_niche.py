"""Niche spread: the ecology stage recovers the month a planted family enters a new task.

With ``niche_plant`` on, the generator re-dates one family so that no descendant carries
a task (other than the root's) before a known month and several do in it
(``phylohub.hub.plant_ecology.plant_niche``); ``niche_entries.parquet`` must name that
month and that niche for the family.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from phylohub.ecology.tables import Settings, build_ecology, paths_in
from phylohub.genealogy.tables import build_genealogy
from phylohub.genealogy.tables import paths_in as genealogy_paths
from phylohub.hub.plant_ecology import NICHE_ENTRY_AGE
from phylohub.hub.synth import SynthConfig
from tests.pipeline import snapshot_of

NO_MERGE = ["finetune", "adapter", "quantized", "unknown"]


@pytest.fixture(scope="module")
def niche(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4,000-model ecosystem with the niche plant on, crawled, its ecology built."""
    folder = tmp_path_factory.mktemp("niche")
    db = snapshot_of(SynthConfig(n_models=4000, seed=5, niche_plant=True), folder)
    sets = {"no_merge": genealogy_paths(folder / "genealogy" / "no_merge")}
    build_genealogy(db, NO_MERGE, sets["no_merge"])
    build_ecology(db, sets, "no_merge", paths_in(folder / "ecology"), Settings(seed=1))
    return folder


def test_planted_niche_entry_month_is_recovered_exactly(niche: Path) -> None:
    truth = json.loads((niche / "eco" / "truth.json").read_text())["niche"]
    assert truth["niche"] != truth["root_task"]
    entries = pl.read_parquet(niche / "ecology" / "niche_entries.parquet")
    row = entries.filter((pl.col("root") == truth["root_id"]) & (pl.col("task") == truth["niche"]))
    assert row.height == 1
    assert str(row["first_month"][0]) == f"{truth['entry_month']}-01"
    assert row["age_months"][0] == NICHE_ENTRY_AGE
    assert row["births"][0] <= truth["entering"]


def test_the_spread_table_counts_the_entry_in_its_year_of_age(niche: Path) -> None:
    truth = json.loads((niche / "eco" / "truth.json").read_text())["niche"]
    entries = pl.read_parquet(niche / "ecology" / "niche_entries.parquet").filter(
        pl.col("root") == truth["root_id"]
    )
    spread = pl.read_parquet(niche / "ecology" / "niche_spread.parquet").filter(
        pl.col("root") == truth["root_id"]
    )
    # every new task of the family enters in exactly one year of age
    assert spread["new_tasks"].sum() == entries.height > 0


def test_without_the_plant_the_truth_has_no_niche(tmp_path: Path) -> None:
    from phylohub.hub.synth import generate

    truth = generate(SynthConfig(n_models=300, seed=5), tmp_path)
    assert "niche" not in truth and "niche_plant" not in SynthConfig().knobs()
