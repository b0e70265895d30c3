"""Answers shared by every concern: content types, error bodies, the Hub's error codes.

The Hub answers an error with ``{"error": message}`` and the ``X-Error-Message`` (and
often ``X-Error-Code``) header that ``huggingface_hub`` turns into its exceptions
(``RepositoryNotFoundError``, ``RevisionNotFoundError``, ``GatedRepoError``,
``EntryNotFoundError``); these helpers write them the same way for every path.
"""

from __future__ import annotations

import json
from typing import Final

from aiohttp import web

__all__ = [
    "JSON",
    "TEXT",
    "BadRequestError",
    "error",
    "header_safe",
    "repo_not_found",
    "revision_not_found",
]

JSON: Final = "application/json; charset=utf-8"
TEXT: Final = "text/plain; charset=utf-8"


class BadRequestError(Exception):
    """A request the replica answers with 400 (message = the error)."""


def header_safe(text: str) -> str:
    r"""``text`` as a single-line ASCII header value (user input can appear in messages).

    >>> header_safe("rev\r\nX: \u00fcn")
    'rev  X: \\xfcn'
    """
    flat = "".join(c if c.isprintable() else " " for c in text)
    return flat.encode("ascii", "backslashreplace").decode("ascii")


def error(
    status: int, message: str, code: str | None = None, extra: dict[str, str] | None = None
) -> web.Response:
    """An error answer as the Hub sends it (``code``: its ``X-Error-Code``)."""
    headers = {"Content-Type": JSON, "X-Error-Message": header_safe(message)}
    if code is not None:
        headers["X-Error-Code"] = code
    if extra:
        headers.update(extra)
    body = json.dumps({"error": message}).encode()
    return web.Response(status=status, body=body, headers=headers)


def repo_not_found() -> web.Response:
    """A missing (or private) repository: 401, as the Hub hides what it would not show."""
    return error(401, "Repository Not Found", "RepoNotFound")


def revision_not_found(revision: str, sha: str | None = None) -> web.Response:
    """A revision the repository does not have (``sha``: its commit, sent when known)."""
    extra = {"X-Repo-Commit": sha} if sha else None
    return error(404, f"Invalid rev id: {revision}", "RevisionNotFound", extra)
