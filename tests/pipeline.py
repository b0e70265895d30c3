"""Build a real snapshot of a synthetic ecosystem for the analysis tests.

``snapshot_of(SynthConfig(...), folder)`` generates the ecosystem, serves it with the
replica, crawls the listing and every card with the real client, and builds
``folder/hub.duckdb`` exactly as the workflow does. The planted truth is in
``folder/eco/truth.json`` and the ``truth_*`` tables of ``folder/eco/hub.sqlite``.
"""

from __future__ import annotations

from pathlib import Path

from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.ratelimit import RateBudget
from phylohub.hub.replica import ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig, generate
from phylohub.snapshot import build_snapshot


def snapshot_of(cfg: SynthConfig, folder: Path, shards: int = 2) -> Path:
    """The path of ``hub.duckdb`` built from a fresh ecosystem of ``cfg``."""
    generate(cfg, folder / "eco")
    with run_replica(ReplicaConfig(store=folder / "eco" / "hub.sqlite")) as hub:
        crawl_listing(hub.endpoint, folder / "listing")
        parts = sorted((folder / "listing").glob("part-*.parquet"))
        (folder / "cards").mkdir(exist_ok=True)
        files = []
        for shard in range(shards):
            job = CardJob(endpoint=hub.endpoint, shard=shard, n_shards=shards, threads=4)
            files.append(folder / "cards" / f"{shard}.parquet")
            fetch_shard(job, parts, files[-1], RateBudget(None))
    build_snapshot(parts, files, folder / "hub.duckdb", folder / "parquet")
    return folder / "hub.duckdb"
