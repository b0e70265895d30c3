"""What rule audit_licenses imports before it audits: scipy (the intervals' quantile
functions, from scipy.special) is imported where an interval is computed, not at start;
at start it took about a fifth of the script's imports (bench/startup.py)."""

from __future__ import annotations

from pathlib import Path

from tests.imports import loaded_by

ROOT = Path(__file__).resolve().parents[2]
NOT_AT_START = ("scipy", "matplotlib", "huggingface_hub")


def test_the_audit_rule_imports_no_scipy_at_start() -> None:
    modules = loaded_by(ROOT / "workflow" / "scripts" / "audit_licenses.py")
    assert "phylohub.licenses.audit" in modules  # the probe ran the script's imports
    assert not [m for m in NOT_AT_START if m in modules]
