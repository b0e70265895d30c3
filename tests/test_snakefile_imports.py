"""What the Snakefile imports while Snakemake parses it and builds the DAG: names and
paths only. Every `snakemake` start pays for these imports (a run, its report, a dry
run, and on a cluster every job, which parses the Snakefile again); the similarity
measures' module (for two names) and the diff's package (for two path functions) once
pulled in polars, DuckDB, pyarrow and scipy.sparse, about a fifth of a dry run's time
(docs/performance.md, "Fixed costs of the workflow itself")."""

from __future__ import annotations

import re

from tests.imports import ROOT, loaded_by_source

#: A phylohub import on a line of its own, at the top of a rule file or in a function.
IMPORT = re.compile(r"^\s*((?:from phylohub[\w.]* import .+)|(?:import phylohub[\w.]*))$")
#: Data and drawing libraries: the rules' scripts load what they need in their own jobs.
HEAVY = ("polars", "duckdb", "pyarrow", "scipy", "matplotlib", "rapidfuzz", "huggingface_hub")


def snakefile_imports() -> list[str]:
    files = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
    found = [
        m.group(1)
        for f in files
        for line in f.read_text().splitlines()
        if (m := IMPORT.match(line))
    ]
    return sorted(set(found))


def test_the_snakefile_imports_no_data_library() -> None:
    imports = snakefile_imports()
    # the probe reads one line per import: a parenthesised one would be cut short
    assert [i for i in imports if i.endswith("(")] == [], "one line per phylohub import"
    # the probe: the imports below are the ones the DAG needs (names of the similarity
    # measures, the findings' sources, the earlier snapshots)
    assert "from phylohub.similarity.names import measure_names" in imports
    modules = loaded_by_source("\n".join(imports))
    assert {
        "phylohub.similarity.names",
        "phylohub.diff.snapshots",
        "phylohub.findings.spec",
    } <= modules
    assert [m for m in HEAVY if m in modules] == []
