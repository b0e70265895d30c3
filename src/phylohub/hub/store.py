"""The replica hub's store: one SQLite file holding a synthetic (or any) ecosystem.

The replica server answers every request from this file with indexed queries, so it
serves millions of models without loading them into memory. The generator
(:mod:`phylohub.hub.synth`) writes it; tests may write small hand-made stores with
:class:`StoreWriter`.

Model cards are not stored as text: a card is a small JSON *recipe* rendered on demand by
:func:`phylohub.hub.cards.render_card` (deterministic), which keeps a 3M-model store at a
few GB instead of ~10 GB of card text.

Columns of ``models`` (JSON columns hold the exact value the API returns):

========================  ==========================================================
key                       generation order (INTEGER PRIMARY KEY)
_id                       24-hex object id, the API's ``_id``
id                        ``author/name``
author                    namespace
sha                       40-hex head commit
created_at                ISO-8601 with milliseconds and ``Z``
last_modified             same
downloads                 last-30-day downloads
downloads_all_time        all-time downloads
likes, trending_score     integers
private                   1 = not listed, answers 401 RepoNotFound (missing parents)
gated                     NULL, ``auto`` or ``manual``
disabled                  1 = listed, but every file answers 403 disabled
pipeline_tag              NULL when absent (the key is omitted from answers)
library_name              NULL when absent
tags                      JSON array
siblings                  JSON array of file names (README.md present or not)
card_data                 JSON object: the card's YAML front matter, or NULL
base_models               JSON ``{"relation", "models": [{"_id", "id"}]}`` or NULL
children_count            number of listed models declaring this one as a parent
safetensors               JSON ``{"parameters": {...}, "total": n}`` or NULL
config                    JSON object or NULL
used_storage              bytes
card                      JSON card recipe, NULL when the repo has no README.md
========================  ==========================================================

The table ``arxiv_papers`` holds the arXiv papers the replica's arXiv API serves (one
row per paper, keyed by its id without version): ``id``, ``version`` (latest),
``title``, ``published`` and ``updated`` (ISO-8601, ``Z``), ``primary_category`` and
``categories`` (JSON array, the primary first). A store without it has no papers.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phylohub.errors import PhylohubError

SCHEMA_VERSION = 1

COLUMNS: tuple[str, ...] = (
    "key",
    "_id",
    "id",
    "author",
    "sha",
    "created_at",
    "last_modified",
    "downloads",
    "downloads_all_time",
    "likes",
    "trending_score",
    "private",
    "gated",
    "disabled",
    "pipeline_tag",
    "library_name",
    "tags",
    "siblings",
    "card_data",
    "base_models",
    "children_count",
    "safetensors",
    "config",
    "used_storage",
    "card",
)

DDL = """
CREATE TABLE models (
    key INTEGER PRIMARY KEY,
    _id TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    author TEXT NOT NULL,
    sha TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    downloads INTEGER NOT NULL,
    downloads_all_time INTEGER NOT NULL,
    likes INTEGER NOT NULL,
    trending_score INTEGER NOT NULL,
    private INTEGER NOT NULL,
    gated TEXT,
    disabled INTEGER NOT NULL,
    pipeline_tag TEXT,
    library_name TEXT,
    tags TEXT NOT NULL,
    siblings TEXT NOT NULL,
    card_data TEXT,
    base_models TEXT,
    children_count INTEGER NOT NULL,
    safetensors TEXT,
    config TEXT,
    used_storage INTEGER NOT NULL,
    card TEXT
);
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

ARXIV_COLUMNS: tuple[str, ...] = (
    "id",
    "version",
    "title",
    "published",
    "updated",
    "primary_category",
    "categories",
)

ARXIV_DDL = """
CREATE TABLE arxiv_papers (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    published TEXT NOT NULL,
    updated TEXT NOT NULL,
    primary_category TEXT NOT NULL,
    categories TEXT NOT NULL
)
"""

# Listing order is "sort field descending, ties by _id ascending" (hub-api.md); one
# index per sortable field makes every page a short index walk.
SORT_COLUMNS: dict[str, str] = {
    "trendingScore": "trending_score",
    "downloads": "downloads",
    "likes": "likes",
    "createdAt": "created_at",
    "lastModified": "last_modified",
}

INDEXES = [
    *(
        f"CREATE INDEX idx_{col} ON models(private, {col} DESC, _id)"
        for col in SORT_COLUMNS.values()
    ),
    "CREATE INDEX idx_author ON models(author)",
]


class StoreError(PhylohubError):
    """The store file is missing or not a phylohub store."""


@dataclass
class ModelRecord:
    """One row of ``models``; JSON columns are held as Python values."""

    key: int
    _id: str
    id: str
    author: str
    sha: str
    created_at: str
    last_modified: str
    downloads: int = 0
    downloads_all_time: int = 0
    likes: int = 0
    trending_score: int = 0
    private: bool = False
    gated: str | None = None
    disabled: bool = False
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: list[str] = field(default_factory=list)
    siblings: list[str] = field(default_factory=list)
    card_data: dict[str, Any] | None = None
    base_models: dict[str, Any] | None = None
    children_count: int = 0
    safetensors: dict[str, Any] | None = None
    config: dict[str, Any] | None = None
    used_storage: int = 0
    card: dict[str, Any] | None = None

    def as_row(self) -> tuple[Any, ...]:
        return tuple(_to_sql(getattr(self, c)) for c in COLUMNS)


_JSON_COLUMNS = frozenset(
    {"tags", "siblings", "card_data", "base_models", "safetensors", "config", "card"}
)


def _to_sql(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        try:
            text.encode()
        except UnicodeEncodeError:  # lone surrogates (a literal card's raw bytes): escaped
            return json.dumps(value, separators=(",", ":"))
        return text
    return value


class StoreWriter:
    """Write a store file from scratch (an existing file is replaced).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "hub.sqlite"
    >>> t = "2024-01-01T00:00:00.000Z"
    >>> with StoreWriter(path, meta={"seed": 1}) as w:
    ...     w.add_rows([ModelRecord(0, "0" * 24, "org/m", "org", "a" * 40, t, t).as_row()])
    >>> Store(path).count_listed()
    1
    """

    def __init__(self, path: Path, meta: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_suffix(".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp.unlink(missing_ok=True)
        self.conn = sqlite3.connect(self.tmp)
        self.conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + DDL)
        self.meta = {"schema_version": SCHEMA_VERSION, **(meta or {})}

    def add_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        marks = ",".join("?" * len(COLUMNS))
        self.conn.executemany(f"INSERT INTO models VALUES ({marks})", rows)

    def add_arxiv_papers(self, papers: Iterable[dict[str, Any]]) -> None:
        """Write the ``arxiv_papers`` table (dicts with the keys of :data:`ARXIV_COLUMNS`)."""
        self.conn.execute(ARXIV_DDL)
        self.conn.executemany(
            f"INSERT INTO arxiv_papers VALUES ({','.join('?' * len(ARXIV_COLUMNS))})",
            [tuple(_to_sql(p[c]) for c in ARXIV_COLUMNS) for p in papers],
        )

    def close(self) -> None:
        for stmt in INDEXES:
            self.conn.execute(stmt)
        self.conn.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [(k, json.dumps(v)) for k, v in self.meta.items()],
        )
        self.conn.commit()
        self.conn.execute("ANALYZE")
        self.conn.close()
        self.tmp.replace(self.path)

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.conn.close()
            self.tmp.unlink(missing_ok=True)


class Store:
    """Read-only access to a store; safe to share between threads (one connection each)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise StoreError(f"no replica store at {self.path}: run 'phylohub replica generate'")
        self._local = threading.local()
        try:
            self.meta = {
                k: json.loads(v)
                for k, v in self.conn.execute("SELECT name, value FROM meta").fetchall()
            }
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a phylohub replica store ({exc})") from exc

    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def count_listed(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM models WHERE private = 0").fetchone()[0])

    def get(self, model_id: str) -> sqlite3.Row | None:
        """The row of a model (private ones included), or None."""
        row: sqlite3.Row | None = self.conn.execute(
            "SELECT * FROM models WHERE id = ?", (model_id,)
        ).fetchone()
        return row

    def arxiv_papers(self, ids: Sequence[str]) -> dict[str, sqlite3.Row]:
        """The ``arxiv_papers`` rows of these ids (without version) that exist."""
        has_table = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'arxiv_papers'"
        ).fetchone()
        if not has_table or not ids:
            return {}
        found: dict[str, sqlite3.Row] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT * FROM arxiv_papers WHERE id IN ({marks})", chunk
            ).fetchall():
                found[row["id"]] = row
        return found

    def iter_rows(self, where: str = "1", batch: int = 10_000) -> Iterator[sqlite3.Row]:
        """Every row in key order (for tests and ground-truth exports)."""
        last = -1
        while True:
            rows = self.conn.execute(
                f"SELECT * FROM models WHERE key > ? AND ({where}) ORDER BY key LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1]["key"]


def record_from_row(row: sqlite3.Row) -> ModelRecord:
    """Decode a row into a :class:`ModelRecord` (JSON columns parsed)."""
    values = {c: row[c] for c in COLUMNS}
    for c in _JSON_COLUMNS:
        if values[c] is not None:
            values[c] = json.loads(values[c])
    values["private"] = bool(values["private"])
    values["disabled"] = bool(values["disabled"])
    return ModelRecord(**values)
