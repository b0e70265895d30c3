"""``phylohub crawl status`` on a paced crawl of a small ecosystem: read mid-way (the
numbers of the batches on disk), after a kill -9 (stopped, nothing lost) and after
completion (the crawl health's numbers)."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from phylohub.cli import main
from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.listing import crawl_listing, write_manifest
from phylohub.crawl.ratelimit import RateBudget
from phylohub.crawl.status import crawl_status
from phylohub.errors import PhylohubError
from phylohub.hub.replica import RateLimits, RatePolicy, ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig, generate
from phylohub.summary.health import crawl_health

SHARDS = 3
QUOTA = 150  # requests a second for each shard job, as the client paces them
# A card crawl of one shard in a process of its own, paced, checkpointing every 50 rows.
CRAWLER = """
import json, sys
from pathlib import Path
import phylohub.crawl.cards as cards
from phylohub.crawl.ratelimit import RateBudget
cards.BATCH_ROWS = 50
a = json.loads(sys.argv[1])
cards.fetch_shard(cards.CardJob(**a["job"]), [Path(p) for p in a["parts"]], Path(a["out"]),
                  RateBudget(a["quota"], 1.0))
"""


def _job(endpoint: str, shard: int) -> CardJob:
    return CardJob(
        endpoint=endpoint, shard=shard, n_shards=SHARDS, concurrency=2,
        progress_min_interval_s=0.1, progress_max_interval_s=0.5,
    )  # fmt: skip


def _wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def _batches(partial: Path) -> list[str]:
    """The ids of the rows checkpointed under ``partial``, read here."""
    files = sorted(partial.glob("batch-*.parquet"))
    return [i for p in files for i in pq.read_table(p)["id"].to_pylist()]


def test_status_mid_way_after_a_kill_and_after_completion(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    generate(SynthConfig(n_models=900, seed=5), tmp_path / "eco")
    folder = tmp_path / "results" / "snap"
    listing, cards = folder / "crawl" / "listing", folder / "crawl" / "cards"
    limits = RateLimits(resolvers=RatePolicy(quota=2 * QUOTA, window_s=1.0))
    with run_replica(
        ReplicaConfig(store=tmp_path / "eco" / "hub.sqlite", rate_limits=limits)
    ) as hub:
        listed = crawl_listing(hub.endpoint, listing, page_size=300)
        write_manifest(listing / "manifest.json", listed, hub.endpoint)
        parts = sorted(listing.glob("part-*.parquet"))
        listed_only = crawl_status(folder)  # no shard has begun: the listing alone
        assert listed_only.listing.state == "finished" and listed_only.shards == []
        assert (listed_only.cards.state, listed_only.cards.total) == ("waiting", None)
        fetch_shard(_job(hub.endpoint, 2), parts, cards / "2.parquet", RateBudget(None))
        jobs = []
        for shard in (0, 1):
            args = {"job": _job(hub.endpoint, shard).__dict__, "parts": [str(p) for p in parts],
                    "out": str(cards / f"{shard}.parquet"), "quota": QUOTA}  # fmt: skip
            jobs.append(subprocess.Popen([sys.executable, "-c", CRAWLER, json.dumps(args)]))
        try:
            # mid-way: two batches each, and a rate over a whole window; then frozen
            def rated(shard: int) -> bool:
                path = cards / f"{shard}.partial" / "progress.json"
                return (
                    len(list(path.parent.glob("batch-*"))) >= 3
                    and path.is_file()
                    and json.loads(path.read_text())["window_s"] >= 0.5
                )

            _wait_until(lambda: rated(0) and rated(1))
            for job in jobs:
                job.send_signal(signal.SIGSTOP)
            mid = crawl_status(folder)  # the number of shards as their files say
            for shard, job in zip((0, 1), jobs, strict=True):
                row = mid.shards[shard]
                assert row.state == "running" and row.note.startswith(f"PID {job.pid} on ")
                kept = _batches(cards / f"{shard}.partial")
                assert row.done == len(kept) == len(set(kept)) > 0
                assert row.requests == (cards / f"{shard}.partial" / "requests").stat().st_size
                # paced at QUOTA a second: the share of its budget is the pacing's
                assert row.requests_per_min == pytest.approx(60 * QUOTA * 0.97, rel=0.25)
                assert 0.7 < row.budget_share < 1.1  # type: ignore[operator]
                assert row.left_s is not None and row.left_s > 0
            assert mid.shards[2].state == "finished" and mid.cards.state == "running"
            assert mid.cards.done == sum(s.done for s in mid.shards)
            assert mid.cards.per_min == pytest.approx(mid.shards[0].per_min + mid.shards[1].per_min)

            # kill -9 shard 0's job: stopped, its batches kept
            jobs[0].kill()
            jobs[0].wait()
            killed = crawl_status(folder, SHARDS)
            assert killed.shards[0].state == "stopped" and killed.shards[0].per_min is None
            assert killed.shards[0].done == mid.shards[0].done
            assert killed.shards[0].requests == mid.shards[0].requests
            assert killed.shards[1].state == "running" and killed.cards.state == "running"
            jobs[1].send_signal(signal.SIGCONT)
            assert jobs[1].wait(timeout=120) == 0
            with caplog.at_level(logging.INFO):  # the rerun resumes with all it kept
                fetch_shard(_job(hub.endpoint, 0), parts, cards / "0.parquet", RateBudget(QUOTA, 1))
            assert (
                f"shard 0: resuming, {killed.shards[0].done} cards already fetched" in caplog.text
            )
        finally:
            for job in jobs:  # what this test started, by id
                job.kill()
                job.wait()
    done = crawl_status(folder, SHARDS)
    for wrong in (2, 5):  # a number of shards the crawl did not use is an error, not a table
        with pytest.raises(PhylohubError, match=f"not crawled in {wrong} shards"):
            crawl_status(folder, wrong)
    # files of a shard beyond crawl.shards (an earlier crawl of more shards) are set aside
    (cards / f"{SHARDS + 1}.stats.json").write_text("{}")
    aside = crawl_status(folder, SHARDS)
    assert aside.cards.state == "finished" and len(aside.shards) == SHARDS
    assert aside.cards.note.endswith(f"files of shard(s) {SHARDS + 1} beyond the 3 left aside")
    (cards / f"{SHARDS + 1}.stats.json").unlink()
    health = crawl_health(listing / "manifest.json", sorted(cards.glob("*.stats.json")))
    rows = {r["job"]: r for r in health.to_dicts()}
    assert (done.listing.state, done.listing.done) == ("finished", rows["listing"]["models"])
    assert done.listing.requests == rows["listing"]["requests"]
    for shard, row in enumerate(done.shards):
        h = rows[f"cards/{shard}"]
        assert row.state == "finished"
        assert (row.done, row.total, row.requests) == (h["models"], h["models"], h["requests"])
        assert (row.throttled, row.errors) == (h["throttled"], h["error"])
    assert done.cards.state == "finished" and done.cards.total == rows["listing"]["models"]
    assert done.cards.done == sum(h["models"] for j, h in rows.items() if j.startswith("cards/"))
    assert done.cards.note == "3 finished, 0 running, 0 stopped, 0 waiting"

    assert main(["crawl", "status", "--snapshot", str(folder)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1].split()[:3] == ["job", "state", "done"]
    assert [line.split()[:2] for line in table[2:]] == [
        ["listing", "finished"], *([f"cards/{s}", "finished"] for s in range(SHARDS)),
        ["cards", "finished"],
    ]  # fmt: skip
    assert table[-1].split()[2:5] == [f"{done.cards.done:,}", f"{done.cards.total:,}", "100.0%"]
