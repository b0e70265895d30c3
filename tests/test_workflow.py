"""The workflow end to end on a tiny replica: snakemake drives the real client."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from phylohub.hub.replica import ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig, generate

ROOT = Path(__file__).resolve().parents[1]


def test_demo_workflow_lists_every_model_once(tmp_path: Path) -> None:
    generate(SynthConfig(n_models=2500, seed=2), tmp_path / "store")
    with run_replica(ReplicaConfig(store=tmp_path / "store" / "hub.sqlite")) as hub:
        cfg = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
        cfg["snapshot"] = "tiny"
        cfg["hub"].update(endpoint=hub.endpoint, page_size=400, pages_per_part=2)
        (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(cfg))
        result = subprocess.run(
            [
                sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
                "--directory", str(tmp_path), "--configfile", str(tmp_path / "tiny.yaml"),
                "--cores", "2",
            ],
            capture_output=True, text=True, check=False, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
    listing = tmp_path / "results" / "tiny" / "crawl" / "listing"
    manifest = json.loads((listing / "manifest.json").read_text())
    ids = [i for part in manifest["parts"] for i in pq.read_table(listing / part)["id"].to_pylist()]
    expected = {
        i for (i,) in sqlite3.connect(tmp_path / "store" / "hub.sqlite").execute(
            "SELECT id FROM models WHERE private = 0"
        )
    }  # fmt: skip
    assert len(ids) == len(set(ids)) == manifest["models"]
    assert set(ids) == expected
    assert (tmp_path / "benchmarks" / "tiny" / "list_models.tsv").is_file()
