"""Builders of crawl files for the snapshot tests: listing entries, card rows, parquet."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from phylohub.crawl.schema import CARD_SCHEMA, LISTING_SCHEMA

BACKFILL = "2022-03-02T23:29:04.000Z"
FETCHED = datetime(2025, 7, 12, 8, 30, tzinfo=UTC)


def sha(model_id: str) -> str:
    """A stable 40-hex sha for a model id."""
    return hashlib.sha1(model_id.encode()).hexdigest()


def entry(model_id: str, tags: Sequence[str | None] | None = (), **fields: Any) -> dict[str, Any]:
    """A listing entry as ``/api/models?full=true&cardData=true`` returns it.

    ``tags=None`` leaves the key out; a field given as ``...`` is left out too.
    """
    e: dict[str, Any] = {
        "_id": sha(model_id)[:24],
        "id": model_id,
        "likes": 1,
        "trendingScore": 0,
        "private": False,
        "downloads": 10,
        "tags": list(tags) if tags is not None else ...,
        "createdAt": "2024-05-01T10:00:00.000Z",
        "modelId": model_id,
        "author": model_id.split("/")[0],
        "gated": False,
        "lastModified": "2024-06-01T12:30:00.500Z",
        "sha": sha(model_id),
        "siblings": [{"rfilename": ".gitattributes"}, {"rfilename": "README.md"}],
    }
    e.update(fields)
    return {k: v for k, v in e.items() if v is not ...}


def card(
    model_id: str, status: str = "ok", text: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A card shard row; an ``ok`` row gets ``bytes`` from its text unless given."""
    ok = status == "ok"
    row: dict[str, Any] = {
        "id": model_id,
        "sha": sha(model_id),
        "status": status,
        "http_status": 200 if ok else None,
        "message": None,
        "text": text if ok else None,
        "encoding": "utf-8" if ok else None,
        "raw": None,
        "bytes": len(text.encode()) if ok and text is not None else None,
        "truncated": False if ok else None,
        "etag": sha(text or "") if ok else None,
        "fetched_at": FETCHED,
        "reused": False,
        "requests": 1 if ok else 0,
    }
    row.update(fields)
    return row


def write_listing(
    folder: Path, parts: Sequence[Sequence[dict[str, Any]]], per_page: int = 3
) -> list[Path]:
    """Write ``parts`` (lists of entries) as listing parts; pages of ``per_page`` entries."""
    folder.mkdir(parents=True, exist_ok=True)
    paths, index = [], 0
    for p, entries in enumerate(parts):
        rows = []
        for e in entries:
            rows.append(
                {
                    "page": index // per_page,
                    "position": index % per_page,
                    "id": e["id"],
                    "_id": e.get("_id"),
                    "sha": e.get("sha"),
                    "entry": json.dumps(e, ensure_ascii=False, separators=(",", ":")),
                }
            )
            index += 1
        path = folder / f"part-{p:05d}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=LISTING_SCHEMA), path)
        paths.append(path)
    return paths


def write_cards(folder: Path, shards: Sequence[Sequence[dict[str, Any]]]) -> list[Path]:
    """Write card shard files ``0.parquet``, ``1.parquet``, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for s, rows in enumerate(shards):
        path = folder / f"{s}.parquet"
        pq.write_table(pa.Table.from_pylist(list(rows), schema=CARD_SCHEMA), path)
        paths.append(path)
    return paths


@dataclass
class Inputs:
    """Paths of one set of crawl files and of the build's outputs."""

    listing: list[Path]
    cards: list[Path]
    db: Path
    parquet: Path
