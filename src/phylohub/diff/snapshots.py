"""Which snapshots exist under ``results/``, in the order they were listed."""

from __future__ import annotations

from pathlib import Path

from phylohub.errors import PhylohubError
from phylohub.layout import Snapshot, snapshots_under


def earlier_snapshots(results: Path, snapshot: str) -> list[str]:
    """Snapshots under ``results`` with a ``hub.duckdb`` listed before ``snapshot``.

    Oldest first (by the time their listing finished). A snapshot listed later than this
    one (made afterwards) is left out, so what a snapshot's diff and time series include
    never changes once it exists; before this snapshot's own listing exists, every other
    snapshot is earlier.

    >>> earlier_snapshots(Path("/nonexistent"), "demo")
    []
    """
    before = Snapshot.named(results, snapshot).listed_at()
    found = []
    for other in snapshots_under(results):
        listed = other.listed_at()
        if other.name != snapshot and listed < before and other.db.is_file():
            found.append((listed, other.name))
    return [name for _, name in sorted(found)]


def previous_snapshot(results: Path, snapshot: str, previous: str = "auto") -> str | None:
    """The snapshot ``snapshot`` is compared with; None when there is none.

    ``previous`` is ``auto`` (the newest earlier snapshot), ``none``, or a snapshot name
    (its ``hub.duckdb`` must exist).

    >>> previous_snapshot(Path("/nonexistent"), "demo", "none") is None
    True
    """
    if previous == "none":
        return None
    if previous == "auto":
        earlier = earlier_snapshots(results, snapshot)
        return earlier[-1] if earlier else None
    if previous == snapshot:
        raise PhylohubError(f"diff.previous names the snapshot itself ({snapshot!r})")
    named = Snapshot.named(results, previous)
    if not named.db.is_file():
        raise PhylohubError(
            f"diff.previous names snapshot {previous!r}, but {named.folder} holds no "
            "hub.duckdb; build it first or set diff.previous to auto or none"
        )
    return previous
