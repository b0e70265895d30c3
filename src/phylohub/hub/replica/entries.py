"""A model as the API's JSON, assembled by SQLite; and the model-info answer.

The store keeps every JSON column as the exact JSON text the API returns, so an entry is
one SQL string expression (:func:`entry_sql`) that splices those texts between
``json_quote``-d scalars (keys without a value are left out, not null). Each row comes
back as one ``bytes`` value (``CAST ... AS BLOB``: no decoding, no re-encoding), so no
``json.loads`` or ``json.dumps`` runs per model, in a listing page
(:mod:`phylohub.hub.replica.listing`) as in ``GET /api/models/{id}`` (:class:`Info`).

Properties the store has no value for (``inference``, ``widgetData``,
``transformersInfo``, ``model-index``, ``gguf``, ...) are accepted in ``expand`` and left
out of the answers, as the Hub leaves out a key without a value; ``spaces`` is always
``[]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aiohttp import web

from phylohub.hub.replica.answers import (
    JSON,
    BadRequestError,
    repo_not_found,
    revision_not_found,
)
from phylohub.hub.replica.reader import StoreReader
from phylohub.hub.replica.routing import Route

__all__ = [
    "EXPAND_PROPERTIES",
    "EXPAND_PROPERTIES_NO_MODEL_ID",
    "INFO_DEFAULT",
    "LIST_DEFAULT",
    "LIST_FULL",
    "Info",
    "entry_sql",
    "parse_expand",
]


def _str(key: str, col: str) -> str:
    return f"',\"{key}\":' || json_quote({col})"


def _num(key: str, col: str) -> str:
    return f"',\"{key}\":' || {col}"


def _json(key: str, col: str) -> str:
    return f"',\"{key}\":' || {col}"


def _opt_str(key: str, col: str) -> str:
    return f"CASE WHEN {col} IS NULL THEN '' ELSE ',\"{key}\":' || json_quote({col}) END"


def _opt_json(key: str, col: str) -> str:
    return f"CASE WHEN {col} IS NULL THEN '' ELSE ',\"{key}\":' || {col} END"


def _bool(key: str, col: str) -> str:
    return f"',\"{key}\":' || CASE WHEN {col} THEN 'true' ELSE 'false' END"


# ``siblings`` holds a JSON array of names; the API wants [{"rfilename": name}, ...].
# Fast path: a compact array with no escapes (no backslash, hence no quote inside a name)
# is rewritten by string replacement; anything else goes through json_each.
_SIBLINGS = (
    "',\"siblings\":' || CASE"
    " WHEN siblings = '[]' THEN '[]'"
    " WHEN instr(siblings, '\\') = 0 AND instr(siblings, '\" ') = 0"
    " AND substr(siblings, 1, 2) = '[\"'"
    " THEN '[{\"rfilename\":' || replace(substr(siblings, 2, length(siblings) - 2),"
    " '\",\"', '\"},{\"rfilename\":\"') || '}]'"
    " ELSE (SELECT '[' || group_concat('{\"rfilename\":' || json_quote(value) || '}', ',')"
    " || ']' FROM json_each(models.siblings)) END"
)

#: SQL fragment for each API property: ``''`` or ``,"key":<json>``.
_FRAGMENTS: Final[dict[str, str]] = {
    "author": _str("author", "author"),
    "baseModels": _opt_json("baseModels", "base_models"),
    "cardData": _opt_json("cardData", "card_data"),
    "childrenModelCount": _num("childrenModelCount", "children_count"),
    "config": _opt_json("config", "config"),
    "createdAt": _str("createdAt", "created_at"),
    "disabled": _bool("disabled", "disabled"),
    "downloads": _num("downloads", "downloads"),
    "downloadsAllTime": _num("downloadsAllTime", "downloads_all_time"),
    "gated": "',\"gated\":' || CASE WHEN gated IS NULL THEN 'false' ELSE json_quote(gated) END",
    "lastModified": _str("lastModified", "last_modified"),
    "library_name": _opt_str("library_name", "library_name"),
    "likes": _num("likes", "likes"),
    "modelId": _str("modelId", "id"),
    "pipeline_tag": _opt_str("pipeline_tag", "pipeline_tag"),
    "private": _bool("private", "private"),
    "safetensors": _opt_json("safetensors", "safetensors"),
    "sha": _str("sha", "sha"),
    "siblings": _SIBLINGS,
    "spaces": "',\"spaces\":[]'",
    "tags": _json("tags", "tags"),
    "trendingScore": _num("trendingScore", "trending_score"),
    "usedStorage": _num("usedStorage", "used_storage"),
}

#: Properties ``expand`` accepts (huggingface_hub's ExpandModelProperty_T); those without a
#: fragment have no value in the store and are left out of the answer.
EXPAND_PROPERTIES: Final = frozenset(
    {
        *_FRAGMENTS,
        "evalResults",
        "gguf",
        "inference",
        "inferenceProviderMapping",
        "mask_token",
        "model-index",
        "resourceGroup",
        "transformersInfo",
        "widgetData",
    }
)
EXPAND_PROPERTIES_NO_MODEL_ID: Final = EXPAND_PROPERTIES - {"modelId"}

LIST_DEFAULT: Final = (
    "likes",
    "trendingScore",
    "private",
    "downloads",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
    "modelId",
)
LIST_FULL: Final = ("author", "gated", "lastModified", "sha", "siblings")
INFO_DEFAULT: Final = (
    "private",
    "pipeline_tag",
    "library_name",
    "tags",
    "downloads",
    "likes",
    "modelId",
    "author",
    "sha",
    "lastModified",
    "gated",
    "disabled",
    "config",
    "cardData",
    "siblings",
    "spaces",
    "createdAt",
    "safetensors",
    "usedStorage",
)


def entry_sql(props: Sequence[str]) -> str:
    """The SQL expression (a BLOB) of one entry holding ``_id``, ``id`` and ``props``."""
    parts = ["'{\"_id\":' || json_quote(_id) || ',\"id\":' || json_quote(id)"]
    parts += [_FRAGMENTS[p] for p in props if p in _FRAGMENTS]
    return "CAST(" + " || ".join(parts) + " || '}' AS BLOB)"


def parse_expand(request: web.BaseRequest) -> list[str]:
    """The ``expand`` (or ``expand[]``) properties asked, in order, each once."""
    values = [*request.query.getall("expand", []), *request.query.getall("expand[]", [])]
    unknown = [v for v in values if v not in EXPAND_PROPERTIES_NO_MODEL_ID]
    if unknown:
        raise BadRequestError(
            f'"expand" must be one of {sorted(EXPAND_PROPERTIES_NO_MODEL_ID)}, not {unknown[0]!r}'
        )
    return list(dict.fromkeys(values))


class Info:
    """``GET /api/models/{id}[/revision/{rev}]``: one entry, its SQL cached by shape."""

    def __init__(self, reader: StoreReader) -> None:
        self._reader = reader
        self._entry_cache: dict[tuple[str, ...], str] = {}

    def _row(self, model_id: str, props: tuple[str, ...]) -> tuple[int, str, bytes] | None:
        sql = self._entry_cache.get(props)
        if sql is None:
            sql = self._entry_cache[props] = (
                f"SELECT private, sha, {entry_sql(props)} FROM models WHERE id = ?"
            )
        cur = self._reader.cursor()
        row: tuple[int, str, bytes] | None = cur.execute(sql, (model_id,)).fetchone()
        return row

    async def answer(self, request: web.BaseRequest, route: Route) -> web.Response:
        """The model's entry (``expand``-ed, else the Hub's default properties)."""
        expand = parse_expand(request)
        props = tuple(expand) if expand else INFO_DEFAULT
        row = await self._reader.run(self._row, route.model_id, props)
        if row is None or row[0]:
            return repo_not_found()
        if route.revision is not None and route.revision not in ("main", row[1]):
            return revision_not_found(route.revision)
        return web.Response(body=row[2], headers={"Content-Type": JSON})
