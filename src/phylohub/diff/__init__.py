"""Snapshots over time: the diff of two snapshots and time series across many.

:mod:`.snapshots` finds the snapshots under ``results/`` and the one to compare with,
:mod:`.compare` computes the diff tables (SQL in :mod:`.sql`), :mod:`.series` one row per
snapshot for the time series, :mod:`.plots` the figures. Reference: ``docs/diff.md``.
"""

from phylohub.diff.compare import compare_snapshots, write_diff
from phylohub.diff.series import collect_series, snapshot_point
from phylohub.diff.snapshots import earlier_snapshots, previous_snapshot

__all__ = [
    "collect_series",
    "compare_snapshots",
    "earlier_snapshots",
    "previous_snapshot",
    "snapshot_point",
    "write_diff",
]
