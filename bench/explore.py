"""Benchmark: ``phylohub explore``'s queries at the Hub's size.

    flock /tmp/phylohub-bench.lock .venv/bin/python bench/explore.py SNAPSHOT \
        [--genealogy FOLDER] [--samples 300]

Opens :class:`phylohub.explore.data.Explorer` on ``SNAPSHOT`` (a folder with
``hub.duckdb``) with the genealogy of set ``no_merge`` from ``--genealogy`` (built there
first when it is missing, default ``SNAPSHOT/genealogy/no_merge``), then times, in this
process: the start-up; searches (a prefix of a random id, a part of a random id's name,
a string no id holds, which the trigram index answers without a scan); model pages of random
models and of the models with the most children and the deepest lineage. Prints the
seconds, p50/p95/max in milliseconds and the peak resident memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

import numpy as np

from phylohub.explore.data import Explorer
from phylohub.genealogy.query import DEFAULT_SETS
from phylohub.genealogy.tables import build_genealogy, paths_in


def _ms(times: list[float]) -> str:
    a = np.array(times) * 1000
    p50, p95 = np.percentile(a, 50), np.percentile(a, 95)
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {a.max():.1f} ms"


def _timed(fn: object, *args: object) -> float:
    start = time.perf_counter()
    fn(*args)  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--genealogy", type=Path)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    folder = args.genealogy or args.snapshot / "genealogy" / "no_merge"
    if not (folder / "nodes.parquet").is_file():
        start = time.perf_counter()
        folder.mkdir(parents=True, exist_ok=True)
        build_genealogy(args.snapshot / "hub.duckdb", DEFAULT_SETS["no_merge"], paths_in(folder))
        print(f"genealogy no_merge built in {time.perf_counter() - start:.1f} s into {folder}")
    start = time.perf_counter()
    ex = Explorer(args.snapshot, folder)
    print(f"start-up: {time.perf_counter() - start:.1f} s")
    n = ex.con.execute("SELECT count(*) FROM info").fetchone()[0]  # type: ignore[index]
    rng = random.Random(1)
    ids = [
        r[0]
        for r in ex.con.execute(
            f"SELECT id FROM info USING SAMPLE reservoir({int(args.samples)} ROWS) REPEATABLE (1)"
        ).fetchall()
    ]
    prefix = [_timed(ex.search, i[: rng.randint(2, 8)]) for i in ids]
    inner = []
    for i in ids:
        name = i.rsplit("/", 1)[-1]
        k = rng.randint(0, max(0, len(name) - 4))
        inner.append(_timed(ex.search, name[k : k + 4]))
    miss = [_timed(ex.search, f"zq{j}xv-not-an-id") for j in range(20)]
    print(f"search over {n:,} ids ({len(ids)} each):")
    print(f"  prefix of an id:      {_ms(prefix)}")
    print(f"  part of a name:       {_ms(inner)}")
    print(f"  no match:             {_ms(miss)}")
    pages = [_timed(ex.page, i) for i in ids]
    hub = ex.con.execute(
        "SELECT parent FROM down GROUP BY parent ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]  # type: ignore[index]
    deep = ex.con.execute("SELECT id FROM info ORDER BY generation DESC LIMIT 1").fetchone()[0]  # type: ignore[index]
    print(f"model page, {len(ids)} random models: {_ms(pages)}")
    for label, i in (("most children", hub), ("deepest", deep)):
        t = [_timed(ex.page, i) for _ in range(5)]
        print(f"  {label} ({i}, {ex.count_children([i]):,} children): {_ms(t)}")
    fam = [_timed(ex.family_view, i) for i in ids[:50]]
    print(f"family view, 50 random models: {_ms(fam)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
