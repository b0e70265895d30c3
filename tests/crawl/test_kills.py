"""Card crawl jobs killed with SIGKILL, and two jobs on one shard, with real processes:
one job at a time holds a shard, a killed job's lock goes with it, and its requests are
still counted."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.ratelimit import RateBudget
from phylohub.hub.replica import Fault, Faults, ReplicaConfig, run_replica
from phylohub.hub.store import Store
from phylohub.hub.synth import SynthConfig, generate
from tests.pipeline import ROOT, workflow_config

# A card crawl of one shard in a process of its own; a PhylohubError ends it with one line.
CRAWLER = """
import json, sys
from pathlib import Path
from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.ratelimit import RateBudget
from phylohub.errors import PhylohubError
a = json.loads(sys.argv[1])
try:
    fetch_shard(CardJob(**a["job"]), [Path(p) for p in a["parts"]], Path(a["out"]),
                RateBudget(None))
except PhylohubError as exc:
    sys.exit(f"phylohub: {exc}")
"""
CONCURRENCY = 4
RESOLVE = frozenset({"resolve"})


@pytest.fixture(scope="module")
def eco(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """A 1,500-model store and its listing parts."""
    out = tmp_path_factory.mktemp("eco")
    generate(SynthConfig(n_models=1500, seed=21), out)
    with run_replica(ReplicaConfig(store=out / "hub.sqlite")) as hub:
        crawl_listing(hub.endpoint, out / "listing", page_size=500)
    return out / "hub.sqlite", sorted((out / "listing").glob("part-*.parquet"))


def _job(endpoint: str) -> CardJob:
    return CardJob(endpoint=endpoint, shard=0, n_shards=1, concurrency=CONCURRENCY)


def _crawler(endpoint: str, parts: list[Path], out: Path) -> list[str]:
    args = {"job": _job(endpoint).__dict__, "parts": [str(p) for p in parts], "out": str(out)}
    return [sys.executable, "-c", CRAWLER, json.dumps(args)]


def _wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def _one_row_per_model(store: Path, out: Path) -> None:
    ids = pq.read_table(out, columns=["id"])["id"].to_pylist()
    assert sorted(ids) == sorted(r["id"] for r in Store(store).iter_rows("private = 0"))


def test_a_second_job_on_a_shard_fails_naming_the_first_and_takes_over_when_it_is_killed(
    eco: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    store, parts = eco
    out = tmp_path / "0.parquet"
    # past its first 200 requests, every answer takes a second: the first job is mid-crawl
    stall = Faults(slow=Fault(1.0, RESOLVE, skip=200), slow_s=1.0)
    with run_replica(ReplicaConfig(store=store, faults=stall)) as hub:
        first = subprocess.Popen(_crawler(hub.endpoint, parts, out))
        try:
            _wait_until(lambda: hub.stats()["faults"]["slow"] > 0)
            second = subprocess.run(
                _crawler(hub.endpoint, parts, out), capture_output=True, text=True, timeout=60
            )
            assert first.poll() is None  # the first job goes on
        finally:
            first.kill()  # SIGKILL: the kernel lets go of its lock
            first.wait()
    assert second.returncode == 1
    assert second.stderr.count("\n") == 1, second.stderr
    assert f"shard 0 is being fetched by PID {first.pid} on " in second.stderr
    assert (tmp_path / "0.partial.lock").read_text().startswith(f"PID {first.pid} ")
    with run_replica(ReplicaConfig(store=store)) as hub:
        fetch_shard(_job(hub.endpoint), parts, out, RateBudget(None))
    _one_row_per_model(store, out)
    assert not (tmp_path / "0.partial").exists() and not (tmp_path / "0.partial.lock").exists()


def test_the_requests_of_a_killed_run_are_counted_and_match_what_was_served(
    eco: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    store, parts = eco
    out = tmp_path / "0.parquet"
    skip = 300  # answered at once; every later answer is 5 s late
    stall = Faults(slow=Fault(1.0, RESOLVE, skip=skip), slow_s=5.0)
    with run_replica(ReplicaConfig(store=store, faults=stall)) as hub:
        first = subprocess.Popen(_crawler(hub.endpoint, parts, out))
        try:
            # every task of the job waits for a late answer: nothing is between two requests
            _wait_until(lambda: hub.stats()["faults"]["slow"] == CONCURRENCY)
        finally:
            first.kill()
            first.wait()
        # the late answers are still served (to nobody) and counted
        _wait_until(lambda: hub.stats()["requests"] == skip + CONCURRENCY)
        served_to_killed = hub.stats()["requests"]
    with run_replica(ReplicaConfig(store=store)) as hub:
        stats = fetch_shard(_job(hub.endpoint), parts, out, RateBudget(None))
        served_to_resumed = hub.stats()["requests"]
    assert served_to_killed == skip + CONCURRENCY
    assert stats.requests == served_to_killed + served_to_resumed
    assert json.loads(out.with_suffix(".stats.json").read_text())["requests"] == stats.requests
    _one_row_per_model(store, out)


def _card_jobs(root: int) -> list[int]:
    """The fetch_cards jobs among the descendants of process ``root`` (from /proc)."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parent[int(stat.parent.name)] = int(fields[1])
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in (c for c, p in parent.items() if p == pid):
            todo.append(child)
            with contextlib.suppress(OSError):
                args = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                if b"python" in Path(args[0].decode()).name.encode() and any(
                    a.endswith(b"fetch_cards.py") for a in args
                ):
                    found.append(child)
    return sorted(found)


def _snakemake(workdir: Path, config: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
        "results/tiny/hub.duckdb", "--directory", str(workdir), "--configfile", str(config),
        "--cores", "2", *args, "--resources", "hub_requests=2",
    ]  # fmt: skip


@pytest.mark.slow
def test_a_rerun_after_snakemake_is_killed_leaves_its_live_jobs_alone(tmp_path: Path) -> None:
    """Snakemake killed with SIGKILL while two card jobs run: the jobs live on (stopped
    with SIGSTOP while the rerun runs, so that they surely outlive it). The rerun stops
    on Snakemake's lock until ``--unlock``; then its jobs for those shards fail, naming
    them, and touch nothing; once they finish, the same command builds a snapshot with
    one card row per model."""
    generate(SynthConfig(n_models=600, seed=21), tmp_path / "eco")
    store = tmp_path / "eco" / "hub.sqlite"
    work = tmp_path / "work"
    work.mkdir()
    cards = work / "results" / "tiny" / "crawl" / "cards"
    with run_replica(ReplicaConfig(store=store)) as hub:
        config = workflow_config(work, hub.endpoint)
        cfg = yaml.safe_load(config.read_text())
        cfg["crawl"]["rate_limit"] = {"requests": 80, "window_s": 1}  # a shard takes seconds
        # Card jobs only: the demo's config.json jobs run the same script (and would be
        # counted here as card jobs); tests/crawl/test_configs.py kills those.
        cfg["crawl"]["configs"] = "none"
        config.write_text(yaml.safe_dump(cfg))
        command = _snakemake(work, config)
        first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        jobs: list[int] = []
        try:
            # two card jobs (parallel_shards) under way, each with a batch checkpointed
            _wait_until(
                lambda: (
                    len(_card_jobs(first.pid)) == 2
                    and len({b.parent for b in cards.glob("*.partial/batch-*")}) == 2
                ),
                timeout=120,
            )
            jobs = _card_jobs(first.pid)
            for pid in jobs:
                os.kill(pid, signal.SIGSTOP)
            first.kill()  # Snakemake alone: its jobs live on
            first.wait()
            for pid in jobs:
                os.kill(pid, 0)  # alive
            partials = sorted((p.name, p.stat().st_size) for p in cards.glob("*.partial/*"))

            locked = subprocess.run(command, capture_output=True, text=True, timeout=300)
            assert locked.returncode != 0 and "Directory cannot be locked" in locked.stderr
            unlock = subprocess.run(
                _snakemake(work, config, "--unlock"), capture_output=True, text=True, timeout=300
            )
            assert unlock.returncode == 0, unlock.stderr[-2000:]
            rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
            assert rerun.returncode != 0
            for pid in jobs:
                assert f"is being fetched by PID {pid} on " in rerun.stderr
            assert sorted((p.name, p.stat().st_size) for p in cards.glob("*.partial/*")) == partials

            for pid in jobs:
                os.kill(pid, signal.SIGCONT)
            _wait_until(lambda: not list(cards.glob("*.partial*")), timeout=120)
            last = subprocess.run(command, capture_output=True, text=True, timeout=300)
            assert last.returncode == 0, last.stderr[-3000:]
        finally:
            for pid in jobs:  # what this test started, by id
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            first.kill()
            first.wait()
    assert (work / "results" / "tiny" / "hub.duckdb").is_file()  # it reconciled, and:
    ids = [i for p in sorted(cards.glob("*.parquet")) for i in pq.read_table(p)["id"].to_pylist()]
    assert sorted(ids) == sorted(r["id"] for r in Store(store).iter_rows("private = 0"))
