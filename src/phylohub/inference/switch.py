"""``genealogy.inferred``: whether the later stages read inferred edges beside the declared.

``exclude`` (the default) keeps the declared edges only; ``include:<min confidence>``
adds every inferred edge that no declared edge covers, whose parent is listed and whose
confidence is at least the given one. Genealogy adds them to its graph
(:func:`phylohub.genealogy.graphs.with_edges`); a stage that reads the snapshot's
``edges`` table in SQL gets them through :func:`shadow_edges`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import duckdb
import polars as pl

from phylohub.errors import PhylohubError

log = logging.getLogger(__name__)

_SPEC = re.compile(r"^(exclude|include:(0(\.\d+)?|1(\.0+)?))$")


def min_confidence(spec: str) -> float | None:
    """The threshold of a ``genealogy.inferred`` value; None for ``exclude``.

    >>> min_confidence("exclude"), min_confidence("include:0.8")
    (None, 0.8)
    """
    if not _SPEC.match(spec):
        raise PhylohubError(
            f"genealogy.inferred must be exclude or include:<confidence in [0, 1]>, not {spec!r}"
        )
    return None if spec == "exclude" else float(spec.split(":", 1)[1])


def included_edges(path: Path, threshold: float) -> pl.DataFrame:
    """The inferred edges added under ``include:<threshold>`` (child, parent, relation,
    confidence): not covered by a declared edge, parent listed, confidence >= threshold."""
    return (
        pl.read_parquet(path)
        .filter(
            ~pl.col("covered") & pl.col("parent_in_snapshot") & (pl.col("confidence") >= threshold)
        )
        .select("child", "parent", "relation", "confidence")
    )


def edges_for(spec: str, path: Path | str | None) -> pl.DataFrame | None:
    """The edges a stage adds under ``spec`` (None for ``exclude``)."""
    threshold = min_confidence(spec)
    if threshold is None:
        return None
    if path is None:
        raise PhylohubError("genealogy.inferred includes inferred edges, but none were given")
    return included_edges(Path(path), threshold)


def shadow_edges(con: duckdb.DuckDBPyConnection, extra: pl.DataFrame) -> None:
    """Make ``edges`` on this connection the declared edges plus ``extra`` (a temporary
    table of the same name hides the snapshot's own: DuckDB looks in the temporary schema
    first), so SQL written for the declared edges reads both. The snapshot is untouched."""
    con.register("inferred_extra", extra.select("child", "parent", "relation").to_arrow())
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE edges AS
        SELECT parent, child, relation, parent_in_snapshot FROM main.edges
        UNION ALL
        SELECT x.parent, x.child, x.relation, TRUE FROM inferred_extra x
        WHERE NOT EXISTS (SELECT 1 FROM main.edges e WHERE e.child = x.child
            AND lower(e.parent) = lower(x.parent))
        """
    )
    con.unregister("inferred_extra")
    log.info("read %d inferred edges beside the declared ones", extra.height)
