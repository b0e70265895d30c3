"""Benchmark: the license audit at the Hub's size.

    .venv/bin/python bench/make_snapshot.py 1860000      # once (or a smaller size)
    .venv/bin/python bench/licenses.py [SNAPSHOT] [--threads 2]

(default snapshot ``synth-1860000`` in the benchmarks' working directory
``results/bench/work``). Runs :func:`phylohub.licenses.audit.audit_licenses` in this
process, as rule ``audit_licenses`` does, on the snapshot's ``hub.duckdb`` with the
genealogy's ``nodes.parquet`` of set ``all`` and the traits stage's
``drift_pairs.parquet`` when the workflow wrote them (else it builds the genealogy first,
in another process, where the workflow would put it, and uses no drifts: a few hundred
rule look-ups at most), and prints the seconds of each step and the peak resident memory
of the audit's process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import polars as pl
from benchlib import genealogy_elsewhere

from phylohub.licenses.audit import (
    TABLES,
    audit_edges,
    audit_licenses,
    breach_rates,
    edge_licenses,
    paths_in,
)
from phylohub.licenses.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "results" / "bench" / "work"  # see bench/make_snapshot.py


def audit_inputs(res: Path, db: Path, tmp: Path) -> tuple[Path, Path]:
    """The genealogy nodes and drift pairs the workflow wrote; else the genealogy built
    here and an empty drift table (its cost is a few hundred rule look-ups)."""
    nodes = res / "genealogy" / "all" / "nodes.parquet"
    drifts = res / "traits" / "drift_pairs.parquet"
    if not nodes.is_file():
        # The genealogy stage's own tables, written where the workflow would, by another
        # process: neither its time nor its memory is the audit's.
        genealogy_elsewhere(db, "all", nodes.parent)
    if not drifts.is_file():
        drifts = tmp / "drift_pairs.parquet"
        pl.DataFrame(
            schema={"trait": pl.String, "source": pl.String, "target": pl.String,
                    "transitions": pl.Int64, "reverse": pl.Int64, "rate": pl.Float64}
        ).write_parquet(drifts)  # fmt: skip
    return nodes, drifts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", nargs="?", default="synth-1860000")
    args = parser.parse_args()
    res = WORK / "results" / args.snapshot
    db = res / "hub.duckdb"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        nodes, drifts = audit_inputs(res, db, tmp)
        t0 = time.perf_counter()
        edges = edge_licenses(db)
        t1 = time.perf_counter()
        audited = audit_edges(edges, load_rules()).with_columns(child_permissive=pl.lit(False))
        t2 = time.perf_counter()
        breach_rates(audited, 0.95)
        t3 = time.perf_counter()
        out = paths_in(tmp / "licenses")
        audit_licenses(db, nodes, drifts, out)
        t4 = time.perf_counter()
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"snapshot {args.snapshot}: {edges.height:,} edges, tables {', '.join(TABLES.values())}")
    print(f"read edges and licenses  {t1 - t0:7.1f} s")
    print(f"verdicts                 {t2 - t1:7.1f} s")
    print(f"breach rates             {t3 - t2:7.1f} s")
    print(f"whole audit_licenses     {t4 - t3:7.1f} s")
    print(f"peak RSS                 {peak_gb:7.2f} GB")


if __name__ == "__main__":
    main()
