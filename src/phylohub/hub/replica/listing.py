"""The model listing, ``GET /api/models``: keyset pages with the Hub's cursors.

Pages are index walks. The listing order is "sort field descending, ties by ``_id``
ascending"; the store has one index ``(private, col DESC, _id)`` per sort field. The
cursor is URL-safe base64 of the same keyset query the Hub uses
(``{"$or":[{"likes":294,"_id":{"$gt":"..."}},{"likes":{"$lt":294}}]}``) and a page after
a cursor is two index range scans (the rest of the tie group, then everything below the
value), never an ``OFFSET``. One row more than the page is fetched to know whether a
``Link: <...>; rel="next"`` is due, so the last page never links to an empty one.
Filters (``search``, ``author``, ``filter``, ``pipeline_tag``) are extra ``WHERE`` terms:
they may scan, which is fine. A page body is ``b"[" + b",".join(rows) + b"]"`` of the
entries :func:`~phylohub.hub.replica.entries.entry_sql` assembles.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from aiohttp import web

from phylohub.hub.replica.answers import JSON, BadRequestError
from phylohub.hub.replica.entries import LIST_DEFAULT, LIST_FULL, entry_sql, parse_expand
from phylohub.hub.replica.reader import StoreReader
from phylohub.hub.store import SORT_COLUMNS

__all__ = ["Listing", "Pages", "decode_cursor", "encode_cursor", "listing_sql"]

# --------------------------------------------------------------------------------------
# Cursors
# --------------------------------------------------------------------------------------

_NUMERIC_SORTS: Final = frozenset({"downloads", "likes", "trendingScore"})
_SORT_ALIASES: Final = {
    "created_at": "createdAt",
    "last_modified": "lastModified",
    "trending_score": "trendingScore",
}


def encode_cursor(sort: str, value: int | str, object_id: str) -> str:
    """The opaque cursor after a row: URL-safe base64 of the Hub's keyset query.

    Examples
    --------
    >>> c = encode_cursor("likes", 294, "621ffdc1")
    >>> decode_cursor(c, "likes")
    (294, '621ffdc1')
    >>> base64.urlsafe_b64decode(c + "==")[:40]
    b'{"$or":[{"likes":294,"_id":{"$gt":"621ff'
    """
    keyset = {"$or": [{sort: value, "_id": {"$gt": object_id}}, {sort: {"$lt": value}}]}
    raw = json.dumps(keyset, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[int | str, str]:
    """The (sort value, ``_id``) a cursor continues after; raises ``BadRequestError``."""
    try:
        text = cursor.strip().replace("+", "-").replace("/", "_")
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        first = json.loads(raw)["$or"][0]
        value, object_id = first[sort], first["_id"]["$gt"]
    except (binascii.Error, ValueError, KeyError, IndexError, TypeError) as exc:
        raise BadRequestError(f"Invalid cursor for sort {sort!r}") from exc
    numeric = sort in _NUMERIC_SORTS
    ok_value = (
        isinstance(value, int) and not isinstance(value, bool)
        if numeric
        else isinstance(value, str)
    )
    if not ok_value or not isinstance(object_id, str):
        raise BadRequestError(f"Invalid cursor for sort {sort!r}")
    return value, object_id


# --------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """A parsed ``GET /api/models``."""

    sort: str
    props: tuple[str, ...]
    limit: int
    after: tuple[int | str, str] | None
    search: str | None
    author: str | None
    tags: tuple[str, ...]
    pipeline_tag: str | None


def _truthy(value: str) -> bool:
    return value.strip().lower() not in {"false", "0", "no"}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _simple_tag(tag: str) -> bool:
    """Whether a tag appears verbatim in JSON text (printable ASCII, no quote/backslash)."""
    return tag.isascii() and tag.isprintable() and '"' not in tag and "\\" not in tag


def _listing_where(q: Listing) -> tuple[str, list[Any]]:
    where = ["private = 0"]
    args: list[Any] = []
    if q.author is not None:
        where.append("author = ?")
        args.append(q.author)
    if q.pipeline_tag is not None:
        where.append("pipeline_tag = ?")
        args.append(q.pipeline_tag)
    if q.search:
        where.append("id LIKE ? ESCAPE '\\'")
        args.append(f"%{_like_escape(q.search)}%")
    for tag in q.tags:
        if _simple_tag(tag):
            where.append("instr(tags, ?) > 0")
            args.append(f'"{tag}"')
        where.append("EXISTS (SELECT 1 FROM json_each(models.tags) WHERE value = ?)")
        args.append(tag)
    return " AND ".join(where), args


def listing_sql(q: Listing) -> tuple[str, str, str, list[Any]]:
    """SQL of the first page, of the rest of a tie group, and of the rows below a value."""
    col = SORT_COLUMNS[q.sort]
    where, args = _listing_where(q)
    head = f"SELECT {entry_sql(q.props)}, {col}, _id FROM models WHERE {where}"
    order = f"ORDER BY {col} DESC, _id LIMIT ?"
    return (
        f"{head} {order}",
        f"{head} AND {col} = ? AND _id > ? {order}",
        f"{head} AND {col} < ? {order}",
        args,
    )


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------


class Pages:
    """``GET /api/models``: parse the query, walk the index, link the next page.

    Parameters
    ----------
    reader
        Where the store's queries run.
    page_size
        Page size when the request has no ``limit``.
    max_limit
        Largest ``limit`` honoured (larger ones are capped).
    """

    def __init__(self, reader: StoreReader, page_size: int, max_limit: int) -> None:
        self._reader = reader
        self._page_size = page_size
        self._max_limit = max_limit
        self._sql_cache: dict[Any, tuple[str, str, str, list[Any]]] = {}

    def parse(self, request: web.BaseRequest) -> Listing:
        """The listing a request asks for; raises ``BadRequestError`` for a bad one."""
        query = request.query
        sort = query.get("sort", "trendingScore")
        sort = _SORT_ALIASES.get(sort, sort)
        if sort not in SORT_COLUMNS:
            raise BadRequestError(f'"sort" must be one of {sorted(SORT_COLUMNS)}, not {sort!r}')
        direction = query.get("direction", "-1")
        if direction != "-1":
            raise BadRequestError('"direction" must be -1 (descending)')
        limit_text = query.get("limit")
        if limit_text is None:
            limit = self._page_size
        else:
            try:
                limit = int(limit_text)
            except ValueError:
                raise BadRequestError(f'"limit" must be an integer, not {limit_text!r}') from None
            limit = max(1, min(limit, self._max_limit))
        expand = parse_expand(request)
        full = _truthy(query.get("full", "false"))
        card = _truthy(query.get("cardData", "false"))
        config = _truthy(query.get("config", "false"))
        if expand and (full or card or config):
            raise BadRequestError('"expand" cannot be combined with "full", "cardData" or "config"')
        if expand:
            props: tuple[str, ...] = tuple(expand)
        else:
            props = (
                LIST_DEFAULT
                + (LIST_FULL if full else ())
                + (("cardData",) if card else ())
                + (("config",) if config else ())
            )
        cursor = query.get("cursor")
        tags = [*query.getall("filter", []), *query.getall("filter[]", [])]
        return Listing(
            sort=sort,
            props=props,
            limit=limit,
            after=decode_cursor(cursor, sort) if cursor else None,
            search=query.get("search") or None,
            author=query.get("author") or None,
            tags=tuple(t for t in tags if t),
            pipeline_tag=query.get("pipeline_tag") or None,
        )

    def page(self, q: Listing) -> tuple[list[bytes], tuple[Any, str] | None]:
        """One page of entries and the keyset after its last row (None: last page)."""
        shape = (
            q.sort,
            q.props,
            q.search is not None,
            q.author is not None,
            q.pipeline_tag is not None,
            tuple(_simple_tag(t) for t in q.tags),
        )
        sql = self._sql_cache.get(shape)
        if sql is None:
            sql = self._sql_cache[shape] = listing_sql(q)
        first, ties, below, _ = sql
        _, args = _listing_where(q)
        cur = self._reader.cursor()
        want = q.limit + 1
        if q.after is None:
            rows = cur.execute(first, (*args, want)).fetchall()
        else:
            value, object_id = q.after
            rows = cur.execute(ties, (*args, value, object_id, want)).fetchall()
            if len(rows) < want:
                rows += cur.execute(below, (*args, value, want - len(rows))).fetchall()
        more = len(rows) > q.limit
        rows = rows[: q.limit]
        after = (rows[-1][1], rows[-1][2]) if more and rows else None
        return [r[0] for r in rows], after

    async def answer(self, request: web.BaseRequest) -> web.Response:
        """The page's JSON array, with a ``Link`` to the next page when there is one."""
        q = self.parse(request)
        entries, after = await self._reader.run(self.page, q)
        headers = {"Content-Type": JSON}
        if after is not None:
            cursor = encode_cursor(q.sort, after[0], after[1])
            raw_query = request.rel_url.raw_query_string
            kept = [
                part
                for part in raw_query.split("&")
                if part and unquote(part.split("=", 1)[0]) != "cursor"
            ]
            kept.append(f"cursor={cursor}")
            url = f"{request.scheme}://{request.host}{request.rel_url.raw_path}?{'&'.join(kept)}"
            headers["Link"] = f'<{url}>; rel="next"'
        return web.Response(body=b"[" + b",".join(entries) + b"]", headers=headers)
