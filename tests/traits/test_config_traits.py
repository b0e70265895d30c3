"""The config traits (model type, architecture head, quantization) recover what the
generator's config plant planted: rates pair for pair, expected rates inside their
intervals, and the planted drift order of heads on the finetune edges."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from phylohub.hub.plant_config import HEADS, PLANTED_TRAITS
from phylohub.hub.synth import SynthConfig
from phylohub.traits.drift import DriftSettings, count_transitions, drift_graph, order_graph
from phylohub.traits.mutation import mutation_distances, mutation_rates
from phylohub.traits.snapshot import frame, open_snapshot
from tests.pipeline import snapshot_of

PLANT = SynthConfig(n_models=8000, seed=3, config_plant=True)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_of(PLANT, tmp_path_factory.mktemp("config_plant"))


@pytest.fixture(scope="module")
def truth(planted: Path) -> dict[str, Any]:
    data = json.loads((planted.parent / "eco" / "truth.json").read_text())
    return data["architecture"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def measured(planted: Path) -> pl.DataFrame:
    con = open_snapshot(planted, "first")
    distances = mutation_distances(con)
    con.close()
    return distances


def test_config_rates_equal_the_realised_truth(
    measured: pl.DataFrame, truth: dict[str, Any]
) -> None:
    table = mutation_rates(measured)
    checked = 0
    for trait in PLANTED_TRAITS:
        for relation, cell in truth["mutation_rates"][trait].items():
            row = table.filter(trait=trait, relation=relation).row(0, named=True)
            assert row["pairs"] == cell["edges"], (trait, relation)
            if cell["edges"]:
                assert row["rate"] == pytest.approx(cell["realised"], abs=1e-12)
                checked += 1
    assert checked >= 12


def test_planted_config_rates_lie_in_their_simultaneous_intervals(
    measured: pl.DataFrame, truth: dict[str, Any]
) -> None:
    cells = [
        (trait, relation, cell["expected"])
        for trait in PLANTED_TRAITS
        for relation, cell in truth["mutation_rates"][trait].items()
        if cell["edges"] >= 20
    ]
    table = mutation_rates(measured, level=1 - 0.05 / len(cells))
    for trait, relation, expected in cells:
        row = table.filter(trait=trait, relation=relation).row(0, named=True)
        assert row["ci_low"] - 1e-9 <= expected <= row["ci_high"] + 1e-9, (trait, relation)
    quantized = table.filter(trait="model_type", relation="quantized").row(0, named=True)
    assert quantized["rate"] > 0.03  # the planted metadata errors are seen
    assert table.filter(trait="model_type", relation="finetune")["rate"][0] == 0.0


def test_planted_head_order_is_recovered_on_finetunes(planted: Path) -> None:
    con = open_snapshot(planted)
    tables = count_transitions(con)
    con.close()
    settings = DriftSettings(relations=("finetune",), top_k=10, null_replicates=20, seed=1)
    graph = drift_graph(tables, "architecture", settings.relations, 10, settings.drop)
    order = order_graph(graph, settings)["orderings"]["normalised"]["order"]
    tasks = [h for h in HEADS[3:] if h in order]
    assert len(tasks) == 3 and [h for h in order if h in tasks] == tasks
    pretraining = [h for h in HEADS[:3] if h in order]
    assert pretraining and max(map(order.index, pretraining)) < min(map(order.index, tasks))


def test_models_without_a_config_do_not_show_the_config_traits(planted: Path) -> None:
    store = sqlite3.connect(planted.parent / "eco" / "hub.sqlite")
    with_config = {i for (i,) in store.execute("SELECT id FROM truth_config")}
    con = open_snapshot(planted)
    shown = frame(
        con,
        "SELECT id, model_type IS NOT NULL OR len(heads) > 0 OR quantization IS NOT NULL AS any"
        " FROM trait_sets",
    )
    con.close()
    seen = dict(zip(shown["id"].to_list(), shown["any"].to_list(), strict=True))
    assert {i for i, a in seen.items() if a} == with_config & set(seen)
    assert 0 < len(with_config & set(seen)) < len(seen)
