"""Benchmark and calibration of the kin inference.

    .venv/bin/python bench/inference.py SNAPSHOT_DIR [--threads 2] [--out DIR]
    .venv/bin/python bench/inference.py --compare DIR_A DIR_B   # the tables, row for row
    .venv/bin/python bench/inference.py --planted [--models 20000] [--seeds 11 12 13 14 15]
    .venv/bin/python bench/inference.py --planted --calibrate   # rewrites phylohub/data
    .venv/bin/python bench/inference.py --planted --held-out [--seeds 21 22 23 24 25]

With a snapshot folder (holding ``hub.duckdb``, e.g. the benchmarks' ``synth-1860000``)
it runs :func:`phylohub.inference.stage.infer_edges` as rule ``infer_kin`` does, on
``threads`` DuckDB threads, and prints the seconds and the peak resident memory of the
process; with ``--out`` it writes the rule's tables there as the rule does, and
``--compare`` holds two such folders (main's code and a change, say) equal, table for
table and row for row. With ``--planted`` it builds a snapshot of an ecosystem with the
demo's kin knobs (hidden edges and decoys, ``config/demo.yaml``) at each of ``seeds`` (by
default the calibration's, ``CALIBRATION_SEEDS``), infers on them with the config signal
known (the store's ``model_type``) and unknown, fits a calibration on their edges pooled
and prints precision and recall per signal and combined against the planted truth,
pooled over the seeds (in-sample); ``--calibrate`` also writes that calibration and
precision/recall into ``src/phylohub/data``, and fits on the calibration's seeds and
size only (``CALIBRATION_SEEDS`` and ``CALIBRATION_MODELS`` record them: change those to
refit on others). With ``--held-out`` it checks the shipped calibration out of sample
instead: on an ecosystem of the same knobs at each of ``seeds`` (:data:`HELD_OUT_SEEDS`
by default; never one of the calibration's), config known and unknown, it prints
:func:`phylohub.inference.calibration.confidence_bands` (per decile of confidence the
stated confidence against the precision measured, with its interval clustered by
parent) and the new edges' Brier score, log loss and uncalibrated count, per seed and
pooled over the seeds.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from phylohub.hub.synth import SynthConfig  # noqa: E402
from phylohub.inference.calibration import (  # noqa: E402
    CALIBRATION_MODELS,
    CALIBRATION_SEEDS,
    MIN_EDGES,
    calibrate,
    confidence_bands,
    load_calibration,
    mark_truth,
    precision_recall,
    store_model_types,
    truth_of,
    with_confidence,
)
from phylohub.inference.infer import select_edges, snapshot_model_types  # noqa: E402
from phylohub.inference.stage import (  # noqa: E402
    TABLES,
    infer_edges,
    infer_kin,
    limit,
    paths_in,
    write_measurement,
)
from phylohub.snapshot import connect_snapshot  # noqa: E402

#: The held-out check's seeds by default: none of the calibration's, nor a test's.
HELD_OUT_SEEDS = (21, 22, 23, 24, 25)


#: The config states each planted ecosystem is inferred in.
STATES = ("config known", "config unknown")


def marked_ecosystems(
    models: int, seeds: list[int], folder: Path
) -> Iterator[tuple[int, pl.DataFrame, dict[str, pl.DataFrame]]]:
    """Per seed, an ecosystem of ``models`` models with the demo's kin knobs (hidden
    edges and decoys, ``config/demo.yaml``, and its config plant): its hidden edges and,
    per config state, its selected edges marked against the planted truth, each with an
    ``ecosystem`` column (the seed)."""
    from tests.pipeline import demo_kin_knobs, snapshot_of

    for seed in seeds:
        eco = folder / f"seed-{seed}"
        db = snapshot_of(SynthConfig(n_models=models, seed=seed, **demo_kin_knobs()), eco)
        store = eco / "eco" / "hub.sqlite"
        truth, hidden = truth_of(store)
        marked = {}
        for label, model_type in zip(STATES, (store_model_types(store), None), strict=True):
            con = connect_snapshot(db, card_texts=True)
            marked[label] = mark_truth(select_edges(con, model_type), truth).with_columns(
                ecosystem=pl.lit(seed)
            )
            con.close()
        yield seed, hidden.with_columns(ecosystem=pl.lit(seed)), marked


def planted(
    models: int, seeds: list[int], folder: Path, write: bool, min_confidence: float
) -> None:
    """Measure (and with ``write`` calibrate) on planted ecosystems at ``seeds``, their
    edges pooled: a combination's edges and true ones are counted over all of them, and
    precision and recall are clustered by an ecosystem's parent."""
    states: dict[str, list[pl.DataFrame]] = {label: [] for label in STATES}
    hidden = []
    for seed, hid, marked in marked_ecosystems(models, seeds, folder):
        hidden.append(hid)
        for label, selected in marked.items():
            states[label].append(selected)
        print(f"seed {seed}: {hid.height:,} hidden edges", flush=True)
    all_hidden = pl.concat(hidden)
    selected = {label: pl.concat(parts, how="diagonal_relaxed") for label, parts in states.items()}
    tables = {label: calibrate(edges) for label, edges in selected.items()}
    # the config-known run keys its edges agrees / disagrees / missing, the run without a
    # config table unknown (the stage's two cases): one table holds both, and each run is
    # measured with it, the fallback from a verdict to "|unknown" as in the stage
    calibration = pl.concat(tables.values()).sort("combo")
    if not calibration["combo"].is_unique().all():
        raise ValueError("the config states' combinations overlap")
    measured = []
    for label, edges in selected.items():
        pr = precision_recall(with_confidence(edges, calibration), all_hidden, min_confidence)
        measured.append(pr.with_columns(config=pl.lit(label)))
        table = tables[label]
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=160, float_precision=3):
            print(f"{models:,} models, seeds {', '.join(map(str, seeds))} pooled, {label}: "
                  f"{all_hidden.height:,} hidden edges, {table.height} combinations, "
                  f"{table.filter(pl.col('edges') >= MIN_EDGES).height} of {MIN_EDGES}+ "
                  f"edges\n{pr}")  # fmt: skip
    if write:
        write_measurement(calibration, pl.concat(measured), ROOT / "src" / "phylohub" / "data")
        print("wrote the calibration to src/phylohub/data")


#: What each status of a band of :func:`confidence_bands` means, for the printout.
VERDICTS = {
    "within": "the stated confidence is inside the precision's interval",
    "under-confident": "stated below the interval: conservative",
    "over-confident": "stated above the interval: the edges are worse than they say",
}


def held_out(models: int, seeds: list[int], folder: Path) -> None:
    """Check the shipped calibration on ecosystems of the demo's kin knobs at ``seeds``
    (other than the calibration's): the band table of each seed and config state, then
    pooled over the seeds (clusters: a seed's parent)."""
    calibration = load_calibration()
    pooled: dict[str, list[pl.DataFrame]] = {label: [] for label in STATES}
    for seed, _hidden, marked_states in marked_ecosystems(models, seeds, folder):
        for label, selected in marked_states.items():
            marked = with_confidence(selected, calibration)
            pooled[label].append(marked)
            print_bands(
                f"{models:,} models, seed {seed}, {label}", confidence_bands(marked), marked
            )
    if len(seeds) > 1:
        for label, parts in pooled.items():
            title = f"{models:,} models, seeds {', '.join(map(str, seeds))} pooled, {label}"
            all_marked = pl.concat(parts, how="diagonal_relaxed")
            print_bands(title, confidence_bands(all_marked), all_marked)


def scores(marked: pl.DataFrame) -> str:
    """Brier's score and the log loss of the new edges' stated confidence against the
    truth, and how many of them took 1/2 or another combination's row (uncalibrated)."""
    new = marked.filter(~pl.col("covered"))
    c, t = pl.col("confidence"), pl.col("true").cast(pl.Float64)
    row = new.select(
        brier=((c - t) ** 2).mean(),
        log_loss=-(t * c.log() + (1 - t) * (1 - c).log()).mean(),
        uncalibrated=(~pl.col("calibrated")).sum(),
        half=(~pl.col("calibrated") & (c == 0.5)).sum(),
    ).row(0, named=True)
    return (f"Brier {row['brier']:.4f}, log loss {row['log_loss']:.4f}, uncalibrated "
            f"{row['uncalibrated']:,} of {new.height:,} new edges "
            f"({row['half']:,} at 1/2)")  # fmt: skip


def print_bands(title: str, bands: pl.DataFrame, marked: pl.DataFrame) -> None:
    """A band table under its title, the edges' scores (:func:`scores`), and a line per
    band that has a verdict."""
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=160, float_precision=3):
        print(f"{title}: {bands['edges'].sum():,} new edges\n{bands}\n  {scores(marked)}")
    for row in bands.iter_rows(named=True):
        if row["status"] in VERDICTS:
            print(f"  {row['band']}: stated {row['mean_confidence']:.3f}, precision "
                  f"{row['precision']:.3f} [{row['precision_low']:.3f}, "
                  f"{row['precision_high']:.3f}]: {row['status']} "
                  f"({VERDICTS[row['status']]})")  # fmt: skip


def scale(folder: Path, threads: int, memory_mb: int) -> None:
    """Time and peak memory of the inference on a built snapshot."""
    con = connect_snapshot(folder / "hub.duckdb", card_texts=True)
    limit(con, threads, memory_mb)
    t0 = time.perf_counter()
    edges = infer_edges(con, snapshot_model_types(con))  # as rule infer_kin
    seconds = time.perf_counter() - t0
    con.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    new = edges.filter(~pl.col("covered"))
    print(f"models: {folder.name}; threads: {threads}; DuckDB memory limit {memory_mb} MB")
    print(f"inferred pairs: {edges.height}, new: {new.height}, at >= 0.8: "
          f"{new.filter(pl.col('confidence') >= 0.8).height}")  # fmt: skip
    print(f"inference: {seconds:.1f} s, peak RSS {peak:.2f} GB")


class SpillWatch:
    """The largest size DuckDB's spill folder reached (``limit`` names it by the process
    id), polled twice a second in a thread while the inference runs."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.gettempdir()) / f"phylohub-inference-{os.getpid()}"
        self.largest = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _size(self) -> int:
        try:
            return sum(f.stat().st_size for f in self.folder.iterdir() if f.is_file())
        except OSError:  # not made yet, or a file gone while read
            return 0

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            self.largest = max(self.largest, self._size())

    def __enter__(self) -> SpillWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def write(folder: Path, out: Path, threads: int, memory_mb: int) -> None:
    """The rule's tables of the snapshot ``folder`` in ``out``, timed as :func:`scale`,
    with the CPU seconds, the peak resident memory and the largest spill."""
    out.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    t0, cpu0 = time.perf_counter(), time.process_time()
    with SpillWatch() as spill:
        infer_kin(folder / "hub.duckdb", paths_in(out), 0.8, threads, memory_mb)
    cpu = time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"infer_kin: {time.perf_counter() - t0:.1f} s, {cpu:.0f} CPU s, peak RSS {peak:.2f} GB,"
          f" largest spill {spill.largest / 1024**3:.2f} GB; tables in {out}")  # fmt: skip


def compare(a: Path, b: Path) -> bool:
    """Whether the rule's tables in ``a`` and ``b`` are equal, row for row (the edges in
    the order written; the summary and the precision/recall byte for byte)."""
    same = True
    for file in TABLES.values():
        if file.endswith(".parquet"):
            x, y = pl.read_parquet(a / file), pl.read_parquet(b / file)
            equal = x.equals(y)
            print(f"{file}: {x.height:,} and {y.height:,} rows, equal: {equal}")
        else:
            equal = (a / file).read_bytes() == (b / file).read_bytes()
            print(f"{file}: equal: {equal}")
        same &= equal
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", nargs="?", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-mb", type=int, default=3000, help="DuckDB's memory limit")
    parser.add_argument("--out", type=Path, help="write the rule's tables here")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("DIR_A", "DIR_B"))
    parser.add_argument("--planted", action="store_true")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--held-out", action="store_true",
                        help="check the calibration on other seeds than its own")  # fmt: skip
    parser.add_argument("--models", type=int, default=CALIBRATION_MODELS)
    parser.add_argument("--seeds", type=int, nargs="+",
                        help="the planted ecosystems' seeds (by default the calibration's, "
                             f"{' '.join(map(str, CALIBRATION_SEEDS))}; with --held-out "
                             f"{' '.join(map(str, HELD_OUT_SEEDS))})")  # fmt: skip
    parser.add_argument("--min-confidence", type=float, default=0.8)
    args = parser.parse_args()
    if args.compare:
        sys.exit(0 if compare(*args.compare) else 1)
    if args.held_out:
        if not args.planted or args.calibrate:
            parser.error("--held-out goes with --planted and without --calibrate")
        seeds = list(HELD_OUT_SEEDS) if args.seeds is None else args.seeds
        if fitted := sorted(set(seeds) & set(CALIBRATION_SEEDS)):
            parser.error(f"seeds {fitted} are the calibration's: not held out")
        with tempfile.TemporaryDirectory() as tmp:
            held_out(args.models, seeds, Path(tmp))
    elif args.planted:
        seeds = list(CALIBRATION_SEEDS) if args.seeds is None else args.seeds
        if args.calibrate and (tuple(seeds), args.models) != (
            CALIBRATION_SEEDS,
            CALIBRATION_MODELS,
        ):
            parser.error(f"--calibrate fits on seeds {list(CALIBRATION_SEEDS)} at "
                         f"{CALIBRATION_MODELS:,} models (CALIBRATION_SEEDS and "
                         "CALIBRATION_MODELS record them): change those to refit on "
                         "others")  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            planted(args.models, seeds, Path(tmp), args.calibrate, args.min_confidence)
    elif args.snapshot is not None and args.out is not None:
        write(args.snapshot, args.out, args.threads, args.memory_mb)
    elif args.snapshot is not None:
        scale(args.snapshot, args.threads, args.memory_mb)
    else:
        parser.error("give a snapshot folder or --planted")


if __name__ == "__main__":
    main()
