"""bench/schedule.py replays jobs as a list schedule: the ready job of highest priority
first, ties at random; and reads threads and priorities from a dry run's plan."""

from __future__ import annotations

import random
from types import ModuleType

from tests.imports import bench_script


def schedule() -> ModuleType:
    return bench_script("schedule")


# A chain of two 5-s jobs (0 -> 1) and two 5-s leaves (2, 3) on 2 cores: the chain first
# ends at 10 s; both leaves first leave the chain to run alone, to 15 s.
SECONDS = dict.fromkeys(range(4), 5.0)
WAITS: dict[int, set[int]] = {0: set(), 1: {0}, 2: set(), 3: set()}
THREADS = dict.fromkeys(range(4), 1)


def test_the_chain_first_when_it_has_the_priority() -> None:
    makespan = schedule().makespan
    priority = {0: 1, 1: 1, 2: 0, 3: 0}
    spans = {makespan(SECONDS, WAITS, THREADS, priority, 2, random.Random(s)) for s in range(20)}
    assert spans == {10.0}


def test_ties_at_random_without_priorities() -> None:
    makespan = schedule().makespan
    spans = {
        makespan(SECONDS, WAITS, THREADS, dict.fromkeys(range(4), 0), 2, random.Random(s))
        for s in range(50)
    }
    assert spans == {10.0, 15.0}


def test_a_job_on_both_cores_runs_alone() -> None:
    makespan = schedule().makespan
    threads = {0: 2, 1: 1, 2: 1, 3: 1}
    priority = {0: 10, 1: 0, 2: 0, 3: 0}
    assert makespan(SECONDS, WAITS, threads, priority, 2, random.Random(0)) == 15.0


def test_threads_and_priority_read_from_a_plan() -> None:
    plan = (
        "[Sun Dec  6 12:00:00 2026]\nrule infer_kin:\n    jobid: 8\n    threads: 2\n"
        "    priority: 10\n\n[Sun Dec  6 12:00:00 2026]\nrule plot_summary:\n    jobid: 9\n"
        "\n[Sun Dec  6 12:00:00 2026]\nlocalrule all:\n    jobid: 0\n    priority: 1\n"
    )
    assert schedule().job_settings(plan) == {
        "infer_kin": (2, 10),
        "plot_summary": (1, 0),
        "all": (1, 1),
    }
