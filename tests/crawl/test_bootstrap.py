"""The card dump as a start: through the real client against the replica's dataset repo."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from phylohub.crawl.bootstrap import fetch_dump
from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.ratelimit import RateBudget
from phylohub.errors import PhylohubError
from phylohub.hub.replica import Fault, Faults, ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig, generate

SHARDS = 2
REPO = "librarian-bots/model_cards_with_metadata"
SAME = ("id", "sha", "status", "text", "encoding", "raw", "bytes", "truncated", "etag")


@pytest.fixture(scope="module")
def eco(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dump-eco")
    generate(SynthConfig(n_models=1500, seed=23, dump_days=60, dump_coverage=0.7), out)
    return out


def crawl(endpoint: str, parts: list[Path], out: Path, bootstrap: Path | None) -> list[dict]:
    rows = []
    for shard in range(SHARDS):
        job = CardJob(endpoint=endpoint, shard=shard, n_shards=SHARDS, backoff_s=0.05)
        fetch_shard(job, parts, out / f"{shard}.parquet", RateBudget(None), None, bootstrap)
        rows += pq.read_table(out / f"{shard}.parquet").to_pylist()
    return sorted(rows, key=lambda r: r["id"])


@pytest.fixture(scope="module")
def crawled(eco: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("dump-crawl")
    # answered at once (no 307): one request a card, so the saving is one a row taken
    with run_replica(ReplicaConfig(store=eco / "hub.sqlite", resolve_redirect=False)) as hub:
        crawl_listing(hub.endpoint, tmp / "listing", page_size=500)
        parts = sorted((tmp / "listing").glob("part-*.parquet"))
        hub.reset_stats()
        plain = crawl(hub.endpoint, parts, tmp / "plain", None)
        plain_requests = hub.stats()["requests"]
        hub.reset_stats()
        budget = RateBudget(None)
        stats = fetch_dump(hub.endpoint, REPO, tmp / "boot.parquet", tmp / "cache", budget)
        dump_requests = hub.stats()["requests"]
        hub.reset_stats()
        boot = crawl(hub.endpoint, parts, tmp / "boot", tmp / "boot.parquet")
        boot_requests = hub.stats()["requests"]
    return {"plain": plain, "boot": boot, "plain_requests": plain_requests,
            "boot_requests": boot_requests, "stats": stats, "dump_requests": dump_requests,
            "budget": budget, "parts": parts, "dir": tmp}  # fmt: skip


def test_bootstrap_cards_identical_with_fewer_requests_by_rows_taken(crawled: dict) -> None:
    plain, boot = crawled["plain"], crawled["boot"]
    assert [{k: r[k] for k in SAME} for r in plain] == [{k: r[k] for k in SAME} for r in boot]
    taken = [r for r in boot if r["source"] == "bootstrap"]
    assert len(taken) > 100
    assert all(r["requests"] == 0 for r in taken)
    by_id = {r["id"]: r for r in plain}
    saved = sum(by_id[r["id"]]["requests"] for r in taken)
    assert saved == len(taken)  # the replica serves at once: one request a card
    assert crawled["plain_requests"] - crawled["boot_requests"] == len(taken)
    assert {r["source"] for r in plain} == {"fetched"}


def test_dump_download_counted_and_paced(crawled: dict) -> None:
    stats = crawled["stats"]
    assert not stats.fallback and stats.files >= 1 and stats.rows > 0
    assert stats.requests == crawled["dump_requests"]  # every request of the client counted
    assert crawled["budget"].stats.granted == stats.requests


def test_stale_and_deleted_rows_never_taken(eco: Path, crawled: dict) -> None:
    with sqlite3.connect(eco / "hub.sqlite") as conn:
        kinds = dict(conn.execute("SELECT id, kind FROM truth_dump").fetchall())
    taken = {r["id"] for r in crawled["boot"] if r["source"] == "bootstrap"}
    assert set(kinds.values()) == {"exact", "stale", "deleted"}
    assert all(kinds[i] == "exact" for i in taken)
    assert not taken & {i for i, k in kinds.items() if k != "exact"}


def test_renamed_column_fails_in_one_line(eco: Path, tmp_path: Path) -> None:
    data = eco / "datasets" / REPO / "data"
    renamed = tmp_path / "datasets" / REPO / "data"
    renamed.mkdir(parents=True)
    for f in data.glob("*.parquet"):
        t = pq.read_table(f)
        names = ["lastModified" if n == "last_modified" else n for n in t.column_names]
        pq.write_table(t.rename_columns(names), renamed / f.name)
    config = ReplicaConfig(store=eco / "hub.sqlite", datasets_dir=tmp_path / "datasets")
    with run_replica(config) as hub, pytest.raises(PhylohubError) as err:
        fetch_dump(hub.endpoint, REPO, tmp_path / "b.parquet", tmp_path / "c", RateBudget(None))
    assert "'last_modified' is missing" in str(err.value) and "\n" not in str(err.value)


def test_dump_answering_500_falls_back(
    eco: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # the tree answers, the file 500s (the client retries 5 times: about 23 s)
    fault = Fault(1.0, frozenset({"dataset"}), skip=1)
    faults = Faults(error=fault, error_statuses=(500,))
    config = ReplicaConfig(store=eco / "hub.sqlite", faults=faults)
    with run_replica(config) as hub:
        stats = fetch_dump(hub.endpoint, REPO, tmp_path / "b.parquet", tmp_path / "c",
                           RateBudget(None))  # fmt: skip
    assert stats.fallback and stats.rows == 0
    assert "Request ID" not in stats.message and "127.0.0.1" not in stats.message
    assert pq.read_table(tmp_path / "b.parquet").num_rows == 0
    warnings = [r for r in caplog.records if r.name.startswith("phylohub")]
    assert len(warnings) == 1 and "every card is fetched" in warnings[0].getMessage()


def test_missing_dump_falls_back_with_what_the_hub_said(eco: Path, tmp_path: Path) -> None:
    config = ReplicaConfig(store=eco / "hub.sqlite", datasets_dir=tmp_path / "none")
    with run_replica(config) as hub:
        stats = fetch_dump(hub.endpoint, REPO, tmp_path / "b.parquet", tmp_path / "c",
                           RateBudget(None))  # fmt: skip
    # the Hub's own words, not the client's line (its request id differs on every run)
    assert stats.fallback and stats.message == "Repository Not Found"


def test_previous_has_priority_over_the_dump(eco: Path, crawled: dict, tmp_path: Path) -> None:
    taken = {r["id"] for r in crawled["boot"] if r["source"] == "bootstrap"}
    previous = [crawled["dir"] / "boot" / f"{shard}.parquet" for shard in range(SHARDS)]
    rows = []
    with run_replica(ReplicaConfig(store=eco / "hub.sqlite")) as hub:
        for shard in range(SHARDS):
            job = CardJob(endpoint=hub.endpoint, shard=shard, n_shards=SHARDS, backoff_s=0.05)
            out = tmp_path / f"{shard}.parquet"
            fetch_shard(job, crawled["parts"], out, RateBudget(None), previous,
                        crawled["dir"] / "boot.parquet")  # fmt: skip
            rows += pq.read_table(out).to_pylist()
        files = hub.stats()["by_kind"]
    source = {r["id"]: r["source"] for r in rows}
    assert all(source[i] == "previous" for i in taken)
    assert "bootstrap" not in source.values()
    assert "dataset_resolve_get" not in files  # the dump is not downloaded again either


def test_crawl_health_counts_the_dump_download(crawled: dict) -> None:
    from phylohub.summary.health import crawl_health

    tmp = crawled["dir"]
    (tmp / "manifest.json").write_text('{"models": 1500, "pages": 3}')
    shards = [tmp / "boot" / f"{s}.stats.json" for s in range(SHARDS)]
    health = crawl_health(tmp / "manifest.json", shards, bootstrap_stats=tmp / "boot.stats.json")
    row = health.filter(health["job"] == "bootstrap").row(0, named=True)
    assert row["requests"] == crawled["stats"].requests > 0
    assert row["models"] == crawled["stats"].rows
