"""Finding the earlier snapshot whose unchanged cards a new crawl reuses, and whose number
of models its listing expects."""

from __future__ import annotations

import json
from pathlib import Path

from phylohub.errors import PhylohubError
from phylohub.layout import Snapshot, earlier_listed


def find_previous_cards(
    results: Path,
    snapshot: str,
    previous: str = "auto",
    kind: str = "cards",
    endpoint: str | None = None,
) -> list[str]:
    """Card shard files of the snapshot to reuse cards from (``kind="configs"``: its
    ``config.json`` shards, to reuse those).

    ``previous`` is ``none`` (reuse nothing), a snapshot name (its cards must exist), or
    ``auto``: of the other snapshots of the same hub (``endpoint``'s), the one whose
    listing finished last, before this snapshot's own listing if that exists (so the
    choice of an existing snapshot never changes, and its cards are not fetched again;
    :func:`phylohub.layout.earlier_listed`).
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
    earlier = [s for s in earlier_listed(results, snapshot, endpoint) if s.card_shards(kind)]
    return [str(f) for f in earlier[-1].card_shards(kind)] if earlier else []


def shard_previous(
    results: Path,
    snapshot: str,
    shard: int | str,
    previous: str = "auto",
    kind: str = "cards",
    endpoint: str | None = None,
) -> list[str]:
    """What card shard ``shard`` of ``snapshot`` reuses cards from: for a finished shard,
    the files it was given when it was crawled (its ``.stats.json`` records them), else
    :func:`find_previous_cards`.

    A finished crawl's choice is history, not a dependency: moving or deleting the
    earlier snapshot, crawling a later one or relisting another must not make the
    workflow see the shard's inputs changed and fetch every card of the old listing
    again from today's Hub. Shards crawled before the stats recorded it are given the
    choice made now, as before.
    """
    stats = Snapshot.named(results, snapshot).file(f"crawl/{kind}/{shard}.stats.json")
    if stats.is_file() and stats.with_name(f"{shard}.parquet").is_file():
        try:
            recorded = json.loads(stats.read_text()).get("previous")
        except (OSError, ValueError, AttributeError):
            recorded = None  # a damaged record: choose again
        if isinstance(recorded, list) and all(isinstance(f, str) for f in recorded):
            return recorded
    return find_previous_cards(results, snapshot, previous, kind, endpoint)


def expected_models(
    results: Path, snapshot: str, endpoint: str | None = None
) -> tuple[str, int] | None:
    """The name and number of models of the snapshot of the same hub (``endpoint``'s)
    listed last before ``snapshot`` (any other one, if ``snapshot`` has no listing yet);
    None when there is none.

    The Hub says nothing of how many models its listing will return: the listing's
    progress lines and ``phylohub crawl status`` take the last count as the expected
    total.
    """
    earlier = earlier_listed(results, snapshot, endpoint)
    if not earlier:
        return None
    newest = earlier[-1]
    try:
        return newest.name, int(json.loads(newest.manifest.read_text())["models"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a manifest being replaced, or not one: no expectation
