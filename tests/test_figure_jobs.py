"""A stage's small figures are drawn in one job each stage, not one job per figure: each
paid for its own interpreter, phylohub and matplotlib imports and Snakemake's job
start-up (about 1-2 s of wall and 1 s of CPU), more than most of them take to draw."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.pipeline import snakemake, workflow_config

FIGURES = {  # rule -> the figures it draws
    "plot_summary": ("ecosystem_distributions", "documentation_availability", "crawl_health"),
    "plot_family_figures": ("family_sizes", "family_depths", "family_virality"),
    "plot_similarity_figures": ("similarity_by_relation", "similarity_measures"),
    "plot_merges": (
        "merges_pedigree",
        "merges_inheritance",
        "merges_license_dominance",
        "merges_inbreeding",
        "merges_resemblance",
    ),
    "plot_ecology": (
        "ecology_births",
        "ecology_succession",
        "ecology_half_lives",
        "ecology_deaths",
    ),
}


@pytest.mark.parametrize("rule", FIGURES)
def test_one_job_draws_the_stage_figures(rule: str, tmp_path: Path) -> None:
    config = workflow_config(tmp_path, "http://127.0.0.1:9")
    targets = [f"results/tiny/figures/{name}.png" for name in FIGURES[rule]]
    run = snakemake(tmp_path, config, "--dry-run", "--cores", "1", *targets)
    assert run.returncode == 0, run.stderr[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", run.stdout, flags=re.MULTILINE))
    assert counts.get("build_snapshot") == "1"  # the plan was read
    assert counts.get(rule) == "1", counts
    assert not [r for r in counts if r.startswith("plot_") and r != rule], counts
