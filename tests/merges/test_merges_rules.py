"""Rule trace_merges runs in the whole workflow (the session's tiny_workflow), and the
findings carry its rows and a verdict on "merges are mostly inbred" either way."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from phylohub.findings.build import verdict
from phylohub.merges.inheritance import first_parent_claim
from phylohub.merges.pedigree import inbreeding_claims


def test_trace_merges_writes_its_tables_in_the_workflow(tiny_workflow: Path) -> None:
    folder = tiny_workflow / "results" / "tiny"
    summary = json.loads((folder / "merges" / "summary.json").read_text())
    merges = pl.read_parquet(folder / "merges" / "merges.parquet")
    assert summary["merges"] == merges.height > 0
    assert (merges["parents"] == merges["parent_ids"].list.len()).all()
    findings = (folder / "findings.md").read_text()
    assert "merges are mostly inbred" in findings
    families = pl.read_csv(folder / "merges" / "inbreeding_families.tsv", separator="\t")
    multi = merges.filter(pl.col("parents") >= 2)
    assert families["merges"].sum() == multi.height and families["root"].null_count() == 0
    assert families["max_inbreeding"].max() == pytest.approx(multi["inbreeding"].max(), abs=1e-6)
    assert summary["families_with_merges"] == families.height
    lineages = pl.read_csv(
        folder / "merges" / "inbred_lineages.tsv",
        separator="\t",
        schema_overrides={"inbreeding": pl.Float64},
    )
    assert (lineages["inbreeding"] > 0).all()
    assert "greatest inbreeding coefficient of a merge" in findings


def claim_row(inbred: int, outcrossed: int) -> dict[str, object]:
    """The inbred claim over merges of two parents, each of its own family."""
    n = inbred + outcrossed
    merges = pl.DataFrame(
        {"parents": [2] * n, "inbred": [True] * inbred + [False] * outcrossed, "cluster": range(n)}
    )
    return inbreeding_claims(merges).row(0, named=True)


def test_the_inbred_claim_is_judged_both_ways_and_needs_enough_merges() -> None:
    cols = ("difference", "ci_low", "ci_high", None)
    assert verdict(claim_row(80, 20), "greater", cols).startswith("holds")
    assert verdict(claim_row(20, 80), "greater", cols).startswith("does not hold")
    assert verdict(claim_row(52, 48), "greater", cols).startswith("not shown")
    assert verdict(claim_row(4, 1), "greater", cols).startswith("not tested: too few")


def first_parent_row(first: int, other: int) -> dict[str, object]:
    """The first-parent claim over merges of two parents with different licenses."""
    n = first + other
    cls = pl.DataFrame({
        "id": [f"m{i}" for i in range(n)], "trait": ["license"] * n, "parents": [2] * n,
        "outcome": ["first"] * first + ["other"] * other, "possible_first": [True] * n,
        "possible_union": [True] * n, "null_first": [0.5] * n, "cluster": range(n),
    })  # fmt: skip
    return first_parent_claim(cls, seed=1, replicates=300).row(0, named=True)


def test_the_first_parent_claim_is_judged_both_ways() -> None:
    cols = ("difference", "ci_low", "ci_high", None)
    assert verdict(first_parent_row(80, 20), "greater", cols).startswith("holds")
    assert verdict(first_parent_row(20, 80), "greater", cols).startswith("does not hold")
    assert verdict(first_parent_row(26, 24), "greater", cols).startswith("not shown")
    assert verdict(first_parent_row(4, 1), "greater", cols).startswith("not tested")


def test_inheritance_runs_in_the_workflow(tiny_workflow: Path) -> None:
    folder = tiny_workflow / "results" / "tiny"
    shares = pl.read_csv(folder / "merges" / "inheritance_shares.tsv", separator="\t")
    assert set(shares["trait"]) == {"license", "language", "task", "library"}
    summary = json.loads((folder / "merges" / "inheritance.json").read_text())
    assert summary["merges_compared"] > 0
    findings = (folder / "findings.md").read_text()
    assert "merges inherit the first parent's license" in findings
    resemble = pl.read_csv(folder / "merges" / "resemblance.tsv", separator="\t")
    assert "metadata_tfidf" in resemble["measure"].to_list()
    for name in ("pedigree", "inheritance", "license_dominance", "inbreeding", "resemblance"):
        assert (folder / "figures" / f"merges_{name}.png").is_file()
    claims = pl.read_csv(folder / "merges" / "resemblance_claims.tsv", separator="\t")
    assert set(claims["measure"]) == set(resemble["measure"])
    assert "a merge resembles its first-listed parent more" in findings
