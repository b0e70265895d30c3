"""The three snapshot tables the kin inference reads, in memory, for its hand-made cases
(the cards with their texts as ``cards_with_text``, the view a snapshot's connection
makes of its ``cards.parquet``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb


def kin_connection(
    models: Sequence[tuple[str, datetime]],
    edges: Sequence[tuple[str, str]],
    cards: Sequence[tuple[str, str]] = (),
) -> duckdb.DuckDBPyConnection:
    """An in-memory connection holding ``models`` (id, creation time; the author is the
    id's namespace), the declared ``edges`` (child, parent) and the cards (id, text) as
    ``cards_with_text``."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE models (id VARCHAR, author VARCHAR, created_at TIMESTAMP,"
        " children_count BIGINT, siblings VARCHAR[])"
    )
    con.executemany(
        "INSERT INTO models VALUES (?, ?, ?, NULL, [])",
        [(i, i.split("/")[0], created) for i, created in models],
    )
    con.execute("CREATE TABLE edges (child VARCHAR, parent VARCHAR)")
    if edges:
        con.executemany("INSERT INTO edges VALUES (?, ?)", list(edges))
    con.execute("CREATE TABLE cards_with_text (id VARCHAR, text VARCHAR)")
    if cards:
        con.executemany("INSERT INTO cards_with_text VALUES (?, ?)", list(cards))
    return con
