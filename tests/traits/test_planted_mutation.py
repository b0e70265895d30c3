"""Mutation rates and transitions recover what the synthetic ecosystem planted.

The reference is the planted truth (``truth_models``, ``truth_edges``, ``truth.json``)
of the session's 20,000-model snapshot, or a brute-force recount in Python.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from phylohub.snapshot.languages import iso_639_codes
from phylohub.traits.drift import count_transitions
from phylohub.traits.mutation import jaccard_distance, mutation_distances, mutation_rates
from phylohub.traits.snapshot import TYPED_RELATIONS, frame, open_snapshot
from phylohub.vocabulary import TAG_TRAITS as TRAITS  # the latent traits the truth holds

_COLUMN = {"license": "license", "language": "languages", "task": "task", "library": "library"}


@dataclass(frozen=True)
class PlantedPair:
    """A primary (first-parent) edge of the truth, both sides listed."""

    relation: str
    parent: int
    child: int


def _language_names(codes: str) -> set[str]:
    """The snapshot's reading of a planted language set (``en`` and ``eng`` are English)."""
    iso = iso_639_codes()
    return {iso[c.lower()][0] if c.lower() in iso else c for c in codes.split(",")}


def _values(row: sqlite3.Row, trait: str) -> set[str]:
    raw = row[_COLUMN[trait]]
    return _language_names(raw) if trait == "language" else {raw}


def _planted_pairs(db: sqlite3.Connection) -> Iterator[PlantedPair]:
    private = dict(db.execute("SELECT key, private FROM truth_models"))
    seen: set[int] = set()
    for child, parent, relation in db.execute(
        "SELECT child, parent, relation FROM truth_edges ORDER BY rowid"
    ):
        if child in seen:
            continue  # a merge's later parents: the truth measures the first only
        seen.add(child)
        if not private[child] and not private[parent]:
            yield PlantedPair(relation, parent, child)


@pytest.fixture(scope="module")
def truth(snapshot20k: Path) -> dict[str, object]:
    return json.loads((snapshot20k.parent / "eco" / "truth.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def planted_distances(snapshot20k: Path) -> dict[tuple[str, str], list[float]]:
    """Definition 7.1 on every planted first-parent pair where both sides show the trait,
    computed from the latent values (languages read as the snapshot reads them)."""
    db = sqlite3.connect(snapshot20k.parent / "eco" / "hub.sqlite")
    db.row_factory = sqlite3.Row
    models = {r["key"]: r for r in db.execute("SELECT * FROM truth_models")}
    out: dict[tuple[str, str], list[float]] = {}
    for pair in _planted_pairs(db):
        p, c = models[pair.parent], models[pair.child]
        for trait in TRAITS:
            if p[f"shown_{trait}"] and c[f"shown_{trait}"]:
                d = jaccard_distance(_values(p, trait), _values(c, trait))
                out.setdefault((trait, pair.relation), []).append(d)
                if pair.relation in TYPED_RELATIONS:
                    out.setdefault((trait, "all"), []).append(d)
    return out


@pytest.fixture(scope="module")
def measured(snapshot20k: Path) -> pl.DataFrame:
    con = open_snapshot(snapshot20k, "first")
    distances = mutation_distances(con)
    con.close()
    return distances


def test_rates_equal_the_planted_distances_pair_for_pair(
    measured: pl.DataFrame, planted_distances: dict[tuple[str, str], list[float]]
) -> None:
    table = mutation_rates(measured)
    checked = 0
    for row in table.filter(pl.col("trait").is_in(TRAITS)).iter_rows(named=True):
        planted = planted_distances.get((row["trait"], row["relation"]), [])
        assert row["pairs"] == len(planted), row
        if planted:
            assert row["rate"] == pytest.approx(sum(planted) / len(planted), abs=1e-12), row
            checked += 1
    assert checked >= 20


def test_rates_equal_the_realised_truth_for_single_valued_traits(
    measured: pl.DataFrame, truth: dict[str, object]
) -> None:
    """Licenses, tasks and libraries are read exactly as planted; languages are not quite
    (``fr`` and ``fra`` are both French in the snapshot), hence the test above."""
    table = mutation_rates(measured)
    rates = truth["mutation_rates"]
    assert isinstance(rates, dict)
    for trait in ("license", "task", "library"):
        for relation, planted in rates[trait].items():
            row = table.filter(trait=trait, relation=relation).row(0, named=True)
            assert row["pairs"] == planted["edges"]
            if planted["edges"]:
                assert row["rate"] == pytest.approx(planted["realised"], abs=1e-12)


def test_planted_expected_rates_lie_in_their_simultaneous_intervals(
    measured: pl.DataFrame, truth: dict[str, object]
) -> None:
    """The generator's expected rate (what the rate estimates) falls inside every
    interval; the level is Bonferroni-corrected over the cells so that the whole family
    of statements holds at 95%."""
    rates = truth["mutation_rates"]
    assert isinstance(rates, dict)
    cells = [
        (trait, relation, planted["expected"])
        for trait in TRAITS
        for relation, planted in rates[trait].items()
        if planted["edges"] >= 10
    ]
    level = 1 - 0.05 / len(cells)
    table = mutation_rates(measured, level=level)
    misses = []
    for trait, relation, expected in cells:
        row = table.filter(trait=trait, relation=relation).row(0, named=True)
        if not row["ci_low"] <= expected <= row["ci_high"]:
            misses.append((trait, relation, expected, row["ci_low"], row["ci_high"]))
    assert not misses
    assert len(cells) >= 20


def test_intervals_are_cluster_robust_not_naive(measured: pl.DataFrame) -> None:
    """Siblings mutate together (sibling_correlation 0.8): the parent-clustered interval
    of a relation with many siblings is wider than an interval treating pairs as
    independent draws."""
    row = mutation_rates(measured).filter(trait="task", relation="all").row(0, named=True)
    p, n = row["rate"], row["pairs"]
    naive_se = (p * (1 - p) / n) ** 0.5
    assert row["se"] > 1.3 * naive_se


def test_every_merge_parent_is_compared_when_asked(snapshot20k: Path) -> None:
    con = open_snapshot(snapshot20k, "all")
    pairs = frame(con, "SELECT count(*) AS n FROM compared_edges WHERE relation = 'merge'")
    listed = frame(
        con, "SELECT count(*) AS n FROM edges WHERE relation = 'merge' AND parent_in_snapshot"
    )
    con.close()
    assert pairs["n"][0] == listed["n"][0]


def test_transitions_equal_a_brute_force_recount(snapshot20k: Path) -> None:
    """Every compared pair's sets recounted in Python: dropped -> child, parent -> added."""
    con = open_snapshot(snapshot20k, "first")
    tables = count_transitions(con)
    rows = frame(
        con,
        """
        SELECT e.relation, p.licenses AS pl, c.licenses AS cl, p.languages AS pg,
            c.languages AS cg, p.task AS pt, c.task AS ct, p.library AS pb, c.library AS cb
        FROM compared_edges e JOIN traits p ON p.id = e.parent JOIN traits c ON c.id = e.child
        """,
    )
    con.close()
    expected: Counter[tuple[str, str, str, str]] = Counter()
    for rel, pl_, cl, pg, cg, pt, ct, pb, cb in rows.iter_rows():
        sides = {
            "license": (pl_, cl),
            "language": (pg, cg),
            "task": ([pt] if pt else [], [ct] if ct else []),
            "library": ([pb] if pb else [], [cb] if cb else []),
        }
        for trait, (p, c) in sides.items():
            p, c = set(p), set(c)
            if not p or not c:
                continue
            logged = {(d, x) for d in p - c for x in c} | {(x, a) for x in p for a in c - p}
            for s, t in logged:
                expected[(trait, rel, s, t)] += 1
    got = {
        (tr, rel, s, t): n
        for tr, rel, s, t, n in tables.transitions.select(
            "trait", "relation", "source", "target", "transitions"
        ).iter_rows()
    }
    assert got == dict(expected)
    assert sum(got.values()) > 1000
