"""The build's listing steps in their fast forms give what their plain forms give:
``tags`` without its ``ORDER BY`` (the order kept from ``models``) holds the sorted rows
in the sorted order on several threads and row groups, and ``language_tags`` with the
declared codes joined holds the rows the ``EXISTS`` form held, on planted tags and card
metadata (declared lists with repeats, case and spaces, codes declared as a string)."""

from __future__ import annotations

import json

import duckdb
import pytest

from phylohub.snapshot import sql
from phylohub.snapshot.languages import iso_639_table
from phylohub.snapshot.tables import KNOWN_PREFIXES

#: Enough models that ``tags`` spans many row groups (122,880 rows each) and threads.
N_MODELS = 400_000
#: The plain ``tags`` statement: the rows sorted.
PLAIN_TAGS = sql.INSERT_TAGS.rstrip() + "\nORDER BY id, position\n"


def _plain_language_tags() -> str:
    """The plain ``language_tags`` statement: the declared codes as an ``EXISTS``. Each
    piece it replaces must be in the statement, so a changed statement cannot leave the
    plain form equal to the fast one unnoticed."""
    text = sql.CREATE_LANGUAGE_TAGS
    for old, new in (
        ("LEFT JOIN declared d ON d.id = t.id AND d.code = lower(t.tag)\n", ""),
        (
            "OR d.id IS NOT NULL)",
            "OR EXISTS (SELECT 1 FROM declared d WHERE d.id = t.id AND d.code = lower(t.tag)))",
        ),
        ("language_tags", "plain_language_tags"),
    ):
        if old not in text:
            raise AssertionError(f"the statement no longer holds {old!r}")
        text = text.replace(old, new)
    return text


PLAIN_LANGUAGE_TAGS = _plain_language_tags()
TAG_POOL = [f"{p}:{v}" for p in KNOWN_PREFIXES for v in ("a", "b/c", "", "x:y")] + [
    "en",
    "EN",
    "fr",
    "aa",
    "ab",
    "ae",
    "jax",
    "trl",
    "Xyz",
    "pytorch",
    "a:b",
    ":",
    "de",
]


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": 4, "preserve_insertion_order": True})
    con.execute(sql.CREATE_TABLES)
    con.register("iso_639_arrow", iso_639_table())
    con.execute(sql.CREATE_ISO_639)
    return con


#: Card metadata planted (``language`` as a list with repeats, in other cases and with
#: spaces, as a string, of another type, absent).
CARD_DATA = [
    json.dumps({"language": ["jax", " JAX ", "en", "jax"]}),
    json.dumps({"language": "trl"}),
    json.dumps({"language": ["Xyz", "de"]}),
    json.dumps({"language": 3, "license": "mit"}),
    json.dumps({"license": "mit"}),
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    """``models`` written as the build writes it (in id order, from a shuffled source),
    its tags and card metadata planted; ``tags`` filled by the fast statement."""
    con = _connect()
    con.execute(
        """
        INSERT INTO models (id, tags, card_data)
        WITH src AS (
            SELECT 'org' || hash(i, 'o') % 500 || '/m-' || lpad(i::VARCHAR, 7, '0') AS id,
                CASE WHEN hash(i, 'n') % 50 = 0 THEN NULL ELSE
                    [CASE WHEN hash(i, j, 'z') % 40 = 0 THEN NULL
                        ELSE $pool[(1 + hash(i, j) % len($pool))::BIGINT] END
                     FOR j IN range((hash(i, 'k') % 6)::BIGINT)] END AS tags,
                CASE WHEN hash(i, 'c') % 4 = 0 THEN NULL
                    ELSE $cards[(1 + hash(i, 'd') % len($cards))::BIGINT] END AS card_data
            FROM range($n) r(i)
        )
        SELECT * FROM src ORDER BY id
        """,
        {"pool": TAG_POOL, "cards": CARD_DATA, "n": N_MODELS},
    )
    con.execute(sql.INSERT_TAGS, {"prefixes": list(KNOWN_PREFIXES)})
    return con


def test_tags_keep_the_sorted_order(con: duckdb.DuckDBPyConnection) -> None:
    plain = con.execute(
        PLAIN_TAGS.replace("INSERT INTO tags", ""), {"prefixes": list(KNOWN_PREFIXES)}
    ).fetchall()
    fast = con.execute("SELECT * FROM tags").fetchall()  # storage order
    assert len(fast) > 5 * 122_880
    assert fast == plain


def test_tags_are_not_sorted_again(con: duckdb.DuckDBPyConnection) -> None:
    """The speed-up itself: no sort of the tags (their order comes from ``models``)."""
    plan = con.execute("EXPLAIN " + sql.INSERT_TAGS, {"prefixes": list(KNOWN_PREFIXES)}).fetchall()[
        0
    ][1]
    assert "ORDER_BY" not in plan and "Order By" not in plan


def test_language_tags_equal_the_exists_form(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(sql.CREATE_LANGUAGE_TAGS)
    con.execute(PLAIN_LANGUAGE_TAGS)
    order = "ORDER BY id, code, name, scheme"
    fast = con.execute(f"SELECT * FROM language_tags {order}").fetchall()
    plain = con.execute(f"SELECT * FROM plain_language_tags {order}").fetchall()
    assert fast == plain
    # the planted cases are there: bare tags that are languages only where declared (in
    # another case, with spaces, as a string), and the same tags left out elsewhere
    assert {"jax", "trl", "Xyz"} <= {code for _, code, _, scheme in fast if scheme != "639-1"}
    declared_only = con.execute(
        "SELECT count(*) FROM tags WHERE tag = 'jax' AND id NOT IN (SELECT id FROM language_tags)"
    ).fetchone()
    assert declared_only is not None and declared_only[0] > 0
