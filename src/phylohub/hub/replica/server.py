"""The server: one handler, one pipeline, on one asyncio loop; and ways to run it.

A low-level :class:`aiohttp.web.Server` calls one coroutine that classifies the raw path
(:mod:`~phylohub.hub.replica.routing`) and then runs the same pipeline for every request:
count it, draw faults (slow, drop, 5xx), take a token from the rate-limit window
(:mod:`~phylohub.hub.replica.limits`), answer (:mod:`~phylohub.hub.replica.listing`,
:mod:`~phylohub.hub.replica.entries`, :mod:`~phylohub.hub.replica.files`, the arXiv API of
:mod:`phylohub.hub.arxiv_api`), maybe truncate the answer, add the common headers
(``RateLimit``, ``RateLimit-Policy``, ``X-Request-Id``). The control paths
(``/_replica/stats``, ``/_replica/reset-stats``) are never rate limited or faulted.

:func:`run_replica` runs the loop in a background thread (tests, benchmarks, a CLI that
runs a command while serving); :func:`serve` runs it in the foreground.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from phylohub.errors import PhylohubError
from phylohub.hub.arxiv_api import ATOM_CONTENT_TYPE, answer_query
from phylohub.hub.replica.answers import JSON, BadRequestError, error
from phylohub.hub.replica.config import ReplicaConfig, config_from_args
from phylohub.hub.replica.datasets import Datasets
from phylohub.hub.replica.entries import Info
from phylohub.hub.replica.files import Files
from phylohub.hub.replica.limits import FaultDraw, RateLimiter
from phylohub.hub.replica.listing import Pages
from phylohub.hub.replica.reader import StoreReader
from phylohub.hub.replica.routing import FAULT_KIND, Route, classify, classify_cdn
from phylohub.hub.replica.stats import Stats

__all__ = ["ReplicaServer", "RunningReplica", "run_replica", "serve", "serve_from_args"]

_log = logging.getLogger(__name__)

#: ``GET /api/agent-harnesses``: the empty registry (an empty list would break
#: huggingface_hub 2.4.0's agent detection, which calls ``.get`` on the answer).
_EMPTY_HARNESS_REGISTRY: Final = b'{"standardEnvVars":[],"harnesses":{}}'


class ReplicaServer:
    """The replica hub on one asyncio loop; see the module docstring.

    Use :func:`run_replica` or :func:`serve` rather than this class directly.
    """

    def __init__(self, config: ReplicaConfig) -> None:
        self.config = config
        self._reader = StoreReader(config.store, config.query_threads)
        self.store = self._reader.store
        self.stats = Stats()
        self._limiter = RateLimiter(config.rate_limits)
        faults = config.faults
        self._faults = {
            name: FaultDraw(getattr(faults, name), faults.seed * 7919 + i)
            for i, name in enumerate(("slow", "drop", "error", "truncate"))
        }
        self._error_rng = random.Random(faults.seed)
        self._pages = Pages(self._reader, config.page_size, config.max_limit)
        self._info = Info(self._reader)
        self._files = Files(
            self._reader,
            tokens=config.tokens,
            resolve_redirect=config.resolve_redirect,
            cdn_share=config.cdn_share,
            card_cache_size=config.card_cache_size,
        )
        self._datasets = Datasets(config.dataset_root)
        self._request_ids = iter(range(1, 1 << 62))
        self._rid_prefix = f"Root=1-{int(time.time()):08x}-{random.getrandbits(32):08x}"
        self._runner: web.ServerRunner | None = None
        self._cdn_runner: web.ServerRunner | None = None
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
        self._reader.close()

    # -- the pipeline ----------------------------------------------------------------

    async def _handle(self, request: web.BaseRequest, cdn: bool = False) -> web.StreamResponse:
        raw_path = request.raw_path.split("?", 1)[0]
        route = (classify_cdn if cdn else classify)(request.method, raw_path)
        if route.kind == "control":
            return self._control(request, route.filename)
        if cdn and "Authorization" in request.headers:
            self.stats.cdn_authorization()
        rid = f"{self._rid_prefix}{next(self._request_ids):012x}"
        fault_kind = FAULT_KIND.get(route.kind, "other")
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
        if route.kind.startswith("dataset_resolve"):
            bucket = "resolvers"  # any URL with /resolve/
        client = request.remote or "-"
        headers = {"X-Request-Id": rid, "RateLimit-Policy": self._limiter.policy_headers[bucket]}
        if faults["error"].strikes(fault_kind):
            self.stats.fault("error")
            remaining, reset = self._limiter.peek(bucket, client)
            headers["RateLimit"] = f'"{bucket}";r={remaining};t={reset}'
            status = self._error_rng.choice(self.config.faults.error_statuses)
            response = error(status, "Internal Error - We're working hard to fix this")
        elif cdn:  # files from signed URLs, outside the Hub's rate limits
            response = await self._files.answer_cdn(request, route)
        else:
            allowed, remaining, reset = self._limiter.hit(bucket, client)
            headers["RateLimit"] = f'"{bucket}";r={remaining};t={reset}'
            if not allowed:
                self.stats.limited(bucket)
                response = error(
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
                except BadRequestError as exc:
                    response = error(400, str(exc))
                except Exception as exc:  # a bad store row must not kill the connection
                    _log.exception("replica failed on %s %s", request.method, request.path)
                    response = error(500, f"Internal Error ({type(exc).__name__})")
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

    async def _answer(self, request: web.BaseRequest, route: Route) -> web.Response:
        kind = route.kind
        if kind == "listing":
            return await self._pages.answer(request)
        if kind == "info":
            return await self._info.answer(request, route)
        if kind.startswith("resolve"):
            return await self._files.answer(request, route, self.cdn_endpoint)
        if kind.startswith("dataset_"):
            return await self._datasets.answer(request, route)
        if kind == "harnesses":
            return web.Response(body=_EMPTY_HARNESS_REGISTRY, headers={"Content-Type": JSON})
        if kind == "arxiv_query":
            query = {k: request.query.get(k, "") for k in request.query}
            feed = await self._reader.run(answer_query, self.store, query)
            return web.Response(
                status=feed.status, body=feed.body, headers={"Content-Type": ATOM_CONTENT_TYPE}
            )
        return error(404, "Sorry, we can't find the page you are looking for.")

    # -- control ---------------------------------------------------------------------

    def _control(self, request: web.BaseRequest, what: str) -> web.Response:
        if what == "stats" and request.method == "GET":
            body = json.dumps(self.stats.snapshot()).encode()
        elif what == "reset-stats" and request.method == "POST":
            self.stats.reset()
            body = b'{"ok":true}'
        else:
            return error(404, f"no replica control endpoint {request.method} {what!r}")
        return web.Response(body=body, headers={"Content-Type": JSON})


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
