"""Kinship: the family forest of a snapshot, its kin shapes, and sampled kin pairs.

- :mod:`phylohub.kinship.shapes`: every small family shape (pairs, parent/child, sibling
  pairs, grandparent and great-grandparent chains, a parent with three children, uncles,
  first cousins, ...) counted exactly from closed forms over degrees, in O(n), and the
  per-anchor weights that sample them.
- :mod:`phylohub.kinship.sampling`: unbiased, seeded draws of every shape (binary search
  over cumulative weights, O(log n) a draw) and the kinship of the pairs inside them.
- :mod:`phylohub.kinship.forest`: the forest of a snapshot's ``hub.duckdb``.
- :mod:`phylohub.kinship.pairs`: what the rule ``sample_kin_pairs`` runs.
"""

from phylohub.kinship.forest import KinForest, load_forest
from phylohub.kinship.pairs import sample_snapshot_pairs, write_kin_pairs
from phylohub.kinship.sampling import RELATIONS, Forest, sample_kin, sample_shape, shape_pairs
from phylohub.kinship.shapes import (
    RELATION_SHAPE,
    SHAPE_NODES,
    SHAPES,
    anchor_weights,
    check_forest,
    shape_totals,
)

__all__ = [
    "RELATIONS",
    "RELATION_SHAPE",
    "SHAPES",
    "SHAPE_NODES",
    "Forest",
    "KinForest",
    "anchor_weights",
    "check_forest",
    "load_forest",
    "sample_kin",
    "sample_shape",
    "sample_snapshot_pairs",
    "shape_pairs",
    "shape_totals",
    "write_kin_pairs",
]
