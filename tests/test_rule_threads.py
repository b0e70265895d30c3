"""On a workstation the rules after the build run single-threaded side by side: one
DuckDB, Polars or BLAS job given both cores used 1.1-1.7 of them and left the rest idle
(docs/architecture.md, checklist item 2). Only the build (the first step, alone) and
``infer_kin`` (the head of the longest chain after it) take two threads, and
``infer_kin``'s priority must beat any two single-threaded jobs' together, or the
scheduler keeps choosing pairs of them and leaves it to the end. Figures go last: every
figure rule has a lower priority than every other rule, so the end of a run is figure
jobs side by side, not one job of a long chain alone; and among them the long ones (1) go
before the short ones (0), so that the last jobs to start are short."""

from __future__ import annotations

import pytest

from tests.imports import bench_script
from tests.pipeline import snakemake, workflow_config

BOTH_CORES = {"build_snapshot", "infer_kin"}


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, int]]:
    """rule -> (threads, priority) of every job in a dry run of the whole workflow on
    2 cores, read as bench/schedule.py reads it."""
    tmp_path = tmp_path_factory.mktemp("threads")
    config = workflow_config(tmp_path, "http://127.0.0.1:9")
    run = snakemake(tmp_path, config, "--dry-run", "--forceall", "--cores", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    return bench_script("schedule").job_settings(run.stdout)  # type: ignore[no-any-return]


def test_only_the_build_and_infer_kin_take_both_cores(jobs: dict[str, tuple[int, int]]) -> None:
    assert len(jobs) > 30, sorted(jobs)  # the plan was read: every stage's rules
    assert {rule for rule, (threads, _) in jobs.items() if threads > 1} == BOTH_CORES


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
