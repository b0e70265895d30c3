"""Kin pairs of a snapshot: the forest read, every shape counted and sampled, ids attached.

:func:`sample_snapshot_pairs` is what the rule ``sample_kin_pairs`` runs. Its tables:

``kin_pairs`` (one row per pair of models inside a sampled shape)
    ``shape``, ``draw`` (0-based draw of that shape), ``role_a``, ``role_b`` (roles in
    :data:`~phylohub.kinship.shapes.SHAPE_NODES`), ``a``, ``b`` (model ids; ``a`` is the
    elder), ``relation``, ``distance`` (edges between them), ``divide`` (generations
    between them), ``defining`` (true for the pair whose draw is a uniform sample of
    all pairs of its relation: see :data:`~phylohub.kinship.shapes.RELATION_SHAPE`),
    ``family_a``, ``family_b`` (the families of ``a`` and ``b``, each named by its first
    root's model id: see :mod:`phylohub.kinship.forest`).
``kin_shapes`` (one row per shape)
    ``shape``, ``occurrences`` (exact count in the forest), ``anchors`` (nodes with a
    positive weight), ``draws``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from phylohub.errors import PhylohubError
from phylohub.io import write_json, write_parquet, write_tsv
from phylohub.kinship.forest import load_forest
from phylohub.kinship.sampling import Forest, sample_kin
from phylohub.kinship.shapes import SHAPES, shape_counts

__all__ = ["sample_snapshot_pairs", "write_kin_pairs"]

log = logging.getLogger(__name__)


def sample_snapshot_pairs(
    db: Path,
    relations: Sequence[str],
    shapes: Sequence[str],
    draws: int,
    seed: int,
    extra_edges: Any = None,
) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
    """Sample kin shapes of a snapshot's forest and list the pairs of models inside them.

    Parameters
    ----------
    db : pathlib.Path
        ``hub.duckdb`` of the snapshot.
    relations : sequence of str
        Edge relations that make the forest (the paper: finetune).
    shapes : sequence of str
        Shapes to sample (default in the workflow: all of :data:`SHAPES`).
    draws : int
        Draws per shape (with replacement).
    seed : int
        Seed of the draws.
    extra_edges : polars.DataFrame, optional
        Inferred edges read beside the declared ones (``genealogy.inferred``).

    Returns
    -------
    kin_pairs, kin_shapes : pyarrow.Table
        See the module docstring.
    stats : dict
        The forest's statistics (:class:`~phylohub.kinship.forest.KinForest`).
    """
    kin = load_forest(db, relations, extra_edges)
    forest = Forest.from_parents(kin.parent)
    totals, anchors = shape_counts(kin.parent)
    _, pairs = sample_kin(forest, shapes, draws, seed, family=kin.family)
    ids = kin.ids
    for col in ("a", "b", "family_a", "family_b"):
        pairs = pairs.set_column(pairs.schema.get_field_index(col), col, pc.take(ids, pairs[col]))
    rows = []
    for shape in shapes:
        rows.append(
            {
                "shape": shape,
                "occurrences": totals[shape],
                "anchors": anchors[shape],
                "draws": draws if totals[shape] > 0 else 0,
            }
        )
    counts = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("shape", pa.string()),
                ("occurrences", pa.int64()),
                ("anchors", pa.int64()),
                ("draws", pa.int64()),
            ]
        ),
    )
    stats: dict[str, Any] = dict(kin.stats)
    stats["relations"] = list(kin.relations)
    stats["shapes"] = [s for s in SHAPES if s in shapes]
    return pairs, counts, stats


def write_kin_pairs(
    db: Path,
    pairs_out: Path,
    shapes_out: Path,
    forest_out: Path,
    relations: Sequence[str],
    draws: int,
    seed: int,
    extra_edges: Any = None,
) -> dict[str, Any]:
    """Sample every shape of a snapshot and write ``kin_pairs``, ``kin_shapes``, the stats.

    ``kin_pairs`` is parquet (zstd), ``kin_shapes`` a tab-separated table, the forest's
    statistics JSON. Same inputs, same bytes.
    """
    if draws < 1:
        raise PhylohubError(f"similarity.draws must be >= 1, not {draws}")
    pairs, shapes, stats = sample_snapshot_pairs(db, relations, SHAPES, draws, seed, extra_edges)
    log.info(
        "kin forest: %s models, %s parent links (%s extra parents, %s cycles cut)",
        f"{stats['models']:,}",
        f"{stats['edges_used']:,}",
        stats["extra_parents"],
        stats["cycle_edges"],
    )
    for row in shapes.to_pylist():
        log.info(
            "shape %-8s %s occurrences, %s draws",
            row["shape"],
            f"{row['occurrences']:,}",
            row["draws"],
        )
    write_parquet(pairs, pairs_out)
    write_tsv(shapes, shapes_out)
    write_json(stats, forest_out)
    return stats
