"""The stage's rules in the whole-workflow run (tests/conftest.py ``tiny_workflow``)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from phylohub.io import read_tsv
from phylohub.licenses.audit import audit_edges, edge_licenses


def test_rules_write_the_audit_of_every_edge(tiny_workflow: Path) -> None:
    res = tiny_workflow / "results" / "tiny"
    edges = pl.read_parquet(res / "licenses" / "edges.parquet")
    again = audit_edges(edge_licenses(res / "hub.duckdb"))
    assert edges.select(again.columns).equals(again)
    assert edges.height > 0 and set(edges["verdict"]) <= {"compatible", "breach", "unknown"}
    rates = read_tsv(res / "licenses" / "breach_rates.tsv")
    row = rates.filter(scope="changes", relation="all").row(0, named=True)
    summary = json.loads((res / "licenses" / "summary.json").read_text())
    assert summary["changes"]["judged"] == row["judged"]
    assert summary["changes"]["breaches"] == row["breaches"]
    families = pl.read_parquet(res / "licenses" / "families.parquet")
    assert families["breaches"].sum() == edges.filter(verdict="breach").height
    for fig in ("licenses_breach_matrix", "licenses_breach_rates"):
        assert (res / "figures" / f"{fig}.png").stat().st_size > 0
