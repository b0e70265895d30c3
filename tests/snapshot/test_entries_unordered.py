"""The parsed listing entries are written in any order (``preserve_insertion_order`` off
for that one statement, so DuckDB writes the temporary table on every thread): what
reads them gives the rows, in the order, that entries written in the listing's order
give, on several threads and row groups; and the build's setting is back on after."""

from __future__ import annotations

import duckdb
import pytest

from phylohub.snapshot import build, sql

#: Enough entries for many row groups (122,880 rows each) on several threads.
N_MODELS = 400_000


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": 4, "preserve_insertion_order": True})
    con.execute(sql.CREATE_TABLES)
    # the listing in an order of its own (the crawl's pages), not the ids'
    con.execute(
        """
        CREATE TEMP TABLE listing_raw AS
        SELECT i // 1000 AS page, i % 1000 AS position,
            'org' || hash(i, 'o') % 300 || '/m-' || lpad(hash(i)::VARCHAR, 20, '0') AS id,
            'x' || i AS _id, 's' || i AS sha,
            json_object('author', 'org', 'downloads', i, 'likes', i % 7,
                'createdAt', '2024-01-0' || (1 + i % 9) || 'T00:00:00.000Z',
                'tags', ['t' || i % 5, 'license:mit'],
                'siblings', [json_object('rfilename', 'README.md')],
                'config', CASE WHEN i % 6 = 0
                    THEN json_object('model_type', 'llama', 'architectures', ['A' || i % 4],
                        'quantization_config', json_object('quant_method', 'gptq',
                            'bits', 4 + i % 2 * 4))
                    WHEN i % 3 = 0
                    THEN json_object('model_type', 'llama', 'architectures', ['A' || i % 4])
                END)::VARCHAR AS entry
        FROM range($n) r(i) ORDER BY hash(i, 'page')
        """,
        {"n": N_MODELS},
    )
    return con


def _fill(con: duckdb.DuckDBPyConnection, unordered: bool) -> None:
    if unordered:
        assert build._parse_entries(con) is None  # the build's own call
    else:  # the plain form: the entries in the listing's order
        con.execute(sql.CREATE_ENTRIES, {"shape": sql.ENTRY_SHAPE})
    con.execute(sql.INSERT_MODELS, {"backfill": build.BACKFILL})
    con.execute(sql.CREATE_CONFIGS)
    for statement in (sql.INSERT_MODEL_TYPE, sql.INSERT_ARCHITECTURES, sql.INSERT_QUANTIZATION):
        con.execute(statement)


@pytest.fixture(scope="module")
def built() -> tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]:
    fast, plain = _connect(), _connect()
    _fill(fast, unordered=True)
    _fill(plain, unordered=False)
    return fast, plain


@pytest.mark.parametrize("table", ["models", "model_type", "architectures", "quantization"])
def test_tables_read_from_the_entries_keep_their_rows_and_order(
    built: tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection], table: str
) -> None:
    fast, plain = built
    rows = fast.execute(f"SELECT * FROM {table}").fetchall()  # storage order
    assert rows == plain.execute(f"SELECT * FROM {table}").fetchall()
    if table == "models":
        assert len(rows) == N_MODELS
    else:  # every table holds rows, whose order could differ
        assert len(rows) >= N_MODELS // 6


def test_the_insertion_order_is_kept_again_after_the_parse(
    built: tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection],
) -> None:
    fast, _ = built
    setting = fast.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    assert setting == (True,)
