"""bench/startup.py times a rule script's imports and nothing else of it."""

from __future__ import annotations

from pathlib import Path

from tests.imports import ROOT, bench_script


def _startup() -> object:
    return bench_script("startup")


def test_only_the_top_level_imports_of_a_script_are_timed(tmp_path: Path) -> None:
    script = tmp_path / "rule.py"
    script.write_text(
        '"""doc"""\nfrom pathlib import Path\nimport json\n\nrun(snakemake)\n'
        "def f():\n    import sys\n"
    )
    imports_of = _startup().imports_of  # type: ignore[attr-defined]
    assert imports_of(script).splitlines() == ["from pathlib import Path", "import json"]


def test_every_rule_script_parses_to_runnable_imports() -> None:
    imports_of = _startup().imports_of  # type: ignore[attr-defined]
    for script in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        code = imports_of(script)
        compile(code, str(script), "exec")
        assert "snakemake" not in code
