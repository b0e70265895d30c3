"""The inference stage's outputs: ``inferred_edges.parquet``, the calibration's precision
and recall, and a summary (see docs/inference.md)."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from phylohub.inference.calibration import (
    load_calibration,
    mark_truth,
    precision_recall,
    with_confidence,
)
from phylohub.inference.infer import has_configs, select_edges, snapshot_model_types
from phylohub.io import check_outputs, write_json, write_parquet, write_tsv
from phylohub.io import paths_in as io_paths_in
from phylohub.snapshot.connect import connect_snapshot

log = logging.getLogger(__name__)

#: The outputs of rule ``infer_kin``, by name.
TABLES: dict[str, str] = {
    "edges": "inferred_edges.parquet",
    "precision_recall": "precision_recall.tsv",
    "summary": "summary.json",
}
#: Where the shipped measurement of precision and recall lives (beside the calibration).
PRECISION_RECALL = "kin_precision_recall.tsv"
#: Columns of ``inferred_edges.parquet``, in order.
COLUMNS = (
    "child", "parent", "relation", "signals", "evidence", "config", "combo", "confidence",
    "calibrated", "covered", "parent_in_snapshot",
)  # fmt: skip


def paths_in(folder: Path) -> dict[str, Path]:
    """The stage's tables in ``folder`` (``results/{snapshot}/inference``), by name."""
    return io_paths_in(folder, TABLES)


def infer_edges(
    con: duckdb.DuckDBPyConnection,
    model_type: Mapping[str, str] | pl.DataFrame | None = None,
    calibration: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The inferred edges of a snapshot (columns :data:`COLUMNS`), one parent per child
    (every mergekit parent of a merge), with a calibrated confidence."""
    table = load_calibration() if calibration is None else calibration
    selected = with_confidence(select_edges(con, model_type), table)
    return selected.rename({"listed": "parent_in_snapshot"}).select(COLUMNS)


def evaluate(
    edges: pl.DataFrame, truth_edges: pl.DataFrame, hidden: pl.DataFrame, min_confidence: float
) -> pl.DataFrame:
    """Precision and recall of ``edges`` against a planted truth (see
    :func:`phylohub.inference.calibration.precision_recall`)."""
    return precision_recall(mark_truth(edges, truth_edges), hidden, min_confidence)


def summarize(edges: pl.DataFrame, config_used: bool, min_confidence: float) -> dict[str, Any]:
    """Counts of the inferred edges: all, new (not covered), by relation, above the
    include threshold, and whether the config signal was available (the snapshot has
    configs: :func:`~phylohub.inference.infer.has_configs`)."""
    new = edges.filter(~pl.col("covered"))
    sure = new.filter(pl.col("confidence") >= min_confidence)
    by_rel = dict(sure.group_by("relation").len().sort("relation").iter_rows())
    return {
        "config_signal": "used"
        if config_used
        else "skipped: the snapshot has no model_type table, or an empty one",
        "pairs": edges.height,
        "covered": edges.height - new.height,
        "new": new.height,
        "min_confidence": min_confidence,
        "new_at_min_confidence": sure.height,
        "children_at_min_confidence": sure["child"].n_unique(),
        "by_relation_at_min_confidence": by_rel,
        "uncalibrated": int((~new["calibrated"]).sum()),
    }


def limit(con: duckdb.DuckDBPyConnection, threads: int | None, memory_mb: int | None) -> None:
    """DuckDB's threads and memory limit (the rule's), insertion order not kept: the card
    scan then spills rather than grow past the rule's memory."""
    con.execute("SET preserve_insertion_order = false")
    # a read-only snapshot has no folder of its own to spill to: the system's temporary one
    spill = Path(tempfile.gettempdir()) / f"phylohub-inference-{os.getpid()}"
    con.execute(f"SET temp_directory = '{spill}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_mb:
        con.execute(f"SET memory_limit = '{int(memory_mb)}MB'")


#: Memory of rule ``infer_kin`` kept from DuckDB: Python, polars and the selected edges
#: (at 3M models the peak was 1.21 GB past DuckDB's limit).
RESERVE_MB = 1500


def duckdb_memory_mb(rule_mem_mb: int) -> int:
    """DuckDB's memory limit within the rule's memory: all but :data:`RESERVE_MB` (at
    3M models 3,000 MB for DuckDB gave a 4.21 GB peak), and never under 256 MB.

    >>> duckdb_memory_mb(4500), duckdb_memory_mb(900)
    (3000, 256)
    """
    return max(256, int(rule_mem_mb) - RESERVE_MB)


def infer_kin(
    db: Path,
    out: Mapping[str, Path],
    min_confidence: float,
    threads: int | None = None,
    memory_mb: int | None = None,
) -> pl.DataFrame:
    """Rule ``infer_kin``: infer undeclared parents from ``db`` (read only) and write
    :data:`TABLES`. The config signal is used when the snapshot has a ``model_type``
    table of any model and skipped (said in the log and the summary) when it has none or
    an empty one: its pairs are then keyed ``|unknown``, those of a snapshot with configs
    without a verdict ``|missing`` (:func:`~phylohub.inference.infer.combo_key`)."""
    check_outputs(out, TABLES, "inference")
    con = connect_snapshot(db, card_texts=True)
    try:
        limit(con, threads, memory_mb)
        model_type = snapshot_model_types(con)
        if not has_configs(model_type):
            log.info("config signal skipped: %s has no model_type table, or an empty one", db)
        edges = infer_edges(con, model_type)
    finally:
        con.close()
    write_parquet(edges, out["edges"])
    from importlib import resources

    text = resources.files("phylohub.data").joinpath(PRECISION_RECALL).read_text()
    Path(out["precision_recall"]).write_text(text)
    summary = summarize(edges, has_configs(model_type), min_confidence)
    write_json(summary, out["summary"])
    log.info("inferred %d new edges (%d at confidence >= %s)", summary["new"],
             summary["new_at_min_confidence"], min_confidence)  # fmt: skip
    return edges


def write_measurement(calibration: pl.DataFrame, measured: pl.DataFrame, folder: Path) -> None:
    """The shipped calibration and precision/recall tables (``bench/inference.py
    --calibrate`` writes them into ``phylohub/data``)."""
    write_tsv(calibration, folder / "kin_calibration.tsv")
    write_tsv(measured, folder / PRECISION_RECALL)
