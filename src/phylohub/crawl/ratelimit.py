"""A client-side rate budget shared by the concurrent requests of one crawl job.

The Hub limits each client to a quota of requests per fixed window (hub-api.md). A crawl
that fires as fast as it can burns the quota early in each window and then collects 429s;
one that paces itself evenly at just under the quota never sees a 429 and still uses
nearly all of it. :class:`RateBudget` paces: every request first takes the next free slot
(slots are ``window / (quota * fill)`` apart, shared by all threads or tasks of the job), and
every answer is fed back with :meth:`RateBudget.observe`, which reads the server's
``RateLimit`` header (with huggingface_hub's own parser) and ``Retry-After``: a 429, or a
window announced as spent (``r=0``), blocks every thread or task until the announced reset.

A global budget is split between the shard jobs that run at once, so together they stay
within it (see ``crawl.rate_limit`` in the config).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from huggingface_hub.utils import parse_ratelimit_headers


@dataclass
class BudgetStats:
    """What the budget saw: requests granted, 429s, seconds spent waiting."""

    granted: int = 0
    throttled: int = 0
    blocked_s: float = 0.0


class RateBudget:
    """Pace requests to ``quota`` per ``window_s`` seconds (``quota=None``: no pacing).

    Parameters
    ----------
    quota
        Requests this job may make per window.
    window_s
        Window length, seconds.
    fill
        Share of the quota to aim at; below 1 leaves room for clock skew between client
        and server windows.

    Examples
    --------
    >>> b = RateBudget(quota=600, window_s=60, fill=1.0)
    >>> b.interval
    0.1
    >>> start = time.monotonic(); _ = [b.acquire() for _ in range(3)]
    >>> 0.19 < time.monotonic() - start < 0.5
    True
    """

    def __init__(self, quota: int | None, window_s: float = 300.0, fill: float = 0.97) -> None:
        self.quota = quota
        self.window_s = window_s
        self.interval = window_s / (quota * fill) if quota else 0.0
        self.stats = BudgetStats()
        self._lock = threading.Lock()
        self._next = time.monotonic()
        self._blocked_until = 0.0

    def _reserve(self) -> float:
        """Take the next free slot; returns the seconds until it comes."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next, self._blocked_until)
            self._next = slot + self.interval
            self.stats.granted += 1
        return slot - now

    def acquire(self) -> None:
        """Wait for this request's slot (blocking the calling thread)."""
        wait = self._reserve()
        if wait > 0:
            time.sleep(wait)

    async def acquire_async(self) -> None:
        """Wait for this request's slot (suspending the calling task only)."""
        wait = self._reserve()
        if wait > 0:
            await asyncio.sleep(wait)

    def observe(self, status: int, headers: Mapping[str, str]) -> float:
        """Feed back an answer; returns the seconds every request must now wait (0: none)."""
        info = parse_ratelimit_headers(headers)
        wait = 0.0
        if status == 429:
            self.stats.throttled += 1
            if info is not None and info.remaining == 0:
                wait = info.reset_in_seconds + 1.0  # as huggingface_hub's own backoff does
            else:
                retry_after = headers.get("Retry-After") or headers.get("retry-after")
                wait = float(retry_after) if retry_after and retry_after.isdigit() else 1.0
        elif info is not None and info.remaining == 0:
            wait = info.reset_in_seconds + 0.05
        if wait > 0:
            with self._lock:
                until = time.monotonic() + wait
                if until > self._blocked_until:
                    self.stats.blocked_s += until - max(self._blocked_until, time.monotonic())
                    self._blocked_until = until
        return wait
