"""Claims resting on few families by weight get no verdict, however many families they touch.

Cherries (a parent and two children) are planted family by family with a known
difference between the siblings' similarity and the parent/child similarity, and with
family sizes chosen so that the count of distinct families and Kish's effective number
of families disagree. The summary's ``too few families`` must follow the effective
number, and its ``difference_without_largest`` must be what the other families planted.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from phylohub.similarity.summary import summarize

PAIRED = ("siblings > parent_child", "paired in cherry")


def cherries(sizes: list[int], gaps: list[float], seed: int) -> tuple[pa.Table, pa.Table]:
    """Kin pairs and their similarity: ``sizes[f]`` cherries in family ``f``, whose
    siblings are ``gaps[f]`` more alike than parent and child (plus a little noise)."""
    rng = np.random.default_rng(seed)
    columns = ("shape", "draw", "role_a", "role_b", "a", "b", "family_a")
    rows: dict[str, list[object]] = {c: [] for c in columns}
    sims: dict[str, list[object]] = {"a": [], "b": [], "m": []}
    draw = 0
    for family, (size, gap) in enumerate(zip(sizes, gaps, strict=True)):
        for _ in range(size):
            ids = {r: f"f{family}/{r}{draw}" for r in "pab"}
            for ra, rb in (("p", "a"), ("p", "b"), ("a", "b")):
                for col, value in (("shape", "cherry"), ("draw", draw), ("role_a", ra),
                                   ("role_b", rb), ("a", ids[ra]), ("b", ids[rb]),
                                   ("family_a", family)):  # fmt: skip
                    rows[col].append(value)
                level = 0.5 + (gap if rb == "b" and ra == "a" else 0.0)
                sims["a"].append(ids[ra])
                sims["b"].append(ids[rb])
                sims["m"].append(level + rng.normal(0, 0.02))
            draw += 1
    return pa.table(rows), pa.table(sims)


def paired_row(sizes: list[int], gaps: list[float], min_families: int) -> dict[str, object]:
    pairs, sim = cherries(sizes, gaps, seed=1)
    s = summarize(pairs, sim, ["m"], {"cherry": 1}, resamples=400, seed=2,
                  min_families=min_families)  # fmt: skip
    return next(r for r in s.tests.to_pylist() if (r["comparison"], r["design"]) == PAIRED)


def test_a_claim_on_one_heavy_family_is_too_few_families_and_on_even_ones_is_tested() -> None:
    # 12 families either way: the old guard (distinct families >= 10) tested both.
    even = paired_row([20] * 12, [0.1] * 12, min_families=10)
    assert even["n_families"] == 12
    assert even["effective_families"] == pytest.approx(12.0)
    assert even["largest_family_share"] == pytest.approx(1 / 12)
    assert even["status"] == "tested" and even["ci_low"] > 0
    heavy = paired_row([900] + [9] * 11, [0.1] * 12, min_families=10)
    assert heavy["n_families"] == 12
    # Kish: 999^2 / (900^2 + 11 * 9^2) = 1.23 families
    assert heavy["effective_families"] == pytest.approx(999**2 / (900**2 + 11 * 81))
    assert heavy["largest_family_share"] == pytest.approx(900 / 999)
    assert heavy["status"] == "too few families"


def test_the_difference_without_the_largest_family_is_the_other_families() -> None:
    """The largest family says +0.3, the 39 others -0.05: the difference is positive, the
    others' is what they planted, and the family bootstrap (which leaves the largest
    family out of about a third of its resamples) draws no verdict from it. With every
    family at +0.3, both agree and the interval leaves 0 out."""
    sizes = [300] + [10] * 39
    split = paired_row(sizes, [0.3] + [-0.05] * 39, min_families=2)
    assert split["difference"] > 0.05
    assert split["difference_without_largest"] == pytest.approx(-0.05, abs=0.005)
    assert split["largest_family_share"] == pytest.approx(300 / 690)
    assert split["ci_low"] < 0 < split["ci_high"]
    same = paired_row(sizes, [0.3] * 40, min_families=2)
    assert same["difference_without_largest"] == pytest.approx(0.3, abs=0.005)
    assert same["ci_low"] > 0.25


def rows_of(sizes: list[int], gaps: list[float]) -> dict[str, dict[str, object]]:
    """The cherry claim's rows by design: the draws', and every family once."""
    pairs, sim = cherries(sizes, gaps, seed=1)
    s = summarize(pairs, sim, ["m"], {"cherry": 1}, resamples=400, seed=2, min_families=10)
    return {r["design"]: r for r in s.tests.to_pylist() if r["comparison"] == PAIRED[0]}


def test_every_family_once_asks_about_a_typical_family() -> None:
    """One family with 300 cherries at +0.3 beside 39 with 10 each at -0.05: the draws'
    difference is the big family's (and too few families by weight to judge), while with
    every family once the difference is the families' mean, -0.041, judged on 40 families:
    siblings are not the more alike in a typical family. With every family at +0.3 both
    designs say so."""
    split = rows_of([300] + [10] * 39, [0.3] + [-0.05] * 39)
    draws, once = split["paired in cherry"], split["paired in cherry, each family once"]
    assert draws["difference"] > 0.05 and draws["status"] == "too few families"
    assert once["difference"] == pytest.approx((0.3 - 0.05 * 39) / 40, abs=0.005)
    assert (once["n_families"], once["effective_families"]) == (40, 40.0)
    assert once["status"] == "tested" and once["ci_high"] < 0
    assert once["n_a"] == 690  # the draws behind the family means
    same = rows_of([300] + [10] * 39, [0.3] * 40)["paired in cherry, each family once"]
    assert same["difference"] == pytest.approx(0.3, abs=0.005) and same["ci_low"] > 0.25
