"""The production crawler depends on nothing of the replica (the Hub's test double)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import phylohub.crawl


def test_importing_the_crawler_loads_no_module_of_the_replica_hub() -> None:
    # In a fresh interpreter: every crawl module, then which phylohub.hub modules came along.
    names = sorted(m.name for m in pkgutil.iter_modules(phylohub.crawl.__path__, "phylohub.crawl."))
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('phylohub.hub')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert "phylohub.crawl.arxiv" in names
    assert result.stdout.strip() == "[]"
