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

With ``--resemblance`` it then runs :func:`phylohub.merges.stage.measure_resemblance` as
rule ``measure_merge_resemblance`` does (the similarity options and the merges section of
``config/config.yaml``, one thread, and the linear-algebra libraries' thread variables
Snakemake sets for a one-thread job), in a process of its own, and prints its seconds,
pairs and peak resident memory apart (its cost is the similarity stage's pass over every
metadata string and card).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import tempfile
import time
from pathlib import Path

import polars as pl
import yaml
from benchlib import ROOT, genealogy_elsewhere

from phylohub.merges.stage import (
    INHERITANCE_TABLES,
    RESEMBLANCE_TABLES,
    measure_inheritance,
    measure_resemblance,
    paths_in,
    trace_merges,
)

SETS = ("all", "no_merge")  # names of phylohub.genealogy.graphs.RELATION_SETS
THREADS = 1  # rule measure_merge_resemblance's threads (workflow/rules/merges.smk)
# what Snakemake sets to a job's threads before running its script
BLAS_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


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


def _resemble(db: Path, merges: Path, genealogy: Path, out: Path, peak: Path) -> None:
    """Rule ``measure_merge_resemblance``'s work, in this (child) process; its peak
    resident memory (GB) into ``peak``."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    measure_resemblance(
        db,
        merges,
        genealogy / "all" / "nodes.parquet",
        genealogy / "all" / "edges.parquet",
        config["similarity"],
        {name: out / file for name, file in RESEMBLANCE_TABLES.items()},
        control=int(config["merges"]["resemblance_control"]),
        seed=20250712,
        replicates=int(config["merges"]["bootstrap"]),
        threads=THREADS,
    )
    peak.write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6))


def resemble_elsewhere(db: Path, merges: Path, genealogy: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak resident memory (GB) of the resemblance, run in another process."""
    peak = out / "resemblance_peak.txt"
    start = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(
        target=_resemble, args=(db, merges, genealogy, out, peak)
    )
    # as Snakemake's job environment: without it the bootstraps' small products ran on
    # OpenBLAS's threads, several times the rule's wall time on a busy machine
    saved = dict(os.environ)
    os.environ.update(dict.fromkeys(BLAS_THREAD_VARIABLES, str(THREADS)))
    try:
        child.start()  # a spawned child takes the environment at its start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    child.join()
    if child.exitcode:
        raise SystemExit(f"measure_resemblance failed (exit {child.exitcode})")
    return time.perf_counter() - start, float(peak.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", type=Path, help="a folder with hub.duckdb")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: tmp)")
    parser.add_argument(
        "--resemblance", action="store_true", help="also time measure_merge_resemblance"
    )
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
            families=genealogy / "no_merge" / "families.parquet",
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
        resemble = (
            resemble_elsewhere(
                args.snapshot / "hub.duckdb", tables["merges"], genealogy, out / "merges"
            )
            if args.resemblance
            else None
        )
        pairs_measured = (
            pl.read_parquet(out / "merges" / RESEMBLANCE_TABLES["pairs"], columns=["kind"])
            if args.resemblance
            else None
        )
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
    if resemble is not None and pairs_measured is not None:
        merge_pairs = int((pairs_measured["kind"] == "merge").sum())
        print(f"measure_merge_resemblance  {resemble[0]:7.1f} s (own process, {THREADS} thread)")
        print(f"pairs measured             {pairs_measured.height:>9,} ({merge_pairs:,} merge)")
        print(f"peak RSS (resemblance)     {resemble[1]:7.2f} GB")


if __name__ == "__main__":
    main()
