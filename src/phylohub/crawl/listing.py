"""The model listing: one cursor chain over ``/api/models``, written in resumable parts.

The listing is requested with ``full=true&config=true&cardData=true`` (what huggingface_hub's
``list_models(full=True, cardData=True, fetch_config=True)`` sends: the config summary,
``architectures``, ``model_type`` and ``quantization_config``, costs no request more) at
``page_size`` models a page
through huggingface_hub's own HTTP layer (``http_backoff`` retries 429/5xx/network
errors as the client does; ``hf_raise_for_status`` raises its typed errors), but for
one case: when the first request of a fresh listing cannot connect at all (connection
refused, host not found), nothing has ever answered at the endpoint (a wrong
``hub.endpoint``, most likely) and the listing fails at once, without the retries. Once
a page has answered, a connection that fails is retried as any network error. Every
``pages_per_part`` pages the raw entries go to ``part-NNNNN.parquet`` and then the
checkpoint records the cursor of the next page, both written atomically. A killed job
rerun starts from the checkpoint; a part written before the kill is rewritten with the
same content, so the parts equal those of an uninterrupted run.

The checkpoint keeps only the next page's query string, not its host: a replica
restarted on another port (or a different mirror) continues the same chain.

While it runs, the job holds ``lock`` in its folder and says where it stands in its log
and in ``progress.json`` there (:mod:`phylohub.crawl.progress`), against the number of
models of the snapshot listed before it: the Hub gives no total.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx2
import pyarrow as pa
import pyarrow.parquet as pq
from huggingface_hub.utils import build_hf_headers, hf_raise_for_status, http_backoff

from phylohub.crawl.lock import hold_lock
from phylohub.crawl.progress import PROGRESS_FILE, Progress
from phylohub.crawl.schema import LISTING_SCHEMA
from phylohub.errors import PhylohubError
from phylohub.layout import listing_time

log = logging.getLogger(__name__)

#: The listing job's lock, in its folder (``phylohub crawl status`` probes it).
LOCK_FILE = "lock"

#: What ``http_backoff`` retries (its default ``retry_on_exceptions``): timeouts, network
#: errors, answers cut short.
_RETRIED: tuple[type[Exception], ...] = (
    httpx2.TimeoutException,
    httpx2.NetworkError,
    httpx2.RemoteProtocolError,
)
#: The same less a connection that cannot be made (``httpx2.ConnectError``, a subclass of
#: ``NetworkError``): what the first page of a fresh listing retries.
_RETRIED_FIRST: tuple[type[Exception], ...] = (
    httpx2.TimeoutException,
    httpx2.ReadError,
    httpx2.WriteError,
    httpx2.CloseError,
    httpx2.RemoteProtocolError,
)


@dataclass
class ListingResult:
    models: int
    pages: int
    parts: int
    seconds: float


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _write_part(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(pa.Table.from_pylist(rows, schema=LISTING_SCHEMA), tmp)
    tmp.replace(path)


def read_token(token_env: str | None) -> str | None:
    """The token from the named environment variable (never logged), or None."""
    if not token_env:
        return None
    return os.environ.get(token_env) or None


def crawl_listing(
    endpoint: str,
    out_dir: Path,
    *,
    token: str | None = None,
    page_size: int = 1000,
    pages_per_part: int = 20,
    max_retries: int = 5,
    base_wait_s: float = 1.0,
    expected: tuple[str, int] | None = None,
    progress_min_interval_s: float = 30.0,
    progress_max_interval_s: float = 300.0,
) -> ListingResult:
    """List every model of ``endpoint`` into ``out_dir``; resumes from its checkpoint.

    ``max_retries`` and ``base_wait_s`` go to huggingface_hub's ``http_backoff`` (its
    defaults: 5 retries waiting 1, 2, 4, 8, 8 s), but not for a fresh listing (no page
    answered yet, no checkpoint) whose first request cannot connect: that raises
    :class:`~phylohub.errors.PhylohubError` at once, naming the endpoint, and writes
    nothing. The Hub gives no total: ``expected``
    (an earlier snapshot's name and number of models, see
    :func:`phylohub.crawl.previous.expected_models`) stands in for it in the progress
    lines, which come at most every ``progress_min_interval_s`` and, while pages come,
    at least every ``progress_max_interval_s`` (:mod:`phylohub.crawl.progress`). One
    job at a time lists into ``out_dir``: it holds ``out_dir/lock``
    (:func:`phylohub.crawl.lock.hold_lock`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with hold_lock(out_dir / LOCK_FILE, "the listing"):
        result = _crawl_listing(
            endpoint,
            out_dir,
            token,
            page_size,
            pages_per_part,
            max_retries,
            base_wait_s,
            Progress(
                "listing",
                "models",
                expected[1] if expected else None,
                out_dir / PROGRESS_FILE,
                progress_min_interval_s,
                progress_max_interval_s,
                expected_from=f"snapshot {expected[0]}" if expected else None,
                requests_word="pages",
                counts_answers=False,
            ),
        )
        # Done: the manifest holds the final counts (as a finished shard keeps no
        # progress file), and the results stay the same from run to run.
        (out_dir / PROGRESS_FILE).unlink(missing_ok=True)
        return result


def _crawl_listing(
    endpoint: str,
    out_dir: Path,
    token: str | None,
    page_size: int,
    pages_per_part: int,
    max_retries: int,
    base_wait_s: float,
    progress: Progress,
) -> ListingResult:
    checkpoint = out_dir / "checkpoint.json"
    state: dict[str, Any] = {"next": None, "parts": 0, "pages": 0, "models": 0, "done": False}
    if checkpoint.is_file():
        state = json.loads(checkpoint.read_text())
        log.info("resuming listing at part %d (%d models so far)", state["parts"], state["models"])
    headers = build_hf_headers(token=token or False, library_name="phylohub")
    base = endpoint.rstrip("/") + "/api/models"
    start = time.monotonic()
    rows: list[dict[str, Any]] = []
    pages_in_part = 0
    cursor: str | None = state["next"]  # query string of the next page; None: the first
    progress.update(state["models"], state["pages"], force=True)
    while not state["done"]:
        if cursor is None:
            url = base
            params: dict[str, Any] | None = {
                "full": "true",
                "config": "true",
                "cardData": "true",
                "limit": page_size,
            }
        else:
            url, params = f"{base}?{cursor}", None
        first = state["pages"] == 0  # no page has answered, in this run or before it
        try:
            response = http_backoff(
                "GET",
                url,
                params=params,
                headers=headers,
                timeout=60,
                max_retries=max_retries,
                base_wait_time=base_wait_s,
                max_wait_time=8 * base_wait_s,
                retry_on_exceptions=_RETRIED_FIRST if first else _RETRIED,
            )
            hf_raise_for_status(response)
        except Exception as exc:  # the client's own errors, after its retries
            if first and isinstance(exc, httpx2.ConnectError):  # at once, not retried
                raise PhylohubError(
                    f"nothing answers at {without_credentials(endpoint)} ({exc}): "
                    "check hub.endpoint in the config"
                ) from exc
            raise PhylohubError(
                f"listing {endpoint} failed on page {state['pages']}: {exc}"
            ) from exc
        page = state["pages"]
        for position, entry in enumerate(response.json()):
            rows.append(
                {
                    "page": page,
                    "position": position,
                    "id": entry["id"],
                    "_id": entry.get("_id"),
                    "sha": entry.get("sha"),
                    "entry": json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
                }
            )
        nxt = response.links.get("next", {}).get("url")
        cursor = urlsplit(nxt).query if nxt else None
        state["pages"] = page + 1
        pages_in_part += 1
        if nxt is None or pages_in_part == pages_per_part:
            _write_part(out_dir / f"part-{state['parts']:05d}.parquet", rows)
            state["parts"] += 1
            state["models"] += len(rows)
            state["next"] = cursor
            state["done"] = nxt is None
            _atomic_write_text(checkpoint, json.dumps(state))
            log.info(
                "part %d written: %d models, %d pages", state["parts"], state["models"], page + 1
            )
            rows, pages_in_part = [], 0
        progress.update(state["models"] + len(rows), state["pages"], force=bool(state["done"]))
    return ListingResult(state["models"], state["pages"], state["parts"], time.monotonic() - start)


def without_credentials(endpoint: str) -> str:
    """The endpoint without a user name or password in it (results hold no secret).

    >>> without_credentials("https://user:secret@Hub.example:8443/api")
    'https://hub.example:8443/api'
    >>> without_credentials("http://127.0.0.1:18089")
    'http://127.0.0.1:18089'
    """
    parts = urlsplit(endpoint)
    if parts.hostname is None:
        return endpoint
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def write_manifest(path: Path, result: ListingResult, endpoint: str) -> None:
    """The listing's manifest: its parts and counts (the rule's declared output), the
    hub ``endpoint`` it was listed from (so that snapshots of different hubs are never
    paired, :func:`phylohub.layout.earlier_listed`) and when it finished (``listed_at``,
    which orders the snapshots whatever a copy does to the file's mtime)."""
    parts = sorted(p.name for p in path.parent.glob("part-*.parquet"))
    if len(parts) != result.parts:
        raise PhylohubError(
            f"{path.parent} holds {len(parts)} parts but the checkpoint counts {result.parts}"
        )
    rows = sum(pq.ParquetFile(path.parent / p).metadata.num_rows for p in parts)
    if rows != result.models:
        raise PhylohubError(f"listing parts hold {rows} models, the checkpoint {result.models}")
    manifest = {"models": result.models, "pages": result.pages, "parts": parts,
                "endpoint": without_credentials(endpoint),
                "listed_at": listing_time(datetime.now(UTC))}  # fmt: skip
    _atomic_write_text(path, json.dumps(manifest, indent=1) + "\n")
