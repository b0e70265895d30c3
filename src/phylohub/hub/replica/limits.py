"""Rate limits and injected faults: what makes crawling the replica as hard as the Hub.

The limits are fixed windows per client IP and bucket (``api``, ``resolvers``, ``arxiv``),
answered upstream with real 429s and ``RateLimit`` headers; the faults (5xx answers, slow
answers, dropped connections, truncated bodies) are drawn from seeded generators, so a
run is reproducible for a given seed and request order. The server's pipeline
(:mod:`phylohub.hub.replica.server`) asks :class:`RateLimiter` and :class:`FaultDraw`
for every request but the control ones.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Final

from phylohub.errors import PhylohubError

__all__ = [
    "FAULT_KINDS",
    "HUB_RATE_LIMITS",
    "Fault",
    "FaultDraw",
    "Faults",
    "RateLimiter",
    "RateLimits",
    "RatePolicy",
]

#: Path kinds a fault can be limited to.
FAULT_KINDS: Final = frozenset({"listing", "info", "resolve", "dataset", "arxiv", "other"})


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
        resolve-cache URLs), ``dataset`` (a dataset repository's info, tree and
        files), ``arxiv`` (the arXiv API), ``other``.
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


# --------------------------------------------------------------------------------------
# The state behind them
# --------------------------------------------------------------------------------------

_UNLIMITED_QUOTA: Final = 1_000_000_000


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


class RateLimiter:
    """The windows of every bucket and client, and the ``RateLimit-Policy`` header of each."""

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


class FaultDraw:
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
