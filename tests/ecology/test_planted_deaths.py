"""Deaths and gating across two snapshots: the ecology stage recovers what evolve planted.

An ecosystem and the same ecosystem 30 days later (``phylohub.hub.evolve`` with whole
families deleted, ``family_deaths``) are crawled and built as snapshots; the diff stage
compares them and the ecology stage reads the diff: every removed model, every newly
gated one, their months of birth and the families that died must be those evolve lists
in ``changes.json``.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from phylohub.diff.compare import SnapshotFiles, compare_snapshots, write_diff
from phylohub.ecology.deaths import NEEDS_TWO, TABLES, Previous, build_deaths
from phylohub.genealogy.tables import build_genealogy
from phylohub.genealogy.tables import paths_in as genealogy_paths
from phylohub.hub.evolve import EvolveConfig, evolve
from phylohub.hub.synth import BACKFILL, SynthConfig
from phylohub.io import paths_in
from tests.pipeline import snapshot_of, snapshot_of_store

NO_MERGE = ["finetune", "adapter", "quantized", "unknown"]
DEAD_FAMILIES = 3


def _snapshot(folder: Path, db: Path) -> SnapshotFiles:
    paths = genealogy_paths(folder / "genealogy")
    build_genealogy(db, NO_MERGE, paths)
    return SnapshotFiles(folder.name, db, paths["nodes"], paths["families"],
                         folder / "listing" / "manifest.json")  # fmt: skip


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Day 0 and day 30 of a 3,000-model ecosystem, diffed, and the deaths measured."""
    root = tmp_path_factory.mktemp("deaths")
    old = _snapshot(root / "day0", snapshot_of(SynthConfig(n_models=3000, seed=7), root / "day0"))
    changes = evolve(
        root / "day0" / "eco", root / "day30" / "eco",
        EvolveConfig(days=30, seed=2, family_deaths=DEAD_FAMILIES),
    )  # fmt: skip
    db = snapshot_of_store(root / "day30" / "eco" / "hub.sqlite", root / "day30")
    new = _snapshot(root / "day30", db)
    diff = root / "day30" / "diff"
    diff.mkdir()
    names = ("summary", "models", "edges", "changed", "families", "edge_counts",
             "field_changes", "traits", "requests")  # fmt: skip
    ext = {"summary": "json", "edge_counts": "tsv", "field_changes": "tsv", "traits": "tsv",
           "requests": "tsv"}  # fmt: skip
    out = {n: diff / f"{n}.{ext.get(n, 'parquet')}" for n in names}
    write_diff(compare_snapshots(old, new), out)
    prev = Previous("day0", old.db, old.nodes, old.families, out["models"], out["changed"])
    build_deaths(prev, "no_merge", paths_in(root / "ecology", TABLES), seed=1)
    return root, changes


def _born(store: Path, ids: list[str]) -> dict[str, str | None]:
    """Each model's month of birth in the source store (None: back-filled)."""
    con = sqlite3.connect(store)
    marks = ",".join("?" * len(ids))
    rows = con.execute(f"SELECT id, created_at FROM models WHERE id IN ({marks})", ids)
    return {i: None if c == BACKFILL else f"{c[:7]}-01" for i, c in rows}


def test_every_removed_model_is_a_death_in_its_month_of_birth(two: tuple[Path, Any]) -> None:
    root, changes = two
    events = pl.read_parquet(root / "ecology" / "deaths.parquet")
    died = events.filter(pl.col("event") == "died")
    assert sorted(died["id"]) == changes["removed"]
    born = _born(root / "day0" / "eco" / "hub.sqlite", changes["removed"])
    expected = Counter(m for m in born.values() if m is not None)
    monthly = pl.read_csv(root / "ecology" / "deaths_monthly.tsv", separator="\t")
    got = {m: n for m, n in monthly.select("month", "deaths").rows() if n}
    assert got == dict(expected) and sum(expected.values()) > 0
    summary = json.loads((root / "ecology" / "deaths_summary.json").read_text())
    assert summary["deaths"]["models"] == len(changes["removed"])
    assert summary["deaths"]["backfilled"] == sum(m is None for m in born.values())


def test_newly_gated_models_are_recovered_exactly(two: tuple[Path, Any]) -> None:
    root, changes = two
    planted = {i: b for i, (a, b) in changes["gate_changes"].items() if not a and b}
    assert planted  # the ecosystem gates some models
    events = pl.read_parquet(root / "ecology" / "deaths.parquet")
    gated = events.filter(pl.col("event") == "gated")
    assert dict(gated.select("id", "gated").rows()) == planted
    born = _born(root / "day0" / "eco" / "hub.sqlite", sorted(planted))
    monthly = pl.read_csv(root / "ecology" / "deaths_monthly.tsv", separator="\t")
    got = {m: n for m, n in monthly.select("month", "newly_gated").rows() if n}
    assert got == dict(Counter(m for m in born.values() if m is not None))


def test_planted_family_deaths_are_recovered_exactly(two: tuple[Path, Any]) -> None:
    root, changes = two
    dead = changes["dead_families"]
    assert len(dead) == DEAD_FAMILIES
    fam = pl.read_parquet(root / "ecology" / "death_families.parquet")
    whole = fam.filter(pl.col("family_died") & (pl.col("models_before") >= 2))
    assert sorted(whole["root"]) == sorted(dead)
    for r, ids in dead.items():
        row = whole.filter(pl.col("root") == r).row(0, named=True)
        assert row["root_died"] and row["models_before"] == row["deaths"] == len(ids)
    summary = json.loads((root / "ecology" / "deaths_summary.json").read_text())
    assert summary["family_deaths"]["families"] == DEAD_FAMILIES
    tests = pl.read_csv(root / "ecology" / "death_tests.tsv", separator="\t")
    rate = tests.filter(pl.col("measure") == "death_rate").row(0, named=True)
    expected = len(changes["removed"]) / summary["models_before"]
    assert rate["value"] == pytest.approx(expected, abs=1e-6)  # 6 decimals in the TSV
    assert rate["ci_low"] <= rate["value"] <= rate["ci_high"] and rate["status"] == "tested"


def test_without_an_earlier_snapshot_the_tables_say_so(tmp_path: Path) -> None:
    out = paths_in(tmp_path, TABLES)
    summary = build_deaths(None, "no_merge", out)
    assert summary["status"] == NEEDS_TWO and summary["deaths"]["shown"] == NEEDS_TWO
    assert pl.read_parquet(out["events"]).height == 0
    assert pl.read_csv(out["monthly"], separator="\t").height == 0
    tests = pl.read_csv(out["tests"], separator="\t")
    assert set(tests["status"]) == {NEEDS_TWO}


def test_evolve_without_family_deaths_keeps_its_changes_as_before(tmp_path: Path) -> None:
    from phylohub.hub.synth import generate

    generate(SynthConfig(n_models=400, seed=3), tmp_path / "a")
    changes = evolve(tmp_path / "a", tmp_path / "b", EvolveConfig(days=30, seed=1))
    assert "family_deaths" not in changes["config"] and "dead_families" not in changes


def test_one_snapshot_through_the_workflow_says_needs_two(tiny_workflow: Path) -> None:
    root = tiny_workflow / "results" / "tiny"
    summary = json.loads((root / "ecology" / "deaths_summary.json").read_text())
    assert summary["status"] == NEEDS_TWO
    assert (root / "figures" / "ecology_deaths.png").stat().st_size > 0
    findings = json.loads((root / "findings.json").read_text())
    shown = {f["id"]: f["shown"] for f in findings["findings"] if f["id"].startswith("ecology_")}
    assert shown["ecology_deaths"] == shown["ecology_newly_gated"] == NEEDS_TWO
