"""Model cards: one GET per card, sharded, paced, resumable, reusing unchanged cards.

The same machinery fetches each model's ``config.json`` (``crawl.configs``): a
:class:`CardJob` with ``filename="config.json"`` and ``select`` ``all`` or ``families``
writes rows of the same schema (status ``no_readme`` then means the ``siblings`` lack
``config.json``), reuses a previous snapshot's by sha, resumes and counts its requests
in the same way.

For the models of one shard (``crc32(id) % n_shards``), in listing order:

* a model whose ``siblings`` lack ``README.md`` gets status ``no_readme``, no request;
* a model whose card was fetched ``ok`` by a previous snapshot at the same repository
  sha, and that is not gated or disabled now, is copied from it (``reused``, no
  request): a crawl with reuse gives the same rows as a fresh one;
* every other model costs one GET of ``/{id}/resolve/{sha}/README.md`` (plus one when
  the Hub answers with its 307 to ``/api/resolve-cache/...``, or redirects to a CDN),
  never ``ModelCard.load`` (three requests and a disk cache). Answers are classified with
  huggingface_hub's own ``hf_raise_for_status`` (gated, not found, disabled); 429s, 5xx,
  timeouts, dropped connections and truncated bodies are retried with backoff, every
  attempt paced by the shared :class:`~phylohub.crawl.ratelimit.RateBudget`.

Redirects are followed to the ``Location`` exactly as the server wrote it (no ``..``
removed: a signed CDN URL is signed over its exact path). The token, when given, is sent
only to the configured endpoint's origin (scheme, host, port, as huggingface_hub compares
them), never along a redirect to another host, and never written anywhere.

One job at a time works on a shard: it holds an exclusive lock on ``{shard}.partial.lock``
(see :func:`lock_shard`). Rows are checkpointed in batches under ``{shard}.partial/``; a
job that dies keeps them and its rerun fetches only the rest. Every request is tallied
there as it is sent, so the crawl health counts the requests of every run of the shard,
killed or not. The shard's file holds exactly one row per model
(:data:`~phylohub.crawl.schema.CARD_SCHEMA`), and ``{shard}.stats.json`` its crawl
health (requests, statuses, encodings of the ok cards, 429s, retries, seconds).
While it runs, the job says where it stands in its log and in
``{shard}.partial/progress.json`` (:mod:`phylohub.crawl.progress`), which
``phylohub crawl status`` reads with the batches (:mod:`phylohub.crawl.status`).

A card's bytes are kept as served: the text as huggingface_hub's ``RepoCard.load`` reads
it (UTF-8, a leading byte order mark dropped), its ``encoding`` (``utf-8``, ``bom``,
``invalid-utf-8``) and, unless it is plain UTF-8, the exact bytes (``raw``); see
:func:`decode_card`.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
import os
import shutil
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
import httpx2
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from huggingface_hub.errors import (
    DisabledRepoError,
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import build_hf_headers, hf_raise_for_status
from yarl import URL

from phylohub.crawl.answers import hub_message
from phylohub.crawl.bootstrap import bootstrap_row, dump_rows
from phylohub.crawl.lock import hold_lock
from phylohub.crawl.progress import PROGRESS_FILE, Progress
from phylohub.crawl.ratelimit import RateBudget
from phylohub.crawl.schema import CARD_ENCODINGS, CARD_SCHEMA, CARD_SOURCES
from phylohub.errors import PhylohubError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 500, 502, 503, 504})
BATCH_ROWS = 2000


@dataclass(frozen=True)
class CardJob:
    """What one shard job fetches, and how."""

    endpoint: str
    shard: int
    n_shards: int
    token: str | None = None
    concurrency: int = 8  # requests in flight at once
    max_bytes: int = 2_000_000
    max_attempts: int = 6
    backoff_s: float = 1.0  # waits backoff_s * 1, 2, 4, 8, 8, ... between attempts
    timeout_s: float = 60.0
    max_error_share: float = 0.01
    progress_min_interval_s: float = 30.0  # a progress line at most this often ...
    progress_max_interval_s: float = 300.0  # ... and at least this often
    # The repository file fetched: README.md (the cards) or config.json (crawl.configs).
    filename: str = "README.md"
    # Whose file: "all" models of the shard, or "families": those with a declared parent
    # or child in the listing (see :func:`family_ids`); the others get no row.
    select: str = "all"


@dataclass
class ShardStats:
    models: int = 0
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    reused: int = 0
    bootstrap: int = 0  # cards taken from the card dump
    statuses: dict[str, int] = field(default_factory=dict)
    encodings: dict[str, int] = field(default_factory=dict)  # of the ok cards
    seconds: float = 0.0
    # the earlier snapshot's shards it was given to reuse cards from: a finished shard
    # keeps this choice (phylohub.crawl.previous.shard_previous)
    previous: list[str] = field(default_factory=list)


def decode_card(data: bytes, truncated: bool = False) -> dict[str, Any]:
    r"""``text``, ``encoding`` and ``raw`` of a card row from the bytes served (cut at the
    cap when ``truncated``).

    The text is what huggingface_hub's ``RepoCard.load`` reads (``utf-8-sig``: a leading
    byte order mark is dropped, encoding ``bom``). Bytes that are not UTF-8 are read with
    U+FFFD in their place, one for each maximal invalid sequence (encoding
    ``invalid-utf-8``); a cut inside a character is not one of them: the text ends
    before that character. ``raw`` keeps the exact bytes unless they are ``text``
    encoded as UTF-8.

    Examples
    --------
    >>> decode_card("café".encode())
    {'text': 'café', 'encoding': 'utf-8', 'raw': None}
    >>> decode_card(codecs.BOM_UTF8 + b"---")
    {'text': '---', 'encoding': 'bom', 'raw': b'\xef\xbb\xbf---'}
    >>> card = decode_card(b"caf\xe9!")
    >>> card["text"] == "caf\ufffd!", card["encoding"], card["raw"]
    (True, 'invalid-utf-8', b'caf\xe9!')
    >>> decode_card("café".encode()[:4], truncated=True)
    {'text': 'caf', 'encoding': 'utf-8', 'raw': None}
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not (truncated and exc.reason == "unexpected end of data"):
            text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
            return {"text": text, "encoding": CARD_ENCODINGS[2], "raw": data}
        text = data[: exc.start].decode("utf-8")  # the cap fell inside the last character
    if data.startswith(codecs.BOM_UTF8):
        return {"text": text[1:], "encoding": CARD_ENCODINGS[1], "raw": data}
    return {"text": text, "encoding": CARD_ENCODINGS[0], "raw": None}


def shard_of(model_id: str, n_shards: int) -> int:
    """The shard of a model: stable across runs, machines and snapshots.

    >>> shard_of("meta-llama/Llama-3.1-8B", 4)
    0
    """
    return zlib.crc32(model_id.encode()) % n_shards


def parent_ids(entry: dict[str, Any]) -> list[str]:
    """The parents a listing entry declares in its ``base_model:`` tags.

    >>> parent_ids({"tags": ["base_model:finetune:a/b", "base_model:c/d", "license:mit"]})
    ['a/b', 'c/d']
    """
    out = []
    for tag in entry.get("tags") or []:
        if isinstance(tag, str) and tag.startswith("base_model:"):
            rest = tag.removeprefix("base_model:")
            out.append(rest.partition(":")[2] if ":" in rest else rest)
    return [p for p in out if p]


def family_ids(listing_parts: Iterable[Path]) -> set[str]:
    """Listed models in families of two or more: those with a declared parent that is
    listed, and the listed parents themselves (``crawl.configs: families``)."""
    listed: set[str] = set()
    edges: list[tuple[str, str]] = []
    for part in listing_parts:
        t = pq.read_table(part, columns=["id", "entry"])
        for model_id, entry in zip(t["id"].to_pylist(), t["entry"].to_pylist(), strict=True):
            listed.add(model_id)
            if "base_model:" in entry:
                edges += [(model_id, p) for p in parent_ids(json.loads(entry))]
    out: set[str] = set()
    for child, parent in edges:
        if parent in listed and parent != child:
            out.update((child, parent))
    return out


def shard_models(
    listing_parts: Iterable[Path],
    shard: int,
    n_shards: int,
    filename: str = "README.md",
    only: set[str] | None = None,
) -> pa.Table:
    """id, sha, whether ``filename`` exists (column ``has_readme``), whether access is
    restricted (gated or disabled) and ``lastModified``, for the shard's models (those in
    ``only``, if given) in listing order."""
    tables = []
    listing_parts = list(listing_parts)
    for part in listing_parts:
        t = pq.read_table(part, columns=["page", "position", "id", "sha", "entry"])
        mask = [
            shard_of(i, n_shards) == shard and (only is None or i in only)
            for i in t["id"].to_pylist()
        ]
        t = t.filter(pa.array(mask, type=pa.bool_()))
        entries = [json.loads(e) for e in t["entry"].to_pylist()]
        readme = [{"rfilename": filename} in (e.get("siblings") or []) for e in entries]
        gated = [bool(e.get("gated")) or bool(e.get("disabled")) for e in entries]
        modified = [e.get("lastModified") for e in entries]
        tables.append(
            t.select(["page", "position", "id", "sha"])
            .append_column("has_readme", pa.array(readme, type=pa.bool_()))
            .append_column("restricted", pa.array(gated, type=pa.bool_()))
            .append_column("last_modified", pa.array(modified, type=pa.string()))
        )
    if not tables:
        raise PhylohubError("no listing parts given to the card crawler")
    return pa.concat_tables(tables).sort_by([("page", "ascending"), ("position", "ascending")])


def previous_cards(files: Iterable[Path], ids: set[str]) -> dict[str, dict[str, Any]]:
    """Rows of a previous snapshot's card files with status ok for the given ids.

    A file no longer there (the earlier snapshot moved or deleted since a finished shard
    recorded it, and the shard runs again) gives nothing, with a warning: its cards are
    fetched.
    """
    found: dict[str, dict[str, Any]] = {}
    for path in files:
        if not Path(path).is_file():
            log.warning("previous snapshot's %s is gone: its cards are fetched again", path)
            continue
        t = pq.read_table(path)
        if "encoding" not in t.column_names:  # written before the bytes were kept: ask again
            continue
        t = t.filter(pc.and_(pc.is_in(t["id"], pa.array(sorted(ids))), pc.equal(t["status"], "ok")))
        for row in t.to_pylist():
            found[row["id"]] = row
    return found


def _take_bootstrap(
    todo: list[tuple[str, str]],
    models: pa.Table,
    bootstrap: Path,
    restricted: set[str],
    max_bytes: int,
    fresh: list[dict[str, Any]],
) -> list[tuple[str, str]]:
    """Move the cards the dump holds as they are now from ``todo`` to ``fresh``;
    restricted models (gated, disabled) are always asked: their access decides the row."""
    modified = dict(zip(models["id"].to_pylist(), models["last_modified"].to_pylist(), strict=True))
    found = dump_rows(bootstrap, {m for m, _ in todo if m not in restricted})
    keep = []
    for model_id, sha in todo:
        values = bootstrap_row(modified.get(model_id), found.get(model_id), max_bytes)
        if values is None:
            keep.append((model_id, sha))
        else:
            fresh.append(_row(model_id, sha, "ok", source=CARD_SOURCES[2], **values))
    return keep


def _row(model_id: str, sha: str, status: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(CARD_SCHEMA.names)
    row.update(id=model_id, sha=sha, status=status, truncated=False, reused=False, requests=0,
               source=CARD_SOURCES[0])  # fmt: skip
    row["fetched_at"] = datetime.now(UTC)
    row.update(values)
    return row


_DEFAULT_PORTS = {"http": 80, "https": 443}


def url_origin(url: str) -> tuple[str, str, int]:
    """The origin of a URL: (scheme, host in lower case, port or the scheme's default), the
    same comparison as huggingface_hub's ``_url_origin``.

    >>> url_origin("https://HuggingFace.co/x") == url_origin("https://huggingface.co:443/y")
    True
    >>> url_origin("http://127.0.0.1:8080/x") == url_origin("http://127.0.0.1:8081/x")
    False
    """
    parts = urlsplit(url)
    return (
        parts.scheme,
        (parts.hostname or "").lower(),
        parts.port or _DEFAULT_PORTS.get(parts.scheme, 0),
    )


def redirect_target(url: str, location: str) -> str:
    """The URL a redirect from ``url`` to ``location`` names, with the location's path and
    query as the server wrote them (``urljoin`` would remove ``.`` and ``..`` segments and
    break a path signed as it is).

    >>> redirect_target("https://hf.co/a/resolve/x/README.md", "/api/c/../README.md?e=1")
    'https://hf.co/api/c/../README.md?e=1'
    >>> redirect_target("https://hf.co/a/b", "https://cdn.example/k/../v?Signature=s")
    'https://cdn.example/k/../v?Signature=s'
    >>> redirect_target("https://hf.co/a/b", "//cdn.example/k")
    'https://cdn.example/k'
    >>> redirect_target("https://hf.co/a/b?q", "c/../d")
    'https://hf.co/a/c/../d'
    >>> redirect_target("https://hf.co/a/b?q", "?r")
    'https://hf.co/a/b?r'
    """
    if urlsplit(location).scheme:
        return location
    base = urlsplit(url)
    if location.startswith("//"):
        return f"{base.scheme}:{location}"
    if location.startswith("/"):
        return f"{base.scheme}://{base.netloc}{location}"
    if location.startswith("?"):
        return f"{base.scheme}://{base.netloc}{base.path}{location}"
    return f"{base.scheme}://{base.netloc}{base.path.rsplit('/', 1)[0]}/{location}"


class CardFetcher:
    """Fetch cards over one aiohttp session, paced by one :class:`RateBudget`.

    Requests run as asyncio tasks on one thread, parsed by aiohttp's C HTTP parser: per
    request this costs the client a quarter to a third of the CPU of a thread pool over
    huggingface_hub's own ``httpx2`` client (``bench/client_cpu.py``), so a crawl on
    loopback waits on the server, not on its client. Error answers are still classified
    by huggingface_hub's ``hf_raise_for_status``.

    The session carries no token: each request to the endpoint's origin gets the
    ``Authorization`` header, a request to any other origin (a CDN the Hub redirects to)
    goes without it, as huggingface_hub sends it. ``on_request`` is called as each
    request is sent.
    """

    def __init__(
        self,
        job: CardJob,
        budget: RateBudget,
        session: aiohttp.ClientSession,
        on_request: Callable[[], None] | None = None,
    ) -> None:
        self.job = job
        self.budget = budget
        self.session = session
        self.retries = 0
        self.on_request = on_request
        self.origin = url_origin(job.endpoint)
        headers = build_hf_headers(token=job.token or False, library_name="phylohub")
        self.auth = {k: v for k, v in headers.items() if k.lower() == "authorization"}

    @staticmethod
    def open_session(job: CardJob) -> aiohttp.ClientSession:
        """The session a shard's requests share (without the token: see the class)."""
        return aiohttp.ClientSession(
            headers=build_hf_headers(token=False, library_name="phylohub"),
            timeout=aiohttp.ClientTimeout(total=job.timeout_s),
            connector=aiohttp.TCPConnector(limit=job.concurrency),
            cookie_jar=aiohttp.DummyCookieJar(),
            proxy=env_proxy(job.endpoint),
        )

    async def fetch(self, model_id: str, sha: str) -> dict[str, Any]:
        """One card row for ``model_id`` at ``sha`` (never raises for a remote problem)."""
        base = f"{self.job.endpoint.rstrip('/')}/{quote(model_id, safe='/')}"
        url = f"{base}/resolve/{sha}/{quote(self.job.filename)}"
        requests = 0
        last_error = ""
        last_status: int | None = None
        for attempt in range(self.job.max_attempts):
            if attempt:
                self.retries += 1
                await asyncio.sleep(self.job.backoff_s * min(8.0, 2.0 ** (attempt - 1)))
            target = url
            try:
                for _hop in range(3):  # the Hub answers /resolve/ with a 307 to resolve-cache
                    await self.budget.acquire_async()
                    requests += 1
                    if self.on_request is not None:
                        self.on_request()
                    outcome = await self._get(target)
                    if isinstance(outcome, str):
                        target = redirect_target(target, outcome)
                        continue
                    status, row_values = outcome
                    last_status = row_values.get("http_status")
                    if status == "retry":
                        last_error = row_values["message"]
                        break
                    return _row(model_id, sha, status, requests=requests, **row_values)
                else:
                    last_error = "too many redirects"
            except (aiohttp.ClientError, TimeoutError) as exc:  # resets, truncated bodies
                last_error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        return _row(
            model_id, sha, "error", requests=requests, http_status=last_status, message=last_error
        )

    async def _get(self, url: str) -> str | tuple[str, dict[str, Any]]:
        """A redirect target, or (status, row values); status "retry" asks for another try."""
        auth = self.auth if url_origin(url) == self.origin else None
        async with self.session.get(
            URL(url, encoded=True), allow_redirects=False, headers=auth
        ) as r:
            if r.status in (301, 302, 307, 308) and "location" in r.headers:
                self.budget.observe(r.status, r.headers)
                return str(r.headers["location"])
            if r.status == 200:
                self.budget.observe(200, r.headers)
                return "ok", await self._read_card(r)
            body = await r.read()
            wait = self.budget.observe(r.status, r.headers)
            if r.status == 429 or r.status in RETRY_STATUSES:
                kind = "rate limited" if r.status == 429 else "server error"
                return "retry", {"http_status": r.status, "message": f"{kind} ({wait:.0f} s)"}
            return _classify(r.status, list(r.headers.items()), body, url)

    async def _read_card(self, r: aiohttp.ClientResponse) -> dict[str, Any]:
        cap = self.job.max_bytes
        chunks: list[bytes] = []
        read = 0
        truncated = False
        if r.content_length is not None and r.content_length <= cap:
            chunks.append(await r.read())  # the usual case: one read, no cut
            read = len(chunks[0])
        else:
            async for chunk in r.content.iter_chunked(1 << 16):
                chunks.append(chunk)
                read += len(chunk)
                if read > cap:
                    truncated = True
                    break
        data = b"".join(chunks)
        size = int(r.headers.get("content-length", read)) if truncated else read
        if truncated:
            data = data[:cap]
        etag = r.headers.get("x-linked-etag") or r.headers.get("etag")
        return {
            "http_status": 200,
            **decode_card(data, truncated),
            "bytes": size,
            "truncated": truncated,
            "etag": etag.strip('"') if etag else None,
        }


def env_proxy(endpoint: str) -> str | None:
    """The proxy that HTTP(S)_PROXY and NO_PROXY name for the endpoint, as huggingface_hub's
    client would use it; looked up once (aiohttp's ``trust_env`` looks it up, and reads
    ~/.netrc in a thread, on every request)."""
    parts = urlsplit(endpoint)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def _classify(
    status: int, headers: list[tuple[str, str]], body: bytes, url: str
) -> tuple[str, dict[str, Any]]:
    """The row status of an error answer, as huggingface_hub's ``hf_raise_for_status`` reads
    it (gated, not found, disabled), from the answer rebuilt as its own response type; the
    message is what the Hub said (:func:`~phylohub.crawl.answers.hub_message`).

    >>> url, rid = "http://127.0.0.1:8/a/b/resolve/main/README.md", ("X-Request-Id", "Root=1-6b")
    >>> said = [("X-Error-Code", "GatedRepo"), ("X-Error-Message", "Access to a/b is restricted.")]
    >>> _classify(401, [rid, *said], b"", url)
    ('gated', {'http_status': 401, 'message': 'Access to a/b is restricted.'})
    >>> _classify(502, [rid], b"", url)
    ('error', {'http_status': 502, 'message': '502 Bad Gateway'})
    """
    response = httpx2.Response(
        status, headers=headers, content=body, request=httpx2.Request("GET", url)
    )
    try:
        hf_raise_for_status(response)
    except GatedRepoError as exc:
        return "gated", {"http_status": status, "message": hub_message(exc)}
    except (RepositoryNotFoundError, RemoteEntryNotFoundError) as exc:
        return "not_found", {"http_status": status, "message": hub_message(exc)}
    except DisabledRepoError as exc:
        return "disabled", {"http_status": status, "message": hub_message(exc)}
    except HfHubHTTPError as exc:
        return "error", {"http_status": status, "message": hub_message(exc)}
    return "error", {"http_status": status, "message": "unexpected answer"}


def _partial_table(partial: Path, columns: list[str] | None = None) -> pa.Table:
    """The rows checkpointed under ``partial`` (of ``columns``, default all), as one table."""
    paths = sorted(partial.glob("batch-*.parquet")) if partial.is_dir() else []
    schema = CARD_SCHEMA if columns is None else pa.schema([CARD_SCHEMA.field(c) for c in columns])
    return pa.concat_tables(
        [schema.empty_table(), *(pq.read_table(p, columns=columns, schema=schema) for p in paths)]
    )


@contextlib.contextmanager
def lock_shard(partial: Path, shard: int) -> Iterator[None]:
    """Hold the exclusive lock of a shard's partial folder: ``{partial}.lock`` beside it
    (see :func:`phylohub.crawl.lock.hold_lock`: a second job on the shard, e.g. the rerun
    of a Snakemake that was killed while its jobs live on, fails at once naming the
    holder; the kernel lets go of the lock when its holder dies, kill -9 included)."""
    with hold_lock(partial.with_name(partial.name + ".lock"), f"shard {shard}"):
        yield


class _Tally:
    """Requests sent for a shard, by all its runs: one byte appended to
    ``{shard}.partial/requests`` as each request goes out (a write to the kernel, so a
    kill -9 loses none)."""

    def __init__(self, partial: Path) -> None:
        partial.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(partial / "requests", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def add(self) -> None:
        os.write(self.fd, b".")

    def total(self) -> int:
        return os.fstat(self.fd).st_size

    def close(self) -> None:
        os.close(self.fd)


@dataclass
class _Batches:
    """A shard's finished rows, checkpointed under ``{shard}.partial/`` a batch at a time;
    failed rows are kept apart, in memory, so that a rerun asks for them again. Batch
    files are named by the run (start time and PID) and a counter: no two runs can write
    the same name."""

    partial: Path
    shard: int
    to_fetch: int
    fetched: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    run: str = field(default_factory=lambda: f"{time.time_ns():016x}-{os.getpid()}")
    written: int = 0

    def keep(self, rows: list[dict[str, Any]]) -> None:
        """Write rows as the next batch file."""
        self.partial.mkdir(parents=True, exist_ok=True)
        name = f"batch-{self.run}-{self.written:05d}.parquet"
        self.written += 1
        tmp = self.partial / f"{name}.tmp"
        pq.write_table(pa.Table.from_pylist(rows, schema=CARD_SCHEMA), tmp)
        tmp.replace(self.partial / name)

    def add(self, rows: list[dict[str, Any]]) -> None:
        """Take fetched rows: the answered ones to disk, the failed ones aside."""
        answered = [r for r in rows if r["status"] != "error"]
        if answered:
            self.keep(answered)
        self.failed += [r for r in rows if r["status"] == "error"]
        self.fetched += len(rows)
        log.debug("shard %d: %d of %d fetched", self.shard, self.fetched, self.to_fetch)


async def _fetch_all(
    job: CardJob,
    budget: RateBudget,
    todo: list[tuple[str, str]],
    checkpoint: Callable[[list[dict[str, Any]]], None],
    on_request: Callable[[], None] | None = None,
    tick: Callable[[int], None] | None = None,
) -> int:
    """Fetch every (id, sha) of ``todo`` with ``job.concurrency`` requests in flight,
    handing finished rows to ``checkpoint`` every :data:`BATCH_ROWS`; returns the retries.

    ``tick`` is called every ``job.progress_min_interval_s`` with the rows finished so
    far, checkpointed or not (the shard's progress line: see :mod:`phylohub.crawl.progress`).
    """
    done: list[dict[str, Any]] = []
    handed = 0
    pending = iter(todo)

    async def worker(fetcher: CardFetcher) -> None:
        for model_id, sha in pending:  # one thread: tasks take turns on the iterator
            nonlocal handed
            done.append(await fetcher.fetch(model_id, sha))
            if len(done) >= BATCH_ROWS:
                checkpoint(done[:])
                handed += len(done)
                done.clear()

    async def ticker() -> None:
        while tick is not None:
            await asyncio.sleep(job.progress_min_interval_s)
            tick(handed + len(done))

    async with CardFetcher.open_session(job) as session:
        fetcher = CardFetcher(job, budget, session, on_request)
        ticking = asyncio.create_task(ticker())
        try:
            await asyncio.gather(*(worker(fetcher) for _ in range(job.concurrency)))
        finally:
            ticking.cancel()
    if done:
        checkpoint(done)
    return fetcher.retries


def fetch_shard(
    job: CardJob,
    listing_parts: list[Path],
    out: Path,
    budget: RateBudget,
    previous: list[Path] | None = None,
    bootstrap: Path | None = None,
) -> ShardStats:
    """Write ``out`` (one row per model of the shard) and ``out``'s ``.stats.json``,
    holding the shard's lock (:func:`lock_shard`) throughout.

    ``bootstrap``: the card dump's rows (:func:`phylohub.crawl.bootstrap.fetch_dump`); a
    card not reused from ``previous`` is taken from it when
    :func:`~phylohub.crawl.bootstrap.bootstrap_row` says so (previous comes first: a
    reused card is never downloaded again from anywhere)."""
    partial = out.with_name(out.stem + ".partial")
    with lock_shard(partial, job.shard):
        return _fetch_shard(job, listing_parts, out, partial, budget, previous, bootstrap)


def _fetch_shard(
    job: CardJob,
    listing_parts: list[Path],
    out: Path,
    partial: Path,
    budget: RateBudget,
    previous: list[Path] | None,
    bootstrap: Path | None = None,
) -> ShardStats:
    start = time.monotonic()
    if job.select not in ("all", "families"):
        raise PhylohubError(f"unknown selection {job.select!r} (all, families)")
    only = family_ids(listing_parts) if job.select == "families" else None
    models = shard_models(listing_parts, job.shard, job.n_shards, job.filename, only)
    ids = models["id"].to_pylist()
    # an earlier run's cards (no errors are kept there) of the models this shard holds
    # now: crawl.shards or the listing may have changed since
    earlier = set(_partial_table(partial, ["id"])["id"].to_pylist())
    done = earlier.intersection(ids)
    if done:
        log.info("shard %d: resuming, %d cards already fetched", job.shard, len(done))
    if len(done) < len(earlier):
        log.warning(
            "shard %d: %d cards of an earlier run are of models this shard no longer holds "
            "(crawl.shards or the listing changed): left out",
            job.shard, len(earlier) - len(done),
        )  # fmt: skip
    shas = models["sha"].to_pylist()
    readme = models["has_readme"].to_pylist()
    restricted = set(models.filter(models["restricted"])["id"].to_pylist())
    stats = ShardStats(models=len(ids))
    todo: list[tuple[str, str]] = []
    fresh: list[dict[str, Any]] = []
    for model_id, sha, has_readme in zip(ids, shas, readme, strict=True):
        if model_id in done:
            continue
        if not has_readme:
            fresh.append(_row(model_id, sha, "no_readme"))
        else:
            todo.append((model_id, sha))
    if previous:
        old = previous_cards(previous, {m for m, _ in todo})
        keep = []
        for model_id, sha in todo:
            row = old.get(model_id)
            # access can change without a commit: restricted cards are always asked again
            if row is not None and row["sha"] == sha and model_id not in restricted:
                fresh.append({**row, "reused": True, "requests": 0, "source": CARD_SOURCES[1]})
            else:
                keep.append((model_id, sha))
        todo = keep
    if bootstrap is not None:
        todo = _take_bootstrap(todo, models, bootstrap, restricted, job.max_bytes, fresh)
    log.info(
        "shard %d: %d models, %d to fetch, %d done before, %d without %s, reused or "
        "from the dump",
        job.shard, len(ids), len(todo), len(done), len(fresh), job.filename,
    )  # fmt: skip
    batches = _Batches(partial, job.shard, len(todo))
    if fresh:
        batches.keep(fresh)
    tally = _Tally(partial)
    if tally.total():
        log.info("shard %d: %d requests sent by earlier runs", job.shard, tally.total())
    progress = Progress(
        f"shard {job.shard}",
        "cards",
        len(ids),
        partial / PROGRESS_FILE,
        job.progress_min_interval_s,
        job.progress_max_interval_s,
        budget.quota / budget.window_s * 60 if budget.quota else None,
        extra={"shard": job.shard, "n_shards": job.n_shards},
    )
    before = len(done) + len(fresh)

    def tick(finished: int, force: bool = False) -> None:
        throttled, errors = budget.stats.throttled, len(batches.failed)
        progress.update(before + finished, tally.total(), throttled, errors, force)

    tick(0, force=True)
    try:
        retries = asyncio.run(_fetch_all(job, budget, todo, batches.add, tally.add, tick))
        sent = tally.total()
        tick(batches.fetched, force=True)
    finally:
        tally.close()
    # the shard's rows in listing order
    table = pa.concat_tables(
        [_partial_table(partial), pa.Table.from_pylist(batches.failed, schema=CARD_SCHEMA)]
    )
    if len(done) < len(earlier):
        table = table.filter(pc.is_in(table["id"], value_set=pa.array(ids, pa.string())))
    position = {model_id: i for i, model_id in enumerate(table["id"].to_pylist())}
    missing = [i for i in ids if i not in position]
    if missing or len(position) != len(ids):
        raise PhylohubError(f"shard {job.shard}: {len(missing)} models without a card row")
    errors = batches.failed
    if len(errors) > job.max_error_share * max(1, len(ids)):
        raise PhylohubError(
            f"shard {job.shard}: {len(errors)} cards failed after retries (first: "
            f"{errors[0]['id']}: {errors[0]['message']}); rerun to fetch only those"
        )
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(table.take(pa.array([position[i] for i in ids], type=pa.int64())), tmp)
    tmp.replace(out)
    counts = table["status"].value_counts().to_pylist()
    stats.statuses = {c["values"]: c["counts"] for c in sorted(counts, key=lambda c: c["values"])}
    encodings = pc.value_counts(table["encoding"].drop_null()).to_pylist()
    found = {c["values"]: c["counts"] for c in encodings}
    stats.encodings = {e: found.get(e, 0) for e in CARD_ENCODINGS}
    stats.requests = sent  # by every run of the shard, rows kept or not
    stats.reused = pc.sum(table["reused"].cast(pa.int64())).as_py() or 0
    stats.bootstrap = (
        pc.sum(pc.equal(table["source"], CARD_SOURCES[2]).cast(pa.int64())).as_py() or 0
    )
    stats.retries = retries
    stats.throttled = budget.stats.throttled
    stats.seconds = time.monotonic() - start
    stats.previous = [str(p) for p in previous or []]
    out.with_suffix(".stats.json").write_text(json.dumps(stats.__dict__, indent=1) + "\n")
    shutil.rmtree(partial, ignore_errors=True)
    return stats
