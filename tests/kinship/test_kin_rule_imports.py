"""What rule sample_kin_pairs imports before it samples: scipy.sparse's csgraph (the
components of the kin forest) is imported where the forest is loaded, not at start; at
start it took about half of the script's imports (bench/startup.py)."""

from __future__ import annotations

from pathlib import Path

from tests.imports import loaded_by

ROOT = Path(__file__).resolve().parents[2]
NOT_AT_START = ("scipy", "matplotlib", "huggingface_hub")


def test_the_sampling_rule_imports_no_scipy_at_start() -> None:
    modules = loaded_by(ROOT / "workflow" / "scripts" / "sample_kin_pairs.py")
    assert "phylohub.kinship.pairs" in modules  # the probe ran the script's imports
    assert not [m for m in NOT_AT_START if m in modules]
