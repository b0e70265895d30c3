"""The two texts a model is compared by: its metadata string and its prepared card.

Metadata string
===============
The paper compared ``str(entry)``: Python's string of the model's listing entry as the
Hub's ``GET /api/models`` returns it *without parameters* (the paper's crawl), parsed
from JSON. That entry has, in this order::

    _id, id, likes, trendingScore, private, downloads, tags, pipeline_tag,
    library_name, createdAt, modelId

(``pipeline_tag`` and ``library_name`` are left out when the model has none). The snapshot
keeps every listing field as a column of ``models``; :func:`metadata_string` rebuilds the
entry from them, field by field, as a Python dict, and returns ``str()`` of it, e.g.::

    {'_id': '66f1...', 'id': 'org/m', 'likes': 0, 'trendingScore': 0, 'private': False,
     'downloads': 12, 'tags': ['transformers', 'base_model:org/p', ...],
     'pipeline_tag': 'text-generation', 'library_name': 'transformers',
     'createdAt': '2024-09-23T10:01:02.000Z', 'modelId': 'org/m'}

Integral numbers are ints (``trendingScore`` is a DOUBLE column; the API sends an
integer), ``createdAt`` is written as the API writes it (milliseconds and ``Z``). The
fields of the richer listing the crawl asks for (``full=true&cardData=true``) may be added
with ``fields``: ``author``, ``gated`` (False, 'auto' or 'manual'), ``lastModified``,
``sha``, ``siblings`` (``[{'rfilename': ...}]``), ``cardData`` (the front matter, a dict),
and ``disabled``, ``downloadsAllTime``, ``childrenModelCount``, ``usedStorage`` when known.

Variants (:data:`METADATA_VARIANTS`):

``paper``
    the fields as configured (by default exactly the paper's).
``no_ids``
    without ``_id``, ``id``, ``modelId`` and ``author``: the model's own name no longer
    feeds the score (the paper's string holds the id twice).
``no_lineage``
    also without the declaration of the parents: the ``base_model:`` tags and the
    ``base_model``/``base_model_relation`` keys of ``cardData``. Siblings share their
    ``base_model:`` tags by definition (they name the same parent), so any metadata
    string that keeps them makes siblings alike whatever their traits.
``traits``
    also without the fields that date a model or count its use: ``createdAt``,
    ``lastModified``, ``downloads``, ``downloadsAllTime``, ``likes``, ``trendingScore``,
    ``usedStorage``, ``childrenModelCount``, ``sha``, and without the file names
    (``siblings``, which often repeat the model's name, as GGUF files do). Siblings are
    made at about the same time and are about as (un)popular, their parent is older and
    more used, so these fields too make siblings alike whatever their traits. What is
    left (tags without ``base_model:``, task, library, gated, the rest of ``cardData``) is
    what the models inherit and mutate.

Card
====
The paper kept cards of at least 512 characters that are not auto-generated (the text
contains "automatically generated" or "generated automatically"; ``cards.auto_generated``)
and cut them to their first 512 characters. :class:`CardOptions` sets the three numbers
and whether the YAML front matter is kept (the paper's texts kept it) or stripped (the
length test then applies to the text without it). Models without such a card have no card
text (their card measures are missing, not zero).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from phylohub.errors import PhylohubError
from phylohub.snapshot.connect import CARDS_WITH_TEXT, connect_snapshot

__all__ = [
    "CARD_TEXTS_SCHEMA",
    "METADATA_FIELDS",
    "METADATA_VARIANTS",
    "PAPER_FIELDS",
    "CardOptions",
    "iter_card_file",
    "iter_card_texts",
    "iter_metadata_strings",
    "metadata_string",
    "write_card_texts",
]

#: The paper's entry: ``GET /api/models`` without parameters, in the API's order.
PAPER_FIELDS: Final[tuple[str, ...]] = (
    "_id",
    "id",
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

#: Listing field -> the ``models`` column it is rebuilt from.
METADATA_FIELDS: Final[dict[str, str]] = {
    "_id": "_id",
    "id": "id",
    "author": "author",
    "likes": "likes",
    "trendingScore": "trending_score",
    "private": "private",
    "downloads": "downloads",
    "downloadsAllTime": "downloads_all_time",
    "tags": "tags",
    "pipeline_tag": "pipeline_tag",
    "library_name": "library_name",
    "createdAt": "created_at",
    "lastModified": "last_modified",
    "modelId": "id",
    "gated": "gated",
    "sha": "sha",
    "siblings": "siblings",
    "cardData": "card_data",
    "disabled": "disabled",
    "childrenModelCount": "children_count",
    "usedStorage": "used_storage",
}

#: Metadata variants, see the module docstring.
METADATA_VARIANTS: Final[tuple[str, ...]] = ("paper", "no_ids", "no_lineage", "traits")

_ID_FIELDS: Final = frozenset({"_id", "id", "modelId", "author"})
_TIME_AND_USE_FIELDS: Final = frozenset(
    {
        "createdAt",
        "lastModified",
        "downloads",
        "downloadsAllTime",
        "likes",
        "trendingScore",
        "usedStorage",
        "childrenModelCount",
        "sha",
        "siblings",
    }
)
# Fields the API leaves out when they have no value (the others are always present).
_OMITTED_WHEN_NULL: Final = frozenset(
    {
        "pipeline_tag",
        "library_name",
        "cardData",
        "disabled",
        "downloadsAllTime",
        "childrenModelCount",
        "usedStorage",
    }
)
_LINEAGE_KEYS: Final = ("base_model", "base_model_relation")


def _iso(ts: datetime | None) -> str | None:
    """The API's time: seconds, milliseconds and ``Z`` (:func:`_iso_plain`).

    Why two ways: ``strftime`` was a third of the cost of converting a model's values;
    ``isoformat`` writes the same text for a naive time of a four-digit year (``%Y``
    does not pad smaller years to four digits, and an aware time would add its offset),
    and every other time keeps ``strftime``.
    """
    if ts is None:
        return None
    if ts.tzinfo is None and ts.year >= 1000:
        return ts.isoformat(timespec="milliseconds") + "Z"
    return _iso_plain(ts)


def _iso_plain(ts: datetime) -> str:
    """The API's time written with ``strftime`` (any time)."""
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def _number(x: Any) -> Any:
    if isinstance(x, float) and math.isfinite(x) and x.is_integer():
        return int(x)
    return x


def _gated(raw: Any) -> Any:
    return False if raw is None else raw


def _siblings(raw: Any) -> list[dict[str, Any]]:
    return [{"rfilename": name} for name in (raw or [])]


def _card_data(raw: Any) -> Any:
    return None if raw is None else json.loads(raw)


def _tags(raw: Any) -> list[Any]:
    return list(raw or [])


#: The conversion of each listing field that is not a plain number or string (those are
#: :func:`_number`): one look-up per value instead of a chain of comparisons.
_CONVERSIONS: Final[dict[str, Callable[[Any], Any]]] = {
    "createdAt": _iso,
    "lastModified": _iso,
    "gated": _gated,
    "siblings": _siblings,
    "cardData": _card_data,
    "tags": _tags,
}


def _value(field: str, raw: Any) -> Any:
    """The Python value of a listing field as ``json.loads`` of the API's answer gives it."""
    return _CONVERSIONS.get(field, _number)(raw)


def metadata_string(row: dict[str, Any], fields: Sequence[str], variant: str) -> str:
    """``str()`` of the listing entry of one model, rebuilt from its ``models`` row.

    Parameters
    ----------
    row : dict
        Values of the ``models`` columns named by :data:`METADATA_FIELDS`.
    fields : sequence of str
        Listing fields, in order (default :data:`PAPER_FIELDS`).
    variant : str
        One of :data:`METADATA_VARIANTS`.

    Examples
    --------
    >>> row = {"_id": "6", "id": "o/m", "likes": 0, "trending_score": 0.0, "private": False,
    ...        "downloads": 3, "tags": ["en", "base_model:o/p"], "pipeline_tag": None,
    ...        "library_name": "peft", "created_at": datetime(2024, 1, 2, 3, 4, 5, 6000)}
    >>> metadata_string(row, PAPER_FIELDS, "paper")  # doctest: +NORMALIZE_WHITESPACE
    "{'_id': '6', 'id': 'o/m', 'likes': 0, 'trendingScore': 0, 'private': False,
      'downloads': 3, 'tags': ['en', 'base_model:o/p'], 'library_name': 'peft',
      'createdAt': '2024-01-02T03:04:05.006Z', 'modelId': 'o/m'}"
    >>> metadata_string(row, PAPER_FIELDS, "no_lineage")  # doctest: +NORMALIZE_WHITESPACE
    "{'likes': 0, 'trendingScore': 0, 'private': False, 'downloads': 3, 'tags': ['en'],
      'library_name': 'peft', 'createdAt': '2024-01-02T03:04:05.006Z'}"
    >>> metadata_string(row, PAPER_FIELDS, "traits")
    "{'private': False, 'tags': ['en'], 'library_name': 'peft'}"
    """
    return _variant_string(_values(row, fields), fields, variant)


def _values(row: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """The listing values (:func:`_value`) of ``fields`` of one ``models`` row."""
    return {field: _value(field, row[METADATA_FIELDS[field]]) for field in fields}


def _variant_string(values: dict[str, Any], fields: Sequence[str], variant: str) -> str:
    """:func:`metadata_string` from a row's listing values (:func:`_values`).

    Why apart: the values are converted once per model and shared by its variants, not
    once per variant (a few percent of the strings' CPU at 1.86M models: reading the rows
    and building the strings is the rest); a variant filters copies, never the shared
    values.
    """
    entry: dict[str, Any] = {}
    for field in fields:
        if variant != "paper" and field in _ID_FIELDS:
            continue
        if variant == "traits" and field in _TIME_AND_USE_FIELDS:
            continue
        value = values[field]
        if value is None and field in _OMITTED_WHEN_NULL:
            continue
        if variant in ("no_lineage", "traits"):
            if field == "tags":
                value = [t for t in value if not str(t).startswith("base_model:")]
            elif field == "cardData" and isinstance(value, dict):
                value = {k: v for k, v in value.items() if k not in _LINEAGE_KEYS}
        entry[field] = value
    return str(entry)


#: DuckDB column types whose Python values are never floats: :func:`_number` leaves
#: every value of such a column as it is, so a column of them needs no conversion.
_NEVER_FLOAT_TYPES: Final = frozenset(
    {"VARCHAR", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "BOOLEAN", "VARCHAR[]"}
)


def _column_values(field: str, column_type: str, raw: Sequence[Any]) -> Sequence[Any]:
    """The listing values of one field for a column of rows: :func:`_value` of each.

    Why by column: one look-up of the conversion per column, not per value, and none at
    all for a plain column that cannot hold a float (:data:`_NEVER_FLOAT_TYPES`):
    converting value by value was a third of building the strings.
    """
    convert = _CONVERSIONS.get(field)
    if convert is None:
        if column_type in _NEVER_FLOAT_TYPES:
            return raw
        convert = _number
    return [convert(x) for x in raw]


#: One field of a variant's plan: its name, whether it is left out when null, and
#: which lineage filter applies (0 none, 1 the ``base_model:`` tags, 2 ``cardData``).
_Step = tuple[str, bool, int]


def _variant_plan(fields: Sequence[str], variant: str) -> list[_Step]:
    """The fields a variant keeps, in order, with what :func:`_variant_string` does to
    each: decided once per variant instead of once per model and field."""
    lineage = variant in ("no_lineage", "traits")
    plan: list[_Step] = []
    for field in fields:
        if variant != "paper" and field in _ID_FIELDS:
            continue
        if variant == "traits" and field in _TIME_AND_USE_FIELDS:
            continue
        kind = 0
        if lineage and field == "tags":
            kind = 1
        elif lineage and field == "cardData":
            kind = 2
        plan.append((field, field in _OMITTED_WHEN_NULL, kind))
    return plan


def _planned_string(values: dict[str, Any], plan: Sequence[_Step]) -> str:
    """:func:`_variant_string` of a row's values, following a :func:`_variant_plan`."""
    entry: dict[str, Any] = {}
    for field, omit_null, kind in plan:
        value = values[field]
        if value is None and omit_null:
            continue
        if kind == 1:
            value = [t for t in value if not str(t).startswith("base_model:")]
        elif kind == 2 and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in _LINEAGE_KEYS}
        entry[field] = value
    return str(entry)


def _reprs(values: Sequence[Any], omit_null: bool) -> list[str | None]:
    """``repr`` of each value of a field (None for a null the entry leaves out,
    ``omit_null``): what ``str()`` of an entry writes after the field's key (a dict's
    ``str`` is its items' ``repr(key) + ": " + repr(value)`` joined by ``", "`` in braces)."""
    if omit_null:
        return [None if x is None else repr(x) for x in values]
    return list(map(repr, values))


def _lineage_reprs(kind: int, values: Sequence[Any], reprs: list[str | None]) -> list[str | None]:
    """The reprs of a field once :func:`_planned_string`'s lineage filter ``kind`` (1: the
    ``base_model:`` tags, 2: the ``cardData`` keys) has applied: a value the filter leaves
    whole keeps its repr, only the others are written again."""
    out = list(reprs)
    if kind == 1:
        for j, r in enumerate(reprs):
            # A tag that starts with the prefix shows it verbatim in the list's repr (its
            # characters are printable, none a quote or a backslash): a repr without it
            # is of a list the filter leaves whole.
            if r is None or "base_model:" not in r:
                continue
            out[j] = repr([t for t in values[j] if not str(t).startswith("base_model:")])
    elif kind == 2:
        for j, x in enumerate(values):
            if reprs[j] is not None and isinstance(x, dict) and any(k in x for k in _LINEAGE_KEYS):
                out[j] = repr({k: v for k, v in x.items() if k not in _LINEAGE_KEYS})
    return out


def _joined_strings(
    values: dict[str, Sequence[Any]], plans: dict[str, list[_Step]]
) -> dict[str, list[str]]:
    """:func:`_planned_string` of every row of a chunk (``values``: field -> its column of
    listing values) for every variant's plan, without a dict per row and variant.

    Why: each variant's ``str()`` wrote ``repr`` of every value it keeps again (the
    paper's, ``no_ids`` and ``traits`` share most fields), row by row in Python. Here each
    field's values are written once (:func:`_reprs`), a lineage filter writes again only
    the values it changes, and polars joins each variant's items, keys and values.
    """
    reprs: dict[tuple[str, int], pl.Series] = {}
    for plan in plans.values():
        for field, omit_null, kind in plan:
            if (field, 0) not in reprs:
                plain = _reprs(values[field], omit_null)
                reprs[field, 0] = pl.Series(field, plain, dtype=pl.String)
            if kind and (field, kind) not in reprs:
                changed = _lineage_reprs(kind, values[field], reprs[field, 0].to_list())
                reprs[field, kind] = pl.Series(field, changed, dtype=pl.String)
    n = len(next(iter(values.values()))) if values else 0
    out: dict[str, list[str]] = {}
    for variant, plan in plans.items():
        if not plan:
            out[variant] = ["{}"] * n
            continue
        items = pl.DataFrame([reprs[field, kind] for field, _, kind in plan])
        # an item is null where its value is (concat_str propagates nulls), then skipped
        keyed = [pl.concat_str(pl.lit(repr(field) + ": "), pl.col(field)) for field, _, _ in plan]
        joined = items.select(
            pl.concat_str(
                pl.lit("{"), pl.concat_str(keyed, separator=", ", ignore_nulls=True), pl.lit("}")
            )
        )
        out[variant] = joined.to_series().to_list()
    return out


def check_fields(fields: Sequence[str]) -> tuple[str, ...]:
    """The fields, checked against :data:`METADATA_FIELDS` (no repeats)."""
    unknown = [f for f in fields if f not in METADATA_FIELDS]
    if unknown or not fields or len(set(fields)) != len(fields):
        raise PhylohubError(
            "similarity.metadata.fields must list distinct listing fields among "
            f"{', '.join(METADATA_FIELDS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    return tuple(fields)


def iter_metadata_strings(
    db: Path,
    fields: Sequence[str],
    variants: Sequence[str],
    chunk: int = 100_000,
    rows: npt.ArrayLike | None = None,
    ids: pa.Array | None = None,
) -> Iterator[dict[str, list[str]]]:
    """Metadata strings of every model (or of the models at ``rows``, row indices in id
    order, increasing), in id order, ``chunk`` models at a time. ``ids``: the ids of the
    models at ``rows``, when the caller has them (the models are then found by id).

    Yields one dict per chunk: variant -> the strings of the chunk's models. Building a
    string is Python work per model, so reading only the rows a computation needs (a
    vocabulary's sample and the sampled pairs) is what makes a big snapshot cheap.

    Why ``ids``: finding rows by their index numbers every model in id order (a sort of
    every id, 0.7-1 s of CPU at 1.86M models) to keep a few; ``compute_similarity`` has
    sorted the ids already, and joins the wanted ones directly (about 0.25 s).
    """
    fields = check_fields(fields)
    bad = [v for v in variants if v not in METADATA_VARIANTS]
    if bad or not variants:
        raise PhylohubError(
            f"similarity.metadata.variants must name some of {', '.join(METADATA_VARIANTS)}"
        )
    columns = sorted({METADATA_FIELDS[f] for f in fields})
    select = ", ".join(f'"{c}"' for c in columns)
    if rows is None:
        query = f"SELECT {select} FROM models ORDER BY id"
    elif ids is not None:
        if len(ids) != len(np.asarray(rows)):
            raise ValueError("one id per row")
        query = f"SELECT {select} FROM models SEMI JOIN _wanted_ids USING (id) ORDER BY id"
    else:
        query = f"""
            WITH r AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS _row FROM models),
            w AS (SELECT r.id, r._row FROM r SEMI JOIN _wanted ON r._row = _wanted.i)
            SELECT {select} FROM w JOIN models USING (id) ORDER BY w._row
            """
    plans = {v: _variant_plan(fields, v) for v in variants}
    with duckdb.connect(str(db), read_only=True) as con:
        if rows is not None:
            _register_rows(con, rows)
        if rows is not None and ids is not None:
            con.register("_wanted_ids", pa.table({"id": ids.cast(pa.string())}))
        for by_column, types in _column_chunks(con, query, chunk):
            values = {
                f: _column_values(f, types[METADATA_FIELDS[f]], by_column[METADATA_FIELDS[f]])
                for f in fields
            }
            yield _joined_strings(values, plans)


#: DuckDB column types whose values are the same Python objects read through Arrow
#: (``to_pylist``) as fetched row by row: naive times, plain numbers, strings, lists.
_ARROW_SAME_TYPES: Final = _NEVER_FLOAT_TYPES | {"DOUBLE", "TIMESTAMP"}


def _column_chunks(
    con: duckdb.DuckDBPyConnection, query: str, chunk: int
) -> Iterator[tuple[dict[str, Sequence[Any]], dict[str, str]]]:
    """The result of ``query``, ``chunk`` rows at a time, as column -> Python values, and
    each column's DuckDB type.

    Why Arrow: fetching rows (a tuple per row, then transposed) was half of reading the
    listing; Arrow's batches, a list per column, hold the same values. A column of any
    other type (a time zone's times, decimals, ...) is fetched row by row, as before.
    """
    rel = con.sql(query)
    types = dict(zip(rel.columns, (str(t) for t in rel.types), strict=True))
    if all(t in _ARROW_SAME_TYPES for t in types.values()):
        for batch in rel.to_arrow_reader(chunk):
            if batch.num_rows:
                yield {c: batch.column(c).to_pylist() for c in types}, types
        return
    cur = con.execute(query)
    while batch_rows := cur.fetchmany(chunk):
        yield dict(zip(types, zip(*batch_rows, strict=True), strict=True)), types


@dataclass(frozen=True)
class CardOptions:
    """How a card is prepared (the paper's defaults).

    Attributes
    ----------
    min_chars : int
        Keep cards of at least this many characters (of the whole text, or of the text
        without its front matter when ``front_matter`` is ``strip``).
    cut_chars : int or None
        Cut the kept text to its first ``cut_chars`` characters (None: no cut).
    drop_auto_generated : bool
        Leave out cards that say they were generated automatically.
    front_matter : str
        ``keep`` the YAML front matter in the text (the paper), or ``strip`` it.
    """

    min_chars: int = 512
    cut_chars: int | None = 512
    drop_auto_generated: bool = True
    front_matter: str = "keep"

    def __post_init__(self) -> None:
        if self.min_chars < 0 or (self.cut_chars is not None and self.cut_chars < 1):
            raise PhylohubError("similarity.cards: min_chars must be >= 0 and cut_chars >= 1")
        if self.front_matter not in ("keep", "strip"):
            raise PhylohubError("similarity.cards.front_matter must be 'keep' or 'strip'")


def _card_query(options: CardOptions, some_rows: bool, ordered: bool = True) -> str:
    """The query of the prepared cards (``i``: row index in id order, ``t``: the text), in
    row order; of the rows in ``_wanted`` only when ``some_rows``. Parameter ``$min``.
    Without ``ordered``, the query has no ``ORDER BY``: its rows come in the file's order,
    which is row order, as long as DuckDB keeps a scan's order (its default,
    ``preserve_insertion_order``); a reader of it checks (:func:`write_card_texts`).

    The cards are read from ``cards.parquet``, the texts' one home (the view
    :data:`~phylohub.snapshot.CARDS_WITH_TEXT` of :func:`~phylohub.snapshot.connect_snapshot`),
    whose ``row`` is the model's row index: the file holds one row per listed model in id
    order, as ``models`` does. Joined to ``models`` by id instead, the file's texts were
    the join's build side (at 1.86M models 4.4 GB peak, against 1.0 GB without a join).
    """
    skip = "0"
    length = "c.length_chars"
    if options.front_matter == "strip":
        skip = "(c.length_chars - c.body_chars)"  # the front matter, as the snapshot found it
        length = "c.body_chars"
    text = f"substr(c.text, {skip} + 1)"
    if options.cut_chars is not None:
        text = f"substr(c.text, {skip} + 1, {int(options.cut_chars)})"
    auto = "AND NOT c.auto_generated" if options.drop_auto_generated else ""
    return f"""
        SELECT c.row AS i, {text} AS t
        FROM {CARDS_WITH_TEXT} c {"SEMI JOIN _wanted w ON w.i = c.row" if some_rows else ""}
        WHERE c.status = 'ok' AND c.text IS NOT NULL AND {length} >= $min {auto}
        {"ORDER BY i" if ordered else ""}
    """


def iter_card_texts(
    db: Path, options: CardOptions, chunk: int = 100_000, rows: npt.ArrayLike | None = None
) -> Iterator[tuple[list[int], list[str]]]:
    """Prepared cards: (model row indices in id order, texts), ``chunk`` at a time.

    Only models whose card passes the options' filter appear (and, given ``rows``, only
    the models at those row indices).
    """
    params: dict[str, Any] = {"min": int(options.min_chars)}
    with connect_snapshot(db, card_texts=True) as con:
        if rows is not None:
            _register_rows(con, rows)
        cur = con.execute(_card_query(options, rows is not None), params)
        while True:
            batch = cur.fetchmany(chunk)
            if not batch:
                return
            yield [int(r[0]) for r in batch], [r[1] for r in batch]


#: Columns of the prepared cards' file (``similarity/card_texts.parquet``).
CARD_TEXTS_SCHEMA: Final[pa.Schema] = pa.schema([("row", pa.int64()), ("text", pa.string())])

#: Key of the file's metadata naming the card options and the snapshot's size it holds.
_CARD_TEXTS_KEY: Final[bytes] = b"phylohub.card_texts"

#: Rows per row group of the file: what a reader holds at a time.
_CARD_TEXTS_GROUP: Final[int] = 65_536


def _card_texts_key(options: CardOptions, n_models: int) -> bytes:
    return json.dumps({"cards": asdict(options), "models": int(n_models)}, sort_keys=True).encode()


def write_card_texts(
    db: Path,
    options: CardOptions,
    out: Path,
    n_models: int,
    rows: npt.ArrayLike | None = None,
    chunk: int = 100_000,
    group: int = _CARD_TEXTS_GROUP,
) -> list[tuple[list[int], list[str]]]:
    """Write every model's prepared card (:func:`iter_card_texts` of every model) to
    ``out`` (parquet, :data:`CARD_TEXTS_SCHEMA`, in row order) and return those of the
    models at ``rows`` (None: none) as :func:`iter_card_texts` would yield them. ``group``:
    rows per row group (what a reader holds at a time).

    Why: the texts are zstd-compressed in row groups of 122,880 cards, so reading the
    cards of a few thousand scattered models decompresses nearly every card's text (about
    6 s of CPU at 1.86M models). The vocabulary's fit reads them all anyway (its sample
    has rows everywhere); written here once, cut, the measuring rules read theirs from this
    file (:func:`iter_card_file`) for under a second. The file is lz4-compressed: zstd's
    decompression cost as much again, an uncompressed file is three times bigger.
    """
    wanted = None if rows is None else np.asarray(rows, dtype=np.int64)
    kept_rows: list[npt.NDArray[np.int64]] = []
    kept_texts: list[pa.Array] = []
    schema = CARD_TEXTS_SCHEMA.with_metadata({_CARD_TEXTS_KEY: _card_texts_key(options, n_models)})
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with connect_snapshot(db, card_texts=True) as con:
        con.execute("SET preserve_insertion_order = true")
        # The file's order first (sorting every prepared card cost 2-3 s of CPU at 1.86M
        # models); sorted only if a batch comes out of row order.
        for ordered in (False, True):
            kept_rows.clear()
            kept_texts.clear()
            query = _card_query(options, False, ordered=ordered)
            if _write_cards(con, query, options, out, schema, group, wanted, kept_rows, kept_texts):
                break
    return _chunks(kept_rows, kept_texts, chunk)


def _write_cards(
    con: duckdb.DuckDBPyConnection,
    query: str,
    options: CardOptions,
    out: Path,
    schema: pa.Schema,
    group: int,
    wanted: npt.NDArray[np.int64] | None,
    kept_rows: list[npt.NDArray[np.int64]],
    kept_texts: list[pa.Array],
) -> bool:
    """Write the prepared cards of ``query`` to ``out`` for :func:`write_card_texts`
    (keeping those of the rows ``wanted``); False, and the file unfinished, as soon as a
    batch's rows are not increasing from the last batch's."""
    last = -1
    with pq.ParquetWriter(out, schema, compression="lz4") as writer:
        rel = con.sql(query, params={"min": int(options.min_chars)})
        for batch in rel.to_arrow_reader(group):
            if not batch.num_rows:
                continue
            table = pa.Table.from_arrays(
                [batch.column(0).cast(pa.int64()), batch.column(1).cast(pa.string())],
                schema=schema,
            )
            row = table.column("row").to_numpy()
            if row[0] <= last or (row.size > 1 and not (np.diff(row) > 0).all()):
                return False
            last = int(row[-1])
            writer.write_table(table, row_group_size=group)
            if wanted is not None:
                _keep(table, wanted, kept_rows, kept_texts)
    return True


def iter_card_file(
    path: Path,
    options: CardOptions,
    n_models: int,
    rows: npt.ArrayLike,
    chunk: int = 100_000,
) -> Iterator[tuple[list[int], list[str]]]:
    """:func:`iter_card_texts` of the models at ``rows``, read from a file of
    :func:`write_card_texts` (PhylohubError if it holds other options or another size)."""
    file = pq.ParquetFile(path)
    meta = file.schema_arrow.metadata or {}
    if meta.get(_CARD_TEXTS_KEY) != _card_texts_key(options, n_models):
        raise PhylohubError(
            f"{path} holds the cards of another snapshot or other options; fit the "
            "vocabularies again (rule fit_similarity_vocabulary)"
        )
    wanted = np.asarray(rows, dtype=np.int64)
    kept_rows: list[npt.NDArray[np.int64]] = []
    kept_texts: list[pa.Array] = []
    for g in range(file.num_row_groups):
        _keep(file.read_row_group(g, use_threads=False), wanted, kept_rows, kept_texts)
    yield from _chunks(kept_rows, kept_texts, chunk)


def _keep(
    table: pa.Table,
    wanted: npt.NDArray[np.int64],
    kept_rows: list[npt.NDArray[np.int64]],
    kept_texts: list[pa.Array],
) -> None:
    """Append the rows and texts of ``table`` whose row is in ``wanted``."""
    row = table.column("row").to_numpy()
    take = np.flatnonzero(np.isin(row, wanted))
    if take.size:
        kept_rows.append(row[take])
        kept_texts.append(table.column("text").take(pa.array(take)).combine_chunks())


def _chunks(
    kept_rows: list[npt.NDArray[np.int64]], kept_texts: list[pa.Array], chunk: int
) -> list[tuple[list[int], list[str]]]:
    """The kept rows (increasing) and texts as :func:`iter_card_texts`' chunks."""
    if not kept_rows:
        return []
    rows = np.concatenate(kept_rows).tolist()
    texts = pa.chunked_array(kept_texts, pa.string()).to_pylist()
    return [(rows[k : k + chunk], texts[k : k + chunk]) for k in range(0, len(rows), chunk)]


#: DuckDB's memory (MB) when reading the texts of some rows. It keeps the blocks it has
#: scanned cached up to its limit (80% of the machine by default), and a scan of every
#: card's text for a sample's cards left 1.4 GB cached that this one pass has no use for
#: (its result, a sample's texts, is small; the whole corpus's read keeps the default).
_ROWS_MEMORY_MB: Final[int] = 512


def _register_rows(con: duckdb.DuckDBPyConnection, rows: npt.ArrayLike) -> None:
    """Make the row indices ``rows`` the table ``_wanted`` (column ``i``) of ``con``, and
    cap the connection's memory (:data:`_ROWS_MEMORY_MB`)."""
    con.execute(f"SET memory_limit = '{_ROWS_MEMORY_MB}MB'")
    wanted = np.asarray(rows, dtype=np.int64)
    con.register("_wanted", pa.table({"i": pa.array(wanted)}))
