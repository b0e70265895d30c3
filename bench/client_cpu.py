"""Benchmark: the card crawler's CPU per request, with and without per-request log lines.

    .venv/bin/python bench/client_cpu.py [N_MODELS] [ROUNDS]

(defaults: 20000 models, 2 rounds). Serves an ecosystem from a separate process and
fetches one card shard of four, in this process, as a rule does after
``configure_logging`` (a log file and stderr, here sent to /dev/null): once with the HTTP
client's per-request INFO lines (as before they were left out) and once without,
alternating, ``ROUNDS`` times each. Prints the client's CPU milliseconds per request
(this process, all its threads) and cards/s for each; compare the two within one run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from benchlib import serving

from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.ratelimit import RateBudget
from phylohub.workflow import QUIET_LOGGERS, configure_logging


def crawl_once(endpoint: str, tmp: Path, verbose: bool, round_: int) -> tuple[float, float]:
    """CPU ms per request and cards/s of one shard fetched from scratch."""
    out = tmp / f"cards-{verbose}-{round_}"
    out.mkdir()
    with Path(os.devnull).open("w") as devnull, contextlib.redirect_stderr(devnull):
        configure_logging(out / "rule.log")
        if verbose:
            for name in QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.NOTSET)
        job = CardJob(endpoint=endpoint, shard=0, n_shards=4, threads=4)
        cpu, wall = time.process_time(), time.perf_counter()
        stats = fetch_shard(job, sorted((tmp / "listing").glob("part-*.parquet")),
                            out / "0.parquet", RateBudget(None))  # fmt: skip
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return 1000 * cpu / stats.requests, stats.statuses.get("ok", 0) / wall


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    results: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    with serving(n) as (endpoint, _), tempfile.TemporaryDirectory() as tmp:
        crawl_listing(endpoint, Path(tmp) / "listing", page_size=1000)
        for r in range(rounds):
            for verbose in (True, False):
                results[verbose].append(crawl_once(endpoint, Path(tmp), verbose, r))
    print(f"load average {os.getloadavg()[0]:.1f}; one shard of {n:,} models, {rounds} rounds")
    for verbose, label in ((True, "per-request log lines"), (False, "without them")):
        ms = [m for m, _ in results[verbose]]
        rate = [c for _, c in results[verbose]]
        print(f"{label:<24} client CPU {min(ms):.2f}-{max(ms):.2f} ms/request, "
              f"{min(rate):.0f}-{max(rate):.0f} cards/s")  # fmt: skip


if __name__ == "__main__":
    main()
