"""Time series: one row per snapshot, in the order of the snapshots' dates.

A snapshot's date (``as_of``) is the newest ``lastModified`` among its models: the Hub
as the snapshot saw it. It is read from the data, so it needs no clock of the crawl, is
the same however often the snapshot is rebuilt, and is the ecosystem's own date for a
synthetic (evolved) ecosystem served at any time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from phylohub.diff import sql
from phylohub.errors import PhylohubError
from phylohub.io import check_outputs, write_tsv
from phylohub.vocabulary import EDGE_RELATIONS as RELATIONS


@dataclass(frozen=True)
class Point:
    """One snapshot's row of the series and its license and task counts."""

    row: dict[str, Any]
    licenses: pl.DataFrame  # license, models
    tasks: pl.DataFrame  # task, models


def snapshot_point(name: str, db: Path, genealogy_summary: Path | None = None) -> Point:
    """Sizes of one snapshot: models, edges by relation, families, cards, requests."""
    if not db.is_file():
        raise PhylohubError(f"snapshot {name!r} has no {db}")
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS s (READ_ONLY)")
    head = con.sql(sql.POINT.format(s="s")).pl().to_dicts()[0]
    by_relation = dict(con.sql(sql.POINT_EDGES.format(s="s")).fetchall())
    licenses = con.sql(sql.POINT_LICENSES.format(s="s")).pl()
    tasks = con.sql(sql.POINT_TASKS.format(s="s")).pl()
    con.close()
    row: dict[str, Any] = {"snapshot": name, **head}
    for relation in RELATIONS:
        row[f"edges_{relation}"] = int(by_relation.get(relation, 0))
    row["families"] = row["families_2plus"] = None
    if genealogy_summary is not None and genealogy_summary.is_file():
        summary = json.loads(genealogy_summary.read_text())
        row["families"] = summary["families"]
        row["families_2plus"] = summary["families_2plus"]
    return Point(row, licenses, tasks)


def collect_series(points: list[Point], top: int = 8) -> dict[str, pl.DataFrame]:
    """The series tables: ``series`` (one row per snapshot), ``licenses`` and ``tasks``
    (long form: snapshot, value, models, share), sorted by date then name.

    The ``top`` values with the most models in the newest snapshot keep their names in
    ``licenses`` and ``tasks``; the rest are summed as ``other``.
    """
    if not points:
        raise PhylohubError("no snapshot to make a time series of")
    series = pl.DataFrame([p.row for p in points], infer_schema_length=None).sort(
        "as_of", "snapshot"
    )
    order = series["snapshot"].to_list()
    newest = {p.row["snapshot"]: p for p in points}[order[-1]]
    out = {"series": series}
    for key in ("licenses", "tasks"):
        column = "license" if key == "licenses" else "task"
        kept = getattr(newest, key)[column].head(top).to_list()
        frames = []
        for p in points:
            frame: pl.DataFrame = getattr(p, key)
            total = int(frame["models"].sum())
            frames.append(
                frame.with_columns(
                    pl.when(pl.col(column).is_in(kept))
                    .then(pl.col(column))
                    .otherwise(pl.lit("other"))
                    .alias("value")
                )
                .group_by("value")
                .agg(pl.col("models").sum().cast(pl.Int64))
                .with_columns(
                    pl.lit(p.row["snapshot"]).alias("snapshot"),
                    (pl.col("models") / max(1, total)).alias("share"),
                )
            )
        rank = {v: i for i, v in enumerate([*kept, "other"])}
        long = (
            pl.concat(frames)
            .with_columns(
                pl.col("snapshot").replace_strict({s: i for i, s in enumerate(order)}).alias("_s"),
                pl.col("value").replace_strict(rank).alias("_v"),
            )
            .sort("_s", "_v")
            .select("snapshot", "value", "models", "share")
        )
        out[key] = long
    return out


def write_series(tables: dict[str, pl.DataFrame], out: Mapping[str, Path]) -> None:
    """Each table (``series``, ``licenses``, ``tasks``) to its path in ``out`` (the
    ``collect_time_series`` rule's outputs)."""
    check_outputs(out, tables, "time series")
    for name, frame in tables.items():
        write_tsv(frame, out[name])


def read_series(path: str | Path) -> pl.DataFrame:
    """``series.tsv`` as written by :func:`write_series`, with ``as_of`` a datetime."""
    frame = pl.read_csv(path, separator="\t", infer_schema_length=None)
    return frame.with_columns(pl.col("as_of").str.to_datetime())
