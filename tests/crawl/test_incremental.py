"""Incremental crawl: a month later, only new and changed cards are requested."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.ratelimit import RateBudget
from phylohub.hub.evolve import EvolveConfig, evolve
from phylohub.hub.replica import ReplicaConfig, run_replica
from phylohub.hub.store import Store
from phylohub.hub.synth import SynthConfig, generate

SHARDS = 2


def snapshot(
    store: Path, out: Path, previous: list[Path] | None = None
) -> tuple[list[dict], dict, list[Path]]:
    with run_replica(ReplicaConfig(store=store)) as hub:
        crawl_listing(hub.endpoint, out / "listing", page_size=500)
        parts = sorted((out / "listing").glob("part-*.parquet"))
        hub.reset_stats()
        files = []
        for shard in range(SHARDS):
            job = CardJob(endpoint=hub.endpoint, shard=shard, n_shards=SHARDS, backoff_s=0.05)
            files.append(out / "cards" / f"{shard}.parquet")
            files[-1].parent.mkdir(parents=True, exist_ok=True)
            fetch_shard(job, parts, files[-1], RateBudget(None), previous)
        stats = hub.stats()
    rows = [r for f in files for r in pq.read_table(f).to_pylist()]
    return rows, stats, files


def test_second_snapshot_requests_only_new_and_changed_cards(tmp_path: Path) -> None:
    generate(SynthConfig(n_models=2000, seed=8), tmp_path / "day0")
    changes = evolve(tmp_path / "day0", tmp_path / "day30", EvolveConfig(days=30, seed=8))
    assert changes["added"] and changes["edited_cards"] and changes["removed"]
    first, _, first_files = snapshot(tmp_path / "day0" / "hub.sqlite", tmp_path / "s0")
    second, stats, _ = snapshot(tmp_path / "day30" / "hub.sqlite", tmp_path / "s30", first_files)
    fresh, fresh_stats, _ = snapshot(tmp_path / "day30" / "hub.sqlite", tmp_path / "fresh")

    ok_before = {(r["id"], r["sha"]) for r in first if r["status"] == "ok"}
    # gating and disabling change access without a commit: such cards are asked again
    restricted = {
        r["id"] for r in Store(tmp_path / "day30" / "hub.sqlite").iter_rows("gated IS NOT NULL")
    }
    assert {m for m, (_, now) in changes["gate_changes"].items() if now} <= restricted
    must_fetch = {
        r["id"]
        for r in second
        if r["status"] != "no_readme"
        and ((r["id"], r["sha"]) not in ok_before or r["id"] in restricted)
    }
    fetched_ids = {r["id"] for r in second if r["requests"] > 0}
    assert fetched_ids == must_fetch
    assert set(changes["added"]) <= must_fetch  # every new model with a card
    assert set(changes["edited_cards"]) - set(changes["removed"]) <= must_fetch
    gets = sum(stats["by_kind"].get("resolve_get", {}).values())
    assert gets == len(must_fetch)
    # reused rows carry the same cards a fresh crawl gets
    fresh_text = {r["id"]: (r["status"], r["text"]) for r in fresh}
    assert {r["id"]: (r["status"], r["text"]) for r in second} == fresh_text
    removed = set(changes["removed"])
    assert not removed & {r["id"] for r in second}
    fresh_gets = sum(fresh_stats["by_kind"].get("resolve_get", {}).values())
    assert gets < 0.3 * fresh_gets
