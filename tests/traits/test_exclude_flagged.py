"""traits.exclude_flagged: the values a snapshot flags as a form's or a script's default
leave every count of the traits stage, and the mutation rates come back to the truth."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.traits.drift import write_transitions
from phylohub.traits.mutation import FLAGGED, TRAITS, write_mutation_rates
from tests.pipeline import snapshot_of

#: The planted defaults, as the snapshot reads them (language names, libraries, tasks).
DEFAULTS = {
    "language": {"Afar", "Abkhazian", "Avestan", "Afrikaans", "Akan", "Amharic"},
    "library": {"asteroid", "fastai", "allennlp"},
    "task": {""},
}


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawled 5,000-model ecosystem with many more planted defaults than the Hub's."""
    cfg = SynthConfig(
        n_models=5000,
        seed=11,
        placeholder_language_share=0.1,
        foreign_library_share=0.08,
        empty_task_share=0.06,
    )
    return snapshot_of(cfg, tmp_path_factory.mktemp("messy"))


def values_of(table: pl.DataFrame, *columns: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {t: set() for t in TRAITS}
    for row in table.iter_rows(named=True):
        for c in columns:
            out[row["trait"]].add(row[c])
    return out


@pytest.mark.parametrize("exclude", [False, True])
def test_flagged_values_leave_every_count_only_when_excluded(
    messy: Path, tmp_path: Path, exclude: bool
) -> None:
    paths = [tmp_path / f"{n}.parquet" for n in ("transitions", "exposures", "values")]
    tables = write_transitions(messy, *paths, exclude_flagged=exclude)
    seen = [
        values_of(tables.transitions, "source", "target"),
        values_of(tables.exposures, "value"),
        values_of(tables.values, "value"),
    ]
    for trait, defaults in DEFAULTS.items():
        for got in seen:
            assert bool(got[trait] & defaults) is not exclude, (trait, got[trait] & defaults)
        assert seen[2][trait]  # the real values stay


def test_rates_both_ways_in_every_run_the_chosen_one_in_mutation_rates(
    messy: Path, tmp_path: Path
) -> None:
    both = tmp_path / "both.parquet"
    kept = write_mutation_rates(messy, tmp_path / "kept.parquet", both_out=both)
    excluded = write_mutation_rates(
        messy, tmp_path / "excluded.parquet", exclude_flagged=True, both_out=both
    )
    table = pl.read_parquet(both)
    assert table.columns == ["flagged", *kept.columns]
    for flagged, rates in zip(FLAGGED, (kept, excluded), strict=True):
        assert table.filter(pl.col("flagged") == flagged).drop("flagged").equals(rates)
    assert not kept.equals(excluded)


def test_excluding_flags_brings_the_rates_back_to_the_planted_truth(
    messy: Path, tmp_path: Path
) -> None:
    truth = json.loads((messy.parent / "eco" / "truth.json").read_text())["mutation_rates"]
    write_mutation_rates(messy, tmp_path / "r.parquet", both_out=tmp_path / "both.parquet")
    table = pl.read_parquet(tmp_path / "both.parquet").filter(pl.col("relation") == "all")
    for trait in ("language", "library", "task"):
        rate = {r["flagged"]: r for r in table.filter(trait=trait).iter_rows(named=True)}
        expected = truth[trait]["all"]["expected"]
        off = {f: abs(rate[f]["rate"] - expected) for f in FLAGGED}
        assert off["excluded"] < off["kept"], (trait, rate, expected)
        low, high = rate["excluded"]["ci_low"], rate["excluded"]["ci_high"]
        assert low - 0.03 <= expected <= high + 0.03, (trait, low, high, expected)
