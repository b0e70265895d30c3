"""Snapshots over time: the diff of two snapshots and time series across many.

:mod:`.snapshots` finds the snapshots under ``results/`` and the one to compare with,
:mod:`.compare` computes the diff tables (SQL in :mod:`.sql`), :mod:`.series` one row per
snapshot for the time series, :mod:`.plots` the figures. Reference: ``docs/diff.md``.
"""

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from phylohub.diff.compare import compare_snapshots, write_diff
    from phylohub.diff.series import collect_series, snapshot_point
    from phylohub.diff.snapshots import earlier_snapshots, previous_snapshot

#: Where each name of the package lives, imported on first use: the Snakefile's input
#: functions need only :mod:`.snapshots` (paths), not the diff's polars and DuckDB.
_WHERE = {
    "compare": ("compare_snapshots", "write_diff"),
    "series": ("collect_series", "snapshot_point"),
    "snapshots": ("earlier_snapshots", "previous_snapshot"),
}
__getattr__, __dir__, _ = lazy.attach(
    __name__, submod_attrs={module: list(names) for module, names in _WHERE.items()}
)

__all__ = [
    "collect_series",
    "compare_snapshots",
    "earlier_snapshots",
    "previous_snapshot",
    "snapshot_point",
    "write_diff",
]
