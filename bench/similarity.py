"""Benchmark: seconds and peak memory of the similarity stage on a full-size snapshot.

    .venv/bin/python bench/similarity.py [N_MODELS] [DRAWS] [BOOTSTRAP]

(defaults: 1,860,000 models, 10,000 draws per shape, 10,000 bootstrap resamples).
Makes the snapshot once with ``bench/make_snapshot.py`` (the crawl's files written from
the replica's store, no HTTP) under ``results/bench/similarity-N/``, then runs the stage's
table rules (the vocabularies' fit, the pairs, their measures, the summary) as the
workflow's scripts do, each in a fresh process with 2 threads,
and prints wall-clock seconds and peak RSS (``/usr/bin/time``) for each and in all (the
two figures take about a second each and are left out).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import make_snapshot
from benchlib import ROOT


def ensure_snapshot(n: int) -> Path:
    folder = ROOT / "results" / "bench" / f"similarity-{n}"
    if not (folder / "hub.duckdb").is_file():
        make_snapshot.main([str(n), "--out", str(folder)])
    return folder / "hub.duckdb"


STEP = """
import sys
from pathlib import Path
from phylohub.workflow import configure_logging
configure_logging()
step, db, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
draws, boot = int(sys.argv[4]), int(sys.argv[5])
paths = {k: out / v for k, v in dict(
    pairs="kin_pairs.parquet", shapes="kin_shapes.tsv", forest="kin_forest.json",
    similarity="pair_similarity.parquet", vocabulary="vocabulary.parquet",
    fit="vocabulary_fit.json", stats="similarity_stats.json", means="similarity_means.tsv",
    shape_means="similarity_shape_means.tsv", tests="similarity_tests.tsv").items()}
if step == "sample_kin_pairs":
    from phylohub.kinship.pairs import write_kin_pairs
    write_kin_pairs(db, paths["pairs"], paths["shapes"], paths["forest"], ["finetune"], draws, 1)
elif step == "fit_similarity_vocabulary":
    import yaml
    from phylohub.similarity.stage import run_fit_similarity_vocabulary
    cfg = yaml.safe_load(Path("config/config.yaml").read_text())["similarity"]
    run_fit_similarity_vocabulary(db, cfg, paths, seed=1)
elif step == "compute_similarity":
    import yaml
    from phylohub.similarity.stage import run_compute_similarity
    cfg = yaml.safe_load(Path("config/config.yaml").read_text())["similarity"]
    run_compute_similarity(db, paths["pairs"], paths["vocabulary"], paths["fit"], cfg, 2, paths,
                           seed=1)
else:
    from phylohub.similarity.measures import measure_names, DEFAULT_VARIANTS
    from phylohub.similarity.stage import run_summarize_similarity
    run_summarize_similarity(paths["pairs"], paths["shapes"], paths["similarity"],
        measure_names(DEFAULT_VARIANTS), boot, 0.95, 1, paths)
"""


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_860_000
    draws = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    boot = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    db = ensure_snapshot(n)
    out = db.parent / "similarity"
    out.mkdir(exist_ok=True)
    total_s, peak = 0.0, 0
    print(f"{'step':<22} {'seconds':>8} {'peak RSS MB':>12}")
    steps = ("fit_similarity_vocabulary", "sample_kin_pairs", "compute_similarity",
             "summarize_similarity")  # fmt: skip
    for step in steps:
        cmd = ["/usr/bin/time", "-f", "%e %M", sys.executable, "-c", STEP, step, str(db), str(out)]
        r = subprocess.run([*cmd, str(draws), str(boot)], capture_output=True, text=True, cwd=ROOT)
        if r.returncode:
            sys.exit(r.stderr[-3000:])
        seconds, kb = r.stderr.strip().splitlines()[-1].split()
        total_s += float(seconds)
        peak = max(peak, int(kb))
        print(f"{step:<22} {float(seconds):>8.1f} {int(kb) / 1024:>12,.0f}", flush=True)
    print(f"{'stage':<22} {total_s:>8.1f} {peak / 1024:>12,.0f}")
    stats = json.loads((out / "similarity_stats.json").read_text())
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    from benchlib import exit_on_help

    exit_on_help(__doc__)
    main()
