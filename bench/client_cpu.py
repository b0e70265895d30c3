"""Benchmark: CPU per request of the card crawler's client, and of the replica serving it.

    .venv/bin/python bench/client_cpu.py [N_MODELS] [ROUNDS]

(defaults: 20000 models, 2 rounds). Serves an ecosystem from a separate process and
fetches one card shard of four in this process, ``ROUNDS`` times each way, alternating:

* ``crawler``: :func:`phylohub.crawl.cards.fetch_shard` as a rule runs it (asyncio tasks
  over one aiohttp session, after ``configure_logging``);
* ``httpx2 threads``: the same GETs (and their 307s) through huggingface_hub's ``httpx2``
  client from a pool of 4 threads, as the crawler made them before; cards only read,
  nothing written.

Prints, for each, the client's CPU milliseconds per request (this process, all threads),
the replica's (its process, from /proc) and cards/s. The crawl on loopback is bound by
the replica when the client needs less CPU per request than the replica; compare within
one run (the machine is shared).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urljoin

import httpx2
from benchlib import serving

from phylohub.crawl.cards import CardJob, fetch_shard, shard_models
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.ratelimit import RateBudget
from phylohub.workflow import configure_logging


def process_cpu_s(pid: int) -> float:
    """User plus system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def crawler(endpoint: str, parts: list[Path], out: Path) -> tuple[int, int]:
    """Requests made and cards fetched by the crawler on shard 0 of 4."""
    out.mkdir()
    with Path(os.devnull).open("w") as devnull, contextlib.redirect_stderr(devnull):
        configure_logging(out / "rule.log")
        job = CardJob(endpoint=endpoint, shard=0, n_shards=4)
        stats = fetch_shard(job, parts, out / "0.parquet", RateBudget(None))
    return stats.requests, stats.statuses.get("ok", 0)


def httpx2_threads(endpoint: str, parts: list[Path], threads: int = 4) -> tuple[int, int]:
    """Requests made and cards read by a thread pool over one httpx2 client, shard 0 of 4."""
    models = shard_models(parts, 0, 4)
    models = models.filter(models["has_readme"])
    todo = list(zip(models["id"].to_pylist(), models["sha"].to_pylist(), strict=True))
    client = httpx2.Client(timeout=60, limits=httpx2.Limits(max_connections=64))

    def fetch(model: tuple[str, str]) -> tuple[int, int]:
        url = f"{endpoint}/{quote(model[0], safe='/')}/resolve/{model[1]}/README.md"
        for hop in range(1, 4):
            with client.stream("GET", url) as r:
                if r.status_code in (301, 302, 307, 308):
                    url = urljoin(url, r.headers["location"])
                    continue
                r.read()
                return hop, int(r.status_code == 200)
        return 3, 0

    with client, ThreadPoolExecutor(threads) as pool:
        done = list(pool.map(fetch, todo))
    return sum(r for r, _ in done), sum(c for _, c in done)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    ways = ("crawler", "httpx2 threads")
    results: dict[str, list[tuple[float, float, float]]] = {w: [] for w in ways}
    with serving(n) as (endpoint, server), tempfile.TemporaryDirectory() as tmp:
        crawl_listing(endpoint, Path(tmp) / "listing", page_size=1000)
        parts = sorted((Path(tmp) / "listing").glob("part-*.parquet"))
        for r in range(rounds):
            for way in ways:
                cpu, wall, served = time.process_time(), time.perf_counter(), process_cpu_s(server)
                if way == "crawler":
                    requests, cards = crawler(endpoint, parts, Path(tmp) / f"cards-{r}")
                else:
                    requests, cards = httpx2_threads(endpoint, parts)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                served = process_cpu_s(server) - served
                results[way].append((1000 * cpu / requests, 1000 * served / requests, cards / wall))
    print(f"load average {os.getloadavg()[0]:.1f}; one shard of four of {n:,} models, "
          f"{rounds} rounds; CPU ms per request and cards/s, lowest-highest")  # fmt: skip
    for way in ways:
        client, replica, rate = zip(*results[way], strict=True)
        print(f"{way:<15} client {min(client):.2f}-{max(client):.2f} ms, "
              f"replica {min(replica):.2f}-{max(replica):.2f} ms, "
              f"{min(rate):.0f}-{max(rate):.0f} cards/s")  # fmt: skip


if __name__ == "__main__":
    from benchlib import exit_on_help

    exit_on_help(__doc__)
    main()
