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

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from phylohub.kinship.forest import KinForest, load_forest
    from phylohub.kinship.pairs import sample_snapshot_pairs, write_kin_pairs
    from phylohub.kinship.sampling import (
        RELATIONS,
        Forest,
        sample_kin,
        sample_shape,
        shape_pairs,
    )
    from phylohub.kinship.shapes import (
        RELATION_SHAPE,
        SHAPE_NODES,
        SHAPES,
        anchor_weights,
        check_forest,
        shape_counts,
        shape_totals,
    )

#: Where each name of the package lives, imported on first use: the similarity summary
#: needs the shapes and the sampler's relations, not the forest's reading of a snapshot
#: (which imports the snapshot build and huggingface_hub: a second of start-up).
_WHERE = {
    "forest": ("KinForest", "load_forest"),
    "pairs": ("sample_snapshot_pairs", "write_kin_pairs"),
    "sampling": ("RELATIONS", "Forest", "sample_kin", "sample_shape", "shape_pairs"),
    "shapes": (
        "RELATION_SHAPE", "SHAPE_NODES", "SHAPES", "anchor_weights", "check_forest",
        "shape_counts", "shape_totals",
    ),
}  # fmt: skip
__getattr__, __dir__, _ = lazy.attach(
    __name__,
    submodules=set(_WHERE),
    submod_attrs={module: list(names) for module, names in _WHERE.items()},
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
    "shape_counts",
    "shape_pairs",
    "shape_totals",
    "write_kin_pairs",
]
