"""The workflow on a real one-node SLURM cluster (workflow/profiles/slurm) equals a local run.

``scripts/slurm-local.sh`` installs Debian's slurm-wlm and munge and the executor plugins
(into .venv/slurm, never into .venv), starts munged, slurmctld and slurmd on 127.0.0.1
and stops them by PID afterwards. Where the machine cannot run them (no root, no
Debian packages, a SLURM of its own) the tests are skipped with the script's reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
import yaml

from phylohub.hub.replica import RateLimits, RatePolicy, ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig, generate

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "slurm-local.sh"
SLURM_PYTHON = ROOT / ".venv" / "slurm" / "bin" / "python"
QUOTA = 800  # resolver requests a second, the replica's limit and the crawl's budget


def cluster_step(*args: str | Path) -> None:
    """Run scripts/slurm-local.sh; its exit status 3 (cannot run here) skips the tests."""
    done = subprocess.run(
        [str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode == 3:
        pytest.skip(done.stderr.strip())
    assert done.returncode == 0, f"slurm-local.sh {args[0]} failed:\n{done.stdout}{done.stderr}"


@pytest.fixture(scope="module")
def slurm_cluster() -> Iterator[Path]:
    """A running one-node cluster; yields its slurm.conf."""
    cluster_step("install")
    folder = Path(tempfile.mkdtemp(prefix="phylohub-slurm-")) / "cluster"
    folder.parent.chmod(0o755)  # munged runs as user munge
    # A job is mostly Snakemake starting, twice (the plugin starts it in the batch job and
    # again in its job step) and waiting: let the node run twice as many as it has cores.
    cpus = 2 * (os.cpu_count() or 1)
    try:
        cluster_step("start", folder, str(cpus))
        yield folder / "slurm.conf"
    finally:
        if (folder / "slurm.conf").exists():
            subprocess.run([str(SCRIPT), "stop", str(folder)], timeout=120, check=False)
        shutil.rmtree(folder.parent, ignore_errors=True)


def small_config(workdir: Path, endpoint: str) -> Path:
    """config/demo.yaml at 2,000 models, with fewer resamples, two shards one at a time."""
    cfg = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    cfg["snapshot"] = "small"
    cfg["hub"].update(endpoint=endpoint, page_size=400, pages_per_part=2)
    cfg["arxiv"].update(endpoint=endpoint)  # the replica serves the arXiv API too
    # parallel_shards=1: SLURM could run both shards at once, the workflow may not.
    cfg["crawl"].update(shards=2, parallel_shards=1, rate_limit={"requests": QUOTA, "window_s": 1})
    cfg["similarity"].update(draws=2000, bootstrap=200)
    cfg["traits"]["drift"].update(null_replicates=2, time_limit_s=10)
    workdir.mkdir(parents=True)
    (workdir / "small.yaml").write_text(yaml.safe_dump(cfg))
    return workdir / "small.yaml"


def snakemake(python: Path, workdir: Path, *args: str) -> list[str]:
    return [
        str(python), "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
        "--directory", str(workdir), "--configfile", str(workdir / "small.yaml"), *args,
    ]  # fmt: skip


# What differs between two runs of the same config, and why: the wall-clock time of each
# card's fetch, and timings (also the crawl-health figure, which draws each job's seconds).
# A refused card's message is the Hub's own words, the same in both runs.
VOLATILE_COLUMNS = {"fetched_at", "seconds"}
TIMING_FIGURES = {"crawl_health.png", "crawl_health.svg"}


def _frame(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop([c for c in frame.columns if c in VOLATILE_COLUMNS])


def _untimed(value: Any) -> Any:
    """A JSON value less timings, the endpoint (each run has a replica of its own) and
    when the listing finished (the manifest's ``listed_at``)."""
    if isinstance(value, dict):
        return {
            k: _untimed(v)
            for k, v in value.items()
            if k not in ("seconds", "endpoint", "listed_at")
        }
    return value


def comparable(path: Path) -> Any:
    """A file's content less what legitimately differs from run to run."""
    if path.suffix == ".parquet":
        return _frame(pl.read_parquet(path))
    if path.suffix == ".tsv":
        return _frame(pl.read_csv(path, separator="\t", infer_schema=False))
    if path.name in TIMING_FIGURES:
        return "a figure of the run's timings"
    if path.suffix == ".json":
        return _untimed(json.loads(path.read_text()))
    if path.suffix == ".duckdb":
        with duckdb.connect(str(path), read_only=True) as db:
            names = [n for (n,) in db.sql("SELECT table_name FROM information_schema.tables")
                     .fetchall()]  # fmt: skip
            return {n: _frame(db.sql(f'SELECT * FROM "{n}"').pl()) for n in sorted(names)}
    return path.read_bytes()


def same(a: Any, b: Any) -> bool:
    if isinstance(a, pl.DataFrame):
        return isinstance(b, pl.DataFrame) and a.equals(b)
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def compare_results(local: Path, cluster: Path) -> tuple[int, list[str]]:
    """Every result file of the two runs: (number byte-equal, those equal once normalised)."""
    files = sorted(p.relative_to(local) for p in local.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(cluster) for p in cluster.rglob("*") if p.is_file())
    byte_equal, normalised = 0, []
    for name in files:
        if (local / name).read_bytes() == (cluster / name).read_bytes():
            byte_equal += 1
            continue
        assert same(comparable(local / name), comparable(cluster / name)), f"{name} differs"
        normalised.append(str(name))
    return byte_equal, normalised


def slurm_jobs(log: str, slurm_conf: Path) -> list[dict[str, str]]:
    """The jobs snakemake submitted, as squeue reports them (it keeps finished ones)."""
    submitted = dict(re.findall(r"submitted with SLURM jobid (\d+) \(log: (.+?)\)\.", log))
    query = ["squeue", "-h", "-t", "all", "-j", ",".join(submitted), "-o", "%i|%T|%N|%l|%S|%e|%k"]
    env = {**os.environ, "SLURM_CONF": str(slurm_conf)}
    out = subprocess.run(query, capture_output=True, text=True, env=env, check=True).stdout
    keys = ["id", "state", "node", "limit", "start", "end", "comment"]
    jobs = [dict(zip(keys, line.split("|"), strict=True)) for line in out.splitlines()]
    for job in jobs:
        job["log"] = submitted[job["id"]]
    return sorted(jobs, key=lambda j: int(j["id"]))


def test_the_workflow_through_slurm_equals_a_local_run(
    slurm_cluster: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate(SynthConfig(n_models=2000, seed=3), tmp_path / "eco")
    replica = ReplicaConfig(
        store=tmp_path / "eco" / "hub.sqlite",
        rate_limits=RateLimits(resolvers=RatePolicy(quota=QUOTA, window_s=1.0)),
    )
    # Two replicas of one store, so that the two runs go at once and each server checks
    # one run's budget.
    with run_replica(replica) as hub_local, run_replica(replica) as hub_slurm:
        small_config(tmp_path / "local", hub_local.endpoint)
        small_config(tmp_path / "slurm", hub_slurm.endpoint)
        logs = {run: (tmp_path / f"{run}.log").open("w") for run in ("local", "slurm")}
        runs = {
            "local": snakemake(Path(sys.executable), tmp_path / "local", "--cores", "2"),
            "slurm": snakemake(
                SLURM_PYTHON, tmp_path / "slurm",
                "--profile", str(ROOT / "workflow" / "profiles" / "slurm"),
                "--jobs", "8", "--slurm-keep-successful-logs",
                # no accounting on this cluster: squeue, asked every second or so
                "--slurm-status-command", "squeue",
                "--slurm-init-seconds-before-status-checks", "1",
            ),
        }  # fmt: skip
        env = {**os.environ, "SLURM_CONF": str(slurm_cluster)}
        start = time.monotonic()
        procs = {
            run: subprocess.Popen(cmd, stdout=logs[run], stderr=subprocess.STDOUT, env=env)
            for run, cmd in runs.items()
        }
        seconds: dict[str, float] = {}
        try:
            while len(seconds) < len(procs) and time.monotonic() - start < 480:
                for run, proc in procs.items():
                    if run not in seconds and proc.poll() is not None:
                        seconds[run] = time.monotonic() - start
                time.sleep(0.5)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            for f in logs.values():
                f.close()
        served = {"local": hub_local.stats(), "slurm": hub_slurm.stats()}
    for run, proc in procs.items():
        assert proc.returncode == 0, f"{run} run:\n" + (tmp_path / f"{run}.log").read_text()[-4000:]
    log = (tmp_path / "slurm.log").read_text()

    # Every job of the local run (each writes its benchmark file) went through SLURM:
    # squeue saw it complete on the cluster's node, and SLURM wrote its log.
    jobs = slurm_jobs(log, slurm_cluster)
    local_jobs = list((tmp_path / "local" / "benchmarks").rglob("*.tsv"))
    assert len(jobs) == len(local_jobs) > 20
    assert {j["state"] for j in jobs} == {"COMPLETED"}
    assert {j["node"] for j in jobs} == {os.uname().nodename.split(".")[0]}
    assert all(Path(j["log"]).is_file() for j in jobs)
    # At most crawl.parallel_shards (1) shard jobs at once, by SLURM's own clock, and
    # within the budget: the servers answered no request with a 429, and served the two
    # runs the same requests.
    shards = sorted((j["start"], j["end"]) for j in jobs if "fetch_cards" in j["comment"])
    assert len(shards) == 2 and shards[0][1] <= shards[1][0]
    assert sum(served["local"]["rate_limited"].values()) == 0
    assert sum(served["slurm"]["rate_limited"].values()) == 0
    assert served["local"]["by_kind"] == served["slurm"]["by_kind"]

    byte_equal, normalised = compare_results(
        tmp_path / "local" / "results" / "small", tmp_path / "slurm" / "results" / "small"
    )
    with capsys.disabled():
        print(
            f"\nthe workflow through SLURM: {seconds['slurm']:.0f} s, {len(jobs)} jobs; "
            f"the local run beside it: {seconds['local']:.0f} s"
        )
        for j in jobs:
            span = f"{j['start'][11:]}-{j['end'][11:]} (--time {j['limit']})"
            print(f"  slurm job {j['id']:>5} {j['state']} on {j['node']} {span} {j['comment']}")
        print(
            f"results: {byte_equal} files byte-equal to the local run's, {len(normalised)} "
            f"equal without fetch times and timings: {', '.join(normalised)}"
        )


def test_the_cluster_generic_profile_submits_with_sbatch_and_reads_the_state(
    slurm_cluster: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example profile for other schedulers, on the same cluster: the listing job."""
    generate(SynthConfig(n_models=300, seed=4), tmp_path / "eco")
    env = {**os.environ, "SLURM_CONF": str(slurm_cluster)}
    with run_replica(ReplicaConfig(store=tmp_path / "eco" / "hub.sqlite")) as hub:
        small_config(tmp_path / "run", hub.endpoint)
        done = subprocess.run(
            snakemake(
                SLURM_PYTHON, tmp_path / "run",
                "--profile", str(ROOT / "workflow" / "profiles" / "cluster-generic"),
                "--seconds-between-status-checks", "1",
                "results/small/crawl/listing/manifest.json",
            ),
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        listed = hub.stats()["by_kind"]
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    # the job's output came through SLURM: its log is named by the id sbatch printed,
    # and squeue (status.py's first source) saw the job complete
    (log,) = (tmp_path / "run" / "logs" / "cluster").glob("*.log")
    query = ["squeue", "-h", "-t", "all", "-j", log.stem, "-o", "%T|%j"]
    state = subprocess.run(query, capture_output=True, text=True, env=env, check=True).stdout
    assert state.split() == ["COMPLETED|phylohub-list_models"]
    assert "Finished jobid" in log.read_text()
    manifest = json.loads((tmp_path / "run/results/small/crawl/listing/manifest.json").read_text())
    assert manifest["models"] > 0 and listed
    with capsys.disabled():
        print(f"\ncluster-generic profile: slurm job {log.stem} {state.strip()}")
