"""Benchmark: the traits stage at the Hub's size, and the exact ordering at k = 20, 40, 60.

    .venv/bin/python bench/make_snapshot.py 1860000      # once
    .venv/bin/python bench/traits.py [SNAPSHOT] [--solver-only | --stage-only] [--instances 5]
        [--ks 20 40 60]

(default snapshot ``synth-1860000``, the paper's 1,860,411 models rounded, in the
benchmarks' own Snakemake working directory ``results/bench/work``). Then:

1. runs the stage's rules with Snakemake on 2 cores (earlier outputs removed first):
   mutation rates, transitions, orderings, thinning and the five figures; prints each
   rule's seconds and peak memory (from its ``benchmark:`` file) and the wall-clock
   seconds of the whole stage;
2. times SCIP on drift graphs of k = 20, 40 and 60 traits, two kinds of ``--instances``
   each: *planted* (transitions mostly along a hidden order, with noise, as on the Hub)
   and *coin-flip* (the same traffic with random directions: no order at all, the
   graphs of the stage's baseline and the hardest case); prints the median and largest
   seconds, the branch-and-bound nodes and the triangle constraints added against all
   ``2 C(k, 3)`` of them, and checks that every solve proved optimality; beside SCIP,
   the LP relaxation that stands in for it on the baseline
   (:class:`phylohub.traits.ordering.RelaxationSolver`, one LP per k): how many of the
   same graphs it proves optimal, and its median and largest seconds (``--ks`` picks
   the sizes; k = 60's coin-flip graphs take SCIP minutes).
"""

from __future__ import annotations

import argparse
import itertools
import math
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from phylohub.vocabulary import TRAITS

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "results" / "bench" / "work"  # see bench/make_snapshot.py


def targets(snapshot: str) -> list[str]:
    out = [
        f"results/{snapshot}/traits/{name}"
        for name in ("mutation_rates.parquet", "orderings.json", "thinning.parquet")
    ]
    out += [f"results/{snapshot}/figures/traits_drift_{t}.png" for t in TRAITS]
    out.append(f"results/{snapshot}/figures/traits_documentation_thinning.png")
    return out


def run_stage(snapshot: str) -> float:
    """Run the traits rules of ``snapshot`` with Snakemake on 2 cores; wall-clock seconds."""
    db = WORK / "results" / snapshot / "hub.duckdb"
    if not db.is_file():
        sys.exit(f"no {db}: run bench/make_snapshot.py first")
    for old in (f"results/{snapshot}/traits", f"benchmarks/{snapshot}"):
        shutil.rmtree(WORK / old, ignore_errors=True)
    for png in (WORK / "results" / snapshot / "figures").glob("traits_*.png"):
        png.unlink()
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
         "--directory", str(WORK), "--configfile", str(ROOT / "config" / "demo.yaml"),
         "--cores", "2", *targets(snapshot), "--quiet", "rules",
         # the snapshot was made by bench/make_snapshot.py, not by these rules: never redo it
         "--rerun-triggers", "mtime"],
        cwd=ROOT, check=True,
    )  # fmt: skip
    return time.perf_counter() - start


def print_rule_benchmarks(snapshot: str) -> None:
    print(f"{'rule':<40} {'seconds':>8} {'peak RSS MB':>12}")
    for path in sorted((WORK / "benchmarks" / snapshot).rglob("*.tsv")):
        head, values = path.read_text().splitlines()[:2]
        cols = dict(zip(head.split("\t"), values.split("\t"), strict=True))
        name = str(path.relative_to(WORK / "benchmarks" / snapshot).with_suffix(""))
        print(f"{name:<40} {float(cols['s']):>8.2f} {float(cols['max_rss']):>12.0f}")


def planted(rng: np.random.Generator, k: int) -> np.ndarray:
    """Transitions mostly forward along a hidden order, decaying with distance."""
    w = np.zeros((k, k), dtype=np.int64)
    for i, j in itertools.permutations(range(k), 2):
        near = 0.6 ** (abs(i - j) - 1) * rng.integers(1, 50)
        w[i, j] = rng.poisson(near * (9 if j > i else 1))
    perm = rng.permutation(k)
    out: np.ndarray = w[np.ix_(perm, perm)]
    return out


def coin_flip(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """The same traffic per pair, each transition's direction a coin flip."""
    upper = np.triu(counts, 1) + np.triu(counts.T, 1)
    forward = rng.binomial(upper, 0.5)
    out: np.ndarray = forward + (upper - forward).T
    return out


def solver_table(instances: int, ks: list[int], time_limit: float = 600.0) -> None:
    from phylohub.traits.ordering import RelaxationSolver, order_value, solve_ordering

    print(f"{'k':>3} {'instances':<10} {'median s':>9} {'max s':>8} {'nodes':>7} "
          f"{'triangles added':>16} {'of all':>8} {'LP proved':>10} {'LP median s':>12} "
          f"{'LP max s':>9}")  # fmt: skip
    rng = np.random.default_rng(20250712)
    for k in ks:
        cases = {"planted": [], "coin-flip": []}
        for _ in range(instances):
            w = planted(rng, k)
            cases["planted"].append(w)
            cases["coin-flip"].append(coin_flip(rng, w))
        relaxation = RelaxationSolver(k)
        for kind, ws in cases.items():
            results = [solve_ordering(w.astype(float), time_limit=time_limit) for w in ws]
            unproven = [r for r in results if not r.optimal]
            seconds = [r.seconds for r in results]
            lp_seconds, proved = [], 0
            for w, r in zip(ws, results, strict=True):
                start = time.perf_counter()  # wall seconds, as SCIP's
                order = relaxation.solve(w)
                lp_seconds.append(time.perf_counter() - start)
                if order is not None:
                    proved += 1
                    if r.optimal and order_value(w, order) != r.objective:
                        raise SystemExit(f"the relaxation's order is not SCIP's optimum (k={k})")
            print(
                f"{k:>3} {kind:<10} {statistics.median(seconds):>9.3f} {max(seconds):>8.3f} "
                f"{max(r.nodes for r in results):>7} "
                f"{max(r.triangles for r in results):>16,} {2 * math.comb(k, 3):>8,} "
                f"{f'{proved}/{len(ws)}':>10} {statistics.median(lp_seconds):>12.3f} "
                f"{max(lp_seconds):>9.3f}"
                + (f"  ({len(unproven)} not proven optimal)" if unproven else "")
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", nargs="?", default="synth-1860000")
    parser.add_argument("--solver-only", action="store_true")
    parser.add_argument("--stage-only", action="store_true", help="leave out the SCIP table")
    parser.add_argument("--instances", type=int, default=5)
    parser.add_argument("--ks", type=int, nargs="+", default=[20, 40, 60], help="graph sizes")
    a = parser.parse_args()
    if not a.solver_only:
        seconds = run_stage(a.snapshot)
        print_rule_benchmarks(a.snapshot)
        print(f"whole traits stage on 2 cores: {seconds:.1f} s wall-clock\n")
    if not a.stage_only:
        solver_table(a.instances, a.ks)


if __name__ == "__main__":
    main()
