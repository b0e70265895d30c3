"""Benchmark: the crawl against a rate-limited replica on loopback.

    .venv/bin/python bench/crawl.py [N_MODELS] [RESOLVER_REQUESTS_PER_S]

(defaults: 100000 models, 1000 requests/s). Generates an ecosystem (cached under
results/bench/), serves it from a separate process with a fixed-window limit of
``RESOLVER_REQUESTS_PER_S * 10`` resolver requests per 10-second window, then crawls it
as the workflow does: the listing (one cursor chain), then the cards in 4 shard jobs
(separate processes), 2 at a time, each paced at half the budget. Prints listing
models/s, cards/s, requests per model, the share of the rate budget used while cards
were fetched, the 429s the server sent, and the snapshot build's seconds and peak RSS
when the snapshot stage is installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
from benchlib import served

SHARDS, PARALLEL, WINDOW_S = 4, 2, 10.0

SHARD_JOB = """
import sys
from pathlib import Path
from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.ratelimit import RateBudget
endpoint, out = sys.argv[1], Path(sys.argv[2])
shard, n_shards, quota = (int(a) for a in sys.argv[3:6])
window_s = float(sys.argv[6])
parts = sorted((out / "listing").glob("part-*.parquet"))
job = CardJob(endpoint=endpoint, shard=shard, n_shards=n_shards, concurrency=4)
fetch_shard(job, parts, out / "cards" / f"{shard}.parquet", RateBudget(quota, window_s))
"""


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rate = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    quota = int(rate * WINDOW_S)
    limits = ("--resolver-quota", str(quota), "--window-s", str(WINDOW_S))
    with served(n, *limits) as endpoint, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        from phylohub.crawl.listing import crawl_listing

        start = time.perf_counter()
        listing = crawl_listing(endpoint, out / "listing", page_size=1000)
        listing_s = time.perf_counter() - start
        (out / "cards").mkdir()
        httpx2.post(f"{endpoint}/_replica/reset-stats")
        start = time.perf_counter()
        per_job = quota // PARALLEL
        running: list[subprocess.Popen[bytes]] = []
        for shard in range(SHARDS):
            if len(running) == PARALLEL:
                running.pop(0).wait()
            running.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        SHARD_JOB,
                        endpoint,
                        tmp,
                        str(shard),
                        str(SHARDS),
                        str(per_job),
                        str(WINDOW_S),
                    ]
                )
            )
        for proc in running:
            proc.wait()
        cards_s = time.perf_counter() - start
        stats = httpx2.get(f"{endpoint}/_replica/stats").json()
        shard_stats = [
            json.loads((out / "cards" / f"{s}.stats.json").read_text()) for s in range(SHARDS)
        ]
        build = build_snapshot(out)

    card_requests = sum(s["requests"] for s in shard_stats)
    fetched = sum(s["statuses"].get("ok", 0) for s in shard_stats)
    resolver_requests = sum(
        sum(stats["by_kind"].get(k, {}).values())
        for k in ("resolve_get", "resolve_head", "resolve_cache_get", "resolve_cache_head")
    )
    print(f"models listed          {listing.models:,} in {listing.pages} pages")
    print(f"listing                {listing_s:.1f} s, {listing.models / listing_s:,.0f} models/s")
    print(
        f"cards                  {fetched:,} ok of {listing.models:,} models in {cards_s:.1f} s, "
        f"{fetched / cards_s:,.0f} cards/s"
    )
    print(
        f"requests per model     {(listing.pages + card_requests) / listing.models:.2f} "
        f"(listing {listing.pages}, cards {card_requests:,}: 2 per card with the 307)"
    )
    print(f"rate budget            {rate:,} resolver requests/s ({quota:,} per {WINDOW_S:.0f} s)")
    print(
        f"budget used            {resolver_requests / cards_s / rate:.1%} "
        f"({resolver_requests / cards_s:,.0f} requests/s over the card phase)"
    )
    per_job = [s["requests"] / s["seconds"] / (rate / PARALLEL) for s in shard_stats]
    print(f"budget used per job    {min(per_job):.1%} to {max(per_job):.1%} "
          f"(each job's requests over its own run time, against its share)")  # fmt: skip
    print(f"429s from the server   {sum(stats['rate_limited'].values())}")
    if build:
        print(f"snapshot build         {build[0]:.1f} s, peak RSS {build[1]:,.0f} MB")


def build_snapshot(out: Path) -> tuple[float, float] | None:
    """Build the snapshot in a child process; (seconds, peak RSS MB), or None if absent."""
    try:
        import phylohub.snapshot.build  # noqa: F401
    except ImportError:
        return None
    code = (
        "import sys; from pathlib import Path; from phylohub.snapshot.build import build_snapshot;"
        "o = Path(sys.argv[1]); build_snapshot(sorted((o / 'listing').glob('part-*.parquet')),"
        "sorted((o / 'cards').glob('[0-9]*.parquet')), o / 'hub.duckdb', o / 'parquet');"
        "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(out)], check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    return seconds, int(done.stdout.strip().splitlines()[-1]) / 1024


if __name__ == "__main__":
    from benchlib import exit_on_help

    exit_on_help(__doc__)
    main()
