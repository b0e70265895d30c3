"""What rule plot_license_breaches imports before it draws: two figures from two small
TSVs need neither the audit nor what it imports (the snapshot build and DuckDB,
scipy.special); with them its imports took about twice as long (bench/startup.py)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_FOR_DRAWING = ("phylohub.licenses.audit", "phylohub.snapshot.build", "duckdb", "scipy")


def loaded_by(script: Path) -> set[str]:
    """The modules a fresh interpreter holds after the script's top-level imports."""
    tree = ast.parse(script.read_text())
    imports = [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    probe = "\n".join([*imports, "import json, sys", "print(json.dumps(sorted(sys.modules)))"])
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(run.stdout.splitlines()[-1]))


def test_the_figure_rule_imports_no_audit() -> None:
    modules = loaded_by(ROOT / "workflow" / "scripts" / "plot_license_breaches.py")
    assert "phylohub.licenses.plots" in modules  # the probe ran the script's imports
    assert not [m for m in NOT_FOR_DRAWING if m in modules]


def test_the_package_still_gives_the_audits_names() -> None:
    import phylohub.licenses as licenses

    assert licenses.audit_licenses.__module__ == "phylohub.licenses.audit"
    assert licenses.load_rules().licenses
    assert set(licenses.__all__) <= set(dir(licenses))
