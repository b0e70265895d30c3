"""What rule sample_kin_pairs imports before it samples: scipy.sparse's csgraph (the
components of the kin forest) is imported where the forest is loaded, not at start; at
start it took about half of the script's imports (bench/startup.py)."""

from __future__ import annotations

from tests.imports import loaded_at_start


def test_the_sampling_rule_imports_no_scipy_at_start() -> None:
    assert loaded_at_start("sample_kin_pairs", "phylohub.kinship.pairs") == []
