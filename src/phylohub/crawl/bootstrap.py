"""Start a first crawl from a public card dump: take a card only where it cannot be stale.

The Hub's public dump of model cards (``librarian-bots/model_cards_with_metadata``, a
dataset repository of parquet shards with ``modelId``, ``last_modified`` and ``card``
among its columns) holds about half of the carded models, a day or so late. A dump row
is the current README exactly when its ``last_modified`` equals the listing's
``lastModified`` for that model: no commit came since.

:func:`fetch_dump` downloads the dump's parquet files once per snapshot with
huggingface_hub (``list_repo_tree`` and ``hf_hub_download``: resumable, cached, the
sha256 of every file checked against the tree's LFS oid), every request paced by the
crawl's :class:`~phylohub.crawl.ratelimit.RateBudget` and counted; it writes
``crawl/bootstrap.parquet`` (``id``, ``instant_us``, ``digits``, ``card``) and
``crawl/bootstrap.stats.json``. The dump's columns are read by name: a missing one fails
in one line naming it. A dump that cannot be downloaded (an HTTP error after the
client's retries, a broken connection, a checksum that does not match) leaves an empty
table and one warning line: every card is then fetched.

:func:`bootstrap_row` decides for one model (see :func:`same_instant` for the times).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx2
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import _http

from phylohub.crawl.answers import hub_message
from phylohub.crawl.ratelimit import RateBudget
from phylohub.crawl.schema import CARD_ENCODINGS
from phylohub.errors import PhylohubError

log = logging.getLogger(__name__)

#: The dump's columns the crawl reads (by name).
DUMP_COLUMNS: Final = ("modelId", "last_modified", "card")
BOOTSTRAP_SCHEMA: Final = pa.schema(
    [("id", pa.string()), ("instant_us", pa.int64()), ("digits", pa.int8()),
     ("card", pa.large_string())]
)  # fmt: skip
_UNIT_DIGITS: Final = {"s": 0, "ms": 3, "us": 6, "ns": 9}
_ISO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


@dataclass
class DumpStats:
    """What fetching the dump cost and gave (``crawl/bootstrap.stats.json``)."""

    repo: str = ""
    requests: int = 0
    files: int = 0
    bytes: int = 0
    rows: int = 0
    fallback: bool = False
    message: str = ""
    seconds: float = 0.0


def parse_instant(value: str | None) -> tuple[int, int] | None:
    """An ISO-8601 time with a zone as (microseconds since the epoch, digits of fraction
    it carries, at most 6); None when it has no zone or is not one.

    >>> parse_instant("2024-05-01T10:00:00.120Z"), parse_instant("2024-05-01T12:00:00+02:00")
    ((1714557600120000, 3), (1714557600000000, 0))
    >>> parse_instant("2024-05-01T10:00:00") is None
    True
    """
    m = _ISO.match(value or "")
    if m is None:
        return None
    frac = m.group(2) or ""
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    when = datetime.fromisoformat(f"{m.group(1)}{zone}").astimezone(UTC)
    micros = int((frac + "000000")[:6])
    seconds = int(when.timestamp())
    return seconds * 1_000_000 + micros, min(len(frac), 6)


def same_instant(listed: tuple[int, int] | None, dumped: tuple[int, int] | None) -> bool:
    """Whether a dump row's time is the listing's, at the precision both carry.

    Each side is (microseconds, digits of fraction it carries). A dump that carries fewer
    digits than the listing cannot decide (a later commit in the same second would look
    the same): not the same. Otherwise both are compared at the listing's precision.

    >>> same_instant((1_000_120_000, 3), (1_000_120_000, 6))
    True
    >>> same_instant((1_000_120_000, 3), (1_000_121_000, 6))
    False
    >>> same_instant((1_000_000_000, 3), (1_000_000_000, 0))  # the dump cannot decide
    False
    """
    if listed is None or dumped is None or dumped[1] < listed[1]:
        return False
    step = 10 ** (6 - listed[1])
    return bool(listed[0] // step == dumped[0] // step)


def _instants(column: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(microseconds, digits) of a ``last_modified`` column: a zoned timestamp carries its
    unit's digits (a timestamp without a zone is no instant: null); a string is parsed."""
    n = len(column)
    if pa.types.is_timestamp(column.type):
        if column.type.tz is None:
            return pa.nulls(n, pa.int64()), pa.nulls(n, pa.int8())
        digits = min(_UNIT_DIGITS[column.type.unit], 6)
        micros = pc.cast(column.cast(pa.timestamp("us", tz="UTC")), pa.int64())
        return micros.combine_chunks(), pa.array([digits] * n, pa.int8())
    parsed = [parse_instant(v) if isinstance(v, str) else None for v in column.to_pylist()]
    return (
        pa.array([p[0] if p else None for p in parsed], pa.int64()),
        pa.array([p[1] if p else None for p in parsed], pa.int8()),
    )


def read_dump(files: Iterable[Path], repo: str) -> pa.Table:
    """The rows of the dump's parquet files as :data:`BOOTSTRAP_SCHEMA`; a missing column
    fails in one line naming it."""
    tables = []
    for path in files:
        names = pq.read_schema(path).names
        missing = [c for c in DUMP_COLUMNS if c not in names]
        if missing:
            raise PhylohubError(
                f"bootstrap dump {repo}: column {missing[0]!r} is missing from {path.name} "
                f"(it has {', '.join(names)}); its schema changed: set crawl.bootstrap: none"
            )
        t = pq.read_table(path, columns=list(DUMP_COLUMNS))
        micros, digits = _instants(t["last_modified"])
        tables.append(
            pa.table(
                [t["modelId"].cast(pa.string()), micros, digits, t["card"].cast(pa.large_string())],
                schema=BOOTSTRAP_SCHEMA,
            )
        )
    return pa.concat_tables([BOOTSTRAP_SCHEMA.empty_table(), *tables])


def _counting_client(budget: RateBudget, stats: DumpStats) -> httpx2.Client:
    """huggingface_hub's own client, with every request paced by ``budget`` and counted."""

    def pace(request: httpx2.Request) -> None:
        budget.acquire()
        stats.requests += 1
        _http.hf_request_event_hook(request)

    return httpx2.Client(event_hooks={"request": [pace]}, follow_redirects=True, timeout=None)


def _download(endpoint: str, repo: str, cache: Path, token: str | None) -> list[Path]:
    """The dump's parquet files, downloaded (or found in the cache) and sha256-checked."""
    api = HfApi(endpoint=endpoint, token=token or False)
    entries = [
        e
        for e in api.list_repo_tree(repo, repo_type="dataset", recursive=True)
        if e.path.endswith(".parquet") and hasattr(e, "lfs")
    ]
    files = []
    for entry in sorted(entries, key=lambda e: e.path):
        path = Path(
            hf_hub_download(repo, entry.path, repo_type="dataset", endpoint=endpoint,
                            token=token or False, cache_dir=cache)
        )  # fmt: skip
        if entry.lfs is not None:
            digest = hashlib.sha256()
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            if digest.hexdigest() != entry.lfs.sha256:
                raise OSError(f"{entry.path}: sha256 does not match the repository's")
        files.append(path)
    return files


def fetch_dump(
    endpoint: str,
    repo: str,
    out: Path,
    cache: Path,
    budget: RateBudget,
    token: str | None = None,
) -> DumpStats:
    """Download the dump and write ``out`` (:data:`BOOTSTRAP_SCHEMA`) and its
    ``.stats.json``; a dump that cannot be downloaded gives an empty table (fallback)."""
    start = time.monotonic()
    stats = DumpStats(repo=repo)
    _http.set_client_factory(lambda: _counting_client(budget, stats))
    try:
        files = _download(endpoint, repo, cache, token)
    except (HfHubHTTPError, httpx2.HTTPError, OSError) as exc:
        message = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        log.warning("bootstrap dump %s cannot be downloaded (%s): every card is fetched",
                    repo, message)  # fmt: skip
        if isinstance(exc, HfHubHTTPError):  # the stats keep what the Hub said, the log all
            message = hub_message(exc)
        stats.fallback, stats.message, files = True, message, []
    finally:
        _http.set_client_factory(_http.default_client_factory)
    table = read_dump(files, repo)
    stats.files = len(files)
    stats.bytes = sum(f.stat().st_size for f in files)
    stats.rows = table.num_rows
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(out)
    stats.seconds = time.monotonic() - start
    out.with_suffix(".stats.json").write_text(json.dumps(asdict(stats), indent=1) + "\n")
    log.info("bootstrap dump %s: %d rows in %d files, %d requests", repo, stats.rows,
             stats.files, stats.requests)  # fmt: skip
    return stats


def dump_rows(path: Path | None, ids: set[str]) -> dict[str, tuple[int | None, int | None, str]]:
    """(microseconds, digits, card) of the dump rows for ``ids`` (a model listed twice in
    the dump keeps its last row)."""
    if path is None or not ids:
        return {}
    t = pq.read_table(path)
    t = t.filter(pc.is_in(t["id"], pa.array(sorted(ids))))
    return {
        r["id"]: (r["instant_us"], r["digits"], r["card"])
        for r in t.to_pylist()
        if r["card"] is not None
    }


def bootstrap_row(
    listed_modified: str | None, row: tuple[int | None, int | None, str] | None, max_bytes: int
) -> dict[str, Any] | None:
    """The card row values from a dump row, or None when it is not taken: its time is not
    the listing's (:func:`same_instant`), its text holds U+FFFD (the bytes served may not
    be UTF-8: only a fetch can tell), or it is longer than the crawl's cap.

    A text that starts with U+FEFF was saved with a byte order mark (encoding ``bom``).
    """
    if row is None or row[0] is None or row[1] is None:
        return None
    if not same_instant(parse_instant(listed_modified), (row[0], row[1])):
        return None
    text = row[2]
    if "\ufffd" in text:
        return None
    raw = text.encode("utf-8") if text.startswith("\ufeff") else None
    served = raw if raw is not None else text.encode("utf-8")
    if len(served) > max_bytes:
        return None
    blob = hashlib.sha1(b"blob %d\0" % len(served) + served, usedforsecurity=False)
    return {
        "text": text[1:] if raw is not None else text,
        "encoding": CARD_ENCODINGS[1] if raw is not None else CARD_ENCODINGS[0],
        "raw": raw,
        "bytes": len(served),
        "truncated": False,
        "etag": blob.hexdigest(),
    }
