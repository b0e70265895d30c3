"""On a workstation the rules after the build run single-threaded side by side: one
DuckDB, Polars or BLAS job given both cores used 1.1-1.7 of them and left the rest idle
(docs/architecture.md, checklist item 2). Only the build (the first step, alone) takes
two threads, and ``infer_kin`` when the genealogy waits for its edges
(``genealogy.inferred: include:...``); ``infer_kin``'s priority must beat any two
single-threaded jobs' together, or the scheduler keeps choosing pairs of them and leaves
it, the longest job at the Hub's size, to the end. Figures go last: every
figure rule has a lower priority than every other rule, so the end of a run is figure
jobs side by side, not one job of a long chain alone; and among them the long ones (1) go
before the short ones (0), so that the last jobs to start are short."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.imports import bench_script
from tests.pipeline import ROOT, snakemake, workflow_config


def planned_jobs(tmp_path: Path, **overrides: Any) -> dict[str, tuple[int, int]]:
    """rule -> (threads, priority) of every job in a dry run of the whole workflow on
    2 cores (the config's ``overrides`` applied), read as bench/schedule.py reads it."""
    config = workflow_config(tmp_path, "http://127.0.0.1:9", **overrides)
    run = snakemake(tmp_path, config, "--dry-run", "--forceall", "--cores", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    return bench_script("schedule").job_settings(run.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, int]]:
    """The jobs of the demo's settings (``genealogy.inferred: exclude``)."""
    return planned_jobs(tmp_path_factory.mktemp("threads"))


def test_only_the_build_takes_both_cores(jobs: dict[str, tuple[int, int]]) -> None:
    assert len(jobs) > 30, sorted(jobs)  # the plan was read: every stage's rules
    assert {rule for rule, (threads, _) in jobs.items() if threads > 1} == {"build_snapshot"}


def test_infer_kin_takes_both_cores_when_the_genealogy_waits_for_it(tmp_path: Path) -> None:
    genealogy = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())["genealogy"]
    jobs = planned_jobs(tmp_path, genealogy={**genealogy, "inferred": "include:0.8"})
    assert {rule for rule, (threads, _) in jobs.items() if threads > 1} == {
        "build_snapshot",
        "infer_kin",
    }


def test_infer_kin_starts_before_any_pair_of_other_jobs(jobs: dict[str, tuple[int, int]]) -> None:
    others = sorted((p for rule, (_, p) in jobs.items() if rule != "infer_kin"), reverse=True)
    assert jobs["infer_kin"][1] > others[0] + others[1], (jobs["infer_kin"], others[:2])


def test_figures_go_after_every_rule_whose_output_is_read(
    jobs: dict[str, tuple[int, int]],
) -> None:
    figures = {rule: p for rule, (_, p) in jobs.items() if rule.startswith("plot_")}
    tables = {rule: p for rule, (_, p) in jobs.items() if rule != "all" and rule not in figures}
    assert len(figures) >= 9 and len(tables) >= 20, (figures, tables)
    assert max(figures.values()) < min(tables.values()), (figures, tables)
    assert set(figures.values()) == {0, 1}, figures  # long figures first, short ones last
