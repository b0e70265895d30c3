"""Summarise the py-spy profiles that ``bench/pipeline.py --profile`` wrote.

    .venv/bin/python bench/profiles.py results/bench/profiles/pipeline-1860000-c2-render [TOP]

For each rule (its jobs' files together): the samples taken (20 a second while it ran
on a CPU or waited) and the TOP functions by inclusive share (a function and all it
called), phylohub's and its libraries' alike, leaving out the script's own
frames; the time spent importing modules is one line.
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path


def summarise(folder: Path, top: int = 8) -> None:
    by_rule: dict[str, list[Path]] = collections.defaultdict(list)
    for path in sorted(folder.glob("*.txt")):
        by_rule[path.stem.rsplit("-", 1)[0]].append(path)
    for rule, paths in by_rule.items():
        total = 0
        inclusive: collections.Counter[str] = collections.Counter()
        for path in paths:
            for line in path.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                n = int(count)
                total += n
                if "<frozen importlib" in stack:
                    inclusive["(importing modules)"] += n
                    continue
                frames = {f for f in stack.split(";") if f and ".snakemake/scripts/" not in f}
                for frame in frames:
                    if not frame.startswith(("<module>", "run_path", "_run_")):
                        inclusive[frame] += n
        print(f"\n{rule}: {total:,} samples ({total / 20:.0f} s), {len(paths)} job(s)")
        for frame, n in inclusive.most_common(top):
            print(f"  {n / max(total, 1):6.1%}  {frame[:110]}")


if __name__ == "__main__":
    from benchlib import exit_on_help

    exit_on_help(__doc__)
    summarise(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 8)
