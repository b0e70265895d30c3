"""The demo ecosystem (config/demo.yaml's replica.synth) plants the merges' pedigrees and
their inheritance, so that the demo's Merges findings have a planted truth to show: the
rules fire, and every license the rule set is the most-downloaded parent's."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from phylohub.hub.synth import generate, load_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_truth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg, _ = load_config(ROOT / "config" / "demo.yaml")
    out = tmp_path_factory.mktemp("demo_merges") / "eco"
    generate(cfg, out)
    return out


def test_the_demo_plants_which_parent_a_merge_inherits_from(demo_truth: Path) -> None:
    truth = json.loads((demo_truth / "truth.json").read_text())["merges"]
    assert truth["traits"]["merge_license_dominant_share"] > 0
    assert truth["traits"]["merge_language_union_share"] > 0
    with sqlite3.connect(demo_truth / "hub.sqlite") as con:
        fired = dict(con.execute("SELECT trait, sum(rule) FROM truth_merge_traits GROUP BY trait"))
        union = con.execute(
            "SELECT count(*) FROM truth_merge_traits WHERE trait = 'language' AND rule = 1 "
            "AND outcome = 'union'"
        ).fetchone()[0]
    assert fired["license"] >= 20 and fired["language"] >= 20
    assert union > 0  # a planted union shows where the parents' languages differ
