"""Files: ``/{id}/resolve/{rev}/{file}``, ``/api/resolve-cache/...`` and the CDN stand-in.

Only ``README.md`` and, where the store holds a ``config_files`` table (the generator's
``config_files_plant``), ``config.json`` have contents: every other file, and a file the
repository's ``siblings`` do not list, answers 404 ``EntryNotFound``. A ``config.json``
is served as stored, with its git blob sha1 as ETag. A
card is rendered from its recipe with :func:`phylohub.hub.cards.card_bytes` (UTF-8 unless
the recipe names another encoding: a card may start with a byte order mark or hold bytes
that are not UTF-8, served as they are) and kept in a small LRU cache with its git blob
sha1 (the ``ETag``), because ``hf_hub_download`` asks three times for one card (HEAD,
HEAD, GET).

As the Hub does, ``/resolve/`` answers with a 307 to ``/api/resolve-cache/...``
(``ReplicaConfig.resolve_redirect``), which serves the file (``Range`` honoured). With
``ReplicaConfig.cdn_share`` that share of the READMEs (chosen by model id) is answered
with a 302 to a signed URL on a second origin, ``/repos/{id}/{commit}/{file}`` with a
``Signature``, as the Hub sends LFS files to its CDN host; the CDN answers without a
token (the signature grants access). Gated repositories want an accepted token
(``ReplicaConfig.tokens``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from aiohttp import web

from phylohub.hub.cards import card_bytes
from phylohub.hub.replica.answers import TEXT, error, repo_not_found, revision_not_found
from phylohub.hub.replica.reader import StoreReader
from phylohub.hub.replica.routing import Route

__all__ = ["Card", "Files", "git_blob_sha1", "parse_range"]

_DISABLED_MESSAGE: Final = "Access to this resource is disabled."
_FILE_ROW_SQL: Final = (
    "SELECT private, gated, disabled, sha, siblings, card, card_data FROM models WHERE id = ?"
)


@dataclass(frozen=True)
class Card:
    """A rendered card and its ETag."""

    body: bytes
    etag: str


def git_blob_sha1(data: bytes) -> str:
    """The git blob id of ``data`` (what the Hub sends as a text file's ETag).

    >>> git_blob_sha1(b"")
    'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    """
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class Files:
    """The file answers of one replica (its tokens, redirects and CDN key).

    Parameters
    ----------
    reader
        Where the store's queries run.
    tokens
        Tokens granted access to gated repositories.
    resolve_redirect
        Redirect ``/resolve/`` to ``/api/resolve-cache/`` (False: serve at once).
    cdn_share
        Share of the READMEs (by model id) sent to the CDN stand-in when it runs.
    card_cache_size
        Rendered cards kept in memory.
    """

    def __init__(
        self,
        reader: StoreReader,
        *,
        tokens: frozenset[str],
        resolve_redirect: bool,
        cdn_share: float,
        card_cache_size: int,
    ) -> None:
        self._reader = reader
        self._tokens = tokens
        self._resolve_redirect = resolve_redirect
        self._cdn_share = cdn_share
        self._card_cache_size = card_cache_size
        self._cards: OrderedDict[tuple[str, str], Card] = OrderedDict()
        self._cards_lock = threading.Lock()
        self._cdn_key = secrets.token_bytes(16)

    def _config_body(self, model_id: str) -> bytes | None:
        """The stored ``config.json`` of a model (None: none, or a store without them)."""
        cur = self._reader.cursor()
        try:
            row = cur.execute("SELECT body FROM config_files WHERE id = ?", (model_id,)).fetchone()
        except sqlite3.OperationalError:  # a store made without config files
            return None
        return None if row is None else str(row[0]).encode()

    def _file_row(self, model_id: str) -> tuple[Any, ...] | None:
        cur = self._reader.cursor()
        row: tuple[Any, ...] | None = cur.execute(_FILE_ROW_SQL, (model_id,)).fetchone()
        return row

    def _card(self, model_id: str, sha: str, recipe: str, card_data: str | None) -> Card:
        """The rendered card and its ETag, from a small LRU cache."""
        key = (model_id, sha)
        with self._cards_lock:
            card = self._cards.get(key)
            if card is not None:
                self._cards.move_to_end(key)
                return card
        front = json.loads(card_data) if card_data else None
        body = card_bytes(json.loads(recipe), front)
        card = Card(body, git_blob_sha1(body))
        with self._cards_lock:
            self._cards[key] = card
            while len(self._cards) > self._card_cache_size:
                self._cards.popitem(last=False)
        return card

    def _authorized(self, request: web.BaseRequest) -> bool | None:
        """None: no token; else whether the bearer token is an accepted one."""
        auth = request.headers.get("Authorization")
        if not auth:
            return None
        scheme, _, token = auth.partition(" ")
        return scheme.lower() == "bearer" and token.strip() in self._tokens

    def _cdn_signature(self, model_id: str, sha: str, filename: str) -> str:
        """The signature of a CDN URL (it grants access: the CDN asks for no token)."""
        message = f"{model_id}\n{sha}\n{filename}".encode()
        return hmac.new(self._cdn_key, message, hashlib.sha256).hexdigest()

    def _to_cdn(self, model_id: str, cdn_endpoint: str | None) -> bool:
        """Whether the model's files are sent to the CDN stand-in (``cdn_share`` of ids)."""
        if cdn_endpoint is None:
            return False
        draw = int.from_bytes(hashlib.sha256(model_id.encode()).digest()[:8], "big")
        return draw / 2**64 < self._cdn_share

    async def answer_cdn(self, request: web.BaseRequest, route: Route) -> web.Response:
        """The CDN stand-in: a file at a URL signed by :meth:`answer`'s redirect."""
        if route.kind not in ("cdn_get", "cdn_head"):
            return error(404, "Not Found")
        expected = self._cdn_signature(route.model_id, route.revision or "", route.filename)
        if not hmac.compare_digest(request.query.get("Signature", ""), expected):
            return error(403, "Invalid signature")
        return await self._file(request, route, None, cdn=True)

    async def answer(
        self, request: web.BaseRequest, route: Route, cdn_endpoint: str | None
    ) -> web.Response:
        """A file of the Hub's origin (``cdn_endpoint``: the CDN stand-in's, if it runs)."""
        return await self._file(request, route, cdn_endpoint)

    async def _file(
        self, request: web.BaseRequest, route: Route, cdn_endpoint: str | None, cdn: bool = False
    ) -> web.Response:
        row = await self._reader.run(self._file_row, route.model_id)
        if row is None or row[0]:
            return repo_not_found()
        _, gated, disabled, sha, siblings, recipe, card_data = row
        if disabled:
            return error(403, _DISABLED_MESSAGE)
        if gated is not None and not cdn:  # a CDN URL was signed after the check
            access = self._authorized(request)
            if access is not True:
                status = 401 if access is None else 403
                message = (
                    f"Access to model {route.model_id} is restricted. You must have access "
                    "to it and be authenticated to access it. Please log in."
                    if access is None
                    else f"Access to model {route.model_id} is restricted and you are not "
                    "in the authorized list."
                )
                return error(status, message, "GatedRepo")
        cache = route.kind.startswith("resolve_cache") or cdn
        if route.revision not in ((sha,) if cache else ("main", sha)):
            return revision_not_found(route.revision or "", sha if not cache else None)
        commit = {"X-Repo-Commit": sha}
        listed = route.filename in json.loads(siblings)
        if route.filename == "config.json" and listed:
            body = await self._reader.run(self._config_body, route.model_id)
            if body is None:
                return error(404, "Entry not found", "EntryNotFound", commit)
            card = Card(body, git_blob_sha1(body))
        elif route.filename != "README.md" or recipe is None or not listed:
            return error(404, "Entry not found", "EntryNotFound", commit)
        else:
            card = await self._reader.run(self._card, route.model_id, sha, recipe, card_data)
        # as the Hub sends LFS files to its CDN
        if not cache and self._to_cdn(route.model_id, cdn_endpoint):
            signature = self._cdn_signature(route.model_id, sha, route.filename)
            location = (
                f"{cdn_endpoint}/repos/{quote(route.model_id, safe='')}/{sha}/"
                f"{quote(route.filename)}?Signature={signature}"
            )
            return web.Response(
                status=302,
                headers={
                    **commit,
                    "Location": location,
                    "X-Linked-Etag": f'"{card.etag}"',
                    "X-Linked-Size": str(len(card.body)),
                    "Content-Type": TEXT,
                },
            )
        if self._resolve_redirect and not cache:
            location = (
                f"/api/resolve-cache/models/{quote(route.model_id)}/{sha}/{route.filename}"
                f"?{quote('/' + route.model_id + '/resolve/' + (route.revision or ''), safe='')}"
                f"%2F{route.filename}=&etag=%22{card.etag}%22"
            )
            return web.Response(
                status=307,
                headers={
                    **commit,
                    "Location": location,
                    "X-Linked-Etag": f'"{card.etag}"',
                    "Content-Type": TEXT,
                },
            )
        headers = {
            **commit,
            "ETag": f'"{card.etag}"',
            "Content-Type": TEXT,
            "Accept-Ranges": "bytes",
        }
        body = card.body
        status = 200
        ranged = parse_range(request.headers.get("Range"), len(body))
        if ranged == _UNSATISFIABLE:
            headers["Content-Range"] = f"bytes */{len(body)}"
            return error(416, "Requested range not satisfiable", extra=headers)
        if ranged is not None:
            start, end = ranged
            headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
            body = body[start : end + 1]
            status = 206
        return web.Response(status=status, body=body, headers=headers)


#: What :func:`parse_range` answers for a range outside the file.
_UNSATISFIABLE: Final = (-1, -1)


def parse_range(value: str | None, size: int) -> tuple[int, int] | None:
    """A single ``bytes=a-b`` range as inclusive (start, end); None to ignore it.

    An unsatisfiable range is ``_UNSATISFIABLE``.

    >>> parse_range("bytes=5-", 10), parse_range("bytes=-3", 10), parse_range("bytes=20-", 10)
    ((5, 9), (7, 9), (-1, -1))
    """
    if not value or not value.strip().startswith("bytes=") or "," in value:
        return None
    first, _, last = value.strip()[6:].partition("-")
    try:
        if first.strip() == "":
            n = int(last)
            return (max(0, size - n), size - 1) if n > 0 and size > 0 else _UNSATISFIABLE
        start = int(first)
        end = int(last) if last.strip() else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        return _UNSATISFIABLE
    return start, min(end, size - 1)
