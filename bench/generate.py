"""Benchmark: seconds and peak memory to generate synthetic ecosystems.

Each size runs in a fresh process (so peak RSS is its own), e.g.

    .venv/bin/python bench/generate.py 100000 1860000

prints one row per size: models, seconds, peak RSS (MB), store size (MB), max depth.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import sys
from pathlib import Path
from phylohub.hub.synth import SynthConfig, generate
generate(SynthConfig(n_models=int(sys.argv[1]), seed=int(sys.argv[2])), Path(sys.argv[3]))
"""


def run(n: int, seed: int = 0) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", CHILD, str(n), str(seed), tmp], check=True)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        truth = json.loads((Path(tmp) / "truth.json").read_text())
        size = (Path(tmp) / "hub.sqlite").stat().st_size
    return {
        "models": n,
        "seconds": seconds,
        # ru_maxrss of children is the largest child so far: sizes run in ascending order
        "peak_rss_mb": max(peak, before) / 1024,
        "store_mb": size / 2**20,
        "max_depth": truth["max_depth"],
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_860_000]
    print(f"{'models':>10} {'seconds':>8} {'peak RSS MB':>12} {'store MB':>9} {'max depth':>9}")
    for n in sorted(sizes):
        r = run(n)
        print(
            f"{r['models']:>10} {r['seconds']:>8.1f} {r['peak_rss_mb']:>12.0f} "
            f"{r['store_mb']:>9.0f} {r['max_depth']:>9}",
            flush=True,
        )


if __name__ == "__main__":
    from benchlib import exit_on_help

    exit_on_help(__doc__)
    main()
