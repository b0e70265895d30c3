"""Benchmark: the arXiv client against the replica's arXiv API.

    .venv/bin/python bench/arxiv.py [N_MODELS] [POOL] [BATCH] [DELAY_S]

(defaults: 20000 models, 2000 synthetic papers, batches of 100, 0.2 s between requests).
Generates an ecosystem with ``arxiv_pool=POOL`` under results/bench/, writes the table a
snapshot of it would hold (``traits.arxiv`` of every listed model, from the store's tags),
serves the store from a separate process and runs ``fetch_arxiv`` twice: cold (every id
asked) and warm (every id from the cache). Prints ids, requests, seconds and the time the
same crawl would take at arXiv's own pace (one request every 3 s).
"""

from __future__ import annotations

import json
import math
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
from benchlib import PHYLOHUB, ROOT

from phylohub.crawl.arxiv import ArxivJob, fetch_arxiv
from phylohub.hub.synth import SynthConfig, generate


def main(n: int, pool: int, batch: int, delay_s: float) -> None:
    store_dir = ROOT / "results" / "bench" / f"arxiv-{n}-{pool}"
    if not (store_dir / "hub.sqlite").is_file():
        generate(SynthConfig(n_models=n, seed=0, arxiv_pool=pool), store_dir)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = sqlite3.connect(store_dir / "hub.sqlite").execute(
            "SELECT id, tags, json_extract(card, '$.kind') FROM models WHERE private = 0"
        )
        ids, cited, auto = [], [], []
        for model_id, tags, kind in rows:
            ids.append(model_id)
            cited.append(sorted({t[6:] for t in json.loads(tags) if t.startswith("arxiv:")}))
            auto.append(kind in ("hub_default", "trainer"))
        con = duckdb.connect(str(work / "hub.duckdb"))
        con.register("t", pa.table({"id": ids, "arxiv": cited}))
        con.register("c", pa.table({"id": ids, "auto_generated": auto}))
        con.execute("CREATE TABLE traits AS SELECT * FROM t")
        con.execute("CREATE TABLE cards AS SELECT * FROM c")
        con.close()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        store = str(store_dir / "hub.sqlite")
        server = subprocess.Popen(
            [*PHYLOHUB, "replica", "serve", "--store", store, "--port", str(port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            server.stdout.readline()
            job = ArxivJob(endpoint=f"http://127.0.0.1:{port}", batch_size=batch, delay_s=delay_s)
            for run in ("cold", "warm"):
                t0 = time.monotonic()
                stats = fetch_arxiv(
                    work / "hub.duckdb",
                    work / f"{run}.parquet",
                    work / f"{run}.json",
                    work / "cache.sqlite",
                    job,
                )
                seconds = time.monotonic() - t0
                print(
                    f"{run}: {stats.ids} ids, {stats.requests} requests, "
                    f"{stats.cache_hits} cache hits, {stats.statuses}, {seconds:.2f} s"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    at_arxiv = 3.0 * math.ceil(stats.ids / batch)
    print(f"at arXiv's pace (3 s a request, {batch} ids a request): {at_arxiv:.0f} s")


if __name__ == "__main__":
    from benchlib import exit_on_help

    exit_on_help(__doc__)
    args = sys.argv[1:]
    main(
        int(args[0]) if args else 20_000,
        int(args[1]) if len(args) > 1 else 2000,
        int(args[2]) if len(args) > 2 else 100,
        float(args[3]) if len(args) > 3 else 0.2,
    )
