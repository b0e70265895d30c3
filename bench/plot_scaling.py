"""Plot wall seconds per stage against the number of models, from bench/pipeline.py's tables.

    .venv/bin/python bench/plot_scaling.py [--cores 2]

Reads every results/bench/pipeline-N-cC-MODE.tsv of that core count, writes
results/bench/scaling-cC.png (log-log, wall seconds left, CPU seconds right, one line per
stage, a dotted line of slope 1 for reference) and prints each stage's fitted exponent b
of ``seconds ~ models**b`` (1: linear).
The crawl's points come from unpaced HTTP crawls only (``--crawl render`` writes no crawl
rules; runs with ``--rate`` are left out).
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]


def stage_seconds(folder: Path, cores: int, column: str = "wall_s") -> dict[str, dict[int, float]]:
    """stage -> {models: seconds (wall_s or cpu_s, the sum of its rules)}; the latest
    table of a size wins; a stage's size left out where it was not measured (0 s)."""
    out: dict[str, dict[int, float]] = {}
    for path in sorted(folder.glob(f"pipeline-*-c{cores}-*.tsv"), key=lambda p: p.stat().st_mtime):
        if path.name.endswith(".crawl.tsv") or "-rate" in path.name:  # paced: not comparable
            continue
        with path.open() as f:
            for row in csv.DictReader(f, delimiter="\t"):
                # 0 s: a job too short for Snakemake's benchmark to sample, not measured
                if row["rule"] == "(stage)" and float(row[column] or 0) > 0:
                    out.setdefault(row["stage"], {})[int(row["models"])] = float(row[column])
    return out


def exponent(points: dict[int, float]) -> float | None:
    """Least-squares slope of log(seconds) on log(models); None with fewer than 2 sizes."""
    if len(points) < 2:
        return None
    xs = [math.log(n) for n in points]
    ys = [math.log(max(s, 1e-3)) for s in points.values()]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def plot_scaling(folder: Path, cores: int) -> Path | None:
    """Write scaling-cC.png from the tables in folder (wall and CPU seconds per stage);
    None if there are none."""
    if not stage_seconds(folder, cores):
        return None
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    columns = {
        what: stage_seconds(folder, cores, c) for what, c in (("wall", "wall_s"), ("CPU", "cpu_s"))
    }
    # one style per stage in both panels (a stage measured in one panel only, e.g. with
    # no CPU sampled, shifts no other stage's colour)
    order = list(dict.fromkeys(stage for stages in columns.values() for stage in stages))
    for ax, (what, stages) in zip(axes, columns.items(), strict=True):
        sizes = sorted({n for points in stages.values() for n in points})
        print(f"{what} seconds")
        for stage, points in stages.items():
            ns = sorted(points)
            b = exponent(points)
            label = f"{stage} (b = {b:.2f})" if b is not None else stage
            # the default cycle has 10 colours: past them, another marker and line style
            i = order.index(stage)
            style = {
                "color": f"C{i % 10}",
                "marker": "os^D"[i // 10 % 4],
                "linestyle": ("-", "--")[i // 10 % 2],
            }
            ax.plot(ns, [points[n] for n in ns], label=label, **style)
            print(f"  {stage:<12} " + "  ".join(f"{n:>9,}: {points[n]:8.1f} s" for n in ns)
                  + (f"   exponent {b:.2f}" if b is not None else ""))  # fmt: skip
        top = max(max(p.values()) for p in stages.values())
        ax.plot(sizes, [top * n / sizes[-1] for n in sizes], ":", color="grey", label="linear")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("models")
        ax.set_ylabel(f"{what} seconds (sum of the stage's rules)")
        ax.set_title(f"{what} seconds ~ models^b")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # off the lines
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"phylohub, whole workflow on synthetic ecosystems, --cores {cores}")
    png = folder / f"scaling-c{cores}.png"
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--folder", type=Path, default=ROOT / "results" / "bench")
    a = parser.parse_args()
    png = plot_scaling(a.folder, a.cores)
    if png is None:
        raise SystemExit(
            f"bench/plot_scaling.py: no unpaced bench/pipeline.py table with --cores {a.cores} "
            f"in {a.folder} (pipeline-N-c{a.cores}-MODE.tsv)"
        )
    print(f"written to {png}")
