"""What ``phylohub family MODEL_ID`` adds for a merge: all its parents in tag order, their
families, and its inbreeding coefficient (the merges stage's ``merges.parquet`` when the
workflow wrote it, else computed from the snapshot)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl

from phylohub.layout import Snapshot

#: The relation sets of the stage's defaults (``merges.relations``, ``merges.families``).
DAG_SET, FAMILY_SET = "all", "no_merge"


def merge_row(folder: Path, db: Path, model_id: str) -> dict[str, object] | None:
    """The row of ``merges.parquet`` for ``model_id`` (None: not a merge)."""
    written = Snapshot(folder).file("merges/merges.parquet")
    table = pl.read_parquet(written) if written.is_file() else _computed(db)
    rows = table.filter(pl.col("id") == model_id)
    return rows.row(0, named=True) if rows.height else None


def _computed(db: Path) -> pl.DataFrame:
    """The merges of a snapshot from its genealogy, built in a scratch folder."""
    from phylohub.genealogy.query import relation_set
    from phylohub.genealogy.tables import build_genealogy, paths_in
    from phylohub.merges.stage import pedigrees

    with tempfile.TemporaryDirectory() as tmp:
        for name in (DAG_SET, FAMILY_SET):
            build_genealogy(db, relation_set(name), paths_in(Path(tmp) / name), top=1)
        out = pedigrees(
            Path(tmp) / DAG_SET / "nodes.parquet",
            Path(tmp) / DAG_SET / "edges.parquet",
            Path(tmp) / FAMILY_SET / "nodes.parquet",
        )
    return out.merges


def merge_lines(folder: Path, db: Path, model_id: str) -> list[str]:
    """The lines ``phylohub family`` prints for a merge (none for other models)."""
    row = merge_row(folder, db, model_id)
    if row is None:
        return []
    ids, fams = list(row["parent_ids"]), list(row["parent_families"])  # type: ignore[call-overload]
    listed = ", ".join(f"{p} (family {f})" for p, f in zip(ids, fams, strict=True))
    out = [f"merge of {row['parents']} parents (tag order, families of {FAMILY_SET})"]
    out.append(f"  parents        {listed}")
    if int(row["parents"]) < 2:  # type: ignore[call-overload]
        out.append("  inbreeding     - (one parent declared)")
        return out
    kind = "inbred: one family" if row["inbred"] else f"outcrossed: {row['families']} families"
    out.append(f"  inbreeding     F = {float(row['inbreeding']):.4f} ({kind})")  # type: ignore[arg-type]
    out.append(f"  merge depth    {row['merge_depth']} (merges on its deepest ancestral path)")
    return out
