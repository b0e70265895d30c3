"""The workflow end to end on a tiny replica: crawl and snapshot equal the planted truth."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import yaml

from phylohub.hub.cards import render_card
from phylohub.hub.replica import ReplicaConfig, run_replica
from phylohub.hub.store import Store
from phylohub.hub.synth import SynthConfig, generate

ROOT = Path(__file__).resolve().parents[1]


def run_workflow(workdir: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    cfg = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    cfg["snapshot"] = "tiny"
    cfg["hub"].update(endpoint=endpoint, page_size=400, pages_per_part=2)
    cfg["crawl"].update(shards=3, parallel_shards=2)
    cfg["arxiv"].update(endpoint=endpoint)
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(cfg))
    return subprocess.run(
        [
            sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
            "--directory", str(workdir), "--configfile", str(workdir / "tiny.yaml"),
            "--cores", "2", "--resources", "hub_requests=2",
        ],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip


def test_snapshot_equals_the_planted_ecosystem(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    generate(SynthConfig(n_models=2500, seed=2), store_dir)
    with run_replica(ReplicaConfig(store=store_dir / "hub.sqlite")) as hub:
        result = run_workflow(tmp_path, hub.endpoint)
        assert result.returncode == 0, result.stderr[-3000:]

    cap = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())["crawl"]["max_card_bytes"]
    store = Store(store_dir / "hub.sqlite")
    listed = {r["id"]: r for r in store.iter_rows("private = 0")}
    db = duckdb.connect(str(tmp_path / "results" / "tiny" / "hub.duckdb"), read_only=True)
    # every listed model, once
    models = dict(db.sql("SELECT id, sha FROM models").fetchall())
    assert models == {i: r["sha"] for i, r in listed.items()}
    # every edge with its relation (parents outside the listing kept and flagged)
    key_to_id = {r["key"]: r["id"] for r in store.iter_rows()}
    truth = {
        (key_to_id[p], key_to_id[c], rel, bool(p_listed))
        for c, p, rel, p_listed in sqlite3.connect(store_dir / "hub.sqlite").execute(
            "SELECT e.child, e.parent, e.relation, e.parent_listed FROM truth_edges e "
            "JOIN models m ON m.key = e.child WHERE m.private = 0"
        )
    }
    edges = set(db.sql("SELECT parent, child, relation, parent_in_snapshot FROM edges").fetchall())
    assert edges == truth
    # every card byte-identical, every model with exactly one card row
    cards = {
        i: (s, t, cut, size)
        for i, s, t, cut, size in db.sql(
            "SELECT id, status, text, truncated, bytes FROM cards"
        ).fetchall()
    }
    assert set(cards) == set(listed)
    for model_id, row in listed.items():
        status, text, truncated, size = cards[model_id]
        if row["card"] is None:
            assert status == "no_readme"
        elif row["gated"] or row["disabled"]:
            assert status in ("gated", "disabled")
        else:
            card_data = json.loads(row["card_data"]) if row["card_data"] else None
            expected = render_card(json.loads(row["card"]), card_data).encode()
            assert status == "ok" and size == len(expected)
            if truncated:  # a huge card, cut at crawl.max_card_bytes
                assert len(expected) > cap and expected.startswith(text.encode())
            else:
                assert text.encode() == expected
    benchmarks = tmp_path / "benchmarks" / "tiny"
    assert (benchmarks / "list_models.tsv").is_file()
    assert (benchmarks / "build_snapshot.tsv").is_file()
