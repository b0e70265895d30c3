"""What a merges rule's script imports before it does any work: scipy (scipy.sparse's
csgraph for the components of the family graph, scipy.special for the intervals) is
imported where it is used, not at start; at start it took about half of the scripts'
imports, longer than many a merges rule's work (bench/startup.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports import loaded_by

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "workflow" / "scripts"
NOT_AT_START = ("scipy", "matplotlib", "huggingface_hub")


@pytest.mark.parametrize(
    "rule", ["trace_merges", "measure_merge_inheritance", "measure_merge_resemblance"]
)
def test_a_merges_rule_imports_no_scipy_at_start(rule: str) -> None:
    modules = loaded_by(SCRIPTS / f"{rule}.py")
    assert "phylohub.merges.stage" in modules  # the probe ran the script's imports
    assert not [m for m in NOT_AT_START if m in modules]
