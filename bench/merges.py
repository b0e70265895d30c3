"""Benchmark: the merges stage (pedigrees and kinship) at the Hub's size.

    .venv/bin/python bench/make_snapshot.py 1860000      # once (or a smaller size)
    .venv/bin/python bench/merges.py SNAPSHOT_FOLDER [--out FOLDER]

``SNAPSHOT_FOLDER`` holds ``hub.duckdb`` (read only). Uses the genealogy's tables of the
sets ``all`` and ``no_merge`` under ``SNAPSHOT_FOLDER/genealogy`` when the workflow wrote
them; else builds them first, in another process (neither its time nor its memory is
the stage's), under ``--out`` (default: a temporary folder). Then runs
:func:`phylohub.merges.stage.trace_merges` in this process, as rule ``trace_merges``
does, then :func:`phylohub.merges.stage.measure_inheritance` as rule
``measure_merge_inheritance`` does (the traits stage's ``orderings.json`` and
``mutation_rates.parquet`` from ``SNAPSHOT_FOLDER/traits`` when the workflow wrote them,
else stand-ins: licenses in order of frequency, no first-parent rates), and prints the
seconds of each, the merges and pairs it traced, the kinship pairs it visited, the merges
compared and the peak resident memory of the process (both rules together).
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import polars as pl
from benchlib import genealogy_elsewhere

from phylohub.merges.stage import INHERITANCE_TABLES, measure_inheritance, paths_in, trace_merges

SETS = ("all", "no_merge")  # names of phylohub.genealogy.graphs.RELATION_SETS


def genealogy_tables(snapshot: Path, out: Path) -> Path:
    """The folder holding ``all/`` and ``no_merge/`` genealogy tables (built if needed)."""
    if all((snapshot / "genealogy" / s / "nodes.parquet").is_file() for s in SETS):
        return snapshot / "genealogy"
    for name in SETS:
        if not (out / name / "nodes.parquet").is_file():
            genealogy_elsewhere(snapshot / "hub.duckdb", name, out / name)
    return out


def traits_inputs(snapshot: Path, out: Path) -> tuple[Path, Path]:
    """The traits stage's orderings and mutation rates, or stand-ins (module docs)."""
    traits = snapshot / "traits"
    if (traits / "orderings.json").is_file() and (traits / "mutation_rates.parquet").is_file():
        return traits / "orderings.json", traits / "mutation_rates.parquet"
    import duckdb

    with duckdb.connect(str(snapshot / "hub.duckdb"), read_only=True) as con:
        order = [r[0] for r in con.execute(
            "SELECT l, count(*) AS n FROM (SELECT unnest(licenses) AS l FROM traits) "
            "GROUP BY l ORDER BY n DESC, l"
        ).fetchall()]  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    orderings = out / "orderings.json"
    orderings.write_text(
        json.dumps({"traits": {"license": {"orderings": {"weighted": {"order": order}}}}})
    )
    rates = out / "mutation_rates.parquet"
    pl.DataFrame(
        schema={"trait": pl.String, "relation": pl.String, "pairs": pl.Int64,
                "rate": pl.Float64, "changed": pl.Float64}
    ).write_parquet(rates)  # fmt: skip
    return orderings, rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", type=Path, help="a folder with hub.duckdb")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: tmp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        out = args.out or Path(tmp_name)
        t0 = time.perf_counter()
        genealogy = genealogy_tables(args.snapshot, out / "genealogy")
        t1 = time.perf_counter()
        tables = paths_in(out / "merges")
        (out / "merges").mkdir(parents=True, exist_ok=True)
        summary = trace_merges(
            genealogy / "all" / "nodes.parquet",
            genealogy / "all" / "edges.parquet",
            genealogy / "no_merge" / "nodes.parquet",
            tables,
        )
        t2 = time.perf_counter()
        pairs = json.loads(tables["summary"].read_text())["kinship_pairs_visited"]
        orderings, rates = traits_inputs(args.snapshot, out / "traits")
        t3 = time.perf_counter()
        inherit = measure_inheritance(
            args.snapshot / "hub.duckdb",
            tables["merges"],
            orderings,
            rates,
            {name: out / "merges" / file for name, file in INHERITANCE_TABLES.items()},
            seed=20250712,
            replicates=1000,
        )
        t4 = time.perf_counter()
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"snapshot {args.snapshot}: {summary['merges']:,} merges")
    print(f"genealogy (other process)  {t1 - t0:7.1f} s")
    print(f"whole trace_merges         {t2 - t1:7.1f} s")
    print(f"kinship pairs visited      {pairs:>9,}")
    print(f"inbred share               {summary['inbred_share']}")
    print(f"max merge depth            {summary['max_merge_depth']}")
    print(f"measure_merge_inheritance  {t4 - t3:7.1f} s")
    print(f"merges compared            {inherit['merges_compared']:>9,}")
    print(f"peak RSS (both rules)      {peak_gb:7.2f} GB")


if __name__ == "__main__":
    main()
