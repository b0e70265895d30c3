"""Benchmark: ``build_snapshot`` alone, on a crawl that is already on disk.

    .venv/bin/python bench/build.py results/bench/work/results/synth-1860000 /tmp/out
    .venv/bin/python bench/build.py SNAPSHOT OUT --compare OTHER_OUT

Builds ``OUT/hub.duckdb`` and ``OUT/parquet/`` from ``SNAPSHOT/crawl/listing`` (the parts
its manifest names), ``SNAPSHOT/crawl/cards/*.parquet`` and ``SNAPSHOT/crawl/configs/``
(when there), with the rule's 2 threads and the memory the rule asks for
(``snapshot_mem_mb`` in workflow/rules/common.smk: 2 GB plus 3x the inputs, at most
16 GB; ``--memory-mb`` to set another), and prints the wall seconds, the CPU seconds and
the process's peak resident memory (``getrusage``: DuckDB allocates inside it), beside
the build's own per-step timings (its log lines).

``--compare OTHER_OUT`` then checks that every table of the two databases holds the same
rows in the same order (a hash of each row in storage order, then of the whole table, in
DuckDB) and that every parquet file holds the same rows in the same order as the other's;
it prints one line per table and exits 1 on any difference. A table is compared on its
columns in ``hub.duckdb`` (``cards``: all but ``text``, which only ``cards.parquet``
holds, and which its parquet file's comparison covers). Use it to show that a change
of the build leaves its results as they were.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from pathlib import Path

import duckdb

from phylohub.snapshot import build_snapshot
from phylohub.snapshot.tables import TABLES


def inputs(snapshot: Path) -> tuple[list[Path], int, list[Path], list[Path]]:
    """The listing parts, model count, card shards and config shards of a crawl."""
    listing = snapshot / "crawl" / "listing"
    manifest = json.loads((listing / "manifest.json").read_text())
    parts = [listing / p for p in manifest["parts"]]
    cards = sorted((snapshot / "crawl" / "cards").glob("*.parquet"))
    configs = sorted((snapshot / "crawl" / "configs").glob("*.parquet"))
    return parts, int(manifest["models"]), cards, configs


def rule_memory_mb(files: list[Path]) -> int:
    """What the rule's ``snapshot_mem_mb`` asks for these inputs (Snakemake's size_mb)."""
    size_mb = sum(p.stat().st_size for p in files) / 1024**2
    return min(16000, 2000 + 3 * int(size_mb))


def table_digest(con: duckdb.DuckDBPyConnection, source: str) -> tuple[int, int]:
    """Rows and an order-sensitive hash of every row of ``source`` (a table or a scan)."""
    row = con.execute(
        f"""SELECT count(*), coalesce(sum(hash(h, n)), 0)
        FROM (SELECT hash(t) AS h, row_number() OVER () AS n FROM {source} t)"""
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def compare(a: Path, b: Path) -> bool:
    """Whether two built snapshots hold equal tables and parquet files, row for row."""
    same = True
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")
        con.execute(f"ATTACH '{a / 'hub.duckdb'}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b / 'hub.duckdb'}' AS b (READ_ONLY)")
        for table in TABLES:
            # the table's columns in hub.duckdb (a build that still stored the card texts
            # in the table compares equal on the others; its texts are in cards.parquet)
            columns = ", ".join(c.name for c in table.db_columns)
            for label, src_a, src_b in (
                (
                    "table",
                    f"(SELECT {columns} FROM a.{table.name})",
                    f"(SELECT {columns} FROM b.{table.name})",
                ),
                (
                    "parquet",
                    f"read_parquet('{a / 'parquet' / table.name}.parquet')",
                    f"read_parquet('{b / 'parquet' / table.name}.parquet')",
                ),
            ):
                da, db = table_digest(con, src_a), table_digest(con, src_b)
                ok = da == db
                same &= ok
                print(f"{'equal' if ok else 'DIFFERENT':9}  {label:7} {table.name}: {da[0]:,} rows")
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", type=Path, help="a snapshot folder holding crawl/")
    parser.add_argument("out", type=Path, help="folder for hub.duckdb and parquet/")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-mb", type=int, help="default: what the rule asks for")
    parser.add_argument("--compare", type=Path, help="a built snapshot to compare with")
    parser.add_argument(
        "--card-batch-mb", type=int, help="card bytes per batch (default: the build's)"
    )
    a = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    parts, models, cards, configs = inputs(a.snapshot)
    memory_mb = a.memory_mb or rule_memory_mb([*parts, *cards, *configs])
    extra = {} if a.card_batch_mb is None else {"card_batch_bytes": a.card_batch_mb * 1_000_000}
    start, cpu0 = time.perf_counter(), time.process_time()
    summary = build_snapshot(
        parts,
        cards,
        a.out / "hub.duckdb",
        a.out / "parquet",
        expected_models=models,
        config_shards=configs,
        threads=a.threads,
        memory_mb=memory_mb,
        **extra,
    )
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"build_snapshot: {summary.models:,} models, mem_mb {memory_mb:,}, threads {a.threads}: "
        f"{wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak_mb:,.0f} MB"
    )
    if a.compare is not None and not compare(a.out, a.compare):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
