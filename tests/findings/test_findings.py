"""findings.json: every number equals the cell of the table it names (read back here with
the standard library and pyarrow, not with the code that wrote it), the paper's figures
are the reference file's, and the verdicts follow the tested intervals."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from phylohub.errors import PhylohubError
from phylohub.findings.build import (
    Tables,
    _claim,
    collect,
    format_value,
    null_verdict,
    verdict,
    with_families,
)
from phylohub.findings.spec import CLAIMS, FINDINGS, NULL_CLAIMS, TESTS, Source, source_files

PAPER = Path(__file__).resolve().parents[2] / "src" / "phylohub" / "data" / "paper_numbers.yaml"


def _cell(root: Path, source: dict[str, Any]) -> Any:
    """The cell a findings.json source names, read independently of phylohub.findings."""
    path = root / source["file"]
    if "key" in source:
        node = json.loads(path.read_text())
        for k in source["key"]:
            node = node[k]
        return node
    if path.suffix == ".parquet":
        rows = pq.read_table(path).to_pylist()
    else:
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
    match = [r for r in rows if all(str(r[c]) == str(v) for c, v in source["row"].items())]
    if not match:
        return None
    assert len(match) == 1, source
    return match[0][source["column"]]


@pytest.fixture(scope="module")
def findings(tiny_workflow: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (tiny_workflow / "results" / "tiny" / "findings.json").read_text()
    )
    return data


def test_every_number_equals_its_table_cell(tiny_workflow: Path, findings: dict[str, Any]) -> None:
    root = tiny_workflow / "results" / "tiny"
    assert len(findings["findings"]) == len(FINDINGS) + len(CLAIMS) + len(NULL_CLAIMS)
    checked = 0
    for f in findings["findings"]:
        cell = _cell(root, f["source"])
        value = f["value"]
        missing = cell is None or cell in ("", "NaN")  # a TSV writes no value as NaN
        if missing or (isinstance(cell, float) and math.isnan(cell)):
            assert value is None, f["id"]  # no value (e.g. a rate over no pairs): n/a
        elif isinstance(value, str):
            assert value == str(cell), f["id"]
        else:
            assert value is not None, f["id"]
            expected = float(cell)
            assert (math.isnan(expected) and value is None) or value == pytest.approx(expected), f[
                "id"
            ]
            checked += 1
    assert checked > 60  # the numbers are there, not n/a


def test_a_number_on_too_few_families_says_so(
    tiny_workflow: Path, findings: dict[str, Any]
) -> None:
    """A finding with a status (the ecology's medians) prints it before the number
    exactly when its status cell is not ``measured``, and that cell says ``too few
    families`` exactly when the families it rests on are below ``ecology.min_families``."""
    root = tiny_workflow / "results" / "tiny"
    config = yaml.safe_load((tiny_workflow / "tiny.yaml").read_text())
    defaults = yaml.safe_load((PAPER.parents[3] / "config" / "config.yaml").read_text())
    floor = config.get("ecology", {}).get("min_families", defaults["ecology"]["min_families"])
    by_id = {f["id"]: f for f in findings["findings"]}
    counts = {
        "ecology_half_life": "half_life_families",
        "ecology_first_child": "first_child_families",
        "ecology_still_reproducing": "families",
    }
    with_status = [f for f in FINDINGS if f.status is not None]
    assert {f.id for f in with_status} == set(counts)
    seen = set()
    for spec in with_status:
        f = by_id[spec.id]
        status = _cell(root, spec.status.as_dict())
        key = list(spec.status.key)
        families = _cell(root, {"file": spec.status.file, "key": [*key[:-1], counts[spec.id]]})
        assert (status == "too few families") == (families < floor), (spec.id, families)
        assert status in ("measured", "too few families"), status
        assert f["shown"].startswith("too few families") == (status != "measured"), f
        seen.add(status)
    assert "too few families" in seen  # the tiny ecosystem has a few families only


def test_a_top_value_share_prints_its_count_and_whole(
    tiny_workflow: Path, findings: dict[str, Any]
) -> None:
    """The ecosystem's top-value shares say what they are shares of: "(n of N)", the
    value's count and the whole, read back from their cells; and n / N is the share."""
    root = tiny_workflow / "results" / "tiny"
    by_id = {f["id"]: f for f in findings["findings"]}
    with_counts = [f for f in FINDINGS if f.counts is not None]
    assert len(with_counts) >= 5
    for spec in with_counts:
        f = by_id[spec.id]
        count, whole = (int(_cell(root, c.as_dict())) for c in spec.counts)
        assert f["shown"].endswith(f" ({count:,} of {whole:,})"), f
        assert f["value"] == pytest.approx(count / whole, abs=5e-7), f


def test_every_number_is_printed_in_findings_md(
    tiny_workflow: Path, findings: dict[str, Any]
) -> None:
    md = (tiny_workflow / "results" / "tiny" / "findings.md").read_text()
    html = (tiny_workflow / "results" / "tiny" / "findings.html").read_text()
    for f in findings["findings"]:
        assert f"| {f['label']} | {f['shown'].replace('|', chr(92) + '|')} |" in md, f["id"]
        assert f["label"].replace("'", "&#x27;") in html


def test_each_section_is_one_table(tiny_workflow: Path, findings: dict[str, Any]) -> None:
    """A stage's claims join its numbers and the paper's claims stay together: every
    section heads one table, in findings.md and findings.html alike."""
    md = (tiny_workflow / "results" / "tiny" / "findings.md").read_text()
    html = (tiny_workflow / "results" / "tiny" / "findings.html").read_text()
    sections = list(dict.fromkeys(f["section"] for f in findings["findings"]))
    assert {"Claims of the paper", "Merges (pedigrees of two or more parents)"} <= set(sections)
    for section in sections:
        assert md.count(f"\n## {section}\n") == 1, section
        assert html.count(f"<h2>{escape(section)}</h2>") == 1, section


def test_paper_figures_are_the_reference_files(findings: dict[str, Any]) -> None:
    numbers = yaml.safe_load(PAPER.read_text())["numbers"]
    with_paper = [f for f in findings["findings"] if f["paper"]]
    assert len(with_paper) > 40
    for f in with_paper:
        ref = numbers[f["paper"]["id"]]
        assert (f["paper"]["value"], f["paper"]["shown"]) == (ref["value"], ref["shown"])
        assert f["paper"]["source"] == ref["source"]
    # a paper figure never stands where phylohub's value is printed
    for f in findings["findings"]:
        if f["paper"] and f["paper"]["value"] is not None and f["value"] is not None:
            assert f["shown"] != f["paper"]["shown"] or f["value"] == f["paper"]["value"]


def test_the_planted_claims_hold(findings: dict[str, Any], tiny_workflow: Path) -> None:
    # the demo ecosystem plants sibling-correlated mutations and inheritance
    verdicts = {f["id"]: f["verdict"] for f in findings["findings"] if "verdict" in f}
    assert verdicts["claim_family_resemblance"] == "holds"
    # The planted sibling advantage lies above 0; whether it gets a verdict depends on the
    # families it rests on, weighed by their draws (a few big families hold most cherries).
    with (tiny_workflow / "results" / "tiny" / TESTS).open(newline="") as f:
        wanted = ("siblings > parent_child", "paired in cherry", "metadata_tfidf")
        rows = csv.DictReader(f, delimiter="\t")
        row = next(r for r in rows if (r["comparison"], r["design"], r["measure"]) == wanted)
    assert float(row["ci_low"]) > 0
    enough = float(row["effective_families"]) >= 10
    assert verdicts["claim_siblings_over_parent"] == ("holds" if enough else "too few families")
    # On traits alone the planted advantage is positive, but its 2,500 models hold about
    # 20 families with a cherry: resampling families, that is not shown at 95%.
    traits = next(f for f in findings["findings"] if f["id"] == "claim_siblings_over_parent_traits")
    assert traits["value"] > 0 and traits["verdict"] != "does not hold"


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(0.01, 0.03, "holds"), (-0.03, -0.01, "does not hold"), (-0.01, 0.02, "not shown")],
)
def test_verdict_follows_the_interval(low: float, high: float, expected: str) -> None:
    row = {"difference": (low + high) / 2, "ci_low": low, "ci_high": high, "p_value": 0.01}
    assert verdict(row, "greater").startswith(expected)
    assert "p = 0.01" in verdict(row, "greater")


def test_every_similarity_claim_prints_its_family_count(
    tiny_workflow: Path, findings: dict[str, Any]
) -> None:
    root = tiny_workflow / "results" / "tiny"
    claims = [f for f in findings["findings"] if f["source"]["file"] == TESTS]
    assert claims
    for f in claims:
        row = _cell(root, {**f["source"], "column": "n_families"})
        effective = _cell(root, {**f["source"], "column": "effective_families"})
        status = _cell(root, {**f["source"], "column": "status"})
        shown = f", {int(row):,} families"
        if f"{float(effective):.1f}" != f"{float(row):.1f}":  # every family once: said once
            shown += f" ({float(effective):.1f} effective)"
        assert f["shown"].endswith(shown), f
        assert (float(effective) < 10) == (status == "too few families"), f
        assert (f["verdict"] == "too few families") == (status == "too few families"), f


def _test_rows(folder: Path, columns: str, *rows: str) -> Any:
    """A similarity_tests.tsv of these tab-separated columns and rows under ``folder``,
    and a claim of that table (pick a row with ``replace(claim, row=...)``)."""
    (folder / "similarity").mkdir()
    (folder / TESTS).write_text("\n".join([columns, *rows]) + "\n")
    return next(c for c in CLAIMS if c.file == TESTS)


def test_a_claim_on_too_few_families_gets_no_verdict(tmp_path: Path) -> None:
    claim = _test_rows(tmp_path, "claim\tdifference\tci_low\tci_high\tp_value\tn_families\tstatus",
                       "a\t0.2\t0.1\t0.3\t0.002\t4\ttoo few families",
                       "b\t0.2\t0.1\t0.3\t0.002\t40\ttested")  # fmt: skip
    few = _claim(Tables(tmp_path), replace(claim, row={"claim": "a"}))
    assert few["verdict"] == "too few families"
    assert few["shown"] == "too few families: +0.200 [+0.100, +0.300], p = 0.002, 4 families"
    many = _claim(Tables(tmp_path), replace(claim, row={"claim": "b"}))
    assert many["verdict"] == "holds" and many["shown"].endswith(", 40 families")
    # Claims of other tables (no family count) are printed as before.
    row = {"difference": 0.2, "ci_low": 0.1, "ci_high": 0.3, "p_value": 0.01}
    assert with_families(row, verdict(row, "greater")) == verdict(row, "greater")


def test_a_p_at_the_floor_of_its_resamples_is_a_bound(tmp_path: Path) -> None:
    claim = _test_rows(
        tmp_path, "claim\tdifference\tci_low\tci_high\tp_value\tresamples\tn_families\tstatus",
        "a\t0.2\t0.1\t0.3\t0.0002\t10000\t40\ttested",
        "b\t0.2\t0.1\t0.3\t0.0004\t10000\t40\ttested",
    )  # fmt: skip
    floor = _claim(Tables(tmp_path), replace(claim, row={"claim": "a"}))
    assert "p <= 0.0002 (the floor with 10,000 resamples)" in floor["shown"]
    above = _claim(Tables(tmp_path), replace(claim, row={"claim": "b"}))
    assert "p = 0.0004," in above["shown"]


@pytest.mark.parametrize(("parents", "expected"), [(2, "too few parents"), (30, "holds")])
def test_a_thinning_claim_says_its_pairs_and_parents(
    tmp_path: Path, parents: int, expected: str
) -> None:
    """Its interval resamples parents: on two it is no evidence, whatever it shows."""
    import polars as pl

    (tmp_path / "traits").mkdir()
    row = {"measure": "card_chars", "relation": "all", "estimate": "edges", "pairs": 10,
           "parents": parents, "change_mean": -920.0, "change_low": -1020.0,
           "change_high": -820.0}  # fmt: skip
    pl.DataFrame([row]).write_parquet(tmp_path / "traits" / "thinning.parquet")
    claim = next(c for c in CLAIMS if c.id == "claim_cards_thin")
    got = _claim(Tables(tmp_path), claim)
    assert got["verdict"] == expected
    assert got["shown"].endswith(f"[-1,020, -820], 10 pairs from {parents} parents")


def test_null_verdict_needs_the_null_beaten() -> None:
    assert null_verdict(0.9, 0.6, 0.02, 199).startswith("holds: 90.0% vs 60.0%")
    assert null_verdict(0.7, 0.68, 0.4, 199).startswith("not shown")


def test_formats() -> None:
    assert format_value(None, "int") == "n/a"
    assert format_value(float("nan"), "share") == "n/a"
    assert format_value(0.06, "share") == "6.0%"
    assert format_value(12.0, "text") == "12.0"


def test_a_missing_table_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PhylohubError, match=r"no table .*summary/overview\.tsv: run the stage"):
        collect(tmp_path, "x")


def test_a_row_matching_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "t.tsv").write_text("metric\tvalue\na\t1\na\t2\n")
    with pytest.raises(PhylohubError, match="2 rows where"):
        Tables(tmp_path).value(Source("t.tsv", "value", {"metric": "a"}))


def test_source_files_cover_every_finding() -> None:
    files = set(source_files().values())
    claims = {c.file for c in CLAIMS} | {c.file for c in NULL_CLAIMS}
    assert {f.source.file for f in FINDINGS} | claims == files


def test_data_quality_counts_and_rates_both_ways_are_findings() -> None:
    """Every rule of the snapshot's data_quality is counted, and every trait's headline
    rate is shown with flagged values kept and left out, from tables the pipeline wrote."""
    from phylohub.snapshot.quality import RULES
    from phylohub.traits.mutation import FLAGGED, TRAITS

    by_source = {(f.source.file, tuple(sorted(f.source.row.items()))): f for f in FINDINGS}
    for rule in RULES:
        assert ("data_quality.tsv", (("rule", rule),)) in by_source, rule
    assert ("data_quality.tsv", (("rule", "all"),)) in by_source
    for trait in TRAITS:
        for flagged in FLAGGED:
            row = (("flagged", flagged), ("relation", "all"), ("trait", trait))
            assert ("traits/mutation_rates_flagged.parquet", row) in by_source


def test_a_label_is_said_twice_only_by_a_row_that_reads_with_the_one_before() -> None:
    """A reader tells the rows apart by their labels: one that repeats must be a sub-row
    ('... interval, low', 'its share of ...') of the row above it."""
    seen: dict[str, str] = {}
    for f in FINDINGS:
        if f.label in seen and not f.label.startswith(("...", "its ")):
            raise AssertionError(f"{f.id} repeats the label of {seen[f.label]}: {f.label!r}")
        seen.setdefault(f.label, f.id)


@pytest.mark.parametrize("families", [3, 9, 10, 40])
def test_a_summary_written_before_the_status_takes_it_from_its_families(
    tmp_path: Path, families: int
) -> None:
    """An ecology summary.json without ``*_status`` (written by the code before it): the
    status follows the families the number rests on and ``ecology.min_families``, both
    ways; a status the file holds is taken as it is."""
    from phylohub.findings.build import _status
    from phylohub.findings.spec import Choices

    life = {"half_life_median": 4.0, "half_life_families": families}
    (tmp_path / "ecology").mkdir()
    path = tmp_path / "ecology" / "summary.json"
    path.write_text(json.dumps({"life": {"no_merge": life}}))
    spec = next(f for f in FINDINGS if f.id == "ecology_half_life")
    choices = Choices(min_families=10)
    expected = "too few families" if families < 10 else "measured"
    assert _status(Tables(tmp_path), spec, choices) == expected
    path.write_text(json.dumps({"life": {"no_merge": {**life, "half_life_status": "x"}}}))
    assert _status(Tables(tmp_path), spec, choices) == "x"
