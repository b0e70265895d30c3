"""The decay fit, its bootstrap and the decay claim's verdict, each both ways."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from phylohub.ecology.life import bootstrap_half_lives, decay_claim, fit_decay, half_life
from phylohub.findings.build import verdict, with_families

COLUMNS = ("difference", "ci_low", "ci_high", None)


def test_fit_recovers_the_slope_of_an_exact_exponential() -> None:
    t = np.arange(30)
    counts = np.vstack([1000 * 2.0 ** (-t / 3.0), 1000 * 2.0 ** (-t / 8.0)])
    counts = np.hstack([np.zeros((2, 4)), counts])  # the peak at month 4
    b = fit_decay(counts, np.array([4, 4]))
    assert np.allclose(half_life(b), [3.0, 8.0], rtol=1e-3)


def test_rising_births_have_no_half_life() -> None:
    counts = np.arange(1.0, 20.0)[None, :]
    b = fit_decay(counts, np.array([0]))
    assert b[0] > 0 and math.isinf(half_life(b)[0])


def test_bootstrap_interval_covers_a_drawn_curve() -> None:
    rng = np.random.default_rng(5)
    counts = rng.poisson(80 * 2.0 ** (-np.arange(24) / 4.0)).astype(float)[None, :]
    boot = bootstrap_half_lives(counts, 300, np.random.default_rng(1))
    low, high = np.quantile(boot, [0.025, 0.975])
    assert low < 4.0 < high and high - low < 4


def _life(rates: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"decay_rate": rates}, schema={"decay_rate": pl.Float64})


def test_decay_claim_holds_when_families_decay() -> None:
    row = decay_claim(_life([0.2, 0.3, 0.25, 0.4, 0.1] * 4), 10, 200, 0.95, 0)
    assert with_families(row, verdict(row, "greater", COLUMNS)).startswith("holds")


def test_decay_claim_opposite_when_families_grow() -> None:
    row = decay_claim(_life([-0.2, -0.3, -0.25, -0.4, -0.1] * 4), 10, 200, 0.95, 0)
    shown = verdict(row, "greater", COLUMNS)
    assert shown.startswith("does not hold (the opposite holds)")


def test_decay_claim_says_too_few_families_on_thin_data() -> None:
    row = decay_claim(_life([0.2, 0.3, 0.25]), 10, 200, 0.95, 0)
    shown = with_families(row, verdict(row, "greater", COLUMNS))
    assert shown.startswith("too few families") and row["n_families"] == 3
