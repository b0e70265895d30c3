"""Two snapshots of an evolved ecosystem through the workflow: the diff is the evolution.

A synthetic ecosystem and the same ecosystem 30 days later (``phylohub.hub.evolve``,
which lists every change it makes in ``changes.json``) are each served by the replica
and crawled by the workflow with the real client; the second crawl reuses the first's
unchanged cards. The diff stage must find exactly the planted changes, and the second
crawl must cost a fresh crawl's requests minus those of the cards it reused.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
import yaml

from phylohub.hub.evolve import EvolveConfig, evolve
from phylohub.hub.replica import ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig, generate

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("common", "crawl", "snapshot", "genealogy", "diff", "ecology")
FIGURES = ("diff_family_growth", "diff_new_generation", "time_growth", "time_shares")


def crawl_and_diff(workdir: Path, store: Path, snapshot: str, targets: list[str]) -> None:
    """Serve ``store`` and run the crawl, snapshot, genealogy and diff rules for ``targets``."""
    cfg = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    cfg["snapshot"] = snapshot
    cfg["crawl"].update(shards=2, parallel_shards=2, previous="auto")
    cfg["diff"].update(previous="auto", relations="all")
    with run_replica(ReplicaConfig(store=store)) as hub:
        cfg["hub"].update(endpoint=hub.endpoint, page_size=400, pages_per_part=2)
        config = workdir / f"{snapshot}.yaml"
        config.write_text(yaml.safe_dump(cfg))
        includes = "".join(
            f'include: "{ROOT / "workflow" / "rules" / stage}.smk"\n' for stage in STAGES
        )
        (workdir / "Snakefile").write_text(f'configfile: "{config}"\n{includes}')
        result = subprocess.run(
            [sys.executable, "-m", "snakemake", *targets,
             "--snakefile", str(workdir / "Snakefile"),
             "--directory", str(workdir), "--configfile", str(config), "--cores", "2",
             "--resources", "hub_requests=2"],
            capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]


def planned(workdir: Path, snapshot: str, targets: list[str]) -> str:
    """What Snakemake would run for ``targets`` with the config of ``snapshot``'s last run
    (the same endpoint: a dry run, nothing served)."""
    config = workdir / f"{snapshot}.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *targets, "-n",
         "--snakefile", str(workdir / "Snakefile"),
         "--directory", str(workdir), "--configfile", str(config), "--cores", "2"],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def _none(value: str | None) -> str:
    return "(none)" if value is None else value


@pytest.mark.slow
def test_diff_of_an_evolved_ecosystem_equals_its_changes(tmp_path: Path) -> None:
    generate(SynthConfig(n_models=2000, seed=11), tmp_path / "day0")
    changes: dict[str, Any] = evolve(
        tmp_path / "day0", tmp_path / "day30", EvolveConfig(days=30, seed=11)
    )
    kinds = ("added", "removed", "edited_cards", "license_changes", "task_changes")
    kinds += ("gate_changes", "new_edges", "new_families")
    assert all(changes[kind] for kind in kinds), {k: len(changes[k]) for k in kinds}

    day0 = ["results/day0/hub.duckdb", "results/day0/genealogy/all/summary.json"]
    crawl_and_diff(tmp_path, tmp_path / "day0" / "hub.sqlite", "day0", day0)
    targets = [
        "results/day30/diff/summary.json",
        "results/day30/timeseries/series.tsv",
        "results/day30/ecology/deaths_summary.json",
        "results/day30/figures/ecology_deaths.png",
        *(f"results/day30/figures/{f}.{ext}" for f in FIGURES for ext in ("png", "svg")),
    ]
    crawl_and_diff(tmp_path, tmp_path / "day30" / "hub.sqlite", "day30", targets)
    out = tmp_path / "results" / "day30" / "diff"
    old_db = duckdb.connect(str(tmp_path / "results" / "day0" / "hub.duckdb"), read_only=True)

    # models added and removed
    models = pl.read_parquet(out / "models.parquet")
    assert sorted(models.filter(pl.col("change") == "added")["id"]) == changes["added"]
    assert sorted(models.filter(pl.col("change") == "removed")["id"]) == changes["removed"]

    # edges: the new children's, and those of the deleted models
    edges = pl.read_parquet(out / "edges.parquet")
    added = edges.filter(pl.col("change") == "added").select("parent", "child", "relation")
    assert sorted(added.rows()) == sorted(tuple(e) for e in changes["new_edges"])
    removed_ids = tuple(changes["removed"])
    gone = old_db.execute(
        "SELECT parent, child, relation FROM edges WHERE list_contains(?, child)", [removed_ids]
    ).fetchall()
    removed = edges.filter(pl.col("change") == "removed").select("parent", "child", "relation")
    assert sorted(removed.rows()) == sorted(gone)
    counts = pl.read_csv(out / "edge_counts.tsv", separator="\t")
    by_relation = Counter(relation for _, _, relation in changes["new_edges"])
    assert dict(zip(counts["relation"], counts["added"], strict=True)) == {
        r: by_relation.get(r, 0) for r in counts["relation"]
    }
    assert sum(counts["removed"]) == len(gone)

    # license, task and gated changes on models in both; every commit a sha change
    changed = pl.read_parquet(out / "changed.parquet")

    def field(name: str) -> dict[str, list[str]]:
        rows = changed.filter(pl.col("field") == name).select("id", "from", "to").rows()
        return {i: [a, b] for i, a, b in rows}

    def planted(kind: str) -> dict[str, list[str]]:
        return {i: [_none(a), _none(b)] for i, (a, b) in changes[kind].items()}

    assert field("license") == planted("license_changes")
    assert field("task") == planted("task_changes")
    assert field("gated") == planted("gate_changes")
    assert field("library") == {}
    assert sorted(field("sha")) == changes["edited"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["changed"] == {
        "sha": len(changes["edited"]),
        "license": len(changes["license_changes"]),
        "task": len(changes["task_changes"]),
        "library": 0,
        "gated": len(changes["gate_changes"]),
    }
    field_changes = pl.read_csv(out / "field_changes.tsv", separator="\t")
    license_pairs = Counter(tuple(v) for v in planted("license_changes").values())
    assert {
        (a, b): n
        for f, a, b, n in field_changes.rows()
        if f == "license"
    } == dict(license_pairs)  # fmt: skip

    # families: the new ones exactly, and every old family grown by its new children
    # minus its deleted models
    families = pl.read_parquet(out / "families.parquet")
    new = families.filter(pl.col("new_family") & (pl.col("models_after") >= 2))
    assert {r: n - 1 for r, n in new.select("root", "models_after").rows()} == changes[
        "new_families"
    ]
    genealogy0 = tmp_path / "results" / "day0" / "genealogy" / "all"
    nodes0 = pl.read_parquet(genealogy0 / "nodes.parquet").filter(~pl.col("external"))
    family_of = dict(nodes0.select("id", "family").rows())
    fams0 = pl.read_parquet(genealogy0 / "families.parquet")
    gained = Counter(family_of[p] for p, _, _ in changes["new_edges"] if p in family_of)
    lost = Counter(family_of[m] for m in changes["removed"])
    expected_by_root = {  # every old family with a model left
        root: gained[f] - lost[f]
        for f, root, models in fams0.select("family", "root", "models").rows()
        if models > lost[f]
    }
    grown = families.filter(~pl.col("new_family")).select("root_before", "growth").rows()
    assert dict(grown) == expected_by_root
    assert summary["families"]["joined"] == 0

    # the second crawl: a fresh crawl's requests minus those of the reused cards
    cost = dict(old_db.execute("SELECT status, max(requests) FROM cards GROUP BY ALL").fetchall())
    ok0 = {i for (i,) in old_db.execute("SELECT id FROM cards WHERE status = 'ok'").fetchall()}
    now_restricted = {m for m, (_, after) in changes["gate_changes"].items() if after}
    must_fetch = set(changes["removed"]) | set(changes["edited"]) | now_restricted
    expected_reused = len(ok0 - must_fetch)
    new_db = duckdb.connect(str(tmp_path / "results" / "day30" / "hub.duckdb"), read_only=True)
    fresh = sum(
        cost.get(status, 0) * n
        for status, n in new_db.execute(
            "SELECT status, count(*) FROM cards GROUP BY ALL"
        ).fetchall()
    )
    requests = {
        r["snapshot"]: r for r in pl.read_csv(out / "requests.tsv", separator="\t").to_dicts()
    }
    assert requests["day30"]["cards_reused"] == expected_reused > 0
    assert summary["requests"]["saved_card_requests"] == cost["ok"] * expected_reused
    assert requests["day30"]["card_requests"] == fresh - cost["ok"] * expected_reused
    assert requests["day30"]["card_requests"] < requests["day0"]["card_requests"]

    # the time series: both snapshots in date order, and the figures
    series = pl.read_csv(
        tmp_path / "results" / "day30" / "timeseries" / "series.tsv", separator="\t"
    )
    assert series["snapshot"].to_list() == ["day0", "day30"]
    assert series["models"][1] - series["models"][0] == len(changes["added"]) - len(
        changes["removed"]
    )
    assert series["edges"][1] - series["edges"][0] == len(changes["new_edges"]) - len(gone)
    for target in targets:
        assert (tmp_path / target).stat().st_size > 0, target

    # the ecology stage's deaths, run by the workflow on the diff's tables: every removed
    # model a death, every model gated since a newly gated one
    deaths = json.loads(
        (tmp_path / "results" / "day30" / "ecology" / "deaths_summary.json").read_text()
    )
    assert deaths["status"] == "compared" and deaths["previous"] == "day0"
    assert deaths["deaths"]["models"] == len(changes["removed"])
    newly = [m for m, (before, after) in changes["gate_changes"].items() if after and not before]
    assert deaths["newly_gated"]["models"] == len(newly) > 0

    # The earlier snapshot moved away: the finished crawl keeps what it reused, so
    # nothing of day30's snapshot is made again (no card fetched from today's hub).
    (tmp_path / "results" / "day0").rename(tmp_path / "day0-elsewhere")
    plan = planned(tmp_path, "day30", ["results/day30/hub.duckdb"])
    assert "Nothing to be done" in plan, plan[-3000:]
