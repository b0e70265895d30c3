"""The stage's files on the 20,000-model snapshot: settings, determinism, figures."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from phylohub.errors import PhylohubError
from phylohub.traits.drift import DriftSettings, write_orderings, write_transitions
from phylohub.traits.mutation import write_mutation_rates
from phylohub.traits.plots import plot_drift, plot_thinning
from phylohub.traits.thinning import write_thinning
from phylohub.vocabulary import TRAITS


def test_settings_reject_what_a_user_can_get_wrong() -> None:
    assert DriftSettings.from_config({"top_k": 5, "relations": ["finetune"]}, 3).seed == 3
    with pytest.raises(PhylohubError, match=r"unknown traits\.drift setting"):
        DriftSettings.from_config({"topk": 5}, 0)
    with pytest.raises(PhylohubError, match="relations"):
        DriftSettings.from_config({"relations": ["fine-tune"]}, 0)
    with pytest.raises(PhylohubError, match="top_k"):
        DriftSettings.from_config({"top_k": 1}, 0)


@pytest.fixture(scope="module")
def stage(snapshot20k: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("traits")
    write_mutation_rates(snapshot20k, out / "mutation_rates.parquet")
    write_transitions(
        snapshot20k, out / "transitions.parquet", out / "exposures.parquet", out / "values.parquet"
    )
    write_thinning(snapshot20k, out / "thinning.parquet", out / "availability.parquet")
    return out


def _orderings(stage: Path, name: str) -> bytes:
    settings = DriftSettings(null_replicates=5, seed=11)
    write_orderings(
        stage / "transitions.parquet",
        stage / "exposures.parquet",
        stage / "values.parquet",
        stage / f"{name}.json",
        stage / f"{name}.parquet",
        settings,
    )
    return (stage / f"{name}.json").read_bytes() + (stage / f"{name}.parquet").read_bytes()


def test_orderings_are_valid_json_and_the_same_on_every_run(stage: Path) -> None:
    assert _orderings(stage, "a") == _orderings(stage, "b")
    result = json.loads((stage / "a.json").read_text())  # strict JSON: no NaN
    assert result["settings"]["top_k"] == 20
    for trait, info in result["traits"].items():
        assert len(info["values"]) == len(info["models"]) <= 20
        assert {"other", "unknown"}.isdisjoint(info["values"])
        for kind, report in info["orderings"].items():
            assert sorted(report["order"]) == sorted(info["values"]), (trait, kind)
            assert report["optimal"], (trait, kind)
            assert set(report["null"]) == {"drifts_explained", "mutations_explained"}


def test_mutation_table_has_every_trait_and_relation(stage: Path) -> None:
    table = pl.read_parquet(stage / "mutation_rates.parquet")
    assert table.height == len(TRAITS) * 6  # every trait and relation, pairs or none
    rows = table.filter(pl.col("pairs") >= 50)
    assert (rows["ci_low"] <= rows["rate"]).all() and (rows["rate"] <= rows["ci_high"]).all()


def test_figures_are_drawn_for_every_trait_and_ordering(stage: Path, tmp_path: Path) -> None:
    _orderings(stage, "fig")
    result = json.loads((stage / "fig.json").read_text())
    pairs = pl.read_parquet(stage / "fig.parquet")
    drawn = 0
    for trait in TRAITS:
        for kind in ("weighted", "unweighted", "normalised"):
            png = tmp_path / f"{trait}_{kind}.png"
            plot_drift(result, pairs, trait, png, kind)
            svg = png.with_suffix(".svg").read_text()
            if result["traits"][trait]["orderings"][kind]["transitions"]:
                drawn += 1
                assert png.stat().st_size > 20_000
                assert "drifts with the order" in svg and "no drift to order" not in svg
            else:  # a notice, not an order that would look like a finding
                assert "no drift to order" in svg and "drifts with the order" not in svg
    assert drawn >= 4 * 3  # license, language, task and library mutate in the snapshot
    # a trait whose kept values never mutate into one another gets the notice
    still = json.loads((stage / "fig.json").read_text())
    still["traits"]["license"]["orderings"]["weighted"]["transitions"] = 0
    plot_drift(still, pairs, "license", tmp_path / "still.png", "weighted")
    assert "no drift to order" in (tmp_path / "still.svg").read_text()
    with pytest.raises(PhylohubError, match="no license ordering"):
        plot_drift(result, pairs, "license", tmp_path / "x.png", "median")
    plot_thinning(pl.read_parquet(stage / "thinning.parquet"), tmp_path / "thinning.png")
    assert (tmp_path / "thinning.png").stat().st_size > 20_000
