"""What a merges rule's script imports before it does any work: scipy (scipy.sparse's
csgraph for the components of the family graph, scipy.special for the intervals) is
imported where it is used, not at start; at start it took about half of the scripts'
imports, longer than many a merges rule's work (bench/startup.py)."""

from __future__ import annotations

import pytest

from tests.imports import loaded_at_start


@pytest.mark.parametrize(
    "rule", ["trace_merges", "measure_merge_inheritance", "measure_merge_resemblance"]
)
def test_a_merges_rule_imports_no_scipy_at_start(rule: str) -> None:
    assert loaded_at_start(rule, "phylohub.merges.stage") == []
