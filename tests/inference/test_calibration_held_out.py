"""The shipped calibration checked out of sample: on a planted ecosystem of the
calibration's size and knobs at another seed, no band of confidence at or above the
include threshold states more than its measured precision's interval allows, the band
table's counts add up, a band on little data gets no verdict, and an inflated calibration
is caught."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.inference.calibration import (
    CALIBRATION_MODELS,
    CALIBRATION_SEEDS,
    MIN_BAND_EDGES,
    MIN_BAND_PARENTS,
    confidence_bands,
    load_calibration,
    mark_truth,
    store_model_types,
    truth_of,
    with_confidence,
)
from phylohub.inference.infer import select_edges
from phylohub.snapshot import connect_snapshot
from tests.pipeline import demo_kin_knobs, snapshot_of

#: The demo's kin knobs and its config plant (config/demo.yaml), as the calibration's.
KNOBS: dict[str, Any] = demo_kin_knobs()
#: Not one of the calibration's seeds, nor one another test of the stage draws.
SEED = 17
MIN_CONFIDENCE = 0.8  # inference.min_confidence's default: the switch includes from here


@pytest.fixture(scope="module")
def selected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    """The selected edges, marked true or false against the planted truth, of a fresh
    ecosystem of the calibration's size, with the config known and unknown."""
    assert SEED not in CALIBRATION_SEEDS
    folder = tmp_path_factory.mktemp("kin_held_out")
    db = snapshot_of(SynthConfig(n_models=CALIBRATION_MODELS, seed=SEED, **KNOBS), folder)
    store = folder / "eco" / "hub.sqlite"
    truth, _ = truth_of(store)
    out = {}
    for config, model_type in (("known", store_model_types(store)), ("unknown", None)):
        con = connect_snapshot(db, card_texts=True)
        try:
            out[config] = mark_truth(select_edges(con, model_type), truth)
        finally:
            con.close()
    return out


def over_confident(bands: pl.DataFrame) -> list[str]:
    """The bands at or above :data:`MIN_CONFIDENCE` whose stated confidence is above the
    precision's interval."""
    upper = bands.filter(pl.col("band").str.slice(0, 3).cast(pl.Float64) >= MIN_CONFIDENCE)
    return upper.filter(pl.col("status") == "over-confident")["band"].to_list()


@pytest.mark.slow
@pytest.mark.parametrize("config", ["known", "unknown"])
def test_the_included_bands_are_not_over_confident_held_out(
    selected: dict[str, pl.DataFrame], config: str
) -> None:
    """At or above the include threshold, every band with enough edges and parents has
    a verdict, and none is over-confident. (Below it the held-out check finds small
    combinations over-confident, docs/inference.md: those edges are never included.)"""
    marked = with_confidence(selected[config], load_calibration())
    bands = confidence_bands(marked)
    print(bands)
    judged = bands.filter(pl.col("status").is_in(["within", "under-confident", "over-confident"]))
    assert {"0.8-0.9", "0.9-1.0"} <= set(judged["band"])  # the check is not vacuous
    assert over_confident(bands) == []
    assert (judged["precision_low"] <= judged["precision"]).all()
    assert (judged["precision"] <= judged["precision_high"]).all()
    # the counts reconcile: every new edge is in one band, every band is a row
    new = marked.filter(~pl.col("covered"))
    assert bands.height == 10 and bands["edges"].sum() == new.height
    assert bands["true"].sum() == new["true"].sum()
    assert (bands["parents"] <= bands["edges"]).all()
    # a band's verdict rests on enough data, and says so where it does not
    for row in bands.iter_rows(named=True):
        if row["edges"] < MIN_BAND_EDGES:
            assert row["status"] == "too few edges" and row["precision_low"] is None
        elif row["parents"] < MIN_BAND_PARENTS:
            assert row["status"] == "too few parents" and row["precision_low"] is None
        else:
            assert row["precision_low"] is not None


@pytest.mark.slow
@pytest.mark.parametrize(
    "inflate",
    [
        # the decoys' combinations (no name but a bare prefix or re-upload) claim 0.95
        pl.when(pl.col("combo").str.contains("name_prefix|name_reupload"))
        .then(0.95)
        .otherwise(pl.col("confidence")),
        # every confident combination claims 3 points more (at most 1)
        pl.when(pl.col("confidence") >= 0.9)
        .then((pl.col("confidence") + 0.03).clip(upper_bound=1.0))
        .otherwise(pl.col("confidence")),
    ],
    ids=["decoys-at-0.95", "plus-0.03-above-0.9"],
)
def test_an_inflated_calibration_is_caught(
    selected: dict[str, pl.DataFrame], inflate: pl.Expr
) -> None:
    """The check can fail: the same edges with a calibration that claims more than the
    planted truth gives have an over-confident band at or above the include threshold."""
    inflated = load_calibration().with_columns(confidence=inflate)
    bands = confidence_bands(with_confidence(selected["known"], inflated))
    print(bands)
    assert "0.9-1.0" in over_confident(bands)


def test_a_band_on_little_data_gets_no_verdict() -> None:
    """Four edges say ``too few edges``, twelve from two parents ``too few parents``;
    neither gets an interval, and the empty bands are rows of 0 edges."""

    def edges(n: int, parents: int, confidence: float, prefix: str) -> pl.DataFrame:
        return pl.DataFrame({
            "child": [f"{prefix}/c{k}" for k in range(n)],
            "parent": [f"{prefix}/p{k % parents}" for k in range(n)],
            "covered": [False] * n, "confidence": [confidence] * n,
            "true": [k % 3 > 0 for k in range(n)],
        })  # fmt: skip

    covered = edges(30, 30, 0.55, "d").with_columns(covered=pl.lit(True))
    bands = confidence_bands(pl.concat([edges(4, 4, 0.85, "a"), edges(12, 2, 0.95, "b"), covered]))
    by = {r["band"]: r for r in bands.iter_rows(named=True)}
    assert by["0.8-0.9"]["status"] == "too few edges" and by["0.8-0.9"]["edges"] == 4
    assert by["0.9-1.0"]["status"] == "too few parents" and by["0.9-1.0"]["parents"] == 2
    assert by["0.9-1.0"]["precision"] == pytest.approx(8 / 12)
    assert by["0.9-1.0"]["precision_low"] is None and by["0.8-0.9"]["precision_high"] is None
    assert by["0.5-0.6"]["edges"] == 0 and by["0.5-0.6"]["status"] == "too few edges"  # covered
    assert bands["edges"].sum() == 16
