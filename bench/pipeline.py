"""Benchmark: the whole workflow on a synthetic ecosystem of N models, one table.

    .venv/bin/python bench/pipeline.py --models 100000 --cores 2
    .venv/bin/python bench/pipeline.py --models 1860000 --crawl render

Generates the ecosystem (cached by size and seed under results/bench/), then

- ``--crawl http`` (default): serves it with the replica from a separate process and runs
  the workflow's crawl (``list_models``, ``fetch_cards``) against it over loopback;
- ``--crawl render``: writes the crawl's files straight from the store with
  ``bench/make_snapshot.py`` (no HTTP: for sizes whose HTTP crawl takes hours here);

and then everything after the crawl (snapshot build, arXiv categories from the replica's
arXiv API, genealogy, similarity, traits, summary, findings, figures) as one Snakemake
run with ``--cores``, forced to rerun, and last ``snakemake --report``. Snakemake runs in
its own working directory, ``results/bench/work``, with a generated copy of
config/demo.yaml (snapshot ``crawl-N`` or ``synth-N``, ``crawl.previous: none``, an arXiv
cache of its own emptied first, ``diff.previous: none``: the diff stage needs a second
snapshot and is not measured here).

Prints and writes, under results/bench/:

- ``pipeline-N-cC-MODE.tsv`` (``-rateR`` added with ``--rate``): one row per rule
  (jobs; wall seconds from Snakemake's benchmark files; CPU seconds and peak RSS MB
  sampled every second by this script, since Snakemake's benchmark samples every 30 s
  once a job has run 15 s; shards and
  wildcards summed, peak = the largest job), one per stage, and the totals: the sums of
  the rules, and each phase (the crawl, everything after it) measured from outside: its
  wall seconds (jobs overlap on several cores), its CPU seconds and largest process
  from the kernel (exact, Snakemake itself included), and the peak RSS of all its
  processes at once (sampled every second);
- ``pipeline-N-cC-MODE.crawl.tsv``: the crawl's figures: requests per model (counted by
  the replica), listing models/s, cards/s, the replica's and the client's CPU seconds,
  the rate-budget use when ``--rate`` is set;
- ``scaling-cC.png`` (bench/plot_scaling.py): wall and CPU seconds per stage against models,
  over every table of that core count found, with the fitted exponent of each stage.

Runs alone on an otherwise quiet machine give the cleanest figures; the machine's load
average is recorded in the table.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import psutil
import yaml
from benchlib import ROOT, serving
from plot_scaling import plot_scaling

BENCH = ROOT / "results" / "bench"
WORK = BENCH / "work"
SHARDS = 4


@dataclass
class Row:
    """One line of the table: a rule, a stage or a total."""

    stage: str
    name: str
    jobs: int
    wall_s: float
    cpu_s: float
    max_rss_mb: float


def snapshot_name(mode: str, n: int, seed: int) -> str:
    base = ("crawl" if mode == "http" else "synth") + f"-{n}"
    return base if seed == 0 else f"{base}-s{seed}"


def write_config(
    snapshot: str, endpoint: str, rate: int, path: Path, rendered: bool = False
) -> None:
    """config/demo.yaml for this run: its snapshot, endpoint (the Hub's and arXiv's) and
    rate limit; no reuse of earlier cards or arXiv answers, no diff with another run.
    ``rendered``: the crawl's files were written from the store (listing and cards only),
    so no card dump and no config.json crawl, which would otherwise go to the replica."""
    config = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    config["snapshot"] = snapshot
    config["hub"]["endpoint"] = endpoint
    config["arxiv"]["endpoint"] = endpoint
    config["arxiv"]["cache"] = f"results/{snapshot}/arxiv-cache.sqlite"
    config["diff"]["previous"] = "none"
    config["replica"]["port"] = int(endpoint.rsplit(":", 1)[1])
    config["replica"]["store_dir"] = f"results/replica/{snapshot}"
    config["crawl"]["shards"] = SHARDS
    config["crawl"]["previous"] = "none"
    config["crawl"]["rate_limit"] = {"requests": rate * 10, "window_s": 10}
    if rendered:
        config["crawl"]["bootstrap"] = "none"
        config["crawl"]["configs"] = "none"
    path.write_text(yaml.safe_dump(config, sort_keys=False))


@dataclass
class Phase:
    """One Snakemake run, measured from outside: wall seconds, CPU seconds of it and all
    its jobs and the largest peak RSS of any one process (both from the kernel, exact),
    and the peak RSS of all its processes together (sampled every second)."""

    wall_s: float
    cpu_s: float
    max_process_rss_mb: float
    peak_total_rss_mb: float
    jobs: list[Job] = field(default_factory=list)


def snakemake(
    config: Path,
    cores: int,
    mem_mb: int,
    *targets: str,
    force: str = "",
    profiles: Path | None = None,
    mtime_only: bool = False,
) -> Phase:
    """Run the workflow in results/bench/work (``force``: a rule to rerun with all that
    follows it; ``mtime_only``: rerun a job only when an input is newer than its outputs,
    for crawl files written by bench/make_snapshot.py rather than by the workflow)."""
    command = [
        str(Path(sys.executable).parent / "snakemake"),
        *targets,
        "--snakefile", str(ROOT / "Snakefile"),
        "--directory", str(WORK),
        "--workflow-profile", str(ROOT / "workflow" / "profiles" / "default"),
        "--configfile", str(config),
        "--cores", str(cores),
        "--resources", f"mem_mb={mem_mb}", f"hub_requests={SHARDS}",
        *(["--forcerun", force] if force else []),
        *(["--rerun-triggers", "mtime"] if mtime_only else []),
    ]  # fmt: skip
    return measure(command, profiles)


def spy(pid: int, out: Path) -> None:
    """py-spy a process until it ends (20 samples a second, raw stacks into out)."""
    subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid),
         "--rate", "20", "--format", "raw", "--nonblocking", "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


@dataclass
class Job:
    """A rule's script process as the sampler saw it."""

    rule: str
    cpu_s: float = 0.0
    rss_mb: float = 0.0


class Sampler:
    """Every second: the RSS of a process tree, and the CPU seconds and peak RSS of each
    rule script in it (Snakemake's own benchmark samples every 30 s after the first 15,
    so it misses up to 30 s of a long job's CPU and peaks between samples); with
    ``profiles``, py-spy attached to each new script."""

    def __init__(self, pid: int, profiles: Path | None) -> None:
        self.pid = pid
        self.profiles = profiles
        self.peak_mb = 0.0
        self.jobs: dict[int, Job] = {}
        self.others: set[int] = set()

    def sample(self) -> None:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        total = 0.0
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                rss = proc.memory_info().rss / 2**20
                total += rss
                if proc.pid in self.others:
                    continue
                if proc.pid not in self.jobs:
                    argv = proc.cmdline()
                    script = next((a for a in argv if ".snakemake/scripts/" in a), None)
                    if script is None or "python" not in Path(argv[0]).name:
                        self.others.add(proc.pid)
                        continue
                    self.jobs[proc.pid] = Job(Path(script).name.split(".")[1])
                    if self.profiles is not None:
                        spy(proc.pid, self.profiles / f"{self.jobs[proc.pid].rule}-{proc.pid}.txt")
                job = self.jobs[proc.pid]
                t = proc.cpu_times()
                job.cpu_s = max(job.cpu_s, t.user + t.system)
                job.rss_mb = max(job.rss_mb, rss)
        self.peak_mb = max(self.peak_mb, total)


def measure(command: list[str], profiles: Path | None = None) -> Phase:
    """Run a command to its end (it must succeed) and measure it; with ``profiles``,
    profile every rule script it starts into that folder."""
    start = time.perf_counter()
    proc = subprocess.Popen(command)
    sampler = Sampler(proc.pid, profiles)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(1.0):
            sampler.sample()

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, command)
    return Phase(
        time.perf_counter() - start,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        sampler.peak_mb,
        list(sampler.jobs.values()),
    )


def rule_stages() -> dict[str, str]:
    """rule name -> stage (the .smk file that defines it), in the Snakefile's order."""
    snakefile = (ROOT / "Snakefile").read_text()
    included = re.findall(r'^include: "workflow/rules/(\w+)\.smk"', snakefile, flags=re.MULTILINE)
    stages = {}
    for stem in included:
        text = (ROOT / "workflow" / "rules" / f"{stem}.smk").read_text()
        for rule in re.findall(r"^rule (\w+):", text, flags=re.MULTILINE):
            stages[rule] = stem
    # defined beside the crawl, but runs after it: it reads the snapshot's arxiv: tags
    stages["fetch_arxiv"] = "arxiv"
    return stages


def read_benchmarks(snapshot: str, jobs: list[Job]) -> list[Row]:
    """One row per rule: wall seconds from benchmarks/{snapshot}/ (shards summed), CPU
    seconds from the sampler's jobs where it saw the rule (else Snakemake's), and the
    largest peak RSS of either."""
    stages = rule_stages()
    rules: dict[str, Row] = {}
    folder = WORK / "benchmarks" / snapshot
    for path in sorted(folder.rglob("*.tsv")):
        rule = path.relative_to(folder).parts[0].removesuffix(".tsv")
        with path.open() as f:
            record = next(csv.DictReader(f, delimiter="\t"))
        row = rules.setdefault(rule, Row(stages.get(rule, "?"), rule, 0, 0.0, 0.0, 0.0))
        row.jobs += 1
        row.wall_s += float(record["s"])
        row.cpu_s += float(record["cpu_time"]) if record["cpu_time"] != "NA" else 0.0
        rss = float(record["max_rss"]) if record["max_rss"] != "NA" else 0.0
        row.max_rss_mb = max(row.max_rss_mb, rss)
    sampled: dict[str, list[Job]] = {}
    for job in jobs:
        sampled.setdefault(job.rule, []).append(job)
    for rule, seen in sampled.items():
        if rule in rules:
            rules[rule].cpu_s = sum(j.cpu_s for j in seen)
            rules[rule].max_rss_mb = max(rules[rule].max_rss_mb, *(j.rss_mb for j in seen))
    order = list(stages)
    return sorted(rules.values(), key=lambda r: order.index(r.name) if r.name in order else 99)


def stage_rows(rules: list[Row]) -> list[Row]:
    """The rules summed per stage, in the order the stages run."""
    stages: dict[str, Row] = {}
    for r in rules:
        row = stages.setdefault(r.stage, Row(r.stage, "(stage)", 0, 0.0, 0.0, 0.0))
        row.jobs += r.jobs
        row.wall_s += r.wall_s
        row.cpu_s += r.cpu_s
        row.max_rss_mb = max(row.max_rss_mb, r.max_rss_mb)
    return list(stages.values())


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a running process (Linux), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def crawl_figures(
    snapshot: str, rules: list[Row], server: dict[str, Any] | None, rate: int
) -> dict[str, Any]:
    """Requests per model, models/s, cards/s, CPU seconds and budget use of the crawl."""
    crawl = WORK / "results" / snapshot / "crawl"
    manifest = json.loads((crawl / "listing" / "manifest.json").read_text())
    shards = [json.loads(p.read_text()) for p in sorted(crawl.glob("cards/*.stats.json"))]
    cards = sorted(crawl.glob("cards/[0-9]*.parquet"))
    # the card phase: from the first shard's start (its file's mtime less its seconds)
    # to the last shard's end; shard jobs run in parallel
    ends = [p.stat().st_mtime for p in cards]
    starts = [e - s["seconds"] for e, s in zip(ends, shards, strict=True)]
    card_phase_s = max(ends) - min(starts)
    models = int(manifest["models"])
    ok = sum(s["statuses"].get("ok", 0) for s in shards)
    by_rule = {r.name: r for r in rules}
    figures: dict[str, Any] = {"models": models, "listing_pages": manifest["pages"], "cards_ok": ok}
    if "list_models" not in by_rule:  # rendered from the store: nothing crawled
        return figures
    listing = by_rule["list_models"]
    figures.update(
        card_phase_s=round(card_phase_s, 1),
        cards_per_s=round(ok / card_phase_s, 1),
        card_client_requests=sum(s["requests"] for s in shards),
        retries=sum(s["retries"] for s in shards),
        throttled=sum(s["throttled"] for s in shards),
        listing_s=round(listing.wall_s, 1),
        listing_models_per_s=round(models / listing.wall_s),
        client_cpu_s=round(listing.cpu_s + by_rule["fetch_cards"].cpu_s, 1),
    )
    if server is not None:
        kinds = server["stats"]["by_kind"]
        total = sum(sum(v.values()) for v in kinds.values())
        resolver = sum(sum(v.values()) for k, v in kinds.items() if k.startswith("resolve"))
        figures["server_requests"] = total
        figures["requests_per_model"] = round(total / models, 3)
        figures["resolver_requests"] = resolver
        figures["resolver_requests_per_s"] = round(resolver / card_phase_s, 1)
        figures["http_429"] = sum(server["stats"]["rate_limited"].values())
        figures["server_cpu_s"] = server["cpu_s"]
        if server["cpu_s"]:
            per = 1000 / total
            figures["client_cpu_ms_per_request"] = round(figures["client_cpu_s"] * per, 2)
            figures["server_cpu_ms_per_request"] = round(server["cpu_s"] * per, 2)
        figures["rate_limit_per_s"] = rate or "none"
        if rate:
            figures["budget_used"] = f"{resolver / card_phase_s / rate:.1%}"
    return figures


def summed(what: str, rules: list[Row]) -> list[Row]:
    """The total of some rules' rows (the sum of their seconds, the largest peak)."""
    if not rules:
        return []
    return [
        Row("total", f"{what}: sum of rules", sum(r.jobs for r in rules),
            sum(r.wall_s for r in rules), sum(r.cpu_s for r in rules),
            max(r.max_rss_mb for r in rules))
    ]  # fmt: skip


def measured(what: str, phase: Phase) -> list[Row]:
    """A phase measured from outside: its wall and CPU seconds and largest process, then
    the peak of all its processes together."""
    return [
        Row("total", f"{what}", 0, phase.wall_s, phase.cpu_s, phase.max_process_rss_mb),
        Row("total", f"{what}: all at once", 0, 0.0, 0.0, phase.peak_total_rss_mb),
    ]


def fmt_table(rules: list[Row], stages: list[Row], totals: list[Row]) -> str:
    lines = [f"{'stage':<11}{'rule':<37}{'jobs':>5}{'wall s':>10}{'CPU s':>10}{'peak MB':>10}"]
    for group in (rules, stages, totals):
        lines.append("-" * len(lines[0]))
        for r in group:
            lines.append(
                f"{r.stage:<11}{r.name:<37}{r.jobs:>5}{r.wall_s:>10.1f}{r.cpu_s:>10.1f}"
                f"{r.max_rss_mb:>10.0f}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, required=True)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="seed of the ecosystem")
    parser.add_argument("--crawl", choices=["http", "render"], default="http")
    parser.add_argument("--rate", type=int, default=0, help="resolver requests/s (0: no limit)")
    parser.add_argument("--port", type=int, default=0, help="replica port (0: a free one)")
    parser.add_argument(
        "--reuse-crawl", action="store_true", help="render: keep crawl files already rendered"
    )
    parser.add_argument(
        "--profile", action="store_true", help="py-spy every rule's script (raw stacks)"
    )
    parser.add_argument("--mem-mb", type=int, default=16000, help="Snakemake's mem_mb")
    a = parser.parse_args()
    snapshot = snapshot_name(a.crawl, a.models, a.seed)
    tag = f"pipeline-{a.models}-c{a.cores}-{a.crawl}" + (f"-rate{a.rate}" if a.rate else "")
    config = BENCH / f"{tag}.yaml"
    WORK.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(WORK / "benchmarks" / snapshot, ignore_errors=True)
    load = [os.getloadavg()[0]]
    profiles = BENCH / "profiles" / tag if a.profile else None
    if profiles is not None:
        shutil.rmtree(profiles, ignore_errors=True)
        profiles.mkdir(parents=True)
    server: dict[str, Any] | None = None
    (WORK / "results" / snapshot / "arxiv-cache.sqlite").unlink(missing_ok=True)
    if a.crawl == "http":
        shutil.rmtree(WORK / "results" / snapshot, ignore_errors=True)
        limits = ("--resolver-quota", str(a.rate * 10), "--window-s", "10") if a.rate else ()
        with serving(a.models, *limits, seed=a.seed, port=a.port) as (endpoint, pid):
            write_config(snapshot, endpoint, a.rate, config)
            if profiles is not None:
                spy(pid, profiles / f"replica-{pid}.txt")
            targets = [f"results/{snapshot}/crawl/cards/{s}.parquet" for s in range(SHARDS)]
            crawl = snakemake(config, a.cores, a.mem_mb, *targets, profiles=profiles)
            stats = httpx2.get(f"{endpoint}/_replica/stats").json()
            server = {"stats": stats, "cpu_s": process_cpu_s(pid)}
            load.append(os.getloadavg()[0])
            # the replica stays up: fetch_arxiv asks its arXiv API
            after = snakemake(config, a.cores, a.mem_mb, force="build_snapshot", profiles=profiles)
    else:
        out = WORK / "results" / snapshot
        if a.reuse_crawl and (out / "crawl" / "cards" / f"{SHARDS - 1}.stats.json").is_file():
            print(f"reusing the crawl files rendered in {out / 'crawl'}")
            crawl = Phase(0.0, 0.0, 0.0, 0.0)
        else:
            crawl = measure(
                [sys.executable, str(ROOT / "bench" / "make_snapshot.py"), str(a.models),
                 "--seed", str(a.seed), "--out", str(out), "--shards", str(SHARDS),
                 "--jobs", str(a.cores), "--skip-build"]
            )  # fmt: skip
        load.append(os.getloadavg()[0])
        # served for fetch_arxiv's questions only: the ecosystem the crawl was rendered from
        with serving(a.models, port=a.port, store=out / "eco" / "hub.sqlite") as (endpoint, _):
            write_config(snapshot, endpoint, a.rate, config, rendered=True)
            after = snakemake(
                config, a.cores, a.mem_mb, force="build_snapshot", profiles=profiles,
                mtime_only=True,
            )  # fmt: skip
    load.append(os.getloadavg()[0])
    report = snakemake(config, a.cores, a.mem_mb, "--report", f"results/{snapshot}/report.html")
    rules = read_benchmarks(snapshot, crawl.jobs + after.jobs)
    stages = stage_rows(rules)
    crawled = [r for r in rules if r.stage == "crawl"]
    analysed = [r for r in rules if r.stage != "crawl"]
    totals = [
        *summed("crawl", crawled),
        *(measured(f"crawl ({a.crawl})", crawl) if crawl.wall_s else []),
        *summed("after crawl", analysed),
        *measured(f"after crawl ({a.cores} cores)", after),
        *measured("report (snakemake --report)", report),
    ]
    figures = crawl_figures(snapshot, rules, server, a.rate)
    figures["crawl_mode"] = a.crawl
    figures["load_average"] = " ".join(f"{x:.1f}" for x in load)

    table = fmt_table(rules, stages, totals)
    print(f"\n{a.models:,} models, --cores {a.cores}, crawl: {a.crawl}, "
          f"load average (start, after crawl, end): {figures['load_average']}")  # fmt: skip
    print(table)
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(
            f"{key:<{width}}  {value:,}" if isinstance(value, int) else f"{key:<{width}}  {value}"
        )

    meta = {"models": a.models, "cores": a.cores, "crawl": a.crawl}
    with (BENCH / f"{tag}.tsv").open("w", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow([*meta, "stage", "rule", "jobs", "wall_s", "cpu_s", "max_rss_mb"])
        for r in [*rules, *stages, *totals]:
            writer.writerow(
                [*meta.values(), r.stage, r.name, r.jobs, f"{r.wall_s:.2f}", f"{r.cpu_s:.2f}",
                 f"{r.max_rss_mb:.0f}"]
            )  # fmt: skip
    with (BENCH / f"{tag}.crawl.tsv").open("w", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(["figure", "value"])
        writer.writerows(figures.items())
    print(f"\nwrote {BENCH / tag}.tsv and .crawl.tsv")
    png = plot_scaling(BENCH, a.cores)
    if png is not None:
        print(f"wrote {png}")


if __name__ == "__main__":
    main()
