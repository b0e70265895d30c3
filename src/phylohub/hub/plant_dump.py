"""A public card dump of the ecosystem as it was some days earlier, beside the store.

The Hub has a daily parquet dump of model cards (``librarian-bots/model_cards_with_metadata``,
a dataset repository): one row per model with ``modelId``, ``author``, ``last_modified``
(``timestamp[us, tz=UTC]``), ``downloads``, ``likes``, ``library_name``, ``tags``,
``pipeline_tag``, ``createdAt`` (``timestamp[us, tz=UTC]``) and ``card`` (the README text),
in shards ``data/train-NNNNN-of-NNNNN.parquet``. Its coverage is partial and it lags.

With ``dump_days`` > 0 (0 by default: nothing is written and the store and truth stay
byte for byte), :func:`write_dump` writes such a dump of the ecosystem as it was
``dump_days`` days before its newest ``lastModified`` into
``{store_dir}/datasets/{dump_repo}/`` (served by the replica as a dataset repository), from
a stream of its own:

* models created after that day have no row;
* a share ``dump_coverage`` of the other listed models with a README has a row (a
  disabled one has none: its README cannot be read, and the listing does not say so);
* a row of a model modified after that day is ``stale``: an older ``last_modified`` (drawn
  between its creation and that day) and an older text (the current one with its last line
  replaced); a share ``dump_stale_share`` of the others is made stale the same way (a
  dump that lags);
* every other row is ``exact``: the model's ``lastModified`` to the microsecond and its
  README as served, decoded as UTF-8 (a byte order mark kept as U+FEFF, bytes that are not
  UTF-8 as U+FFFD);
* ``dump_deleted_share`` (of the rows) rows name models since deleted (ids the store lacks).

The ``truth_dump`` table (``id``, ``kind``: ``exact``, ``stale``, ``deleted``) names every
row, ``truth.json["dump"]`` counts them.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from phylohub.hub.cards import card_bytes

#: The random stream of the dump (with the ecosystem's seed).
STREAM: Final = 0xD0D5
#: The real dump's columns and types (as its dataset card lists them).
DUMP_SCHEMA: Final = pa.schema(
    [
        ("modelId", pa.string()),
        ("author", pa.string()),
        ("last_modified", pa.timestamp("us", tz="UTC")),
        ("downloads", pa.int64()),
        ("likes", pa.int64()),
        ("library_name", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("pipeline_tag", pa.string()),
        ("createdAt", pa.timestamp("us", tz="UTC")),
        ("card", pa.large_string()),
    ]
)
ROWS_PER_SHARD: Final = 5000

_SQL: Final = (
    "SELECT id, author, last_modified, downloads, likes, library_name, tags, pipeline_tag, "
    "created_at, card, card_data, siblings, disabled FROM models WHERE private = 0 ORDER BY key"
)


def _instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


def dump_text(body: bytes) -> str:
    """A README's text as the dump holds it: UTF-8, a byte order mark kept as U+FEFF,
    bytes that are not UTF-8 as U+FFFD.

    >>> dump_text(b"\\xef\\xbb\\xbf---"), dump_text(b"caf\\xe9")
    ('\\ufeff---', 'caf\\ufffd')
    """
    return body.decode("utf-8", errors="replace")


def _older(text: str, when: datetime) -> str:
    """An older revision of a card: its last line replaced."""
    head = text.rstrip("\n").rsplit("\n", 1)[0] if "\n" in text.rstrip("\n") else ""
    return f"{head}\nRevision of {when:%Y-%m-%d}.\n"


def write_dump(
    conn: sqlite3.Connection,
    out_dir: Path,
    *,
    seed: int,
    days: int,
    coverage: float,
    stale_share: float,
    deleted_share: float,
    repo: str,
) -> dict[str, Any] | None:
    """Write the dump and its truth (see the module docstring); None when ``days`` is 0."""
    if days <= 0:
        return None
    rng = np.random.default_rng([seed, STREAM])
    models = conn.execute(_SQL).fetchall()
    newest = max(_instant(m[2]) for m in models)
    cutoff = newest - timedelta(days=days)
    rows: list[dict[str, Any]] = []
    truth: list[tuple[str, str]] = []
    for (
        mid,
        author,
        modified,
        dl,
        likes,
        lib,
        tags,
        task,
        created,
        recipe,
        data,
        sib,
        off,
    ) in models:
        u_cover, u_stale, u_when = rng.random(3)
        if recipe is None or "README.md" not in json.loads(sib) or off:
            continue
        created_at, modified_at = _instant(created), _instant(modified)
        if created_at > cutoff or u_cover >= coverage:
            continue
        text = dump_text(card_bytes(json.loads(recipe), json.loads(data) if data else None))
        kind = "exact"
        if modified_at > cutoff or u_stale < stale_share:
            kind = "stale"
            modified_at = created_at + (min(cutoff, modified_at) - created_at) * float(u_when)
            modified_at -= timedelta(microseconds=1)  # strictly older than the listing's
            text = _older(text, modified_at)
        rows.append(_row(mid, author, modified_at, dl, likes, lib, tags, task, created_at, text))
        truth.append((mid, kind))
    for k in range(round(deleted_share * len(rows))):
        mid = f"gone-{k}/deleted-model-{int(rng.integers(1 << 30)):x}"
        when = cutoff - timedelta(days=float(rng.random()) * 30)
        rows.append(_row(mid, mid.split("/")[0], when, 0, 0, None, "[]", None, when, "# gone\n"))
        truth.append((mid, "deleted"))
    _write_repo(out_dir / "datasets" / repo, rows, len(models))
    conn.execute("CREATE TABLE truth_dump (id TEXT PRIMARY KEY, kind TEXT NOT NULL)")
    conn.executemany("INSERT INTO truth_dump VALUES (?, ?)", truth)
    kinds = [k for _, k in truth]
    return {
        "repo": repo,
        "days": days,
        "as_of": cutoff.isoformat().replace("+00:00", "Z"),
        "rows": len(rows),
        **{k: kinds.count(k) for k in ("exact", "stale", "deleted")},
    }


def _row(mid: str, author: str, modified: datetime, downloads: int, likes: int,
         library: str | None, tags: str, task: str | None, created: datetime,
         text: str) -> dict[str, Any]:  # fmt: skip
    return {
        "modelId": mid, "author": author, "last_modified": modified, "downloads": downloads,
        "likes": likes, "library_name": library, "tags": json.loads(tags),
        "pipeline_tag": task, "createdAt": created, "card": text,
    }  # fmt: skip


def _write_repo(repo_dir: Path, rows: list[dict[str, Any]], models: int) -> None:
    """The dataset repository's files: parquet shards under data/ and a README."""
    data = repo_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    for old in data.glob("*.parquet"):
        old.unlink()
    n = max(1, -(-len(rows) // ROWS_PER_SHARD))
    for i in range(n):
        part = rows[i * ROWS_PER_SHARD : (i + 1) * ROWS_PER_SHARD]
        table = pa.Table.from_pylist(part, schema=DUMP_SCHEMA)
        pq.write_table(table, data / f"train-{i:05d}-of-{n:05d}.parquet")
    (repo_dir / "README.md").write_text(
        "---\npretty_name: Hub model cards (synthetic)\n---\n"
        f"# Model cards\n\n{len(rows)} rows of {models} models.\n"
    )
