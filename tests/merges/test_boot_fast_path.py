"""The bootstrap's fast path for means (every denominator 1) equals the plain loop to
the bit: the intervals of :func:`phylohub.merges.inheritance._boot` against the loop it
took for every ``den``, on one and several columns, odd and even sizes, values of every
sign and magnitude, with the generator left in the same state."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from phylohub.merges.inheritance import _boot

FloatArray = npt.NDArray[np.float64]


def boot_plain(
    num: FloatArray, den: FloatArray, rng: np.random.Generator, replicates: int
) -> tuple[FloatArray, FloatArray]:
    """The loop ``_boot`` ran for every ``den`` (a product for the denominators)."""
    n = num.shape[0]
    stats = np.full((replicates, num.shape[1]), np.nan)
    for b in range(replicates):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
        d = w @ den
        with np.errstate(invalid="ignore", divide="ignore"):
            stats[b] = np.where(d > 0, (w @ num) / d, np.nan)
    low = np.nanpercentile(stats, 2.5, axis=0) if n else np.full(num.shape[1], np.nan)
    high = np.nanpercentile(stats, 97.5, axis=0) if n else np.full(num.shape[1], np.nan)
    return low, high


def values(n: int, k: int, seed: int) -> FloatArray:
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.integers(-12, 6, (n, k))
    return rng.standard_normal((n, k)) * scale


@pytest.mark.parametrize("n", [1, 2, 7, 10, 999, 1000, 4097])
@pytest.mark.parametrize("k", [1, 3])
def test_means_equal_plain_loop(n: int, k: int) -> None:
    num = values(n, k, n * 10 + k)
    den = np.ones_like(num)
    fast_rng, plain_rng = np.random.default_rng([n, k]), np.random.default_rng([n, k])
    fast = _boot(num, den, fast_rng, 200)
    plain = boot_plain(num, den, plain_rng, 200)
    for got, want in zip(fast, plain, strict=True):
        assert got.tobytes() == want.tobytes()
    assert fast_rng.bit_generator.state == plain_rng.bit_generator.state


def test_ratio_path_unchanged() -> None:
    """Denominators other than 1 (counts, some zero) take the plain ratio loop."""
    rng = np.random.default_rng(3)
    den = rng.integers(0, 3, (501, 2)).astype(np.float64)
    num = den * rng.random((501, 2))
    fast = _boot(num, den, np.random.default_rng(5), 100)
    plain = boot_plain(num, den, np.random.default_rng(5), 100)
    for got, want in zip(fast, plain, strict=True):
        assert got.tobytes() == want.tobytes()
