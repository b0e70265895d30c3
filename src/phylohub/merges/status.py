"""When a claim of the merges stage gets an interval: enough merges, and enough families
of them (the clusters its intervals resample: :func:`phylohub.merges.pedigree.merge_clusters`).

A module of its own, without pyarrow: the figures' rule reads it at start-up.
"""

from __future__ import annotations

#: Below this many merges of two or more parents, or families of them, a claim of the
#: merges stage gets no interval.
MIN_MERGES = 10
MIN_FAMILIES = 10


def claim_status(merges: int, families: int) -> str:
    """``tested``, or why a claim gets no interval: ``too few merges`` (below
    :data:`MIN_MERGES`) or ``too few families`` (below :data:`MIN_FAMILIES`).

    >>> claim_status(91, 40), claim_status(91, 4), claim_status(6, 6)
    ('tested', 'too few families', 'too few merges')
    """
    if merges < MIN_MERGES:
        return "too few merges"
    return "too few families" if families < MIN_FAMILIES else "tested"
