"""Where a crawl stands, read from its files: ``phylohub crawl status``.

A crawl of the real Hub runs for a day, as one listing job and ``crawl.shards`` card
jobs on a workstation or a cluster. This reads what they leave on disk, running,
stopped or finished, and changes nothing:

* the listing: ``crawl/listing/manifest.json`` once finished; before, its
  ``checkpoint.json`` (models in the parts written) and ``progress.json`` (rates), and
  whether a live job holds ``crawl/listing/lock``;
* each card shard: ``{shard}.stats.json`` once finished (the crawl health's numbers);
  before, the rows of its checkpointed batches (``{shard}.partial/batch-*.parquet``:
  what a kill keeps), the requests tallied in ``{shard}.partial/requests``, the rates,
  429s and errors of its job's last ``progress.json``, and whether a live job holds
  ``{shard}.partial.lock`` (:func:`phylohub.crawl.lock.probe_lock`: a shared,
  non-blocking probe that never disturbs the job).

A shard is ``finished``, ``running`` (a live job holds its lock), ``stopped`` (it has
batches but no live job: killed, failed, or out of wall time; a rerun resumes it) or
``waiting`` (not started). Rates and times left are those of the running jobs; the
time left overall assumes as many shards keep running as now. Each shard's total comes
from the listing's parts (a shard's models are those whose id hashes to it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from phylohub.crawl.cards import shard_of
from phylohub.crawl.listing import LOCK_FILE
from phylohub.crawl.lock import LockState, probe_lock
from phylohub.crawl.previous import expected_models
from phylohub.crawl.progress import PROGRESS_FILE, format_duration, read_progress
from phylohub.errors import PhylohubError

#: The states of a job, in the order of the summary line.
STATES = ("finished", "running", "stopped", "waiting")


@dataclass(frozen=True)
class JobStatus:
    """One row of the status table: the listing, a card shard, or all cards."""

    job: str
    state: str
    done: int = 0
    total: int | None = None
    requests: int = 0
    per_min: float | None = None
    requests_per_min: float | None = None
    quota_per_min: float | None = None
    throttled: int = 0
    errors: int = 0
    note: str = ""

    @property
    def left_s(self) -> float | None:
        """Seconds left at the current rate (None: not running, or no total)."""
        if self.total is None or not self.per_min:
            return None
        return max(0, self.total - self.done) / self.per_min * 60

    @property
    def budget_share(self) -> float | None:
        """The share of its rate budget the job uses now (None: unpaced, or not running)."""
        if self.requests_per_min is None or not self.quota_per_min:
            return None
        return self.requests_per_min / self.quota_per_min


@dataclass(frozen=True)
class CrawlStatus:
    """The listing, each card shard (in order) and all cards together."""

    folder: Path
    listing: JobStatus
    shards: list[JobStatus]
    cards: JobStatus


def _running(lock: LockState, progress: dict[str, Any] | None, now: float) -> bool:
    """Whether a job runs: its lock is held; where the file system has no locks, its
    progress file was written within two of its longest intervals."""
    if lock.state == "held":
        return True
    if lock.state != "unknown" or progress is None:
        return False
    return now - float(progress["written_at"]) < 2 * float(progress["max_interval_s"])


def _live(
    row: JobStatus, lock: LockState, progress: dict[str, Any] | None, now: float
) -> JobStatus:
    """``row`` as running, with its job's rates and the holder in its note."""
    if progress is None:
        return replace(row, state="running", note=lock.holder)
    seconds = max(0.0, now - float(progress["written_at"]))
    age = f"{seconds:.0f} s" if seconds < 60 else format_duration(seconds)
    return replace(
        row,
        state="running",
        per_min=progress["per_min"],
        requests_per_min=progress["requests_per_min"],
        quota_per_min=progress["quota_per_min"],
        note=f"{lock.holder or 'lock not held'}; updated {age} ago",
    )


def listing_status(folder: Path, now: float, endpoint: str | None = None) -> JobStatus:
    """The listing's row (``done`` counts the models in the parts written; the total
    expected is the last listing of the same hub, ``endpoint``'s, any hub if None)."""
    listing = folder / "crawl" / "listing"
    manifest = listing / "manifest.json"
    if manifest.is_file():
        m = json.loads(manifest.read_text())
        return JobStatus("listing", "finished", m["models"], m["models"], m["pages"])
    expected = expected_models(folder.parent, folder.name, endpoint)
    total, note = (expected[1], f"total expected: as many as {expected[0]}") if expected else (
        None, "total unknown until done")  # fmt: skip
    checkpoint = listing / "checkpoint.json"
    state = json.loads(checkpoint.read_text()) if checkpoint.is_file() else None
    progress = read_progress(listing / PROGRESS_FILE)
    row = JobStatus(
        "listing",
        "stopped" if state or progress else "waiting",
        state["models"] if state else 0,
        total,
        progress["requests"] if progress else 0,
        note=note,
    )
    lock = probe_lock(listing / LOCK_FILE)
    if _running(lock, progress, now):
        live = _live(row, lock, progress, now)
        return replace(live, note=f"{note}; {live.note}")
    return row


def shard_totals(manifest: Path, n_shards: int) -> list[int]:
    """Models per card shard, from the listing's parts."""
    totals = [0] * n_shards
    for name in json.loads(manifest.read_text())["parts"]:
        for model_id in pq.read_table(manifest.parent / name, columns=["id"])["id"].to_pylist():
            totals[shard_of(model_id, n_shards)] += 1
    return totals


def shard_status(cards: Path, shard: int, total: int | None, now: float) -> JobStatus:
    """One card shard's row (``done``: rows of its checkpointed batches until finished)."""
    job = f"cards/{shard}"
    stats = cards / f"{shard}.stats.json"
    if stats.is_file() and (cards / f"{shard}.parquet").is_file():
        s = json.loads(stats.read_text())
        errors = int(s.get("statuses", {}).get("error", 0))
        return JobStatus(
            job, "finished", s["models"], s["models"], s["requests"], throttled=s["throttled"],
            errors=errors,
        )  # fmt: skip
    partial = cards / f"{shard}.partial"
    done = sum(pq.ParquetFile(p).metadata.num_rows for p in sorted(partial.glob("batch-*.parquet")))
    tally = partial / "requests"
    requests = tally.stat().st_size if tally.is_file() else 0
    progress = read_progress(partial / PROGRESS_FILE)
    row = JobStatus(
        job,
        "stopped" if partial.is_dir() else "waiting",
        done,
        total,
        requests,
        throttled=int(progress["throttled"]) if progress else 0,
        errors=int(progress["errors"]) if progress else 0,
    )
    lock = probe_lock(cards / f"{shard}.partial.lock")
    return _live(row, lock, progress, now) if _running(lock, progress, now) else row


def count_shards(cards: Path) -> int | None:
    """The number of card shards, as the shards' own files say (their progress files
    record it; else one more than the highest shard with a file); None before any."""
    for progress in sorted(cards.glob(f"*.partial/{PROGRESS_FILE}")):
        values = read_progress(progress)
        if values and "n_shards" in values:
            return int(values["n_shards"])
    found = _shard_numbers(cards)
    return max(found) + 1 if found else None


def _shard_numbers(cards: Path) -> set[int]:
    """The shards with a file in ``cards`` (``{shard}.parquet``, ``.stats.json``, ...)."""
    return {int(p.name.split(".")[0]) for p in cards.glob("[0-9]*.*")}


def _check_shards(shards: list[JobStatus], totals: list[int | None], n: int, cards: Path) -> None:
    """Fail when a finished shard holds other models than ``n`` shards give it
    (``totals``, from the listing): the crawl was cut in another number of shards."""
    for shard, total in zip(shards, totals, strict=True):
        if shard.state == "finished" and total is not None and shard.done != total:
            raise PhylohubError(
                f"{cards} was not crawled in {n} shards ({shard.job} holds {shard.done:,} "
                f"models, where {n} shards give it {total:,}): leave --shards out, or give "
                "the number the crawl used"
            )


def _beyond(cards: Path, n: int) -> str:
    """A note on shard files numbered ``n`` or more (left by a crawl of more shards)."""
    extra = sorted(_shard_numbers(cards) - set(range(n)))
    if not extra:
        return ""
    return f"; files of shard(s) {', '.join(map(str, extra))} beyond the {n} left aside"


def all_cards(shards: list[JobStatus]) -> JobStatus:
    """The row of all cards: sums, and the rates of the running shards."""
    running = [s for s in shards if s.state == "running"]
    states = {s.state for s in shards}
    state = next(
        (
            name
            for name, when in (
                ("finished", states == {"finished"}),
                ("running", "running" in states),
                ("stopped", "stopped" in states),
            )
            if when
        ),
        "waiting",
    )
    totals = [s.total for s in shards]

    def total_of(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    return JobStatus(
        "cards",
        state,
        sum(s.done for s in shards),
        None if None in totals or not totals else sum(t for t in totals if t is not None),
        sum(s.requests for s in shards),
        total_of([s.per_min for s in running]),
        total_of([s.requests_per_min for s in running]),
        total_of([s.quota_per_min for s in running]),
        sum(s.throttled for s in shards),
        sum(s.errors for s in shards),
        ", ".join(f"{sum(s.state == n for s in shards)} {n}" for n in STATES),
    )


def crawl_status(
    folder: Path,
    n_shards: int | None = None,
    clock: Callable[[], float] = time.time,
    endpoint: str | None = None,
) -> CrawlStatus:
    """Where the crawl of the snapshot in ``folder`` (``results/NAME``) stands.

    ``n_shards`` is ``crawl.shards``; None: as the shards' files say
    (:func:`count_shards`). ``endpoint`` is ``hub.endpoint``, the hub whose last listing
    gives the total a running listing expects; None: any hub's.
    """
    folder = Path(folder)
    if not (folder / "crawl").is_dir():
        raise PhylohubError(f"{folder} holds no crawl (no {folder / 'crawl'} folder)")
    now = clock()
    listing = listing_status(folder, now, endpoint)
    cards = folder / "crawl" / "cards"
    n = n_shards if n_shards is not None else count_shards(cards) or 0  # 0: none begun
    manifest = folder / "crawl" / "listing" / "manifest.json"
    known = manifest.is_file() and n > 0
    totals: list[int | None] = list(shard_totals(manifest, n)) if known else [None] * n
    shards = [shard_status(cards, s, totals[s], now) for s in range(n)]
    _check_shards(shards, totals, n, cards)
    every = all_cards(shards)
    return CrawlStatus(folder, listing, shards, replace(every, note=every.note + _beyond(cards, n)))


COLUMNS = (
    "job", "state", "done", "total", "%", "requests", "per min", "req/min", "budget",
    "429s", "errors", "left", "",
)  # fmt: skip


def _cells(row: JobStatus) -> list[str]:
    def number(value: float | None) -> str:
        return "-" if value is None else f"{value:,.0f}"

    share = None if not row.total else row.done / row.total
    return [
        row.job,
        row.state,
        f"{row.done:,}",
        number(row.total),
        "-" if share is None else f"{share:.1%}",
        f"{row.requests:,}",
        number(row.per_min),
        number(row.requests_per_min),
        "-" if row.budget_share is None else f"{row.budget_share:.0%}",
        f"{row.throttled:,}",
        f"{row.errors:,}",
        format_duration(row.left_s),
        row.note,
    ]


def format_status(status: CrawlStatus) -> str:
    """The status as one table (the listing, each shard, all cards) for a terminal."""
    rows = [list(COLUMNS)] + [_cells(r) for r in (status.listing, *status.shards, status.cards)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    left = {0, 1, len(COLUMNS) - 1}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [f"crawl of {status.folder} (per min: listing models, cards; budget: share of the "
           "running jobs' rate budget used)"]  # fmt: skip
    out += [line(rows[0]), *(line(r) for r in rows[1:-1]), line(rows[-1])]
    return "\n".join(out) + "\n"
