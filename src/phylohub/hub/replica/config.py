"""What the replica serves and how: :class:`ReplicaConfig`, and one from flat values.

:func:`config_from_args` is what the command line (``phylohub replica serve``) and the
workflow's demo config go through; the limits and faults it assembles are
:mod:`phylohub.hub.replica.limits`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from phylohub.errors import PhylohubError
from phylohub.hub.replica.limits import FAULT_KINDS, Fault, Faults, RateLimits, RatePolicy

__all__ = ["ReplicaConfig", "config_from_args"]


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
    datasets_dir
        The folder of the dataset repositories served (``{ns}/{name}/`` each, see
        :mod:`~phylohub.hub.replica.datasets`); None: ``datasets/`` beside the store.
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
    datasets_dir: Path | None = None

    @property
    def dataset_root(self) -> Path:
        """Where the dataset repositories lie (``datasets_dir`` or ``datasets/`` beside
        the store)."""
        return self.datasets_dir or Path(self.store).parent / "datasets"

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
