"""Progress lines of a crawl job: at most every min interval, at least every max interval,
with rates over the window, 429s, errors and the time left; the listing's expected total;
the lock probe that never disturbs a job."""

from __future__ import annotations

import fcntl
import itertools
import json
import logging
import os
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.lock import hold_lock, probe_lock
from phylohub.crawl.previous import expected_models
from phylohub.crawl.progress import Progress
from phylohub.crawl.ratelimit import RateBudget
from phylohub.hub.replica import Fault, Faults, RateLimits, RatePolicy, ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig, generate

RESOLVE = frozenset({"resolve"})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lines_come_at_most_every_min_and_at_least_every_max_interval(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    path = tmp_path / "progress.json"
    p = Progress("shard 1", "cards", 10_000, path, 30, 300, quota_per_min=1000, clock=clock)
    written = []
    with caplog.at_level(logging.INFO, logger="phylohub.crawl.progress"):
        for second in range(0, 601):  # 10 cards and 20 requests a second for 100 s ...
            clock.now = second
            moving = second <= 100
            done, requests = min(second, 100) * 10, min(second, 100) * 20
            values = p.update(done, requests, throttled=second // 50, errors=1)
            if values is not None:
                written.append((second, moving, values))
    times = [t for t, _, _ in written]
    # every 30 s while cards come, then every 300 s while nothing moves
    assert times == [0, 30, 60, 90, 120, 420]
    assert len(caplog.records) == len(times)
    _, _, at90 = written[3]
    assert at90["per_min"] == pytest.approx(600) and at90["requests_per_min"] == pytest.approx(1200)
    assert at90["budget_share"] == pytest.approx(1.2)
    assert at90["left_s"] == pytest.approx((10_000 - 900) / 10)
    assert at90["throttled"] == 1 and at90["errors"] == 1
    # the window is the last 300 s: at 420 s no card came for 320 s
    _, _, at420 = written[-1]
    assert at420["per_min"] == 0 and at420["left_s"] is None
    assert json.loads(path.read_text()) == at420
    line = caplog.records[3].getMessage()
    assert line.startswith("shard 1: 900 of 10,000 cards (9.0%), 1,800 requests; 600 cards/min")
    assert "(120% of its budget of 1,000/min)" in line and "1 429s and 1 errors" in line
    assert line.endswith("15 min left")


@pytest.fixture(scope="module")
def eco(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("eco")
    generate(SynthConfig(n_models=600, seed=21), out)
    with run_replica(ReplicaConfig(store=out / "hub.sqlite")) as hub:
        crawl_listing(hub.endpoint, out / "listing", page_size=200)
    return out / "hub.sqlite", sorted((out / "listing").glob("part-*.parquet"))


def _lines(caplog: pytest.LogCaptureFixture, prefix: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith(prefix)]


def test_a_paced_shard_logs_its_rate_and_429s_and_says_so_when_stalled(
    eco: tuple[Path, list[Path]], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store, parts = eco
    # the client paces at 400/s, the server allows 300/s: some 429s
    limits = RateLimits(resolvers=RatePolicy(quota=300, window_s=1.0))
    job = CardJob(
        endpoint="", shard=0, n_shards=1, concurrency=4, backoff_s=0.05,
        progress_min_interval_s=0.25, progress_max_interval_s=1.0,
    )  # fmt: skip
    with run_replica(ReplicaConfig(store=store, rate_limits=limits)) as hub:
        with caplog.at_level(logging.INFO):
            stats = fetch_shard(
                CardJob(**{**job.__dict__, "endpoint": hub.endpoint}),
                parts, tmp_path / "0.parquet", RateBudget(400, 1.0),
            )  # fmt: skip
        served_429 = hub.stats()["rate_limited"]["resolvers"]
    lines = _lines(caplog, "shard 0: ")[1:]  # after the line of what there is to do
    assert len(lines) >= 4
    gaps = [b.created - a.created for a, b in itertools.pairwise(lines[1:-1])]
    assert min(gaps) >= 0.24  # at most every 0.25 s (the last line is forced)
    rates = [r.getMessage() for r in lines[2:-1]]
    assert all(" requests/min over the last " in m and "of its budget of 24,000/min" in m
               for m in rates)  # fmt: skip
    last = lines[-1].getMessage()
    n, sent = stats.models, stats.requests
    assert f"{n:,} of {n:,} cards (100.0%), {sent:,} requests" in last
    assert served_429 > 0 and f"; {served_429:,} 429s and 0 errors so far" in last

    # a stall: every answer 1.5 s late; lines still come, every max interval (0.4 s)
    caplog.clear()
    stall = Faults(slow=Fault(1.0, RESOLVE), slow_s=1.5)
    job = CardJob(**{**job.__dict__, "concurrency": 1, "progress_max_interval_s": 0.4})
    kept = pq.read_table(tmp_path / "0.parquet")
    first_ok = kept["status"].to_pylist().index("ok")
    (tmp_path / "1.partial").mkdir()  # all but one card fetched before
    pq.write_table(
        kept.filter(pc.invert(pc.is_in(kept["id"], pa.array([kept["id"][first_ok]])))),
        tmp_path / "1.partial" / "batch-0-00000.parquet",
    )
    with (
        run_replica(ReplicaConfig(store=store, faults=stall)) as hub,
        caplog.at_level(logging.INFO),
    ):
        fetch_shard(
            CardJob(**{**job.__dict__, "endpoint": hub.endpoint}), parts, tmp_path / "1.parquet",
            RateBudget(None),
        )  # fmt: skip
    waiting = f"shard 0: {stats.models - 1:,} of {stats.models:,} cards"
    stalled = [r for r in caplog.records if r.getMessage().startswith(waiting)]
    assert len(stalled) >= 4, [r.getMessage() for r in caplog.records]
    assert all(0.39 <= b.created - a.created < 0.8 for a, b in itertools.pairwise(stalled))


def _listed(results: Path, name: str, models: int, mtime: float) -> None:
    manifest = results / name / "crawl" / "listing" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"models": models, "pages": 1, "parts": []}))
    os.utime(manifest, (mtime, mtime))


def test_the_listing_expects_as_many_models_as_the_snapshot_listed_last(
    eco: tuple[Path, list[Path]], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store, _ = eco
    results = tmp_path / "results"
    now = time.time()
    _listed(results, "2026-01", 500, now - 200)
    _listed(results, "2026-02", 550, now - 100)
    assert expected_models(results, "2026-02") == ("2026-01", 500)  # listed before it
    assert expected_models(results, "2026-01") is None
    expected = expected_models(results, "2026-03")  # no listing yet: the last one
    assert expected == ("2026-02", 550)
    out = results / "2026-03" / "crawl" / "listing"
    slow_pages = Faults(slow=Fault(1.0, frozenset({"listing"})), slow_s=0.15)
    with (
        run_replica(ReplicaConfig(store=store, faults=slow_pages)) as hub,
        caplog.at_level(logging.INFO),
    ):
        result = crawl_listing(
            hub.endpoint, out, page_size=50, expected=expected,
            progress_min_interval_s=0.3, progress_max_interval_s=1.0,
        )  # fmt: skip
    lines = [r.getMessage() for r in _lines(caplog, "listing: ")]
    assert len(lines) >= 4
    assert lines[0].startswith("listing: 0 of ~550 models (0.0%, as many as snapshot 2026-02 had)")
    assert " pages/min over the last " in lines[2] and "429s" not in lines[2]
    assert lines[-1].startswith(
        f"listing: {result.models:,} of ~550 models ({result.models / 550:.1%}, as many as "
        f"snapshot 2026-02 had), {result.pages:,} pages"
    )
    # A finished listing leaves its checkpoint (the rule then writes the manifest), no
    # progress file and no lock: its results are the same from run to run.
    assert not (out / "progress.json").exists() and not (out / "lock").exists()
    state = json.loads((out / "checkpoint.json").read_text())
    assert (state["models"], state["pages"], state["done"]) == (
        result.models, result.pages, True,
    )  # fmt: skip


def test_a_probe_sees_the_holder_changes_nothing_and_never_stops_a_job(tmp_path: Path) -> None:
    lock = tmp_path / "0.partial.lock"
    assert probe_lock(lock).state == "absent" and not lock.exists()  # never created
    with hold_lock(lock, "shard 0"):
        before = lock.read_bytes()
        found = probe_lock(lock)
        assert found.state == "held" and found.holder.startswith(f"PID {os.getpid()} on ")
        assert lock.read_bytes() == before
    assert not lock.exists()
    # a job that starts while a probe holds its shared lock waits the probe out
    lock.write_text("PID 1 on elsewhere\n")
    assert probe_lock(lock).state == "free"
    fd = os.open(lock, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # a probe, caught in the act
    threading.Timer(0.15, os.close, (fd,)).start()
    with hold_lock(lock, "shard 0"):
        assert probe_lock(lock).state == "held"
