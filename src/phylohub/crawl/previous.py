"""Finding the earlier snapshot whose unchanged cards a new crawl reuses."""

from __future__ import annotations

from pathlib import Path

from phylohub.errors import PhylohubError


def _card_files(snapshot_dir: Path) -> list[Path]:
    return sorted((snapshot_dir / "crawl" / "cards").glob("[0-9]*.parquet"))


def find_previous_cards(results: Path, snapshot: str, previous: str = "auto") -> list[str]:
    """Card shard files of the snapshot to reuse cards from.

    ``previous`` is ``none`` (reuse nothing), a snapshot name (its cards must exist), or
    ``auto``: the other snapshot under ``results`` whose listing finished last, before
    this snapshot's own listing if that exists (so the choice of an existing snapshot
    never changes, and its cards are not fetched again).
    """
    if previous == "none":
        return []
    if previous != "auto":
        files = _card_files(results / previous)
        if not files:
            raise PhylohubError(
                f"crawl.previous names snapshot {previous!r}, but {results / previous} "
                "holds no crawled cards"
            )
        return [str(f) for f in files]
    # Only snapshots listed before this one's listing: a snapshot made later (or a
    # benchmark folder) must not change which cards an existing snapshot reused.
    own = results / snapshot / "crawl" / "listing" / "manifest.json"
    before = own.stat().st_mtime if own.is_file() else float("inf")
    candidates = []
    for manifest in results.glob("*/crawl/listing/manifest.json"):
        snapshot_dir = manifest.parents[2]
        listed_at = manifest.stat().st_mtime
        if snapshot_dir.name != snapshot and listed_at < before and _card_files(snapshot_dir):
            candidates.append((listed_at, snapshot_dir.name, snapshot_dir))
    if not candidates:
        return []
    _, _, newest = max(candidates)
    return [str(f) for f in _card_files(newest)]
