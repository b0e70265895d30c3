"""Which snapshots exist under ``results/``, in the order they were listed."""

from __future__ import annotations

from pathlib import Path

from phylohub.errors import PhylohubError
from phylohub.layout import Snapshot, earlier_listed


def earlier_snapshots(results: Path, snapshot: str, endpoint: str | None = None) -> list[str]:
    """Snapshots under ``results`` with a ``hub.duckdb``, of the same hub (``endpoint``'s),
    listed before ``snapshot``.

    Oldest first (by the time their listing finished). A snapshot listed later than this
    one (made afterwards) is left out, so what a snapshot's diff and time series include
    never changes once it exists; before this snapshot's own listing exists, every other
    snapshot is earlier. A snapshot of another hub (the demo's replica beside the real
    Hub's) is never included (:func:`phylohub.layout.earlier_listed`).

    >>> earlier_snapshots(Path("/nonexistent"), "demo")
    []
    """
    return [s.name for s in earlier_listed(results, snapshot, endpoint) if s.db.is_file()]


def previous_snapshot(
    results: Path, snapshot: str, previous: str = "auto", endpoint: str | None = None
) -> str | None:
    """The snapshot ``snapshot`` is compared with; None when there is none.

    ``previous`` is ``auto`` (the newest earlier snapshot of the same hub,
    ``endpoint``'s), ``none``, or a snapshot name (its ``hub.duckdb`` must exist).

    >>> previous_snapshot(Path("/nonexistent"), "demo", "none") is None
    True
    """
    if previous == "none":
        return None
    if previous == "auto":
        earlier = earlier_snapshots(results, snapshot, endpoint)
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
