"""crawl.configs: each model's config.json through the card machinery (sharded, paced,
resumable, reused by sha), equal to what huggingface_hub downloads from the replica,
``families`` limited to models with a listed parent or child, every request counted."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from huggingface_hub import hf_hub_download

from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.ratelimit import RateBudget
from phylohub.hub.replica import Fault, Faults, ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig
from phylohub.summary.health import crawl_health
from tests.pipeline import snapshot_of

CFG = SynthConfig(n_models=2500, seed=11, config_plant=True, config_files_plant=True)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of CFG with every config.json crawled (2 shards)."""
    folder = tmp_path_factory.mktemp("configs")
    snapshot_of(CFG, folder, configs="all")
    return folder


def _parts(folder: Path) -> list[Path]:
    return sorted((folder / "listing").glob("part-*.parquet"))


def _job(endpoint: str, select: str = "all", shards: int = 1, shard: int = 0) -> CardJob:
    return CardJob(endpoint=endpoint, shard=shard, n_shards=shards, concurrency=4,
                   filename="config.json", select=select)  # fmt: skip


def _rows(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in pq.read_table(path).to_pylist()}


def test_crawled_config_json_equals_what_the_real_client_downloads(
    crawled: Path, tmp_path: Path
) -> None:
    rows = {}
    for shard in sorted((crawled / "configs").glob("[0-9].parquet")):
        rows |= _rows(shard)
    ok = [r for r in rows.values() if r["status"] == "ok"]
    assert len(ok) > 500
    listed = {r["id"]: r for r in _listing_entries(crawled)}
    # every listed model whose siblings name config.json got it (or a gated/disabled answer)
    for model_id, entry in listed.items():
        has = {"rfilename": "config.json"} in (entry.get("siblings") or [])
        assert (rows[model_id]["status"] != "no_readme") == has, model_id
        if has and not entry.get("gated") and not entry.get("disabled"):
            assert rows[model_id]["status"] == "ok", model_id
    with run_replica(ReplicaConfig(store=crawled / "eco" / "hub.sqlite")) as hub:
        for row in ok[:: max(1, len(ok) // 25)]:
            path = hf_hub_download(row["id"], "config.json", endpoint=hub.endpoint,
                                   token=False, cache_dir=tmp_path)  # fmt: skip
            assert Path(path).read_text() == row["text"], row["id"]
            body = json.loads(row["text"])
            summary = listed[row["id"]].get("config") or {}
            for key in ("architectures", "model_type", "quantization_config"):
                assert body.get(key) == summary.get(key), (row["id"], key)


def _listing_entries(folder: Path) -> list[dict]:
    out = []
    for part in _parts(folder):
        for entry in pq.read_table(part, columns=["entry"])["entry"].to_pylist():
            out.append(json.loads(entry))
    return out


def test_families_fetches_exactly_the_models_with_a_listed_parent_or_child(
    crawled: Path, tmp_path: Path
) -> None:
    con = duckdb.connect(str(crawled / "hub.duckdb"), read_only=True)
    family = {
        i
        for (c, p) in con.execute(
            "SELECT child, parent FROM edges WHERE parent_in_snapshot AND child <> parent"
        ).fetchall()
        for i in (c, p)
    }
    con.close()
    with run_replica(ReplicaConfig(store=crawled / "eco" / "hub.sqlite")) as hub:
        stats = fetch_shard(_job(hub.endpoint, "families"), _parts(crawled),
                            tmp_path / "0.parquet", RateBudget(None))  # fmt: skip
    rows = _rows(tmp_path / "0.parquet")
    assert set(rows) == family and stats.models == len(family)
    everyone = len(_listing_entries(crawled))
    assert 0 < len(family) < everyone


def test_requests_are_paced_by_the_budget_and_counted_in_crawl_health(
    crawled: Path, tmp_path: Path
) -> None:
    budget = RateBudget(100_000, 60.0)
    with run_replica(ReplicaConfig(store=crawled / "eco" / "hub.sqlite")) as hub:
        stats = fetch_shard(_job(hub.endpoint), _parts(crawled), tmp_path / "0.parquet", budget)
        served = hub.stats()["requests"]
    rows = _rows(tmp_path / "0.parquet")
    assert stats.requests == sum(r["requests"] for r in rows.values()) == served
    assert budget.stats.granted == stats.requests
    # each fetched config.json costs two requests (the 307 to resolve-cache, then the file)
    assert stats.requests >= 2 * stats.statuses["ok"]
    card_stats = sorted((crawled / "cards").glob("*.stats.json"))
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"models": len(_listing_entries(crawled)), "pages": 1}))
    health = crawl_health(manifest, card_stats, None, [tmp_path / "0.stats.json"])
    row = health.filter(health["job"] == "configs/0").row(0, named=True)
    assert row["requests"] == stats.requests and row["ok"] == stats.statuses["ok"]
    assert row["no_readme"] == stats.statuses["no_readme"]


CRAWLER = """
import json, sys
from pathlib import Path
from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.ratelimit import RateBudget
a = json.loads(sys.argv[1])
fetch_shard(CardJob(**a["job"]), [Path(p) for p in a["parts"]], Path(a["out"]), RateBudget(None))
"""


def test_a_killed_config_crawl_resumes_losing_nothing_and_a_recrawl_reuses_by_sha(
    crawled: Path, tmp_path: Path
) -> None:
    store, parts, out = crawled / "eco" / "hub.sqlite", _parts(crawled), tmp_path / "0.parquet"
    # past 2,500 requests every answer is 5 s late: the job has checkpointed a batch
    stall = Faults(slow=Fault(1.0, frozenset({"resolve"}), skip=2500), slow_s=5.0)
    with run_replica(ReplicaConfig(store=store, faults=stall)) as hub:
        args = {"job": _job(hub.endpoint).__dict__, "parts": [str(p) for p in parts],
                "out": str(out)}  # fmt: skip
        first = subprocess.Popen([sys.executable, "-c", CRAWLER, json.dumps(args)])
        try:
            end = time.monotonic() + 120
            while hub.stats()["faults"]["slow"] < 4:
                assert time.monotonic() < end and first.poll() is None
                time.sleep(0.05)
            assert list((tmp_path / "0.partial").glob("batch-*.parquet"))  # a batch was kept
        finally:
            first.kill()
            first.wait()
        time.sleep(5.5)  # the late answers are served to nobody (and counted)
        killed = hub.stats()["requests"]
    with run_replica(ReplicaConfig(store=store)) as hub:
        stats = fetch_shard(_job(hub.endpoint), parts, out, RateBudget(None))
        resumed = hub.stats()["requests"]
    assert stats.requests == killed + resumed
    rows = _rows(out)
    reference = {}
    for shard in sorted((crawled / "configs").glob("[0-9].parquet")):
        reference |= _rows(shard)
    assert set(rows) == set(reference)
    for model_id, row in rows.items():
        assert (row["status"], row["text"]) == (
            reference[model_id]["status"],
            reference[model_id]["text"],
        )
    # a second snapshot with the same shas asks only for the gated/disabled ones again
    with run_replica(ReplicaConfig(store=store)) as hub:
        again = fetch_shard(_job(hub.endpoint), parts, tmp_path / "again.parquet",
                            RateBudget(None), [out])  # fmt: skip
    ok = sum(r["status"] == "ok" for r in rows.values())
    assert again.reused == ok and again.requests < stats.requests / 10
