"""Benchmark: what ``crawl.configs`` costs at the Hub's size, and the size finding.

    .venv/bin/python bench/configs.py SNAPSHOT_DB [--threads 2] [--out DIR]

On a snapshot's ``hub.duckdb`` (e.g. the 1.86M-model synthetic snapshot of
``bench/make_snapshot.py``): counts the listed models whose ``siblings`` list
``config.json`` (``crawl.configs: all``) and those of them in families of two or more
(``families``: a listed parent or child), prints the resolver requests (two a file, the
Hub's 307) and the hours they take at the free plan's resolver quota (5,000 per 5 min);
then runs :func:`phylohub.traits.sizes.write_parameters_by_generation` as rule
``measure_parameters_by_generation`` does and prints its seconds and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from phylohub.traits.sizes import write_parameters_by_generation

QUOTA_PER_HOUR = 5000 * 12  # the free plan's resolver quota, 5,000 per 5 minutes
COUNTS = """
WITH fam AS (
    SELECT child AS id FROM edges WHERE parent_in_snapshot AND child <> parent
    UNION SELECT parent FROM edges WHERE parent_in_snapshot AND child <> parent
)
SELECT count(*),
    count(*) FILTER (WHERE list_contains(siblings, 'config.json')),
    count(*) FILTER (WHERE id IN (SELECT id FROM fam)),
    count(*) FILTER (WHERE list_contains(siblings, 'config.json') AND id IN (SELECT id FROM fam))
FROM models
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    con = duckdb.connect(str(args.db), read_only=True)
    con.execute(f"SET threads = {args.threads}")
    row = con.execute(COUNTS).fetchone()
    con.close()
    assert row is not None
    listed, files, family, family_files = row
    print(f"listed models: {listed:,}; in families of 2+: {family:,}")
    for setting, n in (("all", files), ("families", family_files)):
        requests = 2 * n
        print(f"crawl.configs: {setting}: {n:,} config.json files, {requests:,} resolver "
              f"requests, {requests / QUOTA_PER_HOUR:.1f} h at 5,000 per 5 min")  # fmt: skip
    out = args.out or Path(tempfile.mkdtemp()) / "parameters_by_generation.tsv"
    t0 = time.monotonic()
    table = write_parameters_by_generation(args.db, out, threads=args.threads)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"parameters by generation: {time.monotonic() - t0:.1f} s, peak {peak:.0f} MB, "
          f"{table.height} rows -> {out}")  # fmt: skip
    print(table.filter(table["generation"] == "descendants").to_dicts()[0])


if __name__ == "__main__":
    main()
