"""The vocabularies' fit is a rule of its own that depends on the snapshot and the
options that decide a vocabulary: new kin pairs (``similarity.draws``) rerun neither the
fit nor the merges' resemblance, a new vocabulary sample reruns the fit and both rules
that measure with it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.pipeline import ROOT, snakemake

TARGETS = [
    "results/vtest/similarity/pair_similarity.parquet",
    "results/vtest/merges/resemblance.parquet",
]


def config(folder: Path, name: str, **similarity: object) -> Path:
    cfg = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    cfg["snapshot"] = "vtest"
    cfg["similarity"] = {**cfg.get("similarity", {}), "draws": 300, "bootstrap": 200,
                         **similarity}  # fmt: skip
    cfg.setdefault("merges", {}).update(bootstrap=50, resemblance_control=200)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def planned(folder: Path, cfg: Path) -> dict[str, int]:
    """Jobs a dry run would run for TARGETS: rule -> count (Snakemake's job stats)."""
    dry = snakemake(folder, cfg, "--dry-run", "--cores", "1", *TARGETS)
    assert dry.returncode == 0, dry.stderr[-3000:]
    text = dry.stdout + dry.stderr
    if "Nothing to be done" in text:
        return {}
    stats = text.split("Job stats:", 1)[1]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", stats, re.M)}


@pytest.fixture(scope="module")
def built(snapshot20k: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("vocabulary_reruns")
    (folder / "results" / "vtest").mkdir(parents=True)
    shutil.copy(snapshot20k, folder / "results" / "vtest" / "hub.duckdb")
    # the card texts' home beside it (build_snapshot's parquet folder)
    shutil.copytree(snapshot20k.parent / "parquet", folder / "results" / "vtest" / "parquet")
    run = snakemake(folder, config(folder, "base"), "--cores", "2", *TARGETS)
    assert run.returncode == 0, run.stderr[-3000:]
    return folder


def test_new_kin_pairs_rerun_neither_the_fit_nor_the_resemblance(built: Path) -> None:
    assert planned(built, config(built, "same")) == {}
    jobs = planned(built, config(built, "draws", draws=400))
    assert jobs.get("sample_kin_pairs") == 1 and jobs.get("compute_similarity") == 1
    assert "fit_similarity_vocabulary" not in jobs
    assert "measure_merge_resemblance" not in jobs


def test_a_new_vocabulary_sample_refits_and_remeasures_both(built: Path) -> None:
    jobs = planned(built, config(built, "sample", vocabulary_sample=5000))
    assert jobs.get("fit_similarity_vocabulary") == 1
    assert jobs.get("compute_similarity") == 1 and jobs.get("measure_merge_resemblance") == 1
    assert "sample_kin_pairs" not in jobs
