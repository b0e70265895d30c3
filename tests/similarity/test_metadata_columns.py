"""Metadata strings built column by column (one conversion per column, none for a plain
column that cannot hold a float, each variant's fields decided once) are the strings of
:func:`metadata_string`, built value by value, for every variant."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from phylohub.similarity import texts
from phylohub.similarity.texts import (
    METADATA_FIELDS,
    METADATA_VARIANTS,
    iter_metadata_strings,
    metadata_string,
)

ALL_FIELDS = tuple(METADATA_FIELDS)

_COLUMNS = {
    "_id": "VARCHAR",
    "id": "VARCHAR",
    "author": "VARCHAR",
    "likes": "BIGINT",
    "trending_score": "DOUBLE",
    "private": "BOOLEAN",
    "downloads": "BIGINT",
    "downloads_all_time": "BIGINT",
    "tags": "VARCHAR[]",
    "pipeline_tag": "VARCHAR",
    "library_name": "VARCHAR",
    "created_at": "TIMESTAMP",
    "last_modified": "TIMESTAMP",
    "gated": "VARCHAR",
    "sha": "VARCHAR",
    "siblings": "VARCHAR[]",
    "card_data": "VARCHAR",
    "disabled": "BOOLEAN",
    "children_count": "BIGINT",
    "used_storage": "DOUBLE",
}


def _row(i: int) -> dict[str, object]:
    """Values of every kind a column may hold: integral and other floats, nulls, lists
    with and without lineage tags, front matter with and without lineage keys."""
    floats = [0.0, 3.0, 2.5, -1.0, float("nan"), float("inf"), None, 1e20]
    card = [None, {"license": "mit"}, {"base_model": "o/p", "base_model_relation": "x", "a": [1]}]
    return {
        "_id": f"{i:024x}",
        "id": f"org{i % 3}/m{i:03d}",
        "author": None if i % 4 == 0 else f"org{i % 3}",
        "likes": i * 7,
        "trending_score": floats[i % len(floats)],
        "private": i % 5 == 0,
        "downloads": None if i % 6 == 0 else i * 11,
        "downloads_all_time": None if i % 2 else i,
        "tags": [] if i % 7 == 0 else ["en", f"base_model:org/p{i}", "transformers"],
        "pipeline_tag": None if i % 3 == 0 else "text-generation",
        "library_name": None if i % 2 == 0 else "peft",
        "created_at": datetime(2024, 1 + i % 12, 1 + i % 28, i % 24, 5, 6, 7000 * (i % 9)),
        "last_modified": None if i % 8 == 0 else datetime(999 + i, 2, 3, 4, 5, 6),
        "gated": [None, "auto", "manual"][i % 3],
        "sha": f"{i:040x}",
        "siblings": None if i % 5 == 1 else [f"m{i}.gguf", "README.md"],
        "card_data": None if card[i % 3] is None else json.dumps(card[i % 3]),
        "disabled": None if i % 2 else False,
        "children_count": None if i % 3 == 1 else i,
        "used_storage": floats[(i + 3) % len(floats)],
    }


@pytest.fixture(scope="module")
def listing_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("listing") / "hub.duckdb"
    rows = [_row(i) for i in range(60)]
    with duckdb.connect(str(db)) as con:
        con.execute(
            "CREATE TABLE models (" + ", ".join(f'"{c}" {t}' for c, t in _COLUMNS.items()) + ")"
        )
        con.executemany(
            f"INSERT INTO models VALUES ({', '.join('?' for _ in _COLUMNS)})",
            [[r[c] for c in _COLUMNS] for r in rows],
        )
    return db


def _plain(db: Path, fields: tuple[str, ...], variant: str) -> list[str]:
    columns = sorted({METADATA_FIELDS[f] for f in fields})
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute(
            f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)} FROM models ORDER BY id"
        ).fetchall()
    return [metadata_string(dict(zip(columns, r, strict=True)), fields, variant) for r in got]


@pytest.mark.parametrize("fields", [texts.PAPER_FIELDS, ALL_FIELDS])
def test_column_strings_are_the_plain_strings(listing_db: Path, fields: tuple[str, ...]) -> None:
    variants = list(METADATA_VARIANTS)
    built: dict[str, list[str]] = {v: [] for v in variants}
    for chunk in iter_metadata_strings(listing_db, fields, variants, chunk=7):
        for v in variants:
            built[v].extend(chunk[v])
    for v in variants:
        plain = _plain(listing_db, fields, v)
        assert len(plain) == 60
        assert built[v] == plain, v
    # The fixture holds what would tell a wrong fast path apart: integral floats (written
    # as ints), other floats, NaN and lineage tags and keys.
    assert any("'trendingScore': 3," in s for s in built["paper"])
    assert any("'trendingScore': 2.5," in s for s in built["paper"])
    assert any("'trendingScore': nan," in s for s in built["paper"])
    assert not any("base_model" in s for s in built["traits"])


def test_plain_column_types_are_never_converted() -> None:
    raw = ["a", None, 3]
    assert texts._column_values("downloads", "BIGINT", raw) is raw
    assert texts._column_values("trendingScore", "DOUBLE", [3.0, 2.5, None]) == [3, 2.5, None]
    assert type(texts._column_values("trendingScore", "DOUBLE", [3.0])[0]) is int
    assert texts._column_values("likes", "DECIMAL(18,3)", [4.0]) == [4]


def test_rows_fetched_without_arrow_are_the_same(
    listing_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A column of a type Arrow may give other values for is fetched row by row: both
    reads give the same strings (here every column forced to the row by row read)."""
    fields = ALL_FIELDS
    variants = list(METADATA_VARIANTS)
    arrow = list(iter_metadata_strings(listing_db, fields, variants, chunk=9))
    monkeypatch.setattr(texts, "_ARROW_SAME_TYPES", frozenset())
    rows = list(iter_metadata_strings(listing_db, fields, variants, chunk=9))
    assert arrow == rows
    assert [len(c["paper"]) for c in rows] == [9] * 6 + [6]
