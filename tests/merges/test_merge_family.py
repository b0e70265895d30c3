"""``phylohub family MODEL_ID`` shows a merge's parents and its inbreeding coefficient."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from phylohub.genealogy.query import family_report
from tests.genealogy.genealogy_snapshots import tiny_snapshot

PHYLOHUB = [sys.executable, "-m", "phylohub.cli"]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("merge_query") / "results" / "tiny"
    tiny_snapshot(
        folder,
        [
            ("org/base", []),
            ("org/other", []),
            ("a/ft1", ["base_model:finetune:org/base"]),
            ("a/ft2", ["base_model:finetune:a/ft1"]),
            ("b/sib1", ["base_model:finetune:a/ft1"]),
            # half cousins' kin: f(ft2, sib1) = f(ft2, ft1) / 2 = 1/8
            ("c/inbred", ["base_model:merge:a/ft2", "base_model:merge:b/sib1"]),
            ("c/outcrossed", ["base_model:merge:org/other", "base_model:merge:a/ft2"]),
        ],
    )
    return folder


def test_a_merge_shows_its_parents_and_inbreeding(snapshot: Path) -> None:
    lines = family_report(snapshot, "c/inbred").splitlines()
    assert "merge of 2 parents (tag order, families of no_merge)" in lines
    parents = next(line for line in lines if line.startswith("  parents        a/ft2 (family"))
    assert parents.index("a/ft2") < parents.index("b/sib1")
    assert "  inbreeding     F = 0.1250 (inbred: one family)" in lines


def test_an_outcrossed_merge_lists_the_first_parent_first(snapshot: Path) -> None:
    out = subprocess.run(
        [*PHYLOHUB, "family", "c/outcrossed", "--snapshot", str(snapshot)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    lines = out.splitlines()
    merge_parents = lines[lines.index("merge of 2 parents (tag order, families of no_merge)") + 1]
    assert merge_parents.index("org/other") < merge_parents.index("a/ft2")
    assert "  inbreeding     F = 0.0000 (outcrossed: 2 families)" in lines


def test_other_models_show_no_merge_lines(snapshot: Path) -> None:
    assert "inbreeding" not in family_report(snapshot, "a/ft2")
