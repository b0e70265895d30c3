"""The genealogy rules run end to end with Snakemake on a crawled snapshot."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from phylohub.hub.synth import SynthConfig
from tests.pipeline import snapshot_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_rules_write_every_table_and_figure(tmp_path: Path) -> None:
    snapshot_of(SynthConfig(n_models=2000, seed=5), tmp_path / "results" / "mini")
    cfg = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    cfg["snapshot"] = "mini"
    cfg["genealogy"]["figures"].update(draw_min_size=5, draw_max_size=200)
    (tmp_path / "mini.yaml").write_text(yaml.safe_dump(cfg))
    # This stage's rules alone (the Snakefile's other stages are tested by their own tests)
    (tmp_path / "Snakefile").write_text(
        f'configfile: "{tmp_path / "mini.yaml"}"\n'
        f'include: "{ROOT / "workflow" / "rules" / "common.smk"}"\n'
        f'include: "{ROOT / "workflow" / "rules" / "genealogy.smk"}"\n'
    )
    sets = list(cfg["genealogy"]["relation_sets"])
    targets = [f"results/mini/genealogy/{s}/summary.json" for s in sets]
    targets += ["results/mini/genealogy/shapes.tsv"]
    targets += [
        f"results/mini/figures/family_{f}.png" for f in ("trees", "sizes", "depths", "virality")
    ]
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(tmp_path / "Snakefile"),
         "--directory", str(tmp_path), "--configfile", str(tmp_path / "mini.yaml"),
         "--cores", "2", *targets],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    for target in targets:
        assert (tmp_path / target).stat().st_size > 0, target
    summary = json.loads((tmp_path / "results/mini/genealogy/all/summary.json").read_text())
    assert summary["relations"] == cfg["genealogy"]["relation_sets"]["all"]
    assert summary["nodes"] == summary["models"] + summary["external_ancestors"]
    rules = ("build_genealogy/finetune", "count_family_shapes", "plot_family_trees",
             "plot_family_figures")  # fmt: skip
    for rule in rules:
        assert (tmp_path / "benchmarks" / "mini" / f"{rule}.tsv").is_file()
        assert (tmp_path / "logs" / "mini" / f"{rule}.log").is_file()
    # One job draws sizes, depths and virality; any one set's tables made anew rerun it
    # (Snakemake reruns a job whose input's job reruns), and no other set's.
    figures = targets[-3:]
    for table in (f"results/mini/genealogy/{sets[-1]}/depths.tsv",
                  f"results/mini/genealogy/{sets[0]}/families.parquet"):  # fmt: skip
        dry = subprocess.run(
            [sys.executable, "-m", "snakemake", "--snakefile", str(tmp_path / "Snakefile"),
             "--directory", str(tmp_path), "--configfile", str(tmp_path / "mini.yaml"),
             "--cores", "2", "--dry-run", "--forcerun", table, "--", *figures],
            capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        assert dry.returncode == 0, dry.stderr[-3000:]
        jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", dry.stdout, flags=re.MULTILINE))
        assert jobs == {"build_genealogy": "1", "plot_family_figures": "1", "total": "2"}, (
            table, dry.stdout[-2000:])  # fmt: skip
