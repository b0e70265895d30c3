"""The replica's counters: requests by kind and status, 429s, injected faults.

Served at ``GET /_replica/stats`` and by :meth:`RunningReplica.stats
<phylohub.hub.replica.server.RunningReplica.stats>`, cleared by
``POST /_replica/reset-stats``; tests read them to learn what a client asked.
"""

from __future__ import annotations

import threading
import time
from typing import Any

__all__ = ["Stats"]


class Stats:
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
