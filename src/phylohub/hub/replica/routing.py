"""Routing: what a request asks for, from its method and raw path alone.

One handler serves every path (no router): :func:`classify` names the request's kind
(``listing``, ``info``, ``resolve_head``/``resolve_get``, ``resolve_cache_head``/
``resolve_cache_get``, ``dataset_info``, ``dataset_tree``,
``dataset_resolve_head``/``dataset_resolve_get``, ``arxiv_query``, ``harnesses``,
``control``, ``other``), which is also the key of its counters, and
:func:`classify_cdn` does the same for the CDN stand-in's origin. :data:`FAULT_KIND`
maps a kind to the path kind a fault or a rate-limit bucket is chosen by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

__all__ = ["FAULT_KIND", "Route", "classify", "classify_cdn"]


@dataclass(frozen=True)
class Route:
    """A classified request: its kind and, for a model's paths, which model and file."""

    kind: str  # stats kind
    model_id: str = ""
    revision: str | None = None
    filename: str = ""


def _split_path(raw_path: str) -> list[str]:
    return [unquote(s) for s in raw_path.split("/")[1:]]


def classify(method: str, raw_path: str) -> Route:
    """What a request asks for, from its method and raw (still %-encoded) path."""
    segs = _split_path(raw_path)
    if segs and segs[0] == "_replica":
        return Route("control", filename="/".join(segs[1:]))
    if len(segs) >= 3 and segs[:2] == ["api", "datasets"] and method == "GET":
        return _dataset_api(segs[2:])
    dataset_file = segs[:1] == ["datasets"] and len(segs) >= 6 and segs[3] == "resolve"
    if dataset_file and method in ("GET", "HEAD") and all(segs[1:3]):
        kind = "dataset_resolve_head" if method == "HEAD" else "dataset_resolve_get"
        return Route(kind, "/".join(segs[1:3]), segs[4], "/".join(segs[5:]))
    if segs and segs[0] == "api":
        if segs[1:] == ["models"] and method == "GET":
            return Route("listing")
        if len(segs) >= 3 and segs[1] == "models" and method == "GET":
            rest = segs[2:]
            if len(rest) in (1, 2) and all(rest):
                return Route("info", "/".join(rest))
            if len(rest) in (3, 4) and rest[-2] == "revision" and all(rest):
                return Route("info", "/".join(rest[:-2]), rest[-1])
            return Route("other")
        if segs[1:3] == ["resolve-cache", "models"] and method in ("GET", "HEAD"):
            # /api/resolve-cache/models/{ns}/{name}/{commit}/{file...}, or {name}/{commit}/...
            # for a legacy id without namespace (the commit is always a full sha)
            rest = segs[3:]
            kind = "resolve_cache_head" if method == "HEAD" else "resolve_cache_get"
            if len(rest) >= 3 and all(rest[:2]) and _is_sha(rest[1]) and not _is_sha(rest[2]):
                return Route(kind, rest[0], rest[1], "/".join(rest[2:]))
            if len(rest) >= 4 and all(rest[:3]):
                return Route(kind, "/".join(rest[:2]), rest[2], "/".join(rest[3:]))
        if segs[1:] == ["query"] and method == "GET":
            return Route("arxiv_query")
        if segs[1:] == ["agent-harnesses"] and method == "GET":
            return Route("harnesses")
        return Route("other")
    if method in ("GET", "HEAD") and "resolve" in segs:
        at = segs.index("resolve")
        if at in (1, 2) and all(segs[:at]) and len(segs) >= at + 3:
            kind = "resolve_head" if method == "HEAD" else "resolve_get"
            return Route(kind, "/".join(segs[:at]), segs[at + 1], "/".join(segs[at + 2 :]))
    return Route("other")


def _dataset_api(rest: list[str]) -> Route:
    """``/api/datasets/{ns}/{name}`` (info) or ``.../tree/{rev}[/{path...}]`` (a listing)."""
    if len(rest) == 2 and all(rest):
        return Route("dataset_info", "/".join(rest))
    if len(rest) >= 4 and rest[2] == "tree" and all(rest[:2]) and rest[3]:
        return Route("dataset_tree", "/".join(rest[:2]), rest[3], "/".join(rest[4:]))
    return Route("other")


def _is_sha(text: str) -> bool:
    """Whether ``text`` is a full commit sha (40 lower-case hex digits)."""
    return len(text) == 40 and all(c in "0123456789abcdef" for c in text)


def classify_cdn(method: str, raw_path: str) -> Route:
    """A request to the CDN stand-in: ``/repos/{id, %-encoded}/{commit}/{file...}``."""
    segs = _split_path(raw_path)
    if method in ("GET", "HEAD") and len(segs) >= 4 and segs[0] == "repos" and all(segs[1:3]):
        kind = "cdn_head" if method == "HEAD" else "cdn_get"
        return Route(kind, segs[1], segs[2], "/".join(segs[3:]))
    return Route("other")


#: The path kind (of :data:`~phylohub.hub.replica.limits.FAULT_KINDS`) of a request kind;
#: any kind not named is ``other``.
FAULT_KIND: Final = {
    "listing": "listing",
    "info": "info",
    "resolve_head": "resolve",
    "resolve_get": "resolve",
    "resolve_cache_head": "resolve",
    "resolve_cache_get": "resolve",
    "cdn_head": "resolve",
    "cdn_get": "resolve",
    "arxiv_query": "arxiv",
    "dataset_info": "dataset",
    "dataset_tree": "dataset",
    "dataset_resolve_head": "dataset",
    "dataset_resolve_get": "dataset",
}
