"""Benchmark: the replica's throughput on loopback.

    .venv/bin/python bench/replica.py [N_MODELS]        (default 100000)

Generates an ecosystem of N models (cached under results/bench/), serves it from a
separate process (``phylohub replica serve``) and measures, with plain httpx clients on
keep-alive connections:

* the whole listing chain with ``full=true&cardData=true`` at 1000 models a page
  (pages/s, models/s);
* README GETs at ``/{id}/resolve/{sha}/README.md`` (each answered by a 307 to
  resolve-cache and the file: two requests), with 1 and 4 client threads.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
from benchlib import ensure_store, served


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with served(n) as base:
        with httpx.Client(timeout=60) as client:
            start = time.perf_counter()
            url: str | None = f"{base}/api/models?full=true&cardData=true&limit=1000"
            pages = models = 0
            cards: list[tuple[str, str]] = []
            while url:
                r = client.get(url)
                r.raise_for_status()
                page = r.json()
                pages += 1
                models += len(page)
                cards += [
                    (m["id"], m["sha"])
                    for m in page
                    if not m.get("gated") and {"rfilename": "README.md"} in m["siblings"]
                ]
                url = r.links.get("next", {}).get("url")
            listing_s = time.perf_counter() - start
        print(
            f"listing: {pages} pages, {models} models in {listing_s:.1f} s: "
            f"{pages / listing_s:.1f} pages/s, {models / listing_s:,.0f} models/s"
        )
        sample = random.Random(0).sample(cards, min(4000, len(cards)))
        for threads in (1, 4):

            def fetch(chunk: list[tuple[str, str]]) -> int:
                done = 0
                with httpx.Client(timeout=60, follow_redirects=True) as c:
                    for model_id, sha in chunk:
                        r = c.get(f"{base}/{model_id}/resolve/{sha}/README.md")
                        done += r.status_code == 200  # a few listed models are disabled
                return done

            chunks = [sample[i::threads] for i in range(threads)]
            start = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                done = sum(pool.map(fetch, chunks))
            secs = time.perf_counter() - start
            print(
                f"README GETs, {threads} thread(s): {done} cards in {secs:.1f} s: "
                f"{done / secs:,.0f} cards/s ({2 * done / secs:,.0f} requests/s with the 307)"
            )
        stats = json.loads(httpx.get(f"{base}/_replica/stats").text)
        print("server counted", stats["requests"], "requests")
        (listed,) = (
            sqlite3.connect(ensure_store(n))
            .execute("SELECT count(*) FROM models WHERE private = 0")
            .fetchone()
        )
        assert models == listed, (models, listed)


if __name__ == "__main__":
    from benchlib import exit_on_help

    exit_on_help(__doc__)
    main()
