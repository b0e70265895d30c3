"""The half-lives' Poisson fit: rows leave the Newton steps once their state repeats
(a fixed point or a short cycle), and the slopes are bit for bit those of every step
on every row, on bootstrap draws of families like the Hub's."""

from __future__ import annotations

import numpy as np
import pytest

from phylohub.ecology import life as li


def _draws(families: int, months: int, replicates: int, seed: int) -> np.ndarray:
    """Bootstrap draws (as :func:`~phylohub.ecology.life.bootstrap_by_cluster` makes
    them) of families that rise, peak and decay at random rates, some stopping at once,
    some still growing, some with a birth or two only."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)[None, :]
    born = rng.integers(0, months, families)[:, None]
    peak = born + rng.integers(0, 8, families)[:, None]
    rate = rng.choice([0.0, 0.05, 0.3, 1.0, 5.0, -0.1], families)[:, None]
    shape = np.where(t < born, 0.0, np.where(t < peak, 0.5, np.exp(-rate * (t - peak))))
    n = rng.choice([1, 2, 5, 30, 200, 3000], families)
    p = shape / shape.sum(axis=1, keepdims=True)
    draws = np.stack([rng.multinomial(n, p) for _ in range(replicates)], axis=1)
    return draws.reshape(families * replicates, months).astype(np.float64)


def _period_two_rows(counts: np.ndarray, start: np.ndarray) -> int:
    """Rows whose Newton states cycle with period 2 (never with period 1) at some step."""
    months = counts.shape[1]
    x = np.arange(months)[None, :] - start[:, None]
    mask = x >= 0
    xf = np.where(mask, x, 0).astype(np.float64)
    y = np.where(mask, counts, 0.0)
    total, n = y.sum(axis=1), mask.sum(axis=1)
    states = [(np.log(np.maximum(total, 1e-9) / np.maximum(n, 1)), np.zeros(len(counts)))]
    for _ in range(li.NEWTON_STEPS):
        states.append(li._newton_step(*states[-1], y, xf, mask))
    two = np.zeros(len(counts), dtype=bool)
    for s in range(2, len(states)):
        (a0, b0), (a1, b1), (a2, b2) = states[s - 2], states[s - 1], states[s]
        fixed = (a1 == a2) & (b1 == b2)
        two |= ~fixed & (a0 == a2) & (b0 == b2)
    return int(two.sum())


def test_the_fit_equals_every_step_on_every_row_bit_for_bit() -> None:
    counts = _draws(families=400, months=40, replicates=25, seed=7)
    start = np.argmax(counts, axis=1).astype(np.int64)
    fast = li.fit_decay(counts, start)
    plain = li.fit_decay_plain(counts, start)
    assert np.array_equal(fast.view(np.int64), plain.view(np.int64))
    # The draws reach every way out of the steps: rows that settle, rows that cycle
    # with period 2, and rows still moving at the last step (stopped at the bound).
    assert _period_two_rows(counts, start) > 0
    assert (plain < 0).sum() > 1000 and (plain == -li.MAX_RATE).any()
    for start_at in (start, np.zeros_like(start), np.full_like(start, 39)):
        got = li.fit_decay(counts, start_at)
        want = li.fit_decay_plain(counts, start_at)
        assert np.array_equal(got.view(np.int64), want.view(np.int64))


def test_the_fit_of_no_rows_and_of_empty_rows() -> None:
    empty = np.zeros((0, 12))
    assert li.fit_decay(empty, np.zeros(0, dtype=np.int64)).shape == (0,)
    zeros = np.zeros((5, 12))
    assert (li.fit_decay(zeros, np.zeros(5, dtype=np.int64)) == 0).all()


@pytest.mark.parametrize("months", [5, 8, 13, 37, 71, 128, 130])
def test_the_fit_over_each_row_s_last_months_equals_the_fit_over_all_of_them(
    months: int,
) -> None:
    """Rows fitted from the block of 8 months their start falls in: the slopes are those
    of the fit over every month, to the bit, whatever the number of months (below 8 and
    above 128 every month is fitted), for starts at the peak, at 0 and near the end."""
    counts = _draws(families=150, months=months, replicates=8, seed=months)
    peak = np.argmax(counts, axis=1).astype(np.int64)
    rng = np.random.default_rng(months)
    for start in (peak, np.zeros_like(peak), rng.integers(0, months, peak.size)):
        got = li.fit_decay(counts, start)
        want = li.fit_decay_plain(counts, start)
        assert np.array_equal(got.view(np.int64), want.view(np.int64))
    # rows are fitted in windows wherever a row may skip a whole block of 8 months
    assert (len(li._windows(peak, months)) > 1) == (16 <= months <= 128)
