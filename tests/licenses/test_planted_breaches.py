"""The audit recovers the license cases the generator plants (``license_plant_share``),
count for count, on an ecosystem where licenses do not otherwise mutate."""

from __future__ import annotations

import json
import sqlite3

import polars as pl
import pytest

from phylohub.hub.synth import LICENSE_PLANTS, SynthConfig
from phylohub.licenses.audit import audit_edges, edge_licenses
from tests.pipeline import snapshot_of

#: The rule each planted case breaks ("" for a compatible change).
EXPECTED_RULE = {
    "nc_to_permissive": "non_commercial",
    "rail_dropped": "use_restrictions",
    "naming_dropped": "naming",
    "compatible_change": "",
}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    mutation = {trait: dict(rates) for trait, rates in SynthConfig().mutation.items()}
    mutation["license"] = dict.fromkeys(mutation["license"], 0.0)
    cfg = SynthConfig(
        n_models=6000, seed=7, license_plant_share=0.6, mutation=mutation, malformed_share=0.0,
        relation_mix=dict(adapter=0.426, finetune=0.359, quantized=0.192, merge=0.0),
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("licenses")
    db = snapshot_of(cfg, folder)
    audited = audit_edges(edge_licenses(db))
    with sqlite3.connect(folder / "eco" / "hub.sqlite") as con:
        rows = con.execute("SELECT child_id, parent_id, kind FROM truth_licenses").fetchall()
    truth = pl.DataFrame(rows, schema=["child", "parent", "kind"], orient="row")
    summary = json.loads((folder / "eco" / "truth.json").read_text())["licenses"]
    summary["db"] = str(db)
    return audited, truth, summary


def test_every_kind_is_planted(planted: tuple[pl.DataFrame, pl.DataFrame, dict]) -> None:
    _, truth, summary = planted
    for kind in LICENSE_PLANTS:
        assert summary["planted"][kind] > 0, kind
        assert truth.filter(pl.col("kind") == kind).height == summary["planted"][kind]


def test_each_planted_edge_gets_its_verdict(
    planted: tuple[pl.DataFrame, pl.DataFrame, dict],
) -> None:
    audited, truth, _ = planted
    joined = truth.join(audited, on=["child", "parent"], how="left")
    assert joined["verdict"].null_count() == 0
    for kind, rule in EXPECTED_RULE.items():
        part = joined.filter(pl.col("kind") == kind)
        want = "breach" if rule else "compatible"
        assert part["verdict"].to_list() == [want] * part.height, kind
        assert part["rule"].to_list() == [rule] * part.height, kind
        if rule:
            assert all(c for c in part["clause"]), kind


def test_breach_counts_equal_the_planted_counts(
    planted: tuple[pl.DataFrame, pl.DataFrame, dict],
) -> None:
    """Nothing else breaches: no license mutates, and every other child of a Llama 3
    parent is named "Llama-3-..."."""
    audited, _, summary = planted
    breaches = audited.filter(pl.col("verdict") == "breach")
    for kind, rule in EXPECTED_RULE.items():
        if rule:
            assert breaches.filter(pl.col("rule") == rule).height == summary["planted"][kind]
    planted_breaches = sum(summary["planted"][k] for k, r in EXPECTED_RULE.items() if r)
    assert breaches.height == planted_breaches
    assert summary["naming_kept"] > 0


def test_family_licenses_prints_each_edge_verdict_and_clause(
    planted: tuple[pl.DataFrame, pl.DataFrame, dict],
) -> None:
    """``phylohub family ID --licenses``: the planted NC edge's verdict and its clause."""
    from phylohub.cli import main

    _, truth, summary = planted
    child = truth.filter(pl.col("kind") == "nc_to_permissive")["child"][0]
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["family", child, "--snapshot", summary["db"], "--relations", "all",
                     "--licenses"]) == 0  # fmt: skip
    text = buf.getvalue()
    assert "breach (non_commercial: CC BY-NC" in text and "Section 2(a)(1)" in text
