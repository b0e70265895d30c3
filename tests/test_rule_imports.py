"""Rules that never touch an arrow table load no pyarrow at start (nor numpy, which
pyarrow imports, where the rule does not import it itself): with pyarrow their imports
took 0.1-0.15 s longer, for nothing (bench/startup.py). pyarrow came in through
``phylohub.io`` (for one writer's one branch), ``phylohub.snapshot.build`` (the rules that
only open a built snapshot) and ``phylohub.crawl.schema`` (the card encodings'
names); the job of each rule below ran without loading it."""

from __future__ import annotations

import pytest

from tests.imports import NO_ARROW, loaded_at_start

#: Each rule and a module its script needs (the probe that its imports ran).
RULES = {
    "summarize_crawl": "phylohub.summary.health",
    "plot_summary": "phylohub.summary.plots",
    "write_findings": "phylohub.findings.build",
    "measure_ecology_deaths": "phylohub.ecology.deaths",
    "plot_ecology": "phylohub.ecology.plots",
    "plot_family_figures": "phylohub.genealogy.plots",
    "plot_family_trees": "phylohub.genealogy.plots",
    "plot_inference": "phylohub.inference.plots",
    "plot_license_breaches": "phylohub.licenses.plots",
    "plot_merges": "phylohub.merges.plots",
    "solve_orderings": "phylohub.traits.drift",
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_rule_without_arrow_tables_loads_no_pyarrow_at_start(rule: str) -> None:
    assert loaded_at_start(rule, RULES[rule], NO_ARROW) == []


@pytest.mark.parametrize("rule", ["summarize_crawl", "write_findings"])
def test_a_rule_without_arrays_loads_no_numpy_at_start(rule: str) -> None:
    assert loaded_at_start(rule, RULES[rule], ("numpy", "duckdb")) == []
