"""Benchmark: a first crawl started from a card dump against one without, over HTTP.

    .venv/bin/python bench/bootstrap.py [N_MODELS] [COVERAGE] [RESOLVER_REQUESTS_PER_S]

(defaults: 100000 models, a dump of half the carded models 30 days old, 1000 requests/s).
Generates the ecosystem with its dump (under results/bench/), serves it from a separate
process with a fixed-window resolver limit as bench/crawl.py does, lists it once, then
crawls the cards twice in 4 shard jobs, 2 at a time: without the dump, and with it (the
dump downloaded with huggingface_hub first, its requests paced and counted). Prints for
each: requests (card and dump), requests per model, cards taken from the dump, seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, serving

from phylohub.crawl.bootstrap import fetch_dump
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.ratelimit import RateBudget
from phylohub.hub.synth import SynthConfig, generate, is_current

SHARDS, PARALLEL, WINDOW_S = 4, 2, 10.0
REPO = "librarian-bots/model_cards_with_metadata"

SHARD_JOB = """
import sys
from pathlib import Path
from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.ratelimit import RateBudget
endpoint, out, cards = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
shard, n_shards, quota = (int(a) for a in sys.argv[4:7])
window_s, boot = float(sys.argv[7]), sys.argv[8]
parts = sorted((out / "listing").glob("part-*.parquet"))
job = CardJob(endpoint=endpoint, shard=shard, n_shards=n_shards, concurrency=4)
fetch_shard(job, parts, out / cards / f"{shard}.parquet", RateBudget(quota, window_s), None,
            Path(boot) if boot else None)
"""


def store_with_dump(n: int, coverage: float) -> Path:
    """An n-model ecosystem (seed 0) with a 30-day-old dump of ``coverage``, cached."""
    cfg = SynthConfig(n_models=n, seed=0, dump_days=30, dump_coverage=coverage)
    out = ROOT / "results" / "bench" / f"replica-{n}-dump{coverage:g}"
    if not is_current(cfg, out):
        generate(cfg, out)
    return out / "hub.sqlite"


def crawl_cards(endpoint: str, out: Path, name: str, quota: int, boot: str) -> list[dict]:
    """The card shards, 2 jobs at a time; their stats."""
    (out / name).mkdir()
    running: list[subprocess.Popen[bytes]] = []
    for shard in range(SHARDS):
        if len(running) == PARALLEL:
            running.pop(0).wait()
        args = [endpoint, str(out), name, str(shard), str(SHARDS), str(quota // PARALLEL),
                str(WINDOW_S), boot]  # fmt: skip
        running.append(subprocess.Popen([sys.executable, "-c", SHARD_JOB, *args]))
    for proc in running:
        proc.wait()
    return [json.loads((out / name / f"{s}.stats.json").read_text()) for s in range(SHARDS)]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    coverage = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    rate = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    quota = int(rate * WINDOW_S)
    store = store_with_dump(n, coverage)
    limits = ("--resolver-quota", str(quota), "--window-s", str(WINDOW_S))
    with serving(n, *limits, store=store) as (endpoint, _), tempfile.TemporaryDirectory() as t:
        out = Path(t)
        listing = crawl_listing(endpoint, out / "listing", page_size=1000)
        start = time.perf_counter()
        plain = crawl_cards(endpoint, out, "plain", quota, "")
        plain_s = time.perf_counter() - start
        start = time.perf_counter()
        boot = out / "bootstrap.parquet"
        dump = fetch_dump(endpoint, REPO, boot, out / "cache", RateBudget(quota, WINDOW_S))
        dump_s = time.perf_counter() - start
        with_dump = crawl_cards(endpoint, out, "boot", quota, str(boot))
        boot_s = time.perf_counter() - start
    models, pages = listing.models, listing.pages
    for label, stats, extra, seconds in (
        ("no dump", plain, 0, plain_s),
        (f"{coverage:.0%} dump", with_dump, dump.requests, boot_s),
    ):
        cards = sum(s["requests"] for s in stats)
        taken = sum(s.get("bootstrap", 0) for s in stats)
        ok = sum(s["statuses"].get("ok", 0) for s in stats)
        print(f"{label:10} {ok:,} ok cards of {models:,} models, {taken:,} from the dump; "
              f"card requests {cards:,} + dump {extra}; requests per model "
              f"{(pages + cards + extra) / models:.3f}; {seconds:.1f} s")  # fmt: skip
    print(f"dump       {dump.rows:,} rows in {dump.files} files ({dump.bytes / 1e6:.0f} MB), "
          f"{dump.requests} requests, {dump_s:.1f} s")  # fmt: skip


if __name__ == "__main__":
    from benchlib import exit_on_help

    exit_on_help(__doc__)
    main()
