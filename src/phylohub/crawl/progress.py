"""Progress of a long crawl job: a log line a person can watch, and a file
``phylohub crawl status`` reads.

A crawl of the real Hub runs for many hours. Each job (the listing, a card shard) keeps
a :class:`Progress`: it is told the job's counts (cards or models done, requests sent,
429s, errors) as they change and says where the job stands at most every
``min_interval_s`` (when something moved) and at least every ``max_interval_s`` (when
nothing did: a job stalled on 429s says so). Each line also goes, atomically, to the
job's ``progress.json`` (``crawl/cards/{shard}.partial/progress.json``,
``crawl/listing/progress.json``), the only state of a running job that is not on disk
otherwise: its rates and its 429s and errors.

Rates are over the last ``max_interval_s`` (5 minutes by default: the Hub's rate-limit
window), so a short stall does not swing them; the time left is what remains at that
rate.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: The name of a job's progress file, in its folder.
PROGRESS_FILE = "progress.json"


def format_duration(seconds: float | None) -> str:
    """A time left, as a person reads it.

    >>> [format_duration(s) for s in (None, 20, 125, 3 * 3600 + 25 * 60, 50 * 3600)]
    ['-', '<1 min', '2 min', '3h 25m', '2d 2h']
    """
    if seconds is None:
        return "-"
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def write_progress(path: Path, values: dict[str, Any]) -> None:
    """Write a progress file atomically (a reader sees the old or the new one, whole)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(values, indent=1) + "\n")
    tmp.replace(path)


def read_progress(path: Path) -> dict[str, Any] | None:
    """A progress file's values; None when there is none (or it cannot be read)."""
    try:
        values = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return values if isinstance(values, dict) else None


@dataclass
class Progress:
    """Where one job stands; see the module.

    Parameters
    ----------
    name
        The job in a log line: ``shard 3``, ``listing``.
    unit
        What it counts: ``cards``, ``models``.
    total
        How many there are (None: not known yet).
    path
        Its progress file (None: log only).
    quota_per_min
        Requests the job may make a minute (None: unpaced), for the share of its budget.
    expected_from
        Where ``total`` comes from when it is an expectation, not a count (the listing's:
        the number of models of an earlier snapshot, named here).
    requests_word
        What a request is called in a line (``requests``; the listing's are ``pages``).
    counts_answers
        Whether the job counts its 429s and errors (the listing does not: its client,
        huggingface_hub's ``http_backoff``, waits them out unseen).
    extra
        Values written to the progress file as they are (the shard's number, ...).
    """

    name: str
    unit: str
    total: int | None
    path: Path | None = None
    min_interval_s: float = 30.0
    max_interval_s: float = 300.0
    quota_per_min: float | None = None
    expected_from: str | None = None
    requests_word: str = "requests"
    counts_answers: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    _samples: deque[tuple[float, int, int]] = field(default_factory=deque)
    _last_log: float | None = None
    _last_done: int = -1

    def update(
        self, done: int, requests: int, throttled: int = 0, errors: int = 0, force: bool = False
    ) -> dict[str, Any] | None:
        """Take the job's counts; log a line and write the progress file when one is due
        (or ``force``). Returns what was written, None when nothing was due."""
        now = self.clock()
        self._samples.append((now, done, requests))
        start = now - self.max_interval_s
        while len(self._samples) > 1 and self._samples[1][0] <= start:
            self._samples.popleft()  # the oldest kept one opens the window
        since = None if self._last_log is None else now - self._last_log
        due = (
            force
            or since is None
            or (since >= self.min_interval_s - 1e-3 and done != self._last_done)
            or since >= self.max_interval_s - 1e-3
        )
        if not due:
            return None
        self._last_log, self._last_done = now, done
        values = self.values(now, done, requests, throttled, errors)
        log.info("%s", self.line(values))
        if self.path is not None:
            write_progress(self.path, values)
        return values

    def values(
        self, now: float, done: int, requests: int, throttled: int, errors: int
    ) -> dict[str, Any]:
        """The progress file's values: counts, rates per minute over the window, the
        share of the budget used and the seconds left at the current rate."""
        t0, done0, requests0 = self._samples[0]
        window = now - t0
        per_min = (done - done0) / window * 60 if window > 0 else None
        requests_per_min = (requests - requests0) / window * 60 if window > 0 else None
        share = (
            requests_per_min / self.quota_per_min
            if requests_per_min is not None and self.quota_per_min
            else None
        )
        left = None
        if self.total is not None and per_min:
            left = max(0, self.total - done) / per_min * 60
        return {
            **self.extra,
            "job": self.name,
            "unit": self.unit,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "written_at": time.time(),
            "total": self.total,
            "done": done,
            "requests": requests,
            "throttled": throttled,
            "errors": errors,
            "window_s": window,
            "max_interval_s": self.max_interval_s,
            "per_min": per_min,
            "requests_per_min": requests_per_min,
            "quota_per_min": self.quota_per_min,
            "expected_from": self.expected_from,
            "budget_share": share,
            "left_s": left,
        }

    def line(self, v: dict[str, Any]) -> str:
        """The log line of the values ``v``."""
        word = self.requests_word
        if v["total"] is not None:
            share = v["done"] / v["total"] if v["total"] else 1.0
            about = "~" if self.expected_from else ""
            head = f"{v['done']:,} of {about}{v['total']:,} {self.unit} ({share:.1%}"
            head += f", as many as {self.expected_from} had)" if self.expected_from else ")"
        else:
            head = f"{v['done']:,} {self.unit}"
        head += f", {v['requests']:,} {word}"
        if v["per_min"] is None:
            rate = "no rate yet"
        else:
            rate = (
                f"{v['per_min']:,.0f} {self.unit}/min, {v['requests_per_min']:,.0f} {word}/min "
                f"over the last {v['window_s'] / 60:.1f} min"
            )
            if v["budget_share"] is not None:
                rate += f" ({v['budget_share']:.0%} of its budget of {v['quota_per_min']:,.0f}/min)"
        answers = (
            f"{v['throttled']:,} 429s and {v['errors']:,} errors so far; "
            if self.counts_answers
            else ""
        )
        return f"{self.name}: {head}; {rate}; {answers}{format_duration(v['left_s'])} left"
