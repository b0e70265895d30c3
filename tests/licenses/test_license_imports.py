"""What the licenses' rules import before they work. plot_license_breaches draws two
figures from two small TSVs and needs neither the audit nor what it imports (the
snapshot build and DuckDB, scipy.special); with them its imports took about twice as
long. audit_licenses imports scipy (the intervals' quantile functions) where an
interval is computed, not at start; at start it took about a fifth of the script's
imports (bench/startup.py)."""

from __future__ import annotations

from pathlib import Path

from tests.imports import loaded_at_start, loaded_by

ROOT = Path(__file__).resolve().parents[2]
NOT_FOR_DRAWING = ("phylohub.licenses.audit", "phylohub.snapshot.build", "duckdb", "scipy")


def test_the_figure_rule_imports_no_audit() -> None:
    modules = loaded_by(ROOT / "workflow" / "scripts" / "plot_license_breaches.py")
    assert "phylohub.licenses.plots" in modules  # the probe ran the script's imports
    assert not [m for m in NOT_FOR_DRAWING if m in modules]


def test_the_audit_rule_imports_no_scipy_at_start() -> None:
    assert loaded_at_start("audit_licenses", "phylohub.licenses.audit") == []


def test_the_package_still_gives_the_audits_names() -> None:
    import phylohub.licenses as licenses

    assert licenses.audit_licenses.__module__ == "phylohub.licenses.audit"
    assert licenses.load_rules().licenses
    assert set(licenses.__all__) <= set(dir(licenses))
