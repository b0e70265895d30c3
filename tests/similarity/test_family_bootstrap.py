"""The family bootstrap keeps its promise where pairs of a family are alike.

Small ecosystems are simulated with a planted family random effect: each family's mean
similarity is drawn around a known planted value, its pairs around their family's mean,
and families have very unequal numbers of pairs (as on the Hub). Over many seeds the 95%
interval of the package's family bootstrap (widened for few families as the stage does)
must cover the planted value about 95% of the time, while the bootstrap of pairs (each
pair on its own, as before) covers it far less often; under a planted null the family
p-values reject about 5% of the time and a pair-level t-test far more often.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats as st

from phylohub.similarity.summary import (
    bootstrap_cluster_means,
    bootstrap_means,
    bootstrap_p,
    widen,
)

PLANTED = 0.4
FAMILY_SD = 0.1  # spread of the family means around the planted value
PAIR_SD = 0.05  # spread of the pairs around their family's mean
TRIALS = 1000  # coverage to about +-0.008 (one standard error)
RESAMPLES = 1000


def ecosystem(
    rng: np.random.Generator, families: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Pair similarities and the family of each pair: 2 to ~120 pairs a family."""
    sizes = np.minimum(2 + rng.geometric(1 / 25, size=families), 120)
    family = np.repeat(np.arange(families), sizes)
    means = PLANTED + rng.normal(0, FAMILY_SD, size=families)
    values = means[family] + rng.normal(0, PAIR_SD, size=family.size)
    return values, family


def interval(boot: npt.NDArray[np.float64], estimate: float, units: int) -> tuple[float, float]:
    """The stage's 95% interval: percentiles of the resamples widened for ``units``."""
    lo, hi = np.nanquantile(widen(boot, estimate, units, 0.95), [0.025, 0.975])
    return float(lo), float(hi)


def test_family_intervals_cover_the_planted_value_and_pair_intervals_do_not() -> None:
    hits = {"family": 0, "joint": 0, "pairs": 0}
    for trial in range(TRIALS):
        rng = np.random.default_rng([2024, trial])
        values, family = ecosystem(rng, families=30)
        x, mean, families = values[:, None], float(values.mean()), int(family.max()) + 1
        boot = bootstrap_means(x, RESAMPLES, rng, clusters=family)[:, 0]
        lo, hi = interval(boot, mean, families)
        hits["family"] += lo <= PLANTED <= hi
        if trial < TRIALS // 5:  # the pair bootstrap is slow and far off: fewer trials
            lo, hi = interval(bootstrap_means(x, RESAMPLES, rng)[:, 0], mean, values.size)
            hits["pairs"] += lo <= PLANTED <= hi
        # As the stage resamples: together with random pairs of many other families
        # (labels 1,000 on), so this relation's families are a small part of each draw.
        noise = rng.random((300, 1))
        others = 1000 + rng.integers(0, 250, size=300)
        joint, _ = bootstrap_cluster_means([(x, family), (noise, others)], RESAMPLES, rng)
        lo, hi = interval(joint[:, 0], mean, families)
        hits["joint"] += lo <= PLANTED <= hi
    coverage = {k: v / TRIALS for k, v in hits.items()}
    coverage["pairs"] = hits["pairs"] / (TRIALS // 5)
    print("coverage of the planted value by 95% intervals, 30 families:", coverage)
    assert 0.90 <= coverage["family"] <= 0.98, coverage
    assert 0.90 <= coverage["joint"] <= 0.98, coverage
    assert coverage["pairs"] < 0.70, coverage  # the pair bootstrap is far too sure


def test_family_p_values_hold_their_level_under_a_planted_null() -> None:
    """Two relations with the same planted mean, each with its own family effects: the
    family bootstrap's p < 0.05 about 5% of the time, a pair-level Welch test far more."""
    rejected = {"family": 0, "pairs": 0}
    for trial in range(TRIALS // 4):
        rng = np.random.default_rng([7, trial])
        a, fa = ecosystem(rng, families=30)
        b, fb = ecosystem(rng, families=30)  # same families, own effects
        boot_a, boot_b = bootstrap_cluster_means(
            [(a[:, None], fa), (b[:, None], fb)], RESAMPLES, rng
        )
        diff = float(a.mean() - b.mean())
        boot = widen(boot_a[:, 0] - boot_b[:, 0], diff, 30, 0.95)
        rejected["family"] += bootstrap_p(boot) < 0.05
        rejected["pairs"] += st.ttest_ind(a, b, equal_var=False).pvalue < 0.05
    rate = {k: v / (TRIALS // 4) for k, v in rejected.items()}
    print("rejections at 5% under the null, 30 families:", rate)
    assert rate["family"] <= 0.10, rate
    assert rate["pairs"] >= 0.30, rate


def test_bootstrap_p_is_the_tail_beyond_zero() -> None:
    boot = np.concatenate([np.full(95, 0.2), np.full(5, -0.1)])
    assert bootstrap_p(boot) == 2 * 6 / 101
    assert bootstrap_p(np.full(10, 0.3)) == 2 / 11  # the floor: 2 / (resamples + 1)
    assert bootstrap_p(np.array([np.nan])) != bootstrap_p(np.array([np.nan]))  # NaN


def test_widening_vanishes_with_many_families_and_one_family_gives_no_interval() -> None:
    boot = np.array([0.1, 0.3, 0.5])
    np.testing.assert_allclose(widen(boot, 0.3, 100_000, 0.95), boot, rtol=1e-4)
    assert np.isnan(widen(boot, 0.3, 1, 0.95)).all()


def test_one_cluster_per_row_is_the_pair_bootstrap() -> None:
    rng = np.random.default_rng(3)
    x = rng.random((40, 2))
    x[::3, 1] = np.nan
    plain = bootstrap_means(x, 50, np.random.default_rng(1))
    clustered = bootstrap_means(x, 50, np.random.default_rng(1), clusters=np.arange(40))
    np.testing.assert_allclose(plain, clustered, rtol=1e-12)


def test_a_cluster_is_resampled_whole() -> None:
    """Two families, one all 0 and one all 1: every resample mean is a share of the
    pairs of the drawn families, never a mixture of single pairs."""
    x = np.concatenate([np.zeros(3), np.ones(7)])[:, None]
    fam = np.array([0] * 3 + [1] * 7)
    boot = bootstrap_means(x, 200, np.random.default_rng(0), clusters=fam)[:, 0]
    assert set(np.round(boot, 12)) <= {0.0, 1.0, 0.7}
    assert {0.0, 1.0, 0.7} <= set(np.round(boot, 12))
