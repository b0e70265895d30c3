"""What a rule script loads before it does any work, for the tests that keep rule scripts'
imports light (every rule is a process of its own; bench/startup.py times the same), and
the benchmark scripts loaded as modules for their tests."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def loaded_by(script: Path) -> set[str]:
    """The modules a fresh interpreter holds after the script's top-level imports."""
    tree = ast.parse(script.read_text())
    imports = [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    return loaded_by_source("\n".join(imports))


def loaded_by_source(imports: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``imports``."""
    probe = "\n".join([imports, "import json, sys", "print(json.dumps(sorted(sys.modules)))"])
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(run.stdout.splitlines()[-1]))


#: Modules a rule that neither draws nor talks to the Hub must not load at start: scipy
#: (imported where an interval or a graph's components are computed: at start it took
#: longer than many a rule's work), matplotlib, huggingface_hub.
NOT_AT_START = ("scipy", "matplotlib", "huggingface_hub")
#: The same and pyarrow (about 0.1-0.15 s with the numpy it imports), for the rules that
#: never touch an arrow table: they read and write through polars, and ``phylohub.io``,
#: ``phylohub.snapshot.connect`` and ``phylohub.crawl.values`` import no pyarrow.
NO_ARROW = (*NOT_AT_START, "pyarrow")


def loaded_at_start(rule: str, probe: str, modules: tuple[str, ...] = NOT_AT_START) -> list[str]:
    """Those of ``modules`` that rule ``rule``'s script loads with its top-level imports;
    ``probe``, a module the script needs, must be loaded (the imports ran)."""
    loaded = loaded_by(ROOT / "workflow" / "scripts" / f"{rule}.py")
    assert probe in loaded, f"{rule}: the probe did not load {probe}"
    return [m for m in modules if m in loaded]


def bench_script(name: str) -> ModuleType:
    """``bench/<name>.py`` loaded as a module (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
