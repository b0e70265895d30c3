"""Benchmark: the ecology stage at the Hub's size.

    POLARS_MAX_THREADS=2 taskset -c 0,1 .venv/bin/python bench/ecology.py SNAPSHOT_DIR [--out DIR]

``SNAPSHOT_DIR`` holds the snapshot's ``hub.duckdb`` (e.g. the one bench/make_snapshot.py
makes, ``results/bench/work/results/synth-1860000``). Runs
:func:`phylohub.ecology.tables.build_ecology` in this process, as rule ``build_ecology``
does, with the default ``ecology:`` settings, on the genealogy's ``finetune`` and
``no_merge`` tables: those under ``SNAPSHOT_DIR/genealogy`` when the workflow wrote them,
else built first under ``--out`` by another process (neither their time nor their memory
is the stage's). Prints the seconds of the stage, its peak resident memory and headline
counts.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from benchlib import genealogy_elsewhere

SETS = ("finetune", "no_merge")


def genealogy_inputs(res: Path, out: Path) -> dict[str, dict[str, Path]]:
    """The nodes and families of each set: the workflow's, or built under ``out``."""
    base = res / "genealogy"
    if not all((base / s / "families.parquet").is_file() for s in SETS):
        base = out / "genealogy"
        for name in SETS:
            if (base / name / "families.parquet").is_file():
                continue
            genealogy_elsewhere(res / "hub.duckdb", name, base / name)
    return {s: {"nodes": base / s / "nodes.parquet", "families": base / s / "families.parquet"}
            for s in SETS}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", type=Path, help="folder holding hub.duckdb")
    parser.add_argument("--out", type=Path, default=None, help="where tables go (default: tmp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        out = args.out or Path(tmp_name)
        sets = genealogy_inputs(args.snapshot, out)
        from phylohub.ecology.tables import Settings, build_ecology, paths_in

        t0 = time.perf_counter()
        summary = build_ecology(
            args.snapshot / "hub.duckdb", sets, "no_merge", paths_in(out / "ecology"), Settings()
        )
        seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"build_ecology: {seconds:.1f} s, peak RSS {peak_mb:,.0f} MB")
    print(json.dumps({k: summary[k] for k in ("models", "backfilled", "life")}, indent=1))


if __name__ == "__main__":
    main()
