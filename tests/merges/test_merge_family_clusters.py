"""The merges stage's intervals resample families, not merges.

Merges of one family share parents, authors and recipes, so they tend to fall the same
way. Ecosystems are simulated with a planted family effect: in every family all merges
show the first-listed parent's license, or all show another's, each family by a fair coin
(the planted share of ``first`` is 1/2). Intervals that resample families cover 1/2
about as often as they claim; intervals that took each merge as its own observation (the
stage before) cover it far less often. A claim resting on too few families gets no
interval, however many merges it has.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from phylohub.findings.build import verdict, with_merges
from phylohub.merges import inheritance as inh
from phylohub.merges.pedigree import inbreeding_claims
from phylohub.merges.status import MIN_FAMILIES

FAMILIES = 30
PER_FAMILY = 10
TRIALS = 150


def classes(first: np.ndarray, cluster: np.ndarray) -> pl.DataFrame:
    """License classes of merges of two parents with different licenses."""
    n = first.size
    return pl.DataFrame({
        "id": [f"m{i}" for i in range(n)], "trait": ["license"] * n, "parents": [2] * n,
        "outcome": np.where(first, "first", "other").tolist(), "possible_first": [True] * n,
        "possible_union": [True] * n, "null_first": [0.5] * n,
        "child": ["mit"] * n, "parent_values": [["mit", "apache-2.0"]] * n,
        "cluster": cluster.tolist(),
    })  # fmt: skip


def covers(cls: pl.DataFrame, seed: int) -> bool:
    row = (
        inh.shares(cls, seed=seed, replicates=200)
        .filter((pl.col("trait") == "license") & (pl.col("outcome") == "first"))
        .row(0, named=True)
    )
    return bool(row["given_low"] <= 0.5 <= row["given_high"])


def test_family_intervals_cover_the_planted_share_and_merge_intervals_do_not() -> None:
    hits = {"families": 0, "merges": 0}
    for trial in range(TRIALS):
        rng = np.random.default_rng([7, trial])
        family = np.repeat(np.arange(FAMILIES), PER_FAMILY)
        first = (rng.random(FAMILIES) < 0.5)[family]
        hits["families"] += covers(classes(first, family), trial)
        hits["merges"] += covers(classes(first, np.arange(family.size)), trial)
    coverage = {k: v / TRIALS for k, v in hits.items()}
    print("coverage of the planted share 1/2 by 95% intervals:", coverage)
    assert 0.88 <= coverage["families"] <= 0.99, coverage
    assert coverage["merges"] < 0.6, coverage


def test_a_claim_on_few_families_gets_no_interval_and_on_many_does() -> None:
    n = 100  # 80 inbred, 20 outcrossed: "mostly inbred" holds when merges are independent
    inbred = [True] * 80 + [False] * 20
    cols = ("difference", "ci_low", "ci_high", None)
    for families, status in ((n, "tested"), (MIN_FAMILIES - 1, "too few families")):
        merges = pl.DataFrame(
            {"parents": [2] * n, "inbred": inbred, "cluster": np.arange(n) % families}
        )
        row = inbreeding_claims(merges).row(0, named=True)
        assert (row["merges"], row["families"], row["status"]) == (n, families, status)
        shown = with_merges(row, verdict(row, "greater", cols, "too few merges"))
        if status == "tested":
            assert shown == verdict(row, "greater", cols) + f", {n} merges from {n} families"
            assert shown.startswith("holds")
        else:
            assert row["ci_low"] is None and row["difference"] is None
            assert shown == f"not tested: too few families, {n} merges from {families} families"
    # the first-parent claim follows the same rule
    few = inh.first_parent_claim(
        classes(np.arange(n) < 80, np.arange(n) % (MIN_FAMILIES - 1)), seed=1, replicates=100
    ).row(0, named=True)
    assert (few["status"], few["ci_low"]) == ("too few families", None)
