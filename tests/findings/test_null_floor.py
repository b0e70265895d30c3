"""A Monte Carlo p-value has a floor, 1 / (replicates + 1): findings print it as a bound,
and a null claim whose floor is not below alpha is "too few replicates", never "holds"."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phylohub.findings.build import Tables, _null_claim, format_null_p, null_verdict, p_floor
from phylohub.findings.spec import NULL_CLAIMS
from phylohub.io import write_json
from phylohub.traits.drift import DriftGraph, DriftSettings, order_graph


def test_the_floor_is_printed_as_a_bound() -> None:
    assert format_null_p(1 / 51, 50) == "p <= 0.0196 (the floor with 50 replicates)"
    assert format_null_p(1 / 1000, 999) == "p <= 0.001 (the floor with 999 replicates)"
    assert format_null_p(3 / 51, 50) == "p = 0.059"  # above the floor: a plain p


@pytest.mark.parametrize(
    ("replicates", "expected"),
    [(10, "too few replicates"), (19, "too few replicates"), (20, "holds"), (199, "holds")],
)
def test_a_null_claim_at_its_floor_holds_only_when_the_floor_is_below_alpha(
    replicates: int, expected: str
) -> None:
    shown = null_verdict(0.9, 0.6, p_floor(replicates), replicates, alpha=0.05)
    assert shown.split(":")[0] == expected
    assert f"the floor with {replicates} replicates" in shown


def test_too_few_replicates_is_said_even_when_the_null_does_well() -> None:
    assert null_verdict(0.6, 0.6, 0.5, 10).startswith("too few replicates")
    assert null_verdict(0.6, 0.6, 0.5, 50).startswith("not shown")


def _planted_graph(k: int = 6) -> DriftGraph:
    """A graph whose every transition goes down the order 0 < 1 < ... < k-1."""
    counts = np.triu(np.full((k, k), 40, dtype=np.int64), 1)
    return DriftGraph(
        trait="license",
        values=tuple(f"v{i}" for i in range(k)),
        models=tuple([100] * k),
        exposure=np.full(k, 500, dtype=np.int64),
        counts=counts,
        transitions=int(counts.sum()),
    )


@pytest.mark.parametrize("replicates", [10, 60])
def test_the_drift_p_is_the_monte_carlo_p_with_its_replicates(replicates: int) -> None:
    settings = DriftSettings(null_replicates=replicates, check_unique=False, seed=3)
    report = order_graph(_planted_graph(), settings)["orderings"]["weighted"]
    null = report["null"]["mutations_explained"]
    assert null["replicates"] == replicates
    # every transition forward: no coin-flip graph does as well, so p is the floor, not 0
    assert null["p"] == pytest.approx(1 / (replicates + 1))


def _orderings(tmp_path: Path, replicates: int) -> Tables:
    settings = DriftSettings(null_replicates=replicates, check_unique=False, seed=3)
    trait = order_graph(_planted_graph(), settings)
    data: dict[str, Any] = {"settings": {"null_replicates": replicates}, "traits": {}}
    for name in ("license", "language", "task", "library"):
        data["traits"][name] = trait
    (tmp_path / "traits").mkdir(exist_ok=True)
    (tmp_path / "traits" / "orderings.json").write_text(json.dumps(data))
    return Tables(tmp_path)


@pytest.mark.parametrize(("replicates", "expected"), [(10, "too few replicates"), (60, "holds")])
def test_findings_read_the_replicates_from_the_orderings(
    tmp_path: Path, replicates: int, expected: str
) -> None:
    tables = _orderings(tmp_path, replicates)
    for claim in NULL_CLAIMS:
        got = _null_claim(tables, claim)
        assert got["verdict"] == expected, got["shown"]
        bound = f"p <= {p_floor(replicates):.3g} (the floor with {replicates} replicates)"
        assert bound in got["shown"]


def test_a_trait_without_transitions_is_not_blamed_on_the_replicates(tmp_path: Path) -> None:
    """0 / 0 explained (no transition between the kept values, a small snapshot): not
    tested for that reason, even with replicates asked for; with none asked, that."""
    settings = DriftSettings(null_replicates=19, check_unique=False, seed=3)
    empty = _planted_graph()
    empty = DriftGraph(empty.trait, empty.values, empty.models, empty.exposure,
                       np.zeros_like(empty.counts), 0)  # fmt: skip
    for graph, expected in ((empty, "no transitions between the values kept"),
                            (_planted_graph(), "no null replicates")):  # fmt: skip
        report = order_graph(graph, replace(settings, null_replicates=19 if graph is empty else 0))
        data = {"settings": {"null_replicates": 19}, "traits": {"license": report}}
        write_json(data, tmp_path / "traits" / "orderings.json")  # as the stage: NaN is null
        got = _null_claim(Tables(tmp_path), NULL_CLAIMS[0])
        assert got["verdict"] == "not tested" and expected in got["shown"], got["shown"]


def test_a_drift_claim_says_what_it_rests_on_and_both_directions(tmp_path: Path) -> None:
    """Its transitions and the parents that log them (the coin flips' clusters), and the
    verdict the other way round where the coin flips explain more."""
    graph = replace(_planted_graph(), parents=7)
    settings = DriftSettings(null_replicates=60, check_unique=False, seed=3)
    report = order_graph(graph, settings)
    data = {"settings": {"null_replicates": 60}, "traits": {"license": report}}
    write_json(data, tmp_path / "traits" / "orderings.json")
    got = _null_claim(Tables(tmp_path), NULL_CLAIMS[0])
    assert got["verdict"] == "holds"
    assert got["shown"].endswith(f", {graph.transitions:,} transitions from 7 parents")
    # the same node with the observed share below every coin-flip graph's
    weighted = report["orderings"]["weighted"]
    weighted["mutations_explained"] = 0.1
    weighted["null"]["mutations_explained"].update(p=1.0, p_less=1 / 61)
    write_json(data, tmp_path / "traits" / "orderings.json")
    got = _null_claim(Tables(tmp_path), NULL_CLAIMS[0])
    assert got["verdict"] == "does not hold (the opposite holds)", got["shown"]
