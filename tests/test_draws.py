"""Every bootstrap draws its indexes with ``phylohub.draws.draw_indexes``, which writes
them in 32 bits: the draws must be the ones ``rng.integers(0, n, size)`` gives, value for
value, and leave the generator where that call leaves it, so that no interval moves."""

from __future__ import annotations

import numpy as np
import pytest

from phylohub.draws import draw_indexes


@pytest.mark.parametrize("n", [1, 2, 7, 86_097, 2**31 - 1, 2**31, 2**31 + 1, 2**40])
@pytest.mark.parametrize("size", [1, 5, (3, 7), (4, 1_001)])
def test_draws_are_the_64_bit_draws_of_the_same_stream(n: int, size: int | tuple[int, ...]) -> None:
    fast, plain = np.random.default_rng([n, 5]), np.random.default_rng([n, 5])
    for _ in range(3):  # block after block, as the bootstraps draw them
        got = draw_indexes(fast, n, size)
        want = plain.integers(0, n, size=size)
        assert want.dtype == np.int64
        assert got.dtype == (np.int32 if n <= 2**31 else np.int64)
        assert np.array_equal(got, want)
    assert fast.bit_generator.state == plain.bit_generator.state
