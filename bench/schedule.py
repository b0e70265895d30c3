"""Benchmark: how the rules' priorities order the work after the crawl on N cores.

    .venv/bin/python bench/schedule.py results/bench/pipeline-1860000-c2-render.tsv

Takes the per-rule wall seconds of a ``bench/pipeline.py`` run (its TSV, a rule's seconds
split evenly over its jobs) and the job graph and priorities of the same workflow (a
dry run and ``--dag`` of the run's config, ``results/bench/<tag>.yaml`` beside the TSV),
and replays the run after the crawl as a list schedule: whenever cores are free, the
ready job of highest priority starts, ties broken at random (Snakemake's scheduler
chooses among jobs of equal priority by what fills the cores, not by what comes after
them). It prints the makespan's median, 10th and 90th percentile and maximum over
``--draws`` tie-breaks, for the workflow's priorities and for none at all, beside two
bounds: the total work over the cores and the longest chain. A model, not a run: it
leaves out job start-up and the machine's noise, and assumes each job takes the seconds
it took in that run whatever runs beside it.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "results" / "bench" / "work"
CRAWL = {"list_models", "fetch_cards", "fetch_configs", "fetch_bootstrap"}


def snakemake(config: Path, *args: str) -> str:
    """stdout of a Snakemake call on the bench's work folder with ``config``."""
    command = [
        str(Path(sys.executable).parent / "snakemake"),
        "--snakefile", str(ROOT / "Snakefile"),
        "--directory", str(WORK),
        "--configfile", str(config),
        "--cores", "2",
        "--forcerun", "build_snapshot",
        *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def jobs_of(config: Path) -> tuple[dict[int, str], dict[int, set[int]], dict[str, tuple[int, int]]]:
    """The job graph (job -> rule, job -> the jobs it waits for) and rule -> (threads,
    priority), the crawl's jobs left out."""
    dot = snakemake(config, "--dag")
    labels = re.findall(r'(\d+)\[label = "([^"]+)"', dot)
    rule = {int(n): label.split("\\n")[0] for n, label in labels}
    rule = {job: name for job, name in rule.items() if name not in CRAWL}
    waits: dict[int, set[int]] = {job: set() for job in rule}
    for parent, child in re.findall(r"(\d+) -> (\d+)", dot):
        if int(parent) in rule and int(child) in rule:
            waits[int(child)].add(int(parent))
    return rule, waits, job_settings(snakemake(config, "--dry-run"))


def job_settings(plan: str) -> dict[str, tuple[int, int]]:
    """rule -> (threads, priority) from a dry run's printed plan (Snakemake prints a job's
    threads and priority only where they are not 1 and 0)."""
    settings: dict[str, tuple[int, int]] = {}
    for block in re.split(r"^\[[^\]]+\]$", plan, flags=re.MULTILINE):
        name = re.search(r"^(?:local)?rule (\w+):", block, flags=re.MULTILINE)
        if name is None:
            continue
        threads = re.search(r"^\s+threads: (\d+)", block, flags=re.MULTILINE)
        priority = re.search(r"^\s+priority: (-?\d+)", block, flags=re.MULTILINE)
        settings[name.group(1)] = (
            int(threads.group(1)) if threads else 1,
            int(priority.group(1)) if priority else 0,
        )
    return settings


def seconds_of(table: Path) -> dict[str, float]:
    """rule -> wall seconds per job in a bench/pipeline.py TSV."""
    seconds = {}
    with table.open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["rule"] != "(stage)" and row["stage"] != "total" and int(row["jobs"]):
                seconds[row["rule"]] = float(row["wall_s"]) / int(row["jobs"])
    return seconds


def makespan(
    seconds: dict[int, float],
    waits: dict[int, set[int]],
    threads: dict[int, int],
    priority: dict[int, int],
    cores: int,
    rng: random.Random,
) -> float:
    """The end of a list schedule: ready jobs by priority, ties at random."""
    clock, free = 0.0, cores
    done: set[int] = set()
    started: set[int] = set()
    running: list[tuple[float, int]] = []
    while len(done) < len(seconds):
        ready = [j for j in seconds if j not in started and waits[j] <= done]
        rng.shuffle(ready)
        ready.sort(key=lambda j: -priority[j])
        for job in ready:
            if threads[job] <= free:
                free -= threads[job]
                started.add(job)
                running.append((clock + seconds[job], job))
        running.sort()
        clock, job = running.pop(0)
        free += threads[job]
        done.add(job)
    return clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", type=Path, help="a bench/pipeline.py TSV")
    parser.add_argument("--draws", type=int, default=300, help="tie-breaks per scheme")
    parser.add_argument("--seed", type=int, default=0)
    a = parser.parse_args()
    config = a.table.with_name(a.table.name.removesuffix(".tsv") + ".yaml")
    cores = int(a.table.name.split("-c")[1].split("-")[0])
    rule, waits, settings = jobs_of(config)
    per_rule = seconds_of(a.table)
    seconds = {job: per_rule.get(name, 0.0) for job, name in rule.items()}
    threads = {job: min(settings.get(name, (1, 0))[0], cores) for job, name in rule.items()}
    ordered = {job: settings.get(name, (1, 0))[1] for job, name in rule.items()}
    unordered = dict.fromkeys(rule, 0)
    chain: dict[int, float] = {}

    def longest(job: int) -> float:
        if job not in chain:
            chain[job] = seconds[job] + max((longest(p) for p in waits[job]), default=0.0)
        return chain[job]

    work = sum(seconds[j] * threads[j] for j in rule)
    print(f"{a.table.name}: {len(rule)} jobs after the crawl, {cores} cores")
    chain_s = max(map(longest, rule))
    print(f"bounds: work / cores {work / cores:.1f} s, longest chain {chain_s:.1f} s")
    print("priorities          median     p10     p90     max")
    for name, priority in (("the workflow's", ordered), ("none", unordered)):
        rng = random.Random(a.seed)
        spans = [makespan(seconds, waits, threads, priority, cores, rng) for _ in range(a.draws)]
        deciles = statistics.quantiles(spans, n=10)
        print(
            f"{name:16s} {statistics.median(spans):7.1f} {deciles[0]:7.1f} "
            f"{deciles[-1]:7.1f} {max(spans):7.1f}"
        )


if __name__ == "__main__":
    main()
