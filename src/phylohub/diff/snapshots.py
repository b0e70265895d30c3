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
    results: Path,
    snapshot: str,
    previous: str = "auto",
    endpoint: str | None = None,
    relations: str | None = None,
) -> str | None:
    """The snapshot ``snapshot`` is compared with; None when there is none.

    ``previous`` is ``auto`` (the newest earlier snapshot of the same hub,
    ``endpoint``'s; with ``relations``, the diff's relation set, the newest that holds
    every file the diff reads: :func:`missing_reads`), ``none``, or a snapshot
    name (its ``hub.duckdb`` must exist).

    >>> previous_snapshot(Path("/nonexistent"), "demo", "none") is None
    True
    """
    if previous == "none":
        return None
    if previous == "auto":
        earlier = earlier_snapshots(results, snapshot, endpoint)
        if relations is not None:
            earlier = [s for s in earlier if not missing_reads(results, s, relations)]
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


def diff_reads(relations: str) -> dict[str, str]:
    """What the diff reads of each of its two snapshots, by name: paths inside a
    snapshot's folder (``relations``: the config's ``diff.relations``)."""
    return {
        "db": "hub.duckdb",
        "manifest": "crawl/listing/manifest.json",
        "nodes": f"genealogy/{relations}/nodes.parquet",
        "families": f"genealogy/{relations}/families.parquet",
    }


def missing_reads(results: Path, previous: str, relations: str) -> list[str]:
    """The files the diff reads that the snapshot ``previous`` lacks (paths inside it)."""
    named = Snapshot.named(results, previous)
    return [path for path in diff_reads(relations).values() if not named.file(path).is_file()]


def incomplete_previous(results: Path, previous: str, relations: str) -> str | None:
    """Why the earlier snapshot ``previous`` cannot be compared with (one line), or None.

    Its files are read as they are, never rebuilt (docs/diff.md), so each must exist. The
    way out names that snapshot's own config: a run under this config would crawl today's
    Hub into the earlier snapshot's folder.
    """
    missing = missing_reads(results, previous, relations)
    if not missing:
        return None
    folder = Snapshot.named(results, previous).folder
    return (
        f"the earlier snapshot {previous!r} lacks {', '.join(missing)} (under {folder}): "
        f"make it with that snapshot's own config files (snakemake --configfile ...), or set "
        f"diff.previous to none"
    )


def skipped_previous(
    results: Path, snapshot: str, endpoint: str | None, relations: str
) -> str | None:
    """One line when ``diff.previous: auto`` passes over an earlier snapshot that lacks a
    file the diff reads (it compares with an older complete one, or with none), else None:
    a crawl, or any other target, still runs."""
    earlier = earlier_snapshots(results, snapshot, endpoint)
    missing = missing_reads(results, earlier[-1], relations) if earlier else []
    if not missing:
        return None
    chosen = previous_snapshot(results, snapshot, "auto", endpoint, relations)
    instead = f"compared with {chosen!r} instead" if chosen else "no diff is made"
    return (
        f"diff.previous auto passes over the earlier snapshot {earlier[-1]!r}, which lacks "
        f"{', '.join(missing)}: {instead}"
    )
