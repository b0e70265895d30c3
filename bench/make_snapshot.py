"""Make a snapshot of a synthetic ecosystem of N models without crawling it over HTTP.

For benchmarks at the Hub's scale (1.86M models), where listing 1.86M entries and
fetching 1.25M cards through the replica would take hours. The script writes exactly the
files the crawl writes, from the replica's store, and builds the snapshot with
``phylohub.snapshot.build_snapshot``:

1. ``eco/``: ``phylohub.hub.synth.generate`` (skipped when already generated with the
   same knobs);
2. ``crawl/listing/part-NNNNN.parquet`` and ``manifest.json``: every listed model in the
   replica's default order (trendingScore descending, ties by ``_id``), its entry JSON
   assembled by the replica's own SQL for ``full=true&config=true&cardData=true``;
3. ``crawl/cards/{shard}.parquet``: one row per listed model, as an anonymous crawl gets
   it: ``no_readme`` without README.md, ``disabled``, ``gated`` (no token), ``not_found``
   for a README without a card, else ``ok`` with the card's file rendered by
   ``phylohub.hub.cards.card_bytes`` and read by the crawl's own
   ``phylohub.crawl.cards.decode_card`` (cut at ``--max-card-bytes`` like the crawl, ETag
   the git blob id of the whole card); shards are ``crc32(id) % shards`` like the crawl,
   rendered by ``--jobs`` processes;
4. ``hub.duckdb`` and ``parquet/``.

Usage::

    .venv/bin/python bench/make_snapshot.py 1860000   # results/bench/work/results/synth-1860000/
    .venv/bin/python bench/make_snapshot.py 100000 --seed 3 --out /tmp/snap

Measured on 2 cores: 1.86M models take about 2.5 min to generate (2.5 GB), 4 min to
render the cards, 2 min to build (5 GB). The default folder,
``results/bench/work/results/synth-<N>/``, is laid out as the workflow lays out a crawled
snapshot (``crawl/listing/manifest.json``, ``crawl/cards/{shard}.parquet`` and
``.stats.json``, ``hub.duckdb``, ``parquet/``) inside a Snakemake working directory of its
own, ``results/bench/work``: ``snakemake --snakefile Snakefile --directory
results/bench/work --configfile config/demo.yaml results/synth-<N>/...`` runs any later
stage on it without crawling (``--shards`` must equal the config's ``crawl.shards``, 4
in config/demo.yaml). Never put it directly under ``results/``: a folder holding
``crawl/listing/manifest.json`` there becomes the ``crawl.previous: auto`` of every other
snapshot, whose ``fetch_cards`` jobs Snakemake then reruns. The planted truth is in
``<out>/eco/``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import sqlite3
import sys
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from phylohub.crawl.cards import decode_card
from phylohub.crawl.schema import CARD_ENCODINGS, CARD_SCHEMA, LISTING_SCHEMA
from phylohub.hub.cards import card_bytes
from phylohub.hub.replica.entries import LIST_DEFAULT, LIST_FULL, entry_sql
from phylohub.hub.synth import SynthConfig, generate, is_current
from phylohub.layout import listing_time
from phylohub.snapshot import build_snapshot

#: The crawl's listing order and the properties of ``full=true&config=true&cardData=true``
#: (in the order the replica's listing splices them).
LISTED = "FROM models WHERE private = 0 ORDER BY trending_score DESC, _id"
PROPS = (*LIST_DEFAULT, *LIST_FULL, "cardData", "config")
FETCHED = datetime(2025, 7, 12, tzinfo=UTC)  # a fixed time: the same files on every run
BATCH = 20_000


def write_listing(store: Path, out: Path, page_size: int, pages_per_part: int) -> int:
    """Listing parts and manifest of every listed model; returns the number of models."""
    out.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    cursor = con.execute(f"SELECT id, _id, sha, {entry_sql(PROPS)} {LISTED}")
    per_part = page_size * pages_per_part
    index, parts = 0, []
    while rows := cursor.fetchmany(per_part):
        table = pa.table(
            {
                "page": [(index + i) // page_size for i in range(len(rows))],
                "position": [(index + i) % page_size for i in range(len(rows))],
                "id": [r[0] for r in rows],
                "_id": [r[1] for r in rows],
                "sha": [r[2] for r in rows],
                "entry": [bytes(r[3]).decode("utf-8") for r in rows],
            },
            schema=LISTING_SCHEMA,
        )
        name = f"part-{len(parts):05d}.parquet"
        pq.write_table(table, out / name)
        parts.append(name)
        index += len(rows)
    con.close()
    pages = -(-index // page_size)
    # rendered from a synthetic store: the replica's hub (phylohub.layout.earlier_listed
    # never pairs it with a snapshot of the real Hub), listed now (what orders it among
    # the snapshots beside it)
    manifest = {"models": index, "pages": pages, "parts": parts, "endpoint": "http://127.0.0.1",
                "listed_at": listing_time(datetime.now(UTC))}  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return index


def card_row(row: tuple[Any, ...], max_bytes: int) -> dict[str, Any]:
    """The card row an anonymous crawl writes for one listed model."""
    model_id, sha, gated, disabled, siblings, recipe, card_data = row
    out: dict[str, Any] = dict.fromkeys(CARD_SCHEMA.names)
    out.update(id=model_id, sha=sha, fetched_at=FETCHED, reused=False, truncated=False)
    if "README.md" not in json.loads(siblings):
        return {**out, "status": "no_readme", "requests": 0}
    if disabled:
        return {**out, "status": "disabled", "http_status": 403, "requests": 1,
                "message": "Access to this resource is disabled."}  # fmt: skip
    if gated is not None:
        return {**out, "status": "gated", "http_status": 401, "requests": 1,
                "message": f"Access to model {model_id} is restricted."}  # fmt: skip
    if recipe is None:
        return {**out, "status": "not_found", "http_status": 404, "requests": 1,
                "message": "Entry not found"}  # fmt: skip
    data = card_bytes(json.loads(recipe), json.loads(card_data) if card_data else None)
    cut = len(data) > max_bytes
    etag = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
    return {
        **out,
        "status": "ok",
        "http_status": 200,
        **decode_card(data[:max_bytes], cut),
        "bytes": len(data),
        "truncated": cut,
        "etag": etag,
        "requests": 1,
    }


def write_shard(args: tuple[Path, Path, int, int, int]) -> tuple[int, int]:
    """Render and write one card shard and its ``.stats.json`` (as ``fetch_cards`` does);
    returns (rows, cards with text)."""
    store, path, shard, shards, max_bytes = args
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    cursor = con.execute(f"SELECT id, sha, gated, disabled, siblings, card, card_data {LISTED}")
    statuses: dict[str, int] = {}
    encodings = dict.fromkeys(CARD_ENCODINGS, 0)
    requests = 0
    start = time.perf_counter()
    with pq.ParquetWriter(path, CARD_SCHEMA) as writer:
        batch: list[dict[str, Any]] = []
        for row in cursor:
            if zlib.crc32(row[0].encode()) % shards != shard:
                continue
            batch.append(card_row(row, max_bytes))
            if len(batch) == BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=CARD_SCHEMA))
                for r in batch:
                    statuses[r["status"]] = statuses.get(r["status"], 0) + 1
                    requests += r["requests"]
                    if r["encoding"] is not None:
                        encodings[r["encoding"]] += 1
                batch.clear()
        writer.write_table(pa.Table.from_pylist(batch, schema=CARD_SCHEMA))
        for r in batch:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
            requests += r["requests"]
            if r["encoding"] is not None:
                encodings[r["encoding"]] += 1
    con.close()
    for _ in pq.ParquetFile(path).iter_batches(batch_size=BATCH):
        pass  # read every page back: a damaged file fails here, not in the build
    stats = {
        "models": sum(statuses.values()),
        "requests": requests,
        "retries": 0,
        "throttled": 0,
        "reused": 0,
        "statuses": dict(sorted(statuses.items())),
        "encodings": encodings,
        "seconds": time.perf_counter() - start,
        "written_by": "bench/make_snapshot.py (rendered from the store, not crawled)",
    }
    path.with_suffix(".stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    return stats["models"], statuses.get("ok", 0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", type=int, help="number of models to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, help="default: results/bench/work/results/synth-<models>"
    )
    parser.add_argument("--shards", type=int, default=4, help="card shard files")
    parser.add_argument("--jobs", type=int, default=2, help="processes rendering cards")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--pages-per-part", type=int, default=100)
    parser.add_argument("--max-card-bytes", type=int, default=2_000_000)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads of the build")
    parser.add_argument("--memory-mb", type=int, default=6000, help="DuckDB memory of the build")
    parser.add_argument(
        "--skip-build", action="store_true", help="write the crawl's files only (no hub.duckdb)"
    )
    a = parser.parse_args(argv)
    out = a.out or Path("results/bench/work/results") / f"synth-{a.models}"
    cfg = SynthConfig(n_models=a.models, seed=a.seed)
    eco = out / "eco"
    start = time.perf_counter()

    def step(what: str) -> None:
        print(f"{time.perf_counter() - start:8.1f} s  {what}", flush=True)

    if is_current(cfg, eco):
        step(f"ecosystem already in {eco}")
    else:
        generate(cfg, eco)
        step(f"generated {a.models:,} models into {eco}")
    store = eco / "hub.sqlite"
    listing = out / "crawl" / "listing"
    listed = write_listing(store, listing, a.page_size, a.pages_per_part)
    step(f"listed {listed:,} models into {listing}")
    cards = out / "crawl" / "cards"
    cards.mkdir(parents=True, exist_ok=True)
    jobs = [(store, cards / f"{s}.parquet", s, a.shards, a.max_card_bytes) for s in range(a.shards)]
    with multiprocessing.get_context("spawn").Pool(a.jobs) as pool:
        done = pool.map(write_shard, jobs)
    step(f"{sum(r for r, _ in done):,} card rows ({sum(k for _, k in done):,} with text)")
    if a.skip_build:
        return
    manifest = json.loads((listing / "manifest.json").read_text())
    summary = build_snapshot(
        [listing / p for p in manifest["parts"]],
        [cards / f"{s}.parquet" for s in range(a.shards)],
        out / "hub.duckdb",
        out / "parquet",
        expected_models=listed,
        threads=a.threads,
        memory_mb=a.memory_mb,
    )
    step(f"built {out / 'hub.duckdb'}: {summary.models:,} models, {summary.edges:,} edges")


if __name__ == "__main__":
    sys.exit(main())
