"""The similarity rules run on a snapshot and make their tables and figures."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from phylohub.similarity.stage import read_tsv

ROOT = Path(__file__).resolve().parents[2]
TARGETS = [
    "results/simtest/figures/similarity_by_relation.png",
    "results/simtest/figures/similarity_measures.png",
]


def test_the_rules_make_every_output(snapshot20k: Path, tmp_path: Path) -> None:
    (tmp_path / "results" / "simtest").mkdir(parents=True)
    shutil.copy(snapshot20k, tmp_path / "results" / "simtest" / "hub.duckdb")
    # the card texts' home beside it (build_snapshot's parquet folder)
    shutil.copytree(snapshot20k.parent / "parquet", tmp_path / "results" / "simtest" / "parquet")
    cfg = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    cfg["snapshot"] = "simtest"
    cfg["similarity"].update(draws=300, bootstrap=200)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    result = subprocess.run(
        [
            sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
            "--directory", str(tmp_path), "--configfile", str(tmp_path / "c.yaml"),
            "--cores", "2", *TARGETS,
        ],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    d = tmp_path / "results" / "simtest" / "similarity"
    for target in TARGETS:
        assert (tmp_path / target).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    means = read_tsv(d / "similarity_means.tsv").to_pylist()
    assert {r["relation"] for r in means} == {
        "parent_child",
        "siblings",
        "grandparent",
        "uncle_nephew",
        "great_grandparent",
        "cousins",
        "random",
    }
    assert len(read_tsv(d / "similarity_tests.tsv")) > 0
    assert pq.read_table(d / "pair_similarity.parquet").num_rows > 0
    for rule in ("sample_kin_pairs", "compute_similarity", "summarize_similarity",
                 "plot_similarity_figures"):  # fmt: skip
        assert (tmp_path / "logs" / "simtest" / f"{rule}.log").is_file()
        assert (tmp_path / "benchmarks" / "simtest" / f"{rule}.tsv").is_file()
