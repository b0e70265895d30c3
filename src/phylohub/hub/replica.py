"""The replica hub: an HTTP server that answers like the Hugging Face Hub, from a store.

The real ``huggingface_hub`` client, pointed at the replica (``HfApi(endpoint=...)``,
``hf_hub_download(endpoint=...)`` or ``HF_ENDPOINT``), cannot tell it from the Hub for the
requests a crawl makes: the model listing (``GET /api/models``, keyset-paginated with
``Link`` headers), model info (``GET /api/models/{id}[/revision/{rev}]``) and model cards
(``HEAD``/``GET /{id}/resolve/{rev}/README.md``, redirected to ``/api/resolve-cache/...``).
It also reproduces what makes a crawl hard: fixed-window rate limits answered with real
429s and ``RateLimit`` headers, and injectable faults (5xx answers, slow answers, dropped
connections, truncated bodies).

Design
------
* **One handler, no router.** A low-level :class:`aiohttp.web.Server` calls one coroutine
  that classifies the raw path (listing, info, resolve, resolve-cache, control) and then
  runs the same pipeline for every request: count it, draw faults (slow, drop, 5xx), take
  a token from the rate-limit window, answer, maybe truncate the answer, add the common
  headers (``RateLimit``, ``RateLimit-Policy``, ``X-Request-Id``).
* **Pages are index walks.** The listing order is "sort field descending, ties by ``_id``
  ascending"; the store has one index ``(private, col DESC, _id)`` per sort field. The
  cursor is URL-safe base64 of the same keyset query the Hub uses
  (``{"$or":[{"likes":294,"_id":{"$gt":"..."}},{"likes":{"$lt":294}}]}``) and a page after
  a cursor is two index range scans (the rest of the tie group, then everything below the
  value), never an ``OFFSET``. One row more than the page is fetched to know whether a
  ``Link: <...>; rel="next"`` is due, so the last page never links to an empty one.
  Filters (``search``, ``author``, ``filter``, ``pipeline_tag``) are extra ``WHERE`` terms:
  they may scan, which is fine.
* **JSON is assembled by SQLite.** The store keeps every JSON column as the exact JSON
  text the API returns, so an entry is one SQL string expression that splices those texts
  between ``json_quote``-d scalars (keys without a value are left out, not null). Each
  row comes back as one ``bytes`` value (``CAST ... AS BLOB``: no decoding, no
  re-encoding) and a page body is ``b"[" + b",".join(rows) + b"]"``. No ``json.loads`` or
  ``json.dumps`` runs per model.
* **Cards** are rendered from their recipe with :func:`phylohub.hub.cards.card_bytes`
  (UTF-8 unless the recipe names another encoding: a card may start with a byte order
  mark or hold bytes that are not UTF-8, served as they are), and kept in a small LRU
  cache with their git blob sha1 (the ``ETag``), because ``hf_hub_download`` asks three
  times for one card (HEAD, HEAD, GET).
* **Threads.** The server runs on one asyncio loop; by default the (fast, indexed) store
  queries run on the loop thread itself, which measured faster than a pool of two
  threads on loopback (155 vs 115 pages/s with four concurrent walkers; SQLite releases
  the GIL but the JSON splicing and HTTP work do not). ``ReplicaConfig.query_threads``
  moves them to a pool. Connections are read-only and memory-mapped (``mmap_size``),
  which makes a page walk 20-40% cheaper.
  :func:`run_replica` runs the loop in a background thread (tests, benchmarks, a CLI that
  runs a command while serving); :func:`serve` runs it in the foreground.
* **Counters** by request kind and status, 429s and injected faults are served at
  ``GET /_replica/stats`` (and :meth:`RunningReplica.stats`) and cleared by
  ``POST /_replica/reset-stats``. The control paths are never rate limited or faulted.

With ``ReplicaConfig.cdn_share`` it stands in for the Hub's CDN too: that share of the
``/resolve/`` requests for a README (chosen by model id) is answered with a 302 to a
signed URL on a second origin it serves (another port), ``/repos/{id}/{commit}/{file}``
with a ``Signature``, as the Hub sends LFS files to its CDN host. The CDN answers
without a token (the signature grants access), is not rate limited, and counts the
requests that arrive with an ``Authorization`` header (``cdn_with_authorization``).

It also serves the arXiv API (``GET /api/query?id_list=...``, Atom feeds built by
:mod:`phylohub.hub.arxiv_api` from the store's papers) so that the arXiv client can be
pointed at it: its own ``arxiv`` rate-limit bucket and fault kind; over its quota it
answers as arXiv does, 503 ``Rate exceeded.`` with ``Retry-After``, and its answers carry
none of the Hub's ``RateLimit`` headers.

What the replica leaves out: every file other than ``README.md`` answers 404
``EntryNotFound`` (the store holds no other file contents); ``inference``, ``widgetData``,
``transformersInfo``, ``model-index``, ``gguf`` and the other properties the store has no
value for are accepted in ``expand`` and left out of the answers, as the Hub leaves out a
key without a value; ``spaces`` is always ``[]``; ``blobs=true`` (file sizes) is ignored;
``GET /api/agent-harnesses`` answers the empty registry ``{"standardEnvVars": [],
"harnesses": {}}`` (an empty list would break huggingface_hub 2.4.0's agent detection,
which calls ``.get`` on the answer). Tokens only matter for gated repositories.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import hashlib
import hmac
import json
import logging
import math
import random
import secrets
import signal
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import quote, unquote

from aiohttp import web

from phylohub.errors import PhylohubError
from phylohub.hub.arxiv_api import ATOM_CONTENT_TYPE, answer_query
from phylohub.hub.cards import card_bytes
from phylohub.hub.store import SORT_COLUMNS, Store

__all__ = [
    "FAULT_KINDS",
    "HUB_RATE_LIMITS",
    "Fault",
    "Faults",
    "RateLimits",
    "RatePolicy",
    "ReplicaConfig",
    "ReplicaServer",
    "RunningReplica",
    "config_from_args",
    "run_replica",
    "serve",
    "serve_from_args",
]

_T = TypeVar("_T")
_log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------

#: Path kinds a fault can be limited to.
FAULT_KINDS: Final = frozenset({"listing", "info", "resolve", "arxiv", "other"})


@dataclass(frozen=True)
class RatePolicy:
    """One fixed-window rate limit: at most ``quota`` requests per ``window_s`` seconds.

    Parameters
    ----------
    quota
        Requests allowed per window and client IP; ``None`` means unlimited (the headers
        then advertise a quota of one billion).
    window_s
        Window length in seconds (may be fractional for tests; advertised rounded up).
    """

    quota: int | None = None
    window_s: float = 300.0

    def __post_init__(self) -> None:
        if self.quota is not None and self.quota < 1:
            raise PhylohubError(f"rate-limit quota must be at least 1, not {self.quota}")
        if self.window_s <= 0:
            raise PhylohubError(f"rate-limit window must be positive, not {self.window_s}")


@dataclass(frozen=True)
class RateLimits:
    """The two buckets of the Hub: ``api`` (``/api/*``) and ``resolvers`` (file URLs),
    and the arXiv API's own (``/api/query``).

    ``/api/resolve-cache/...`` serves files, so it counts as ``resolvers``.

    Examples
    --------
    >>> RateLimits.hub_plan("free").api
    RatePolicy(quota=1000, window_s=300.0)
    """

    api: RatePolicy = field(default_factory=RatePolicy)
    resolvers: RatePolicy = field(default_factory=RatePolicy)
    arxiv: RatePolicy = field(default_factory=RatePolicy)

    @classmethod
    def hub_plan(cls, plan: str = "anonymous") -> RateLimits:
        """The Hub's published limits for a plan (see :data:`HUB_RATE_LIMITS`)."""
        try:
            api, resolvers = HUB_RATE_LIMITS[plan]
        except KeyError:
            known = ", ".join(HUB_RATE_LIMITS)
            raise PhylohubError(f"unknown Hub plan {plan!r} (known: {known})") from None
        return cls(RatePolicy(api, 300.0), RatePolicy(resolvers, 300.0))


#: Requests per 5-minute window on the Hub (API, resolvers), hub-docs, September 2025.
HUB_RATE_LIMITS: Final[dict[str, tuple[int, int]]] = {
    "anonymous": (500, 3_000),
    "free": (1_000, 5_000),
    "pro": (2_500, 12_000),
    "team": (3_000, 20_000),
    "enterprise": (6_000, 50_000),
}


@dataclass(frozen=True)
class Fault:
    """When one kind of fault strikes.

    Parameters
    ----------
    rate
        Probability that an eligible request gets the fault.
    kinds
        Path kinds it may strike: ``listing``, ``info``, ``resolve`` (file and
        resolve-cache URLs), ``arxiv`` (the arXiv API), ``other``.
    skip
        Let this many eligible requests through first (e.g. ``skip=1`` spares page 1).
    max_count
        Inject at most this many times (``None``: no limit).

    Examples
    --------
    >>> Fault(1.0, frozenset({"listing"}), skip=1, max_count=1)  # only page 2, once
    Fault(rate=1.0, kinds=frozenset({'listing'}), skip=1, max_count=1)
    """

    rate: float = 0.0
    kinds: frozenset[str] = FAULT_KINDS
    skip: int = 0
    max_count: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise PhylohubError(f"fault rate must be between 0 and 1, not {self.rate}")
        unknown = set(self.kinds) - FAULT_KINDS
        if unknown:
            raise PhylohubError(
                f"unknown fault kinds {sorted(unknown)} (known: {sorted(FAULT_KINDS)})"
            )


@dataclass(frozen=True)
class Faults:
    """Injected faults; deterministic for a given seed and request order.

    Parameters
    ----------
    error
        Answer a 5xx (one of ``error_statuses``, drawn at random) instead of serving.
    slow
        Wait ``slow_s`` seconds before answering (combines with the others).
    drop
        Close the connection without answering.
    truncate
        Announce the full ``Content-Length``, send half the body, close the connection
        (only answers with a body of at least 2 bytes are eligible).
    error_statuses
        Statuses an ``error`` fault answers with.
    slow_s
        Delay of a ``slow`` fault.
    seed
        Seed of the fault draws.
    """

    error: Fault = field(default_factory=Fault)
    slow: Fault = field(default_factory=Fault)
    drop: Fault = field(default_factory=Fault)
    truncate: Fault = field(default_factory=Fault)
    error_statuses: tuple[int, ...] = (500, 502, 503)
    slow_s: float = 2.0
    seed: int = 0


@dataclass(frozen=True)
class ReplicaConfig:
    """Everything the replica server needs.

    Parameters
    ----------
    store
        The store file (see :mod:`phylohub.hub.store`).
    host, port
        Where to listen; port 0 picks a free port.
    page_size
        Listing page size when the request has no ``limit`` (the Hub pages at 1000).
    max_limit
        Largest ``limit`` honoured (larger ones are capped).
    rate_limits
        Fixed-window limits per bucket (default: unlimited).
    faults
        Injected faults (default: none).
    tokens
        Tokens (``Authorization: Bearer <token>``) granted access to gated repositories.
    resolve_redirect
        Answer ``/resolve/`` with a 307 to ``/api/resolve-cache/...`` as the Hub does
        (False: answer 200 with the file at once).
    cdn_share
        Share of the READMEs (by model id) whose ``/resolve/`` answers with a 302 to the
        CDN stand-in, a second origin on ``cdn_port`` (0: no CDN).
    cdn_port
        Where the CDN stand-in listens (0: any free port).
    query_threads
        0 runs store queries on the event-loop thread; n > 0 uses a pool of n threads.
    card_cache_size
        Rendered cards kept in memory.
    """

    store: Path
    host: str = "127.0.0.1"
    port: int = 0
    page_size: int = 1000
    max_limit: int = 1000
    rate_limits: RateLimits = field(default_factory=RateLimits)
    faults: Faults = field(default_factory=Faults)
    tokens: frozenset[str] = frozenset()
    resolve_redirect: bool = True
    cdn_share: float = 0.0
    cdn_port: int = 0
    query_threads: int = 0
    card_cache_size: int = 4096

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= self.max_limit:
            raise PhylohubError(
                f"page_size must be between 1 and max_limit ({self.max_limit}), "
                f"not {self.page_size}"
            )
        if not 0 <= self.port <= 65535:
            raise PhylohubError(f"port must be between 0 and 65535, not {self.port}")
        if not 0 <= self.cdn_port <= 65535:
            raise PhylohubError(f"cdn_port must be between 0 and 65535, not {self.cdn_port}")
        if not 0.0 <= self.cdn_share <= 1.0:
            raise PhylohubError(f"cdn_share must be between 0 and 1, not {self.cdn_share}")


# --------------------------------------------------------------------------------------
# Entry assembly (SQL fragments)
# --------------------------------------------------------------------------------------


def _str(key: str, col: str) -> str:
    return f"',\"{key}\":' || json_quote({col})"


def _num(key: str, col: str) -> str:
    return f"',\"{key}\":' || {col}"


def _json(key: str, col: str) -> str:
    return f"',\"{key}\":' || {col}"


def _opt_str(key: str, col: str) -> str:
    return f"CASE WHEN {col} IS NULL THEN '' ELSE ',\"{key}\":' || json_quote({col}) END"


def _opt_json(key: str, col: str) -> str:
    return f"CASE WHEN {col} IS NULL THEN '' ELSE ',\"{key}\":' || {col} END"


def _bool(key: str, col: str) -> str:
    return f"',\"{key}\":' || CASE WHEN {col} THEN 'true' ELSE 'false' END"


# ``siblings`` holds a JSON array of names; the API wants [{"rfilename": name}, ...].
# Fast path: a compact array with no escapes (no backslash, hence no quote inside a name)
# is rewritten by string replacement; anything else goes through json_each.
_SIBLINGS = (
    "',\"siblings\":' || CASE"
    " WHEN siblings = '[]' THEN '[]'"
    " WHEN instr(siblings, '\\') = 0 AND instr(siblings, '\" ') = 0"
    " AND substr(siblings, 1, 2) = '[\"'"
    " THEN '[{\"rfilename\":' || replace(substr(siblings, 2, length(siblings) - 2),"
    " '\",\"', '\"},{\"rfilename\":\"') || '}]'"
    " ELSE (SELECT '[' || group_concat('{\"rfilename\":' || json_quote(value) || '}', ',')"
    " || ']' FROM json_each(models.siblings)) END"
)

#: SQL fragment for each API property: ``''`` or ``,"key":<json>``.
_FRAGMENTS: Final[dict[str, str]] = {
    "author": _str("author", "author"),
    "baseModels": _opt_json("baseModels", "base_models"),
    "cardData": _opt_json("cardData", "card_data"),
    "childrenModelCount": _num("childrenModelCount", "children_count"),
    "config": _opt_json("config", "config"),
    "createdAt": _str("createdAt", "created_at"),
    "disabled": _bool("disabled", "disabled"),
    "downloads": _num("downloads", "downloads"),
    "downloadsAllTime": _num("downloadsAllTime", "downloads_all_time"),
    "gated": "',\"gated\":' || CASE WHEN gated IS NULL THEN 'false' ELSE json_quote(gated) END",
    "lastModified": _str("lastModified", "last_modified"),
    "library_name": _opt_str("library_name", "library_name"),
    "likes": _num("likes", "likes"),
    "modelId": _str("modelId", "id"),
    "pipeline_tag": _opt_str("pipeline_tag", "pipeline_tag"),
    "private": _bool("private", "private"),
    "safetensors": _opt_json("safetensors", "safetensors"),
    "sha": _str("sha", "sha"),
    "siblings": _SIBLINGS,
    "spaces": "',\"spaces\":[]'",
    "tags": _json("tags", "tags"),
    "trendingScore": _num("trendingScore", "trending_score"),
    "usedStorage": _num("usedStorage", "used_storage"),
}

#: Properties ``expand`` accepts (huggingface_hub's ExpandModelProperty_T); those without a
#: fragment have no value in the store and are left out of the answer.
EXPAND_PROPERTIES: Final = frozenset(
    {
        *_FRAGMENTS,
        "evalResults",
        "gguf",
        "inference",
        "inferenceProviderMapping",
        "mask_token",
        "model-index",
        "resourceGroup",
        "transformersInfo",
        "widgetData",
    }
)
EXPAND_PROPERTIES_NO_MODEL_ID: Final = EXPAND_PROPERTIES - {"modelId"}

_LIST_DEFAULT: Final = (
    "likes",
    "trendingScore",
    "private",
    "downloads",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
    "modelId",
)
_LIST_FULL: Final = ("author", "gated", "lastModified", "sha", "siblings")
_INFO_DEFAULT: Final = (
    "private",
    "pipeline_tag",
    "library_name",
    "tags",
    "downloads",
    "likes",
    "modelId",
    "author",
    "sha",
    "lastModified",
    "gated",
    "disabled",
    "config",
    "cardData",
    "siblings",
    "spaces",
    "createdAt",
    "safetensors",
    "usedStorage",
)


def _entry_sql(props: Sequence[str]) -> str:
    """The SQL expression (a BLOB) of one entry holding ``_id``, ``id`` and ``props``."""
    parts = ["'{\"_id\":' || json_quote(_id) || ',\"id\":' || json_quote(id)"]
    parts += [_FRAGMENTS[p] for p in props if p in _FRAGMENTS]
    return "CAST(" + " || ".join(parts) + " || '}' AS BLOB)"


# --------------------------------------------------------------------------------------
# Cursors
# --------------------------------------------------------------------------------------

_NUMERIC_SORTS: Final = frozenset({"downloads", "likes", "trendingScore"})
_SORT_ALIASES: Final = {
    "created_at": "createdAt",
    "last_modified": "lastModified",
    "trending_score": "trendingScore",
}


class _BadRequestError(Exception):
    """A request the replica answers with 400 (message = the error)."""


def encode_cursor(sort: str, value: int | str, object_id: str) -> str:
    """The opaque cursor after a row: URL-safe base64 of the Hub's keyset query.

    Examples
    --------
    >>> c = encode_cursor("likes", 294, "621ffdc1")
    >>> decode_cursor(c, "likes")
    (294, '621ffdc1')
    >>> base64.urlsafe_b64decode(c + "==")[:40]
    b'{"$or":[{"likes":294,"_id":{"$gt":"621ff'
    """
    keyset = {"$or": [{sort: value, "_id": {"$gt": object_id}}, {sort: {"$lt": value}}]}
    raw = json.dumps(keyset, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[int | str, str]:
    """The (sort value, ``_id``) a cursor continues after; raises ``_BadRequestError``."""
    try:
        text = cursor.strip().replace("+", "-").replace("/", "_")
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        first = json.loads(raw)["$or"][0]
        value, object_id = first[sort], first["_id"]["$gt"]
    except (binascii.Error, ValueError, KeyError, IndexError, TypeError) as exc:
        raise _BadRequestError(f"Invalid cursor for sort {sort!r}") from exc
    numeric = sort in _NUMERIC_SORTS
    ok_value = (
        isinstance(value, int) and not isinstance(value, bool)
        if numeric
        else isinstance(value, str)
    )
    if not ok_value or not isinstance(object_id, str):
        raise _BadRequestError(f"Invalid cursor for sort {sort!r}")
    return value, object_id


# --------------------------------------------------------------------------------------
# Listing queries
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Listing:
    """A parsed ``GET /api/models``."""

    sort: str
    props: tuple[str, ...]
    limit: int
    after: tuple[int | str, str] | None
    search: str | None
    author: str | None
    tags: tuple[str, ...]
    pipeline_tag: str | None


def _truthy(value: str) -> bool:
    return value.strip().lower() not in {"false", "0", "no"}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _simple_tag(tag: str) -> bool:
    """Whether a tag appears verbatim in JSON text (printable ASCII, no quote/backslash)."""
    return tag.isascii() and tag.isprintable() and '"' not in tag and "\\" not in tag


def _listing_where(q: _Listing) -> tuple[str, list[Any]]:
    where = ["private = 0"]
    args: list[Any] = []
    if q.author is not None:
        where.append("author = ?")
        args.append(q.author)
    if q.pipeline_tag is not None:
        where.append("pipeline_tag = ?")
        args.append(q.pipeline_tag)
    if q.search:
        where.append("id LIKE ? ESCAPE '\\'")
        args.append(f"%{_like_escape(q.search)}%")
    for tag in q.tags:
        if _simple_tag(tag):
            where.append("instr(tags, ?) > 0")
            args.append(f'"{tag}"')
        where.append("EXISTS (SELECT 1 FROM json_each(models.tags) WHERE value = ?)")
        args.append(tag)
    return " AND ".join(where), args


def _listing_sql(q: _Listing) -> tuple[str, str, str, list[Any]]:
    """SQL of the first page, of the rest of a tie group, and of the rows below a value."""
    col = SORT_COLUMNS[q.sort]
    where, args = _listing_where(q)
    head = f"SELECT {_entry_sql(q.props)}, {col}, _id FROM models WHERE {where}"
    order = f"ORDER BY {col} DESC, _id LIMIT ?"
    return (
        f"{head} {order}",
        f"{head} AND {col} = ? AND _id > ? {order}",
        f"{head} AND {col} < ? {order}",
        args,
    )


# --------------------------------------------------------------------------------------
# Rate limits, faults, counters
# --------------------------------------------------------------------------------------

_UNLIMITED_QUOTA: Final = 1_000_000_000
_MMAP_BYTES: Final = 1 << 40  # SQLite caps it at its compile-time maximum


class _Window:
    """A fixed window of one bucket for one client."""

    __slots__ = ("quota", "start", "used", "window")

    def __init__(self, policy: RatePolicy) -> None:
        self.quota = policy.quota if policy.quota is not None else _UNLIMITED_QUOTA
        self.window = policy.window_s
        self.start = -math.inf
        self.used = 0

    def hit(self, now: float) -> tuple[bool, int, int]:
        """Take one request: (allowed, remaining, seconds to reset)."""
        if now >= self.start + self.window:
            self.start, self.used = now, 0
        reset = max(1, math.ceil(self.start + self.window - now))
        if self.used >= self.quota:
            return False, 0, reset
        self.used += 1
        return True, self.quota - self.used, reset

    def peek(self, now: float) -> tuple[int, int]:
        """(remaining, seconds to reset) without taking a request."""
        if now >= self.start + self.window:
            return self.quota, max(1, math.ceil(self.window))
        return self.quota - self.used, max(1, math.ceil(self.start + self.window - now))


class _RateLimiter:
    def __init__(self, limits: RateLimits) -> None:
        self.policies = {"api": limits.api, "resolvers": limits.resolvers, "arxiv": limits.arxiv}
        self.policy_headers = {
            name: (
                f'"fixed window";"{name}";'
                f"q={p.quota if p.quota is not None else _UNLIMITED_QUOTA};"
                f"w={math.ceil(p.window_s)}"
            )
            for name, p in self.policies.items()
        }
        self.windows: dict[tuple[str, str], _Window] = {}

    def _window(self, bucket: str, client: str) -> _Window:
        window = self.windows.get((bucket, client))
        if window is None:
            window = self.windows[bucket, client] = _Window(self.policies[bucket])
        return window

    def hit(self, bucket: str, client: str) -> tuple[bool, int, int]:
        """Take one request from the client's window: (allowed, remaining, reset)."""
        return self._window(bucket, client).hit(time.monotonic())

    def peek(self, bucket: str, client: str) -> tuple[int, int]:
        """(remaining, reset) of the client's window without taking a request."""
        return self._window(bucket, client).peek(time.monotonic())


class _FaultDraw:
    """The state of one fault: how many eligible requests it saw and struck."""

    __slots__ = ("fault", "injected", "matched", "rng")

    def __init__(self, fault: Fault, seed: int) -> None:
        self.fault = fault
        self.rng = random.Random(seed)
        self.matched = 0
        self.injected = 0

    def strikes(self, kind: str) -> bool:
        f = self.fault
        if f.rate <= 0.0 or kind not in f.kinds:
            return False
        self.matched += 1
        if self.matched <= f.skip or (f.max_count is not None and self.injected >= f.max_count):
            return False
        if f.rate < 1.0 and self.rng.random() >= f.rate:
            return False
        self.injected += 1
        return True


class _Stats:
    """Counters; written on the loop thread, read from any thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.started = time.time()
            self.requests = 0
            self.by_kind: dict[str, dict[str, int]] = {}
            self.rate_limited = {"api": 0, "resolvers": 0, "arxiv": 0}
            self.faults = {"error": 0, "slow": 0, "drop": 0, "truncate": 0}
            self.cdn_with_authorization = 0

    def count(self, kind: str, status: str) -> None:
        with self.lock:
            self.requests += 1
            statuses = self.by_kind.setdefault(kind, {})
            statuses[status] = statuses.get(status, 0) + 1

    def fault(self, name: str) -> None:
        with self.lock:
            self.faults[name] += 1

    def cdn_authorization(self) -> None:
        with self.lock:
            self.cdn_with_authorization += 1

    def limited(self, bucket: str) -> None:
        with self.lock:
            self.rate_limited[bucket] += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "since": self.started,
                "requests": self.requests,
                "by_kind": {k: dict(v) for k, v in self.by_kind.items()},
                "rate_limited": dict(self.rate_limited),
                "faults": dict(self.faults),
                "cdn_with_authorization": self.cdn_with_authorization,
            }


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------

_JSON: Final = "application/json; charset=utf-8"
_TEXT: Final = "text/plain; charset=utf-8"
_DISABLED_MESSAGE: Final = "Access to this resource is disabled."
_EMPTY_HARNESS_REGISTRY: Final = b'{"standardEnvVars":[],"harnesses":{}}'
_FILE_ROW_SQL: Final = (
    "SELECT private, gated, disabled, sha, siblings, card, card_data FROM models WHERE id = ?"
)


@dataclass(frozen=True)
class _Route:
    kind: str  # stats kind
    model_id: str = ""
    revision: str | None = None
    filename: str = ""


@dataclass(frozen=True)
class _Card:
    body: bytes
    etag: str


def _git_blob_sha1(data: bytes) -> str:
    """The git blob id of ``data`` (what the Hub sends as a text file's ETag).

    >>> _git_blob_sha1(b"")
    'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    """
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _header_safe(text: str) -> str:
    r"""``text`` as a single-line ASCII header value (user input can appear in messages).

    >>> _header_safe("rev\r\nX: \u00fcn")
    'rev  X: \\xfcn'
    """
    flat = "".join(c if c.isprintable() else " " for c in text)
    return flat.encode("ascii", "backslashreplace").decode("ascii")


def _split_path(raw_path: str) -> list[str]:
    return [unquote(s) for s in raw_path.split("/")[1:]]


def _classify(method: str, raw_path: str) -> _Route:
    """What a request asks for, from its method and raw (still %-encoded) path."""
    segs = _split_path(raw_path)
    if segs and segs[0] == "_replica":
        return _Route("control", filename="/".join(segs[1:]))
    if segs and segs[0] == "api":
        if segs[1:] == ["models"] and method == "GET":
            return _Route("listing")
        if len(segs) >= 3 and segs[1] == "models" and method == "GET":
            rest = segs[2:]
            if len(rest) in (1, 2) and all(rest):
                return _Route("info", "/".join(rest))
            if len(rest) in (3, 4) and rest[-2] == "revision" and all(rest):
                return _Route("info", "/".join(rest[:-2]), rest[-1])
            return _Route("other")
        if segs[1:3] == ["resolve-cache", "models"] and method in ("GET", "HEAD"):
            # /api/resolve-cache/models/{ns}/{name}/{commit}/{file...}, or {name}/{commit}/...
            # for a legacy id without namespace (the commit is always a full sha)
            rest = segs[3:]
            kind = "resolve_cache_head" if method == "HEAD" else "resolve_cache_get"
            if len(rest) >= 3 and all(rest[:2]) and _is_sha(rest[1]) and not _is_sha(rest[2]):
                return _Route(kind, rest[0], rest[1], "/".join(rest[2:]))
            if len(rest) >= 4 and all(rest[:3]):
                return _Route(kind, "/".join(rest[:2]), rest[2], "/".join(rest[3:]))
        if segs[1:] == ["query"] and method == "GET":
            return _Route("arxiv_query")
        if segs[1:] == ["agent-harnesses"] and method == "GET":
            return _Route("harnesses")
        return _Route("other")
    if method in ("GET", "HEAD") and "resolve" in segs:
        at = segs.index("resolve")
        if at in (1, 2) and all(segs[:at]) and len(segs) >= at + 3:
            kind = "resolve_head" if method == "HEAD" else "resolve_get"
            return _Route(kind, "/".join(segs[:at]), segs[at + 1], "/".join(segs[at + 2 :]))
    return _Route("other")


def _is_sha(text: str) -> bool:
    """Whether ``text`` is a full commit sha (40 lower-case hex digits)."""
    return len(text) == 40 and all(c in "0123456789abcdef" for c in text)


def _classify_cdn(method: str, raw_path: str) -> _Route:
    """A request to the CDN stand-in: ``/repos/{id, %-encoded}/{commit}/{file...}``."""
    segs = _split_path(raw_path)
    if method in ("GET", "HEAD") and len(segs) >= 4 and segs[0] == "repos" and all(segs[1:3]):
        kind = "cdn_head" if method == "HEAD" else "cdn_get"
        return _Route(kind, segs[1], segs[2], "/".join(segs[3:]))
    return _Route("other")


_FAULT_KIND: Final = {
    "listing": "listing",
    "info": "info",
    "resolve_head": "resolve",
    "resolve_get": "resolve",
    "resolve_cache_head": "resolve",
    "resolve_cache_get": "resolve",
    "cdn_head": "resolve",
    "cdn_get": "resolve",
    "arxiv_query": "arxiv",
}


class ReplicaServer:
    """The replica hub on one asyncio loop; see the module docstring.

    Use :func:`run_replica` or :func:`serve` rather than this class directly.
    """

    def __init__(self, config: ReplicaConfig) -> None:
        self.config = config
        self.store = Store(config.store)
        self.stats = _Stats()
        self._limiter = _RateLimiter(config.rate_limits)
        faults = config.faults
        self._faults = {
            name: _FaultDraw(getattr(faults, name), faults.seed * 7919 + i)
            for i, name in enumerate(("slow", "drop", "error", "truncate"))
        }
        self._error_rng = random.Random(faults.seed)
        self._cards: OrderedDict[tuple[str, str], _Card] = OrderedDict()
        self._cards_lock = threading.Lock()
        self._sql_cache: dict[Any, tuple[str, str, str, list[Any]]] = {}
        self._entry_cache: dict[tuple[str, ...], str] = {}
        self._pool = (
            ThreadPoolExecutor(config.query_threads, thread_name_prefix="replica-query")
            if config.query_threads > 0
            else None
        )
        self._request_ids = iter(range(1, 1 << 62))
        self._rid_prefix = f"Root=1-{int(time.time()):08x}-{random.getrandbits(32):08x}"
        self._runner: web.ServerRunner | None = None
        self._cdn_runner: web.ServerRunner | None = None
        self._cdn_key = secrets.token_bytes(16)
        self._tuned = threading.local()
        self.port = config.port
        self.cdn_port = config.cdn_port

    # -- lifecycle -------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The base URL clients use (``http://HOST:PORT``)."""
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"http://{host}:{self.port}"

    @property
    def cdn_endpoint(self) -> str | None:
        """The base URL of the CDN stand-in (None without one)."""
        if self._cdn_runner is None:
            return None
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"http://{host}:{self.cdn_port}"

    async def start(self) -> None:
        """Listen on the configured host and port (port 0: a free one), and on the CDN
        stand-in's port when it has one."""
        self._runner, self.port = await self._listen(self._handle, self.config.port)
        if self.config.cdn_share > 0:
            try:
                self._cdn_runner, self.cdn_port = await self._listen(
                    functools.partial(self._handle, cdn=True), self.config.cdn_port
                )
            except PhylohubError:
                await self.stop()
                raise

    async def _listen(
        self, handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]], port: int
    ) -> tuple[web.ServerRunner, int]:
        server = web.Server(handler, access_log=None)
        runner = web.ServerRunner(server, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, port, backlog=1024)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise PhylohubError(
                f"the replica cannot listen on {self.config.host}:{port} ({exc}); "
                "pick another port (0 = any free port)"
            ) from exc
        for address in runner.addresses:
            if isinstance(address, tuple):
                return runner, int(address[1])
        return runner, port

    async def stop(self) -> None:
        """Close the listening socket and every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._cdn_runner is not None:
            await self._cdn_runner.cleanup()
            self._cdn_runner = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the pipeline ----------------------------------------------------------------

    async def _handle(self, request: web.BaseRequest, cdn: bool = False) -> web.StreamResponse:
        raw_path = request.raw_path.split("?", 1)[0]
        route = (_classify_cdn if cdn else _classify)(request.method, raw_path)
        if route.kind == "control":
            return self._control(request, route.filename)
        if cdn and "Authorization" in request.headers:
            self.stats.cdn_authorization()
        rid = f"{self._rid_prefix}{next(self._request_ids):012x}"
        fault_kind = _FAULT_KIND.get(route.kind, "other")
        faults = self._faults

        if faults["slow"].strikes(fault_kind):
            self.stats.fault("slow")
            await asyncio.sleep(self.config.faults.slow_s)
        if faults["drop"].strikes(fault_kind):
            self.stats.fault("drop")
            self.stats.count(route.kind, "dropped")
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)

        bucket = {"resolve": "resolvers", "arxiv": "arxiv"}.get(fault_kind, "api")
        client = request.remote or "-"
        headers = {"X-Request-Id": rid, "RateLimit-Policy": self._limiter.policy_headers[bucket]}
        if faults["error"].strikes(fault_kind):
            self.stats.fault("error")
            remaining, reset = self._limiter.peek(bucket, client)
            headers["RateLimit"] = f'"{bucket}";r={remaining};t={reset}'
            status = self._error_rng.choice(self.config.faults.error_statuses)
            response = self._error(status, "Internal Error - We're working hard to fix this")
        elif cdn:  # files from signed URLs, outside the Hub's rate limits
            response = await self._cdn(request, route)
        else:
            allowed, remaining, reset = self._limiter.hit(bucket, client)
            headers["RateLimit"] = f'"{bucket}";r={remaining};t={reset}'
            if not allowed:
                self.stats.limited(bucket)
                response = self._error(
                    429,
                    f"You have exceeded our '{bucket}' rate limit. Retry in {reset} seconds.",
                )
                headers["Retry-After"] = str(reset)
                if bucket == "arxiv":  # arXiv's throttle: a bare 503
                    response = web.Response(status=503, body=b"Rate exceeded.\n")
                    response.content_type = "text/plain"
            else:
                try:
                    response = await self._answer(request, route)
                except _BadRequestError as exc:
                    response = self._error(400, str(exc))
                except Exception as exc:  # a bad store row must not kill the connection
                    _log.exception("replica failed on %s %s", request.method, request.path)
                    response = self._error(500, f"Internal Error ({type(exc).__name__})")
        if bucket == "arxiv" or cdn:  # arXiv and the CDN send none of the Hub's headers
            headers = {k: v for k, v in headers.items() if k == "Retry-After"}
        response.headers.update(headers)
        self.stats.count(route.kind, str(response.status))

        if request.method != "HEAD" and isinstance(response, web.Response):
            body = response.body
            if (
                isinstance(body, bytes)
                and len(body) >= 2
                and faults["truncate"].strikes(fault_kind)
            ):
                self.stats.fault("truncate")
                return await self._truncated(request, response, body)
        return response

    async def _truncated(
        self, request: web.BaseRequest, response: web.Response, body: bytes
    ) -> web.StreamResponse:
        """Send the headers and half of ``body``, then close the connection."""
        stream = web.StreamResponse(status=response.status, headers=response.headers)
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(body[: len(body) // 2])
        if request.transport is not None:
            request.transport.close()
        return stream

    async def _answer(self, request: web.BaseRequest, route: _Route) -> web.Response:
        kind = route.kind
        if kind == "listing":
            return await self._listing(request)
        if kind == "info":
            return await self._info(request, route)
        if kind.startswith("resolve"):
            return await self._file(request, route)
        if kind == "harnesses":
            return web.Response(body=_EMPTY_HARNESS_REGISTRY, headers={"Content-Type": _JSON})
        if kind == "arxiv_query":
            query = {k: request.query.get(k, "") for k in request.query}
            feed = await self._run(answer_query, self.store, query)
            return web.Response(
                status=feed.status, body=feed.body, headers={"Content-Type": ATOM_CONTENT_TYPE}
            )
        return self._error(404, "Sorry, we can't find the page you are looking for.")

    def _cursor(self) -> sqlite3.Cursor:
        """A cursor on this thread's read-only connection, rows as plain tuples."""
        conn = self.store.conn
        if not getattr(self._tuned, "done", False):
            # Memory-mapped reads: a page walk costs 20-40% less than through read().
            conn.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
            self._tuned.done = True
        cur = conn.cursor()
        cur.row_factory = None
        return cur

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        if self._pool is None:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    # -- answers ---------------------------------------------------------------------

    @staticmethod
    def _error(
        status: int, message: str, code: str | None = None, extra: dict[str, str] | None = None
    ) -> web.Response:
        headers = {"Content-Type": _JSON, "X-Error-Message": _header_safe(message)}
        if code is not None:
            headers["X-Error-Code"] = code
        if extra:
            headers.update(extra)
        body = json.dumps({"error": message}).encode()
        return web.Response(status=status, body=body, headers=headers)

    def _control(self, request: web.BaseRequest, what: str) -> web.Response:
        if what == "stats" and request.method == "GET":
            body = json.dumps(self.stats.snapshot()).encode()
        elif what == "reset-stats" and request.method == "POST":
            self.stats.reset()
            body = b'{"ok":true}'
        else:
            return self._error(404, f"no replica control endpoint {request.method} {what!r}")
        return web.Response(body=body, headers={"Content-Type": _JSON})

    def _expand(self, request: web.BaseRequest) -> list[str]:
        values = [*request.query.getall("expand", []), *request.query.getall("expand[]", [])]
        unknown = [v for v in values if v not in EXPAND_PROPERTIES_NO_MODEL_ID]
        if unknown:
            raise _BadRequestError(
                f'"expand" must be one of {sorted(EXPAND_PROPERTIES_NO_MODEL_ID)}, '
                f"not {unknown[0]!r}"
            )
        return list(dict.fromkeys(values))

    def _parse_listing(self, request: web.BaseRequest) -> _Listing:
        query = request.query
        sort = query.get("sort", "trendingScore")
        sort = _SORT_ALIASES.get(sort, sort)
        if sort not in SORT_COLUMNS:
            raise _BadRequestError(f'"sort" must be one of {sorted(SORT_COLUMNS)}, not {sort!r}')
        direction = query.get("direction", "-1")
        if direction != "-1":
            raise _BadRequestError('"direction" must be -1 (descending)')
        limit_text = query.get("limit")
        if limit_text is None:
            limit = self.config.page_size
        else:
            try:
                limit = int(limit_text)
            except ValueError:
                raise _BadRequestError(f'"limit" must be an integer, not {limit_text!r}') from None
            limit = max(1, min(limit, self.config.max_limit))
        expand = self._expand(request)
        full = _truthy(query.get("full", "false"))
        card = _truthy(query.get("cardData", "false"))
        config = _truthy(query.get("config", "false"))
        if expand and (full or card or config):
            raise _BadRequestError(
                '"expand" cannot be combined with "full", "cardData" or "config"'
            )
        if expand:
            props: tuple[str, ...] = tuple(expand)
        else:
            props = (
                _LIST_DEFAULT
                + (_LIST_FULL if full else ())
                + (("cardData",) if card else ())
                + (("config",) if config else ())
            )
        cursor = query.get("cursor")
        tags = [*query.getall("filter", []), *query.getall("filter[]", [])]
        return _Listing(
            sort=sort,
            props=props,
            limit=limit,
            after=decode_cursor(cursor, sort) if cursor else None,
            search=query.get("search") or None,
            author=query.get("author") or None,
            tags=tuple(t for t in tags if t),
            pipeline_tag=query.get("pipeline_tag") or None,
        )

    def _page(self, q: _Listing) -> tuple[list[bytes], tuple[Any, str] | None]:
        """One page of entries and the keyset after its last row (None: last page)."""
        shape = (
            q.sort,
            q.props,
            q.search is not None,
            q.author is not None,
            q.pipeline_tag is not None,
            tuple(_simple_tag(t) for t in q.tags),
        )
        sql = self._sql_cache.get(shape)
        if sql is None:
            sql = self._sql_cache[shape] = _listing_sql(q)
        first, ties, below, _ = sql
        _, args = _listing_where(q)
        cur = self._cursor()
        want = q.limit + 1
        if q.after is None:
            rows = cur.execute(first, (*args, want)).fetchall()
        else:
            value, object_id = q.after
            rows = cur.execute(ties, (*args, value, object_id, want)).fetchall()
            if len(rows) < want:
                rows += cur.execute(below, (*args, value, want - len(rows))).fetchall()
        more = len(rows) > q.limit
        rows = rows[: q.limit]
        after = (rows[-1][1], rows[-1][2]) if more and rows else None
        return [r[0] for r in rows], after

    async def _listing(self, request: web.BaseRequest) -> web.Response:
        q = self._parse_listing(request)
        entries, after = await self._run(self._page, q)
        headers = {"Content-Type": _JSON}
        if after is not None:
            cursor = encode_cursor(q.sort, after[0], after[1])
            raw_query = request.rel_url.raw_query_string
            kept = [
                part
                for part in raw_query.split("&")
                if part and unquote(part.split("=", 1)[0]) != "cursor"
            ]
            kept.append(f"cursor={cursor}")
            url = f"{request.scheme}://{request.host}{request.rel_url.raw_path}?{'&'.join(kept)}"
            headers["Link"] = f'<{url}>; rel="next"'
        return web.Response(body=b"[" + b",".join(entries) + b"]", headers=headers)

    def _info_row(self, model_id: str, props: tuple[str, ...]) -> tuple[int, str, bytes] | None:
        sql = self._entry_cache.get(props)
        if sql is None:
            sql = self._entry_cache[props] = (
                f"SELECT private, sha, {_entry_sql(props)} FROM models WHERE id = ?"
            )
        cur = self._cursor()
        row: tuple[int, str, bytes] | None = cur.execute(sql, (model_id,)).fetchone()
        return row

    async def _info(self, request: web.BaseRequest, route: _Route) -> web.Response:
        expand = self._expand(request)
        props = tuple(expand) if expand else _INFO_DEFAULT
        row = await self._run(self._info_row, route.model_id, props)
        if row is None or row[0]:
            return self._repo_not_found()
        if route.revision is not None and route.revision not in ("main", row[1]):
            return self._revision_not_found(route.revision)
        return web.Response(body=row[2], headers={"Content-Type": _JSON})

    @classmethod
    def _repo_not_found(cls) -> web.Response:
        return cls._error(401, "Repository Not Found", "RepoNotFound")

    @classmethod
    def _revision_not_found(cls, revision: str, sha: str | None = None) -> web.Response:
        extra = {"X-Repo-Commit": sha} if sha else None
        return cls._error(404, f"Invalid rev id: {revision}", "RevisionNotFound", extra)

    def _file_row(self, model_id: str) -> tuple[Any, ...] | None:
        cur = self._cursor()
        row: tuple[Any, ...] | None = cur.execute(_FILE_ROW_SQL, (model_id,)).fetchone()
        return row

    def _card(self, model_id: str, sha: str, recipe: str, card_data: str | None) -> _Card:
        """The rendered card and its ETag, from a small LRU cache."""
        key = (model_id, sha)
        with self._cards_lock:
            card = self._cards.get(key)
            if card is not None:
                self._cards.move_to_end(key)
                return card
        front = json.loads(card_data) if card_data else None
        body = card_bytes(json.loads(recipe), front)
        card = _Card(body, _git_blob_sha1(body))
        with self._cards_lock:
            self._cards[key] = card
            while len(self._cards) > self.config.card_cache_size:
                self._cards.popitem(last=False)
        return card

    def _authorized(self, request: web.BaseRequest) -> bool | None:
        """None: no token; else whether the bearer token is an accepted one."""
        auth = request.headers.get("Authorization")
        if not auth:
            return None
        scheme, _, token = auth.partition(" ")
        return scheme.lower() == "bearer" and token.strip() in self.config.tokens

    def _cdn_signature(self, model_id: str, sha: str, filename: str) -> str:
        """The signature of a CDN URL (it grants access: the CDN asks for no token)."""
        message = f"{model_id}\n{sha}\n{filename}".encode()
        return hmac.new(self._cdn_key, message, hashlib.sha256).hexdigest()

    def _to_cdn(self, model_id: str) -> bool:
        """Whether the model's files are sent to the CDN stand-in (``cdn_share`` of ids)."""
        if self._cdn_runner is None:
            return False
        draw = int.from_bytes(hashlib.sha256(model_id.encode()).digest()[:8], "big")
        return draw / 2**64 < self.config.cdn_share

    async def _cdn(self, request: web.BaseRequest, route: _Route) -> web.Response:
        """The CDN stand-in: a file at a URL signed by :meth:`_file`'s redirect."""
        if route.kind not in ("cdn_get", "cdn_head"):
            return self._error(404, "Not Found")
        expected = self._cdn_signature(route.model_id, route.revision or "", route.filename)
        if not hmac.compare_digest(request.query.get("Signature", ""), expected):
            return self._error(403, "Invalid signature")
        return await self._file(request, route, cdn=True)

    async def _file(
        self, request: web.BaseRequest, route: _Route, cdn: bool = False
    ) -> web.Response:
        row = await self._run(self._file_row, route.model_id)
        if row is None or row[0]:
            return self._repo_not_found()
        _, gated, disabled, sha, siblings, recipe, card_data = row
        if disabled:
            return self._error(403, _DISABLED_MESSAGE)
        if gated is not None and not cdn:  # a CDN URL was signed after the check
            access = self._authorized(request)
            if access is not True:
                status = 401 if access is None else 403
                message = (
                    f"Access to model {route.model_id} is restricted. You must have access "
                    "to it and be authenticated to access it. Please log in."
                    if access is None
                    else f"Access to model {route.model_id} is restricted and you are not "
                    "in the authorized list."
                )
                return self._error(status, message, "GatedRepo")
        cache = route.kind.startswith("resolve_cache") or cdn
        if route.revision not in ((sha,) if cache else ("main", sha)):
            return self._revision_not_found(route.revision or "", sha if not cache else None)
        commit = {"X-Repo-Commit": sha}
        if (
            route.filename != "README.md"
            or recipe is None
            or "README.md" not in json.loads(siblings)
        ):
            return self._error(404, "Entry not found", "EntryNotFound", commit)
        card = await self._run(self._card, route.model_id, sha, recipe, card_data)
        if not cache and self._to_cdn(route.model_id):  # as the Hub sends LFS files to its CDN
            signature = self._cdn_signature(route.model_id, sha, route.filename)
            location = (
                f"{self.cdn_endpoint}/repos/{quote(route.model_id, safe='')}/{sha}/"
                f"{quote(route.filename)}?Signature={signature}"
            )
            return web.Response(
                status=302,
                headers={
                    **commit,
                    "Location": location,
                    "X-Linked-Etag": f'"{card.etag}"',
                    "X-Linked-Size": str(len(card.body)),
                    "Content-Type": _TEXT,
                },
            )
        if self.config.resolve_redirect and not cache:
            location = (
                f"/api/resolve-cache/models/{quote(route.model_id)}/{sha}/README.md"
                f"?{quote('/' + route.model_id + '/resolve/' + (route.revision or ''), safe='')}"
                f"%2FREADME.md=&etag=%22{card.etag}%22"
            )
            return web.Response(
                status=307,
                headers={
                    **commit,
                    "Location": location,
                    "X-Linked-Etag": f'"{card.etag}"',
                    "Content-Type": _TEXT,
                },
            )
        headers = {
            **commit,
            "ETag": f'"{card.etag}"',
            "Content-Type": _TEXT,
            "Accept-Ranges": "bytes",
        }
        body = card.body
        status = 200
        ranged = _parse_range(request.headers.get("Range"), len(body))
        if ranged == _UNSATISFIABLE:
            headers["Content-Range"] = f"bytes */{len(body)}"
            return self._error(416, "Requested range not satisfiable", extra=headers)
        if ranged is not None:
            start, end = ranged
            headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
            body = body[start : end + 1]
            status = 206
        return web.Response(status=status, body=body, headers=headers)


_UNSATISFIABLE: Final = (-1, -1)


def _parse_range(value: str | None, size: int) -> tuple[int, int] | None:
    """A single ``bytes=a-b`` range as inclusive (start, end); None to ignore it.

    An unsatisfiable range is ``_UNSATISFIABLE``.

    >>> _parse_range("bytes=5-", 10), _parse_range("bytes=-3", 10), _parse_range("bytes=20-", 10)
    ((5, 9), (7, 9), (-1, -1))
    """
    if not value or not value.strip().startswith("bytes=") or "," in value:
        return None
    first, _, last = value.strip()[6:].partition("-")
    try:
        if first.strip() == "":
            n = int(last)
            return (max(0, size - n), size - 1) if n > 0 and size > 0 else _UNSATISFIABLE
        start = int(first)
        end = int(last) if last.strip() else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        return _UNSATISFIABLE
    return start, min(end, size - 1)


# --------------------------------------------------------------------------------------
# Running it
# --------------------------------------------------------------------------------------


class RunningReplica:
    """A replica serving in a background thread (see :func:`run_replica`)."""

    def __init__(self, server: ReplicaServer) -> None:
        self._server = server

    @property
    def endpoint(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123``."""
        return self._server.endpoint

    @property
    def port(self) -> int:
        """The port listened on."""
        return self._server.port

    @property
    def cdn_endpoint(self) -> str | None:
        """Base URL of the CDN stand-in (another port), None without one (``cdn_share``)."""
        return self._server.cdn_endpoint

    @property
    def config(self) -> ReplicaConfig:
        """The configuration served."""
        return self._server.config

    def stats(self) -> dict[str, Any]:
        """The counters, as ``GET /_replica/stats`` answers them.

        Keys: ``requests`` (all but control requests), ``by_kind`` (kind -> status ->
        count; kinds ``listing``, ``info``, ``resolve_head``, ``resolve_get``,
        ``resolve_cache_head``, ``resolve_cache_get``, ``harnesses``, ``arxiv_query``,
        ``other``; a dropped
        connection has status ``dropped``), ``rate_limited`` (bucket -> 429s),
        ``faults`` (``error``/``slow``/``drop``/``truncate`` -> injections), ``since``,
        ``cdn_with_authorization`` (requests to the CDN stand-in that carried an
        ``Authorization`` header; its requests are the kinds ``cdn_get`` and ``cdn_head``).
        """
        return self._server.stats.snapshot()

    def reset_stats(self) -> None:
        """Zero every counter."""
        self._server.stats.reset()


@contextlib.contextmanager
def run_replica(config: ReplicaConfig) -> Iterator[RunningReplica]:
    """Serve ``config`` in a background thread for the duration of a ``with`` block.

    Examples
    --------
    >>> with run_replica(ReplicaConfig(store=path)) as hub:  # doctest: +SKIP
    ...     HfApi(endpoint=hub.endpoint, token=False).model_info("org/model")
    """
    server = ReplicaServer(config)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(server.stop())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=main, name="phylohub-replica", daemon=True)
    thread.start()
    ready.wait()
    if failure:
        thread.join()
        raise failure[0]
    try:
        yield RunningReplica(server)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)


def serve(config: ReplicaConfig, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve ``config`` in the foreground until SIGINT or SIGTERM.

    Parameters
    ----------
    config
        What to serve.
    on_ready
        Called with the endpoint URL once the server listens (e.g. to print it).
    """

    async def main() -> None:
        server = ReplicaServer(config)
        await server.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        try:
            if on_ready is not None:
                on_ready(server.endpoint)
            await stop.wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


def config_from_args(
    store: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    page_size: int = 1000,
    plan: str | None = None,
    api_quota: int | None = None,
    resolver_quota: int | None = None,
    arxiv_quota: int | None = None,
    window_s: float = 300.0,
    tokens: Iterable[str] = (),
    error_rate: float = 0.0,
    slow_rate: float = 0.0,
    slow_s: float = 2.0,
    drop_rate: float = 0.0,
    truncate_rate: float = 0.0,
    fault_kinds: Iterable[str] | None = None,
    seed: int = 0,
    resolve_redirect: bool = True,
) -> ReplicaConfig:
    """A :class:`ReplicaConfig` from flat command-line style values.

    Parameters
    ----------
    store
        The store file.
    host, port
        Where to listen (port 0: any free port).
    page_size
        Listing page size when a request has no ``limit``.
    plan
        Start from the Hub's published limits for ``anonymous``, ``free``, ``pro``,
        ``team`` or ``enterprise``; None: unlimited.
    api_quota, resolver_quota
        Override the quota of the ``api`` / ``resolvers`` bucket (requests per window).
    arxiv_quota
        Quota of the arXiv API's bucket (requests per window); None: unlimited.
    window_s
        Window length of both buckets, seconds.
    tokens
        Tokens granted access to gated repositories.
    error_rate, slow_rate, drop_rate, truncate_rate
        Probability of each fault per request (see :class:`Faults`).
    slow_s
        Delay of a slow answer, seconds.
    fault_kinds
        Limit every fault to these path kinds (``listing``, ``info``, ``resolve``,
        ``other``); None: all.
    seed
        Seed of the fault draws.
    resolve_redirect
        Redirect ``/resolve/`` to ``/api/resolve-cache/`` as the Hub does.

    Examples
    --------
    >>> c = config_from_args(Path("hub.sqlite"), plan="free", window_s=60, error_rate=0.01)
    >>> c.rate_limits.api, c.faults.error.rate
    (RatePolicy(quota=1000, window_s=60), 0.01)
    """
    base = RateLimits.hub_plan(plan) if plan is not None else RateLimits()
    limits = RateLimits(
        RatePolicy(api_quota if api_quota is not None else base.api.quota, window_s),
        RatePolicy(
            resolver_quota if resolver_quota is not None else base.resolvers.quota, window_s
        ),
        RatePolicy(arxiv_quota, window_s),
    )
    kinds = frozenset(fault_kinds) if fault_kinds is not None else FAULT_KINDS
    faults = Faults(
        error=Fault(error_rate, kinds),
        slow=Fault(slow_rate, kinds),
        drop=Fault(drop_rate, kinds),
        truncate=Fault(truncate_rate, kinds),
        slow_s=slow_s,
        seed=seed,
    )
    return ReplicaConfig(
        store=Path(store),
        host=host,
        port=port,
        page_size=page_size,
        rate_limits=limits,
        faults=faults,
        tokens=frozenset(tokens),
        resolve_redirect=resolve_redirect,
    )


def serve_from_args(
    store: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    on_ready: Callable[[str], None] | None = None,
    **options: Any,
) -> None:
    """Serve in the foreground from flat values (the CLI's entry point).

    ``options`` are the keyword parameters of :func:`config_from_args` (``page_size``,
    ``plan``, ``api_quota``, ``resolver_quota``, ``arxiv_quota``, ``window_s``, ``tokens``,
    ``error_rate``, ``slow_rate``, ``slow_s``, ``drop_rate``, ``truncate_rate``,
    ``fault_kinds``, ``seed``, ``resolve_redirect``). ``on_ready`` gets the endpoint URL
    once listening. Raises :class:`~phylohub.errors.PhylohubError` for a missing store or
    a busy port.
    """
    serve(config_from_args(store, host, port, **options), on_ready=on_ready)
