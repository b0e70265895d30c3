"""The decay fit, its bootstrap and the decay claim's verdict, each both ways."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from phylohub.ecology.life import (
    _peaks,
    bootstrap_by_cluster,
    cross_fit,
    decay_claim,
    fit_decay,
    fit_halves,
    half_life,
)
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


def births_alone(counts: np.ndarray) -> np.ndarray:
    """Each birth its own cluster: births x months, a 1 in its month."""
    months = np.repeat(np.arange(counts.size), counts.astype(int))
    out = np.zeros((months.size, counts.size))
    out[np.arange(months.size), months] = 1.0
    return out


def test_bootstrap_interval_covers_a_drawn_curve() -> None:
    rng = np.random.default_rng(5)
    counts = rng.poisson(80 * 2.0 ** (-np.arange(24) / 4.0)).astype(float)
    boot = bootstrap_by_cluster([births_alone(counts)], 300, np.random.default_rng(1))
    low, high = np.quantile(boot, [0.025, 0.975])
    assert low < 4.0 < high and high - low < 4


def test_batched_births_need_their_uploads_resampled() -> None:
    """Families whose births come in uploads of 10 (a half-life of 4 months planted on the
    uploads): intervals that resample uploads cover it about as often as they claim,
    intervals that resample births one by one far less often."""
    hits = {"uploads": 0, "births": 0}
    trials = 60
    for trial in range(trials):
        rng = np.random.default_rng([8, trial])
        per_month = rng.poisson(8 * 2.0 ** (-np.arange(24) / 4.0))
        uploads = np.zeros((int(per_month.sum()), 24))
        uploads[np.arange(uploads.shape[0]), np.repeat(np.arange(24), per_month)] = 10.0
        for name, clusters in (("uploads", uploads), ("births", births_alone(uploads.sum(0)))):
            boot = bootstrap_by_cluster([clusters], 200, np.random.default_rng([9, trial]))
            with np.errstate(invalid="ignore"):  # infinite half-lives (no decay) in the tail
                low, high = np.quantile(boot[0], [0.025, 0.975])
            hits[name] += low <= 4.0 <= high
    coverage = {k: v / trials for k, v in hits.items()}
    assert coverage["uploads"] >= 0.85, coverage
    assert coverage["births"] < 0.7, coverage


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


def _claim_of(rates: np.ndarray) -> str:
    row = decay_claim(_life(list(rates)), 10, 400, 0.95, 0)
    return verdict(row, "greater", COLUMNS)


def _holds(rates: np.ndarray) -> bool:
    return _claim_of(rates).startswith("holds")


def uploads_of(per_month: np.ndarray, size: int) -> list[np.ndarray]:
    """Each family's uploads (uploads x months) from its uploads a month, ``size`` births
    each."""
    out = []
    for row in per_month:
        c = np.zeros((int(row.sum()), row.size))
        c[np.arange(c.shape[0]), np.repeat(np.arange(row.size), row.astype(int))] = size
        out.append(c)
    return out


def birth_split(uploads: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """The cross-fit with the births, not the uploads, split at random (a binomial draw
    per month): what the batches defeat."""
    counts = np.vstack([c.sum(axis=0) for c in uploads])
    one = rng.binomial(counts.astype(np.int64), 0.5).astype(float)
    return fit_halves(one, counts - one)


def test_flat_births_do_not_decay_once_the_peak_is_not_fitted_on_itself() -> None:
    """Twenty ecosystems of 40 families whose births never fall (5 a month for 24
    months), the births one by one and in uploads of 10. Fitted from their busiest month
    on the births that made it the busiest, the claim "births fall after the peak" holds
    in all 20; cross-fitted on halves of the uploads, in 2 of 20 either way (a test at 5%
    would hold in 1; the fit's small-sample bias leaves a median rate of about +0.004 a
    month). With uploads of 10, halves of the births rather than the uploads leak each
    batch into both, and the claim holds again in all 20. With births halving every 6
    months the claim holds cross-fitted; with births doubling every 6 months its opposite
    holds."""
    held = {"naive": 0, "cross-fit": 0, "cross-fit, batches": 0, "birth split, batches": 0}
    trials = 20
    for seed in range(trials):
        rng = np.random.default_rng([5, seed])
        for size in (1, 10):
            ups = uploads_of(rng.poisson(5.0 / size, size=(40, 24)), size)
            split = -cross_fit(ups, np.random.default_rng(3))
            held["cross-fit" + (", batches" if size > 1 else "")] += _holds(split)
            if size == 1:
                flat = np.vstack([c.sum(axis=0) for c in ups])
                held["naive"] += _holds(-fit_decay(flat, _peaks(flat)))
            else:
                held["birth split, batches"] += _holds(-birth_split(ups, np.random.default_rng(3)))
    assert held["naive"] >= 17 and held["birth split, batches"] >= 17, held
    assert held["cross-fit"] <= 3 and held["cross-fit, batches"] <= 3, held
    months = np.arange(24)
    falling = uploads_of(rng.poisson(30.0 * 2.0 ** (-months / 6.0), size=(40, 24)), 1)
    rates = -cross_fit(falling, np.random.default_rng(3))
    assert _claim_of(rates).startswith("holds")
    assert np.median(rates) == pytest.approx(np.log(2) / 6, rel=0.25)
    rising = uploads_of(rng.poisson(2.0 * 2.0 ** (months / 6.0), size=(40, 24)), 1)
    opposite = -cross_fit(rising, np.random.default_rng(3))
    assert _claim_of(opposite).startswith("does not hold (the opposite holds)")


def test_death_rates_keep_an_upper_bound_at_zero_and_say_too_few_families() -> None:
    """No death in 40 families: the share is 0 with an upper bound (Wilson), not the
    point [0, 0] the resamples' percentiles gave; 3 families: the line says too few
    families before its numbers."""
    from phylohub.ecology.deaths import _ci, rate_tests

    def fam(n: int, deaths: int) -> pl.DataFrame:
        return pl.DataFrame({
            "models_before": [5] * n, "deaths": [5] * deaths + [0] * (n - deaths),
            "family_died": [True] * deaths + [False] * (n - deaths),
        })  # fmt: skip

    rows = {r["measure"]: r for r in rate_tests(fam(40, 0), "day0", 500, 0.95, 0, 10).to_dicts()}
    for row in rows.values():
        assert (row["value"], row["ci_low"], row["status"]) == (0.0, 0.0, "tested")
        assert 0 < row["ci_high"] < 0.1
    few = {r["measure"]: r for r in rate_tests(fam(3, 1), "day0", 500, 0.95, 0, 10).to_dicts()}
    assert _ci(few["family_death_rate"]).startswith("too few families: 33.33% [")
    assert not _ci(rows["death_rate"]).startswith("too few")


def test_a_handover_by_a_birth_or_two_says_so() -> None:
    """F peaks in January; G bears one birth to F's none in March (p 0.5: not decided)
    and then 6 to 0 in April. The hand-over month is March, and its p says a coin would
    do as well; where G's first winning month is 6 to 0, p is 1/64."""
    from datetime import date

    from phylohub.ecology.succession import handovers

    def births(counts: dict[tuple[str, int], int]) -> pl.DataFrame:
        rows = [("all", root, date(2024, m, 1)) for (root, m), n in counts.items()
                for _ in range(n)]  # fmt: skip
        return pl.DataFrame(rows, schema=["niche", "root", "month"], orient="row")

    tops = pl.DataFrame({"niche": ["all", "all"], "root": ["f", "g"],
                         "peak_month": [date(2024, 1, 1), date(2024, 4, 1)]})  # fmt: skip
    narrow = births({("f", 1): 9, ("f", 2): 3, ("g", 3): 1, ("g", 4): 6})
    (row,) = handovers(narrow, tops).to_dicts()
    assert (row["month"], row["from_births"], row["to_births"]) == (date(2024, 3, 1), 0, 1)
    assert row["p_value"] == pytest.approx(0.5)
    clear = births({("f", 1): 9, ("f", 2): 3, ("g", 4): 6})
    (row,) = handovers(clear, tops).to_dicts()
    assert row["to_births"] == 6 and row["p_value"] == pytest.approx(1 / 64)


def test_no_family_is_no_fit() -> None:
    assert cross_fit([], np.random.default_rng(0)).size == 0
    assert bootstrap_by_cluster([], 10, np.random.default_rng(0)).shape == (0, 10)


@pytest.mark.parametrize("families", [9, 10])
def test_reproductive_life_medians_say_too_few_families_below_the_floor(families: int) -> None:
    """Each headline number of a set's reproductive life carries ``too few families``
    exactly when it rests on fewer families than ``min_families``, and findings print
    it before the number: one family below the floor says so, the floor itself does not."""
    from datetime import datetime

    from phylohub.ecology.tables import summarise
    from phylohub.findings.build import with_status

    n = families + 2  # two more families measured, without a half-life or a first child
    life = pl.DataFrame(
        {
            "relations": ["no_merge"] * n,
            "half_life_months": [3.0 + i for i in range(families)] + [None, None],
            "days_to_first_child": [1.0] * families + [None, None],
            "status": ["decaying"] * families + ["rising", "rising"],
            "still_reproducing": [True] * n,
        }
    )
    models = pl.DataFrame(
        {"born": [datetime(2024, 1, 1)], "backfilled": [False], "relation": ["root"]}
    )
    hand = pl.DataFrame({"niche": ["all"], "p_value": [0.5]})
    spread = pl.DataFrame({"root": ["r"], "age_year": [0], "new_tasks": [0], "tasks": [1]})
    out = summarise(
        models, datetime(2025, 1, 1), life, hand, spread, "no_merge", {}, min_families=10
    )["life"]["no_merge"]
    few = "too few families"
    assert out["half_life_families"] == out["first_child_families"] == families
    assert (
        out["half_life_status"]
        == out["first_child_status"]
        == (few if families < 10 else "measured")
    )
    assert out["still_reproducing_status"] == "measured"  # families + 2 >= 10 either way
    shown = with_status(f"{out['half_life_median']:.3f}", out["half_life_status"])
    assert shown.startswith(f"{few}: ") == (families < 10), shown
