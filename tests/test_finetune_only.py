"""A Hub with fine-tunes only (no adapters, quantized models or merges) goes through the
whole workflow: every rule succeeds, relations without edges are counted as 0, the
relation sets that become one graph agree, and the counts reconcile with the truth."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from phylohub.genealogy.graphs import RELATION_SETS
from phylohub.hub.replica import ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig, generate
from tests.pipeline import run_workflow, snakemake

pytestmark = pytest.mark.slow  # the whole workflow on 1,500 models: about a minute

FINETUNE_ONLY = SynthConfig(
    n_models=1500,
    seed=3,
    relation_mix={"finetune": 1.0, "adapter": 0.0, "quantized": 0.0, "merge": 0.0},
    untyped_share=0.0,  # no plain base_model tags either: no "unknown" edges
)
OTHERS = ("adapter", "quantized", "merge", "unknown")


@pytest.fixture(scope="module")
def finetune_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workflow's folder after a run on the fine-tune-only ecosystem."""
    folder = tmp_path_factory.mktemp("finetune_only")
    generate(FINETUNE_ONLY, folder / "store")
    with run_replica(ReplicaConfig(store=folder / "store" / "hub.sqlite")) as hub:
        result = run_workflow(folder, hub.endpoint)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


def results(folder: Path) -> Path:
    return folder / "results" / "tiny"


def truth_edges(folder: Path) -> Counter[tuple[str, bool]]:
    """Planted edges of listed children: (relation, parent listed) -> edges."""
    db = sqlite3.connect(folder / "store" / "hub.sqlite")
    rows = db.execute(
        "SELECT e.relation, p.private = 0 FROM truth_edges e JOIN models c ON c.key = e.child"
        " JOIN models p ON p.key = e.parent WHERE c.private = 0"
    )
    return Counter((relation, bool(listed)) for relation, listed in rows)


def test_every_target_is_built(finetune_only: Path) -> None:
    dry = snakemake(finetune_only, finetune_only / "tiny.yaml", "--dry-run")
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert "Nothing to be done" in dry.stdout + dry.stderr
    figures = sorted(p.name for p in (results(finetune_only) / "figures").glob("*.png"))
    assert len(figures) >= 14 and "family_trees.png" in figures, figures


def test_relations_without_edges_count_zero_and_the_counts_reconcile(finetune_only: Path) -> None:
    planted = truth_edges(finetune_only)
    assert {relation for relation, _ in planted} == {"finetune"}  # the shape
    overview = dict(
        pl.read_csv(results(finetune_only) / "summary" / "overview.tsv", separator="\t").iter_rows()
    )
    assert overview["edges.finetune"] == overview["edges.all"] == planted["finetune", True] > 0
    assert overview["edges.parent_missing"] == planted["finetune", False]
    for relation in OTHERS:
        assert overview[f"edges.{relation}"] == 0
    findings = {
        f["id"]: f for f in json.loads((results(finetune_only) / "findings.json").read_text())[
            "findings"]
    }  # fmt: skip
    for relation in ("adapter", "quantized", "merge", "unknown"):
        assert findings[f"edges_{relation}"]["shown"] == "0"
    # the traits stage: the pooled rows are the finetune rows; empty relations have 0 pairs
    rates = pl.read_parquet(results(finetune_only) / "traits" / "mutation_rates.parquet")
    pooled = rates.filter(pl.col("relation") == "all").drop("relation")
    assert pooled.equals(rates.filter(pl.col("relation") == "finetune").drop("relation"))
    assert (rates.filter(pl.col("relation").is_in(OTHERS))["pairs"] == 0).all()


def test_relation_sets_that_are_one_graph_agree(finetune_only: Path) -> None:
    planted = truth_edges(finetune_only)
    genealogy = results(finetune_only) / "genealogy"
    summaries: dict[str, dict[str, Any]] = {
        name: json.loads((genealogy / name / "summary.json").read_text()) for name in RELATION_SETS
    }
    edges = planted["finetune", True] + planted["finetune", False]
    for name, summary in summaries.items():
        counted = summary.pop("edges_by_relation")
        assert counted["finetune"] == summary["edges"] == edges, name
        assert all(counted.get(r, 0) == 0 for r in OTHERS), name
        summary.pop("relations")
    assert summaries["finetune"] == summaries["no_merge"] == summaries["all"]
    shapes = pl.read_csv(genealogy / "shapes.tsv", separator="\t")
    assert shapes["finetune"].equals(shapes["no_merge"])
    assert shapes["all"].equals(shapes["finetune"])
    # the figures draw the three sets once, and say so
    sizes = (results(finetune_only) / "figures" / "family_sizes.svg").read_text()
    assert "all, finetune, no_merge (identical)" in sizes  # the sets by name, one line
    virality = (results(finetune_only) / "figures" / "family_virality.svg").read_text()
    assert "no_merge (identical to finetune)" in virality
