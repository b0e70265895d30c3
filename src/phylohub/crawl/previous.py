"""Finding the earlier snapshot whose unchanged cards a new crawl reuses, and whose number
of models its listing expects."""

from __future__ import annotations

import json
from pathlib import Path

from phylohub.errors import PhylohubError
from phylohub.layout import Snapshot, snapshots_under


def find_previous_cards(
    results: Path, snapshot: str, previous: str = "auto", kind: str = "cards"
) -> list[str]:
    """Card shard files of the snapshot to reuse cards from (``kind="configs"``: its
    ``config.json`` shards, to reuse those).

    ``previous`` is ``none`` (reuse nothing), a snapshot name (its cards must exist), or
    ``auto``: the other snapshot under ``results`` whose listing finished last, before
    this snapshot's own listing if that exists (so the choice of an existing snapshot
    never changes, and its cards are not fetched again).
    """
    if previous == "none":
        return []
    if previous != "auto":
        named = Snapshot.named(results, previous)
        files = named.card_shards(kind)
        if not files and kind == "cards":  # a snapshot may have crawled no config.json
            raise PhylohubError(
                f"crawl.previous names snapshot {previous!r}, but {named.folder} "
                "holds no crawled cards"
            )
        return [str(f) for f in files]
    # Only snapshots listed before this one's listing: a snapshot made later (or a
    # benchmark folder) must not change which cards an existing snapshot reused.
    before = Snapshot.named(results, snapshot).listed_at()
    candidates = []
    for other in snapshots_under(results):
        listed_at = other.listed_at()
        if other.name != snapshot and listed_at < before and other.card_shards(kind):
            candidates.append((listed_at, other.name, other))
    if not candidates:
        return []
    _, _, newest = max(candidates)
    return [str(f) for f in newest.card_shards(kind)]


def expected_models(results: Path, snapshot: str) -> tuple[str, int] | None:
    """The name and number of models of the snapshot listed last before ``snapshot``
    (any other one, if ``snapshot`` has no listing yet); None when there is none.

    The Hub says nothing of how many models its listing will return: the listing's
    progress lines and ``phylohub crawl status`` take the last count as the expected
    total.
    """
    before = Snapshot.named(results, snapshot).listed_at()
    candidates = []
    for other in snapshots_under(results):
        listed_at = other.listed_at()
        if other.name != snapshot and listed_at < before:
            candidates.append((listed_at, other.name, other))
    if not candidates:
        return None
    _, name, newest = max(candidates)
    try:
        return name, int(json.loads(newest.manifest.read_text())["models"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a manifest being replaced, or not one: no expectation
