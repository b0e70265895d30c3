"""The edges' licenses are read unsorted, and a list of none or one license is kept as
it is: after the audit, the same table as sorting every list and every edge in the query."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from phylohub.licenses.audit import audit_edges, edge_licenses

#: The query as it was: every list sorted and deduplicated, the edges in order.
PLAIN_EDGE_LICENSES = """
SELECT e.child, e.parent, e.relation, e.parent_in_snapshot AS parent_listed,
    coalesce(list_sort(list_distinct(tp.licenses)), []) AS parent_licenses,
    coalesce(list_sort(list_distinct(tc.licenses)), []) AS child_licenses
FROM edges e
LEFT JOIN traits tp ON tp.id = e.parent
LEFT JOIN traits tc ON tc.id = e.child
ORDER BY e.child, e.parent
"""

#: Every kind of license list: none, one, one missing value, several (unsorted, repeated).
LICENSES: list[list[str | None]] = [
    [], ["mit"], [None], ["mit", "apache-2.0", "mit"], ["llama2"], ["apache-2.0", None],
    ["openrail", "cc-by-4.0"], ["cc-by-nc-4.0"], ["mit", "mit"], ["gemma"],
]  # fmt: skip


def _snapshot(db: Path) -> None:
    """Models ``org{k}/m{i}`` with licenses, edges in shuffled order, some models with no
    traits row (the left joins' missing sides)."""
    ids = [f"org{i % 7}/m{i}" for i in range(120)]
    con = duckdb.connect(str(db))
    try:
        con.execute("CREATE TABLE traits (id VARCHAR NOT NULL, licenses VARCHAR[] NOT NULL)")
        con.executemany(
            "INSERT INTO traits VALUES (?, ?)",
            [(m, LICENSES[(i * 7) % len(LICENSES)]) for i, m in enumerate(ids) if i % 11],
        )
        con.execute(
            "CREATE TABLE edges (parent VARCHAR, child VARCHAR, relation VARCHAR,"
            " parent_in_snapshot BOOLEAN)"
        )
        edges = [
            (ids[(i * 13) % len(ids)], ids[i], ("finetune", "adapter", "merge")[i % 3], i % 9 > 0)
            for i in range(len(ids))
            if (i * 13) % len(ids) != i
        ]
        order = sorted(range(len(edges)), key=lambda k: (k * 37) % len(edges))
        con.executemany("INSERT INTO edges VALUES (?, ?, ?, ?)", [edges[k] for k in order])
    finally:
        con.close()


def test_edge_licenses_audit_as_the_sorted_query(tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    _snapshot(db)
    edges = edge_licenses(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        plain = pl.from_arrow(con.sql(PLAIN_EDGE_LICENSES).to_arrow_table())
    finally:
        con.close()
    assert isinstance(plain, pl.DataFrame)
    assert edges.sort("child", "parent").equals(plain)
    assert audit_edges(edges).equals(audit_edges(plain))
    assert audit_edges(edges.reverse()).equals(audit_edges(plain))
    sizes = set(plain["parent_licenses"].list.len()) | set(plain["child_licenses"].list.len())
    assert sizes == {0, 1, 2}
