"""Tiny snapshots built by the real snapshot builder from hand-written listing entries."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from phylohub.snapshot import build_snapshot
from tests.snapshot.crawlfiles import card, entry, write_cards, write_listing

BACKFILL = "2022-03-02T23:29:04.000Z"


def tiny_snapshot(
    folder: Path, models: Sequence[tuple[str, Sequence[str]] | tuple[str, Sequence[str], str]]
) -> Path:
    """Build ``folder/hub.duckdb`` from (id, tags[, createdAt]) rows; returns its path."""
    entries = []
    for row in models:
        created = row[2] if len(row) > 2 else "2024-05-01T10:00:00.000Z"  # type: ignore[misc]
        entries.append(entry(row[0], list(row[1]), createdAt=created))
    parts = write_listing(folder / "listing", [entries])
    shards = write_cards(folder / "cards", [[card(e["id"], text="a card") for e in entries]])
    build_snapshot(parts, shards, folder / "hub.duckdb", folder / "parquet")
    return folder / "hub.duckdb"
