"""Benchmark: the fixed cost of every rule script, its interpreter start-up and imports.

    .venv/bin/python bench/startup.py [--repeats 3] [--out results/bench/startup.tsv]

Every script under ``workflow/scripts/`` runs in a process of its own, so each rule
pays for starting Python and importing what its script imports before doing any work.
For each script this runs its top-level ``import`` statements (read with ``ast``, the
rest of the script left out) in a fresh interpreter ``--repeats`` times and keeps the
fastest wall-clock time, beside a bare interpreter's (``python -c pass``); the table
(script, seconds, seconds over the bare interpreter, modules imported) is printed
slowest first and written as TSV. Compare it with the rules' seconds in a
``bench/pipeline.py`` table: where the imports take longer than the rule's work, the
script's imports are the thing to cut (lazy imports in the package it uses).
Snakemake's own start-up of a script job (reading the pickled ``snakemake`` object) is
not included.
"""

from __future__ import annotations

import argparse
import ast
import csv
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports_of(script: Path) -> str:
    """The script's top-level import statements, as source."""
    tree = ast.parse(script.read_text())
    nodes = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    return "\n".join(ast.unparse(n) for n in nodes) or "pass"


def seconds(code: str, repeats: int) -> tuple[float, int]:
    """Fastest wall-clock seconds of ``python -c code`` and the modules it loaded."""
    probe = f"{code}\nimport sys\nprint(len(sys.modules))"
    best, modules = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
        )
        best = min(best, time.perf_counter() - start)
        modules = int(run.stdout.split()[-1])
    return best, modules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench" / "startup.tsv")
    a = parser.parse_args()
    bare, _ = seconds("pass", a.repeats)
    rows = []
    for script in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        s, modules = seconds(imports_of(script), a.repeats)
        rows.append((script.stem, s, s - bare, modules))
    rows.sort(key=lambda r: -r[1])
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with a.out.open("w", newline="") as f:
        w = csv.writer(f, delimiter="\t")
        w.writerow(["script", "seconds", "over_bare", "modules"])
        w.writerows([(n, f"{s:.3f}", f"{o:.3f}", m) for n, s, o, m in rows])
    print(f"bare interpreter: {bare:.3f} s")
    print(f"{'script':<36} {'seconds':>8} {'imports':>8} {'modules':>8}")
    for name, s, over, modules in rows:
        print(f"{name:<36} {s:>8.3f} {over:>8.3f} {modules:>8}")
    print(f"written to {a.out}")


if __name__ == "__main__":
    main()
