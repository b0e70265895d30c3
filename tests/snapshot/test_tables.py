"""The built tables are the documented ones: columns, types, comments, docs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

import phylohub.snapshot
from phylohub.snapshot import build_snapshot, sql
from phylohub.snapshot.tables import TABLES, VIEWS, render_markdown
from tests.snapshot.crawlfiles import Inputs, card, entry

ROOT = Path(__file__).resolve().parents[2]


def test_tables_have_exactly_the_documented_columns_and_comments(
    make_inputs: Callable[..., Inputs],
) -> None:
    inputs = make_inputs([[entry("org/a", ["en"])]], [[card("org/a", text="hi")]])
    build_snapshot(inputs.listing, inputs.cards, inputs.db, inputs.parquet)
    with duckdb.connect(str(inputs.db), read_only=True) as con:
        built = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = {
            v
            for (v,) in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        }
        assert built == {t.name for t in TABLES}
        assert views == set(VIEWS)
        for table in TABLES:
            columns = con.execute(sql.TABLE_COLUMNS, {"table": table.name}).fetchall()
            assert columns == [(c.name, c.type) for c in table.db_columns], table.name
            comments = con.execute(
                "SELECT comment FROM duckdb_columns() WHERE table_name = ?", [table.name]
            ).fetchall()
            assert all(c for (c,) in comments), table.name


def test_docs_and_docstring_describe_every_table_and_column() -> None:
    docs = (ROOT / "docs" / "snapshot.md").read_text()
    assert render_markdown() in docs, "docs/snapshot.md is stale: paste render_markdown()"
    docstring = phylohub.snapshot.__doc__ or ""
    for table in TABLES:
        assert f"``{table.name}``" in docstring
        for column in table.columns:
            assert f"``{column.name}``" in docstring, (table.name, column.name)
