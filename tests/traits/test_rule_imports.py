"""What a traits rule's script imports before it does any work: every rule is a process
of its own, and the imports below took longer than many a rule's work (bench/startup.py).
The script's top-level imports run in a fresh interpreter; the modules named here must
not be among those it loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports import loaded_by

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "workflow" / "scripts"

#: Never needed at import: scipy (the intervals need two quantile functions of
#: scipy.special, imported where they are computed: scipy.special alone took longer to
#: import than many a rule's work), the inference stage's own modules (the later stages
#: read only the genealogy.inferred switch), huggingface_hub (opening a snapshot needs
#: DuckDB only).
NEVER = ("scipy", "phylohub.inference.stage", "huggingface_hub")
#: Drawing is for the figure rules only.
DRAWING = ("matplotlib",)

RULES = {
    "measure_mutation_rates": NEVER + DRAWING,
    "count_transitions": NEVER + DRAWING,
    "solve_orderings": NEVER + DRAWING,
    "measure_thinning": NEVER + DRAWING,
    "measure_parameters_by_generation": NEVER + DRAWING,
    "compare_inferred_kin": NEVER + DRAWING,
    "plot_traits": NEVER,
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_rule_script_imports_only_what_its_work_needs(rule: str) -> None:
    modules = loaded_by(SCRIPTS / f"{rule}.py")
    assert "phylohub" in modules  # the probe ran the script's imports
    assert not [m for m in RULES[rule] if m in modules]
