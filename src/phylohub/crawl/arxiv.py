"""arXiv subject categories of the papers that models cite, from the arXiv API.

For a snapshot (``hub.duckdb``): the distinct ``arxiv:`` ids of its models
(``traits.arxiv``), each with the number of listed models citing it and how many of those
have an auto-generated card. Each id ends in exactly one row of
:data:`ARXIV_SCHEMA`:

* an id that is no arXiv identifier (``1234.1234``, ``cs.CL``) is ``malformed`` and never
  sent: arXiv fails a whole query over one malformed id;
* an id in the persistent cache (``ok`` or ``not_found`` earlier, from the same endpoint)
  is taken from it, no request;
* the rest are asked in batches, ``GET {endpoint}/api/query?id_list=a,b,...&
  max_results=n`` (the API's default ``max_results`` is 10, so it is always given),
  paced to one request every ``delay_s`` seconds (arXiv's terms: one every 3 s), with a
  User-Agent. An entry answers the id it names (``http://arxiv.org/abs/{id}v{n}``; a
  version in the asked id must match, a bare id takes any); an id without an entry is
  ``not_found``. 5xx, 408, 429, timeouts, dropped connections and bodies that are not
  whole XML are retried with backoff (``Retry-After`` honoured); an id still without an
  answer is ``error`` and is asked again by the next run. A first request that cannot
  connect at all (connection refused, host not found) is not retried: nothing has
  answered at the endpoint, the job fails at once naming it. An answer that is arXiv's
  error feed (``Error`` entry, ``incorrect id format for X``) marks X ``malformed`` and
  the rest of the batch is asked again.

Atom is parsed with the standard library's ``xml.etree.ElementTree`` and explicit
namespaces: no dependency for three fixed namespaces and a handful of elements, and a
strict parser, so a truncated body is an error to retry rather than a silently shorter
feed (feedparser, the lenient alternative, would accept it). Python's bundled expat
(>= 2.4.1) refuses entity-expansion bombs and ElementTree never fetches external
entities.

The cache is a SQLite file shared by snapshots (``arxiv.cache``), keyed by endpoint and
id, so the replica's synthetic papers never answer for the real arXiv. Each batch is
committed as it arrives: a killed job keeps what it fetched.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import duckdb
import httpx2
import pyarrow as pa
import pyarrow.parquet as pq

from phylohub import __version__
from phylohub.crawl.arxiv_ids import split_version, well_formed
from phylohub.crawl.ratelimit import RateBudget
from phylohub.errors import PhylohubError

log = logging.getLogger(__name__)

NS: Final = {
    "atom": "http://www.w3.org/2005/Atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
STATUSES: Final = ("ok", "not_found", "malformed", "error")
RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
USER_AGENT: Final = f"phylohub/{__version__} (arXiv categories of Hugging Face model cards)"

ARXIV_SCHEMA: Final = pa.schema(
    [
        pa.field("arxiv_id", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("primary_category", pa.string()),
        pa.field("categories", pa.list_(pa.string())),
        pa.field("published", pa.string()),
        pa.field("version", pa.int32()),
        pa.field("n_models", pa.int64(), nullable=False),
        pa.field("n_auto_generated", pa.int64(), nullable=False),
        pa.field("template", pa.bool_(), nullable=False),
        pa.field("message", pa.string()),
    ]
)

_CACHE_DDL: Final = """
CREATE TABLE IF NOT EXISTS papers (
    endpoint TEXT NOT NULL,
    arxiv_id TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT,
    primary_category TEXT,
    categories TEXT,
    published TEXT,
    version INTEGER,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (endpoint, arxiv_id)
)
"""

_CITED_SQL: Final = """
SELECT a AS arxiv_id, count(*) AS n_models,
       count(*) FILTER (WHERE c.auto_generated) AS n_auto_generated
FROM (SELECT id, unnest(arxiv) AS a FROM traits) t
LEFT JOIN cards c USING (id)
GROUP BY a ORDER BY a
"""


@dataclass(frozen=True)
class ArxivJob:
    """How to ask the arXiv API (see ``arxiv`` in the config)."""

    endpoint: str = "https://export.arxiv.org"
    batch_size: int = 100  # ids per query (arXiv asks for a few hundred at most)
    delay_s: float = 3.0  # seconds between request starts (arXiv's terms: 3)
    max_attempts: int = 5
    backoff_s: float = 3.0  # waits backoff_s * 1, 2, 4, ... between attempts
    timeout_s: float = 60.0
    template_share: float = 0.9  # a paper cited mostly from auto-generated cards ...
    template_min_models: int = 50  # ... by at least this many models is a template artefact
    max_error_share: float = 0.01  # more ids than this in error fails the job

    def __post_init__(self) -> None:
        if not re.match(r"^https?://", self.endpoint):
            raise PhylohubError(f"arxiv.endpoint must be an http(s) URL, not {self.endpoint!r}")
        if not 1 <= self.batch_size <= 2000:
            raise PhylohubError(f"arxiv.batch_size must be 1 to 2000, not {self.batch_size}")
        if self.delay_s < 0:
            raise PhylohubError(f"arxiv.delay_s must be >= 0, not {self.delay_s}")


@dataclass
class ArxivStats:
    """Crawl health, written beside the table."""

    ids: int = 0
    cache_hits: int = 0
    requested: int = 0
    requests: int = 0
    batches: int = 0
    retries: int = 0
    throttled: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    endpoint: str = ""
    batch_size: int = 0
    delay_s: float = 0.0


@dataclass(frozen=True)
class Paper:
    """One answered id: ok (with metadata) or not_found."""

    arxiv_id: str
    status: str
    title: str | None = None
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    published: str | None = None
    version: int | None = None


class ArxivQueryError(Exception):
    """The API's error feed: which id it rejected (or None)."""

    def __init__(self, message: str, bad_id: str | None) -> None:
        super().__init__(message)
        self.bad_id = bad_id


# --------------------------------------------------------------------------- inputs


def cited_ids(hub_duckdb: Path) -> list[tuple[str, int, int]]:
    """(arxiv_id, models citing it, of those with an auto-generated card), by id."""
    if not Path(hub_duckdb).is_file():
        raise PhylohubError(f"no snapshot at {hub_duckdb}: run build_snapshot first")
    try:
        with duckdb.connect(str(hub_duckdb), read_only=True) as con:
            rows = con.execute(_CITED_SQL).fetchall()
    except duckdb.Error as exc:
        raise PhylohubError(f"{hub_duckdb} has no traits/cards tables ({exc})") from exc
    return [(str(a), int(n), int(auto)) for a, n, auto in rows]


# --------------------------------------------------------------------------- parsing


def parse_feed(body: bytes) -> tuple[int, list[Paper]]:
    """``totalResults`` and the entries of one answer (status ok, ids without version).

    Raises :class:`ArxivQueryError` for arXiv's error feed and ``ET.ParseError`` for a
    body that is not whole XML.
    """
    root = ET.fromstring(body)
    total_text = root.findtext("opensearch:totalResults", default="", namespaces=NS)
    papers = []
    for entry in root.findall("atom:entry", NS):
        url = (entry.findtext("atom:id", default="", namespaces=NS) or "").strip()
        if "/api/errors" in url:
            message = entry.findtext("atom:summary", default="", namespaces=NS).strip()
            m = re.match(r"incorrect id format for (.+)$", message)
            raise ArxivQueryError(message or url, m.group(1).strip() if m else None)
        versioned = url.split("/abs/", 1)[-1]
        base, version = split_version(versioned)
        primary = entry.find("arxiv:primary_category", NS)
        cats = tuple(
            str(c.get("term")) for c in entry.findall("atom:category", NS) if c.get("term")
        )
        title = " ".join((entry.findtext("atom:title", default="", namespaces=NS)).split())
        if not title and not cats:  # the legacy API's empty entry for an unknown id
            continue
        papers.append(
            Paper(
                arxiv_id=base,
                status="ok",
                title=title,
                primary_category=primary.get("term") if primary is not None else None,
                categories=cats,
                published=entry.findtext("atom:published", default=None, namespaces=NS),
                version=version,
            )
        )
    total = int(total_text) if total_text.strip().isdigit() else len(papers)
    return total, papers


# --------------------------------------------------------------------------- the cache


class ArxivCache:
    """Answers (ok, not_found) kept across snapshots, keyed by endpoint and id."""

    def __init__(self, path: Path, endpoint: str) -> None:
        self.path = Path(path)
        self.endpoint = endpoint.rstrip("/")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, timeout=60)
            self.conn.execute(_CACHE_DDL)
        except sqlite3.DatabaseError as exc:
            raise PhylohubError(f"{self.path} is not an arXiv cache ({exc}); remove it") from exc

    def get(self, ids: Sequence[str]) -> dict[str, Paper]:
        found: dict[str, Paper] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                "SELECT arxiv_id, status, title, primary_category, categories, published, "
                f"version FROM papers WHERE endpoint = ? AND arxiv_id IN ({marks})",
                [self.endpoint, *chunk],
            ):
                found[row[0]] = Paper(
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    tuple(json.loads(row[4] or "[]")),
                    row[5],
                    row[6],
                )
        return found

    def put(self, papers: Iterable[Paper]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO papers VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        self.endpoint,
                        p.arxiv_id,
                        p.status,
                        p.title,
                        p.primary_category,
                        json.dumps(list(p.categories)),
                        p.published,
                        p.version,
                        now,
                    )
                    for p in papers
                    if p.status in ("ok", "not_found")
                ],
            )

    def close(self) -> None:
        self.conn.close()


# --------------------------------------------------------------------------- the client


class ArxivClient:
    """Batched, paced, retrying queries of ``/api/query?id_list=...``."""

    def __init__(self, job: ArxivJob, stats: ArxivStats) -> None:
        self.job = job
        self.stats = stats
        self.url = job.endpoint.rstrip("/") + "/api/query"
        self.budget = RateBudget(1, job.delay_s, fill=1.0) if job.delay_s > 0 else RateBudget(None)
        self.client = httpx2.Client(
            timeout=job.timeout_s, headers={"User-Agent": USER_AGENT}, follow_redirects=True
        )
        self.answered = False  # has anything answered at the endpoint yet

    def close(self) -> None:
        self.client.close()

    def fetch(self, ids: Sequence[str]) -> tuple[list[Paper], dict[str, str]]:
        """Answers for ``ids`` (ok / not_found / malformed), and the ids left in error
        with their message."""
        answers: list[Paper] = []
        errors: dict[str, str] = {}
        pending = list(ids)
        while pending:
            batch, pending = pending[: self.job.batch_size], pending[self.job.batch_size :]
            self.stats.batches += 1
            try:
                papers = self._query(batch)
            except ArxivQueryError as exc:
                if exc.bad_id is not None and exc.bad_id in batch:
                    log.warning("arXiv rejected %r: %s; asking the rest again", exc.bad_id, exc)
                    answers.append(Paper(exc.bad_id, "malformed"))
                    pending = [x for x in batch if x != exc.bad_id] + pending
                else:
                    errors.update(dict.fromkeys(batch, f"arXiv error feed: {exc}"))
                continue
            except _GaveUpError as exc:
                log.warning("batch of %d ids failed: %s", len(batch), exc)
                errors.update(dict.fromkeys(batch, str(exc)))
                continue
            answers.extend(_match(batch, papers))
            log.info(
                "batch %d: %d ids, %d found; %d requests so far",
                self.stats.batches,
                len(batch),
                len(papers),
                self.stats.requests,
            )
        return answers, errors

    def _query(self, batch: Sequence[str]) -> list[Paper]:
        """Every entry for ``batch`` (following ``start`` if the API pages)."""
        papers: list[Paper] = []
        while True:
            total, page = self._get(batch, start=len(papers))
            papers.extend(page)
            if not page or len(papers) >= total:
                return papers

    def _get(self, batch: Sequence[str], start: int) -> tuple[int, list[Paper]]:
        params = {"id_list": ",".join(batch), "start": str(start), "max_results": str(len(batch))}
        last = ""
        for attempt in range(1, self.job.max_attempts + 1):
            if attempt > 1:
                self.stats.retries += 1
            self.budget.acquire()
            self.stats.requests += 1
            wait = self.job.backoff_s * min(8.0, 2.0 ** (attempt - 1))
            try:
                r = self.client.get(self.url, params=params)
                self.answered = True
                if r.status_code == 200:
                    return parse_feed(r.content)
                last = f"HTTP {r.status_code}: {r.text[:200].strip()}"
                if r.status_code not in RETRY_STATUSES:
                    raise _GaveUpError(last)
                if r.status_code in (429, 503) and r.headers.get("retry-after", "").isdigit():
                    self.stats.throttled += 1
                    wait = max(wait, float(r.headers["retry-after"]))
            except (httpx2.TransportError, ET.ParseError) as exc:  # timeouts, drops, cut bodies
                if isinstance(exc, httpx2.ConnectError) and not self.answered:
                    raise PhylohubError(  # the first request: a wrong endpoint, not a drop
                        f"nothing answers at {self.job.endpoint} ({exc}): "
                        "check arxiv.endpoint in the config"
                    ) from exc
                last = f"{type(exc).__name__}: {exc}"
            if attempt < self.job.max_attempts:
                log.info("attempt %d failed (%s); retrying in %.1f s", attempt, last, wait)
                time.sleep(wait)
        raise _GaveUpError(f"gave up after {self.job.max_attempts} attempts ({last})")


class _GaveUpError(Exception):
    pass


def _match(batch: Sequence[str], papers: Sequence[Paper]) -> list[Paper]:
    """One answer per asked id: its entry (same id; same version if it asked one)."""
    by_base: dict[str, list[Paper]] = {}
    for p in papers:
        by_base.setdefault(p.arxiv_id, []).append(p)
    out = []
    for asked in batch:
        base, version = split_version(asked)
        hits = [p for p in by_base.get(base, []) if version is None or p.version == version]
        if hits:
            p = hits[0]
            out.append(
                Paper(
                    asked, "ok", p.title, p.primary_category, p.categories, p.published, p.version
                )
            )
        else:
            out.append(Paper(asked, "not_found"))
    return out


# --------------------------------------------------------------------------- the stage


def fetch_arxiv(
    hub_duckdb: Path, out_parquet: Path, out_stats: Path, cache_path: Path, job: ArxivJob
) -> ArxivStats:
    """Write one row per cited arXiv id of the snapshot (:data:`ARXIV_SCHEMA`) and stats."""
    t0 = time.monotonic()
    cited = cited_ids(hub_duckdb)
    stats = ArxivStats(
        ids=len(cited), endpoint=job.endpoint, batch_size=job.batch_size, delay_s=job.delay_s
    )
    ids = [a for a, _, _ in cited]
    good = [a for a in ids if well_formed(a)]
    cache = ArxivCache(cache_path, job.endpoint)
    try:
        known = cache.get(good)
        stats.cache_hits = len(known)
        todo = [a for a in good if a not in known]
        stats.requested = len(todo)
        log.info(
            "%d cited ids: %d malformed, %d cached, %d to ask %s",
            len(ids),
            len(ids) - len(good),
            len(known),
            len(todo),
            job.endpoint,
        )
        client = ArxivClient(job, stats)
        try:
            fresh: dict[str, Paper] = {}
            errors: dict[str, str] = {}
            for start in range(0, len(todo), job.batch_size * 10):  # commit as it goes
                answers, failed = client.fetch(todo[start : start + job.batch_size * 10])
                cache.put(answers)
                fresh.update((p.arxiv_id, p) for p in answers)
                errors.update(failed)
        finally:
            client.close()
    finally:
        cache.close()

    rows = []
    for arxiv_id, n_models, n_auto in cited:
        paper = known.get(arxiv_id) or fresh.get(arxiv_id)
        if not well_formed(arxiv_id):
            paper = Paper(arxiv_id, "malformed")
        message = errors.get(arxiv_id)
        if paper is None:
            paper = Paper(arxiv_id, "error")
            message = message or "no answer"
        rows.append(
            {
                **asdict(paper),
                "categories": list(paper.categories) if paper.status == "ok" else None,
                "n_models": n_models,
                "n_auto_generated": n_auto,
                "template": n_auto >= max(1, job.template_min_models)
                and n_auto >= job.template_share * n_models,
                "message": message,
            }
        )
    stats.statuses = {s: sum(r["status"] == s for r in rows) for s in STATUSES}
    stats.seconds = round(time.monotonic() - t0, 3)
    table = pa.Table.from_pylist(rows, schema=ARXIV_SCHEMA)
    _write(table, stats, out_parquet, out_stats)
    errors_n = stats.statuses["error"]
    if errors_n and errors_n > job.max_error_share * max(1, len(good)):
        raise PhylohubError(
            f"{errors_n} of {len(good)} arXiv ids failed at {job.endpoint} "
            f"(e.g. {rows[[r['status'] for r in rows].index('error')]['message']}); "
            "check arxiv.endpoint and rerun (answers so far are cached)"
        )
    log.info("arXiv: %s in %.1f s, %d requests", stats.statuses, stats.seconds, stats.requests)
    return stats


def _write(table: pa.Table, stats: ArxivStats, out_parquet: Path, out_stats: Path) -> None:
    out_parquet.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_parquet.with_suffix(".tmp")
    pq.write_table(table, tmp)
    tmp.replace(out_parquet)
    out_stats.write_text(json.dumps(asdict(stats), indent=1, sort_keys=True) + "\n")
