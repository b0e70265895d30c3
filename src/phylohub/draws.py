"""Bootstrap draws: drawing cluster indexes, counting how often each was drawn, and the
per-cluster sums the counts multiply.

Every bootstrap of the project draws its indexes with :func:`draw_indexes`: the values
``rng.integers(0, n, size)`` gives, from the same stream, in 32 bits where ``n`` fits.

Both cluster bootstraps (``phylohub.similarity.summary``, families; and
``phylohub.traits.thinning``, parents) turn a block of draws (resamples x clusters,
each a cluster index) into a matrix of counts that multiplies per-cluster sums. Each row
is counted by its own ``bincount``, into a table of one row's counts (110 KB for 14,077
families), which stays in the processor's cache. One ``bincount`` over the whole block
(each row offset by its row number) increments a table as large as the block, so nearly
every increment misses the cache; and one over a few rows at a time (a 2 MB table) also
pays the offsets' pass over the draws: on one 2-core machine, 60 blocks of 74 resamples
of 14,077 families took 0.15 s a row at a time against 0.24 s a few rows at a time, and
60 blocks of 7 resamples of 145,000 parents 0.19 s against 0.21 s. The counts are the
same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def draw_indexes(
    rng: np.random.Generator, n: int, size: int | tuple[int, ...]
) -> npt.NDArray[np.signedinteger[Any]]:
    """``size`` indexes drawn uniformly from ``[0, n)`` with replacement: exactly what
    ``rng.integers(0, n, size)`` draws, value for value, leaving ``rng`` in the same state.

    Why not that call: numpy draws a bounded integer under 2**32 from one 32-bit number
    of the generator whatever the output type (``random_bounded_uint64_fill`` takes the
    32-bit path), so int32 draws are the int64 draws written in half the memory, and
    what reads them (``np.bincount``, a gather) reads half as much: a quarter of the
    time of the draws of the similarity summary at 1.86M models, about 6% of the CPU of
    the thinning's bootstrap (``tests/test_draws.py`` holds them equal).

    Examples
    --------
    >>> a, b = np.random.default_rng(3), np.random.default_rng(3)
    >>> draw_indexes(a, 10, (2, 4)).tolist() == b.integers(0, 10, (2, 4)).tolist()
    True
    """
    return rng.integers(0, n, size=size, dtype=np.int32 if n <= 2**31 else np.int64)


def count_draws(
    draws: npt.NDArray[Any], n: int, at: npt.NDArray[np.int64] | None = None
) -> npt.NDArray[np.float64]:
    """Per row of ``draws`` (indexes in ``[0, n)``), how often each index was drawn.

    With ``at``, only the counts of the indexes ``at``, in that order (an index may come
    more than once): ``count_draws(draws, n)[:, at]``, each row taken from its own
    counts while they are in the cache rather than from the whole block afterwards.

    Examples
    --------
    >>> count_draws(np.array([[0, 0, 2], [1, 2, 2]]), 3).tolist()
    [[2.0, 0.0, 1.0], [0.0, 1.0, 2.0]]
    >>> count_draws(np.array([[0, 0, 2], [1, 2, 2]]), 3, at=np.array([2, 0, 2])).tolist()
    [[1.0, 2.0, 1.0], [2.0, 0.0, 2.0]]
    """
    counts = np.empty((draws.shape[0], n if at is None else at.size), dtype=np.float64)
    for i, row in enumerate(draws):
        drawn = np.bincount(row, minlength=n)
        counts[i] = drawn if at is None else drawn.take(at)
    return counts


def cluster_sums(
    values: npt.NDArray[np.float64], inv: npt.NDArray[Any], n: int
) -> npt.NDArray[np.float64]:
    """Sums of each column of ``values`` (rows x columns) over the rows of each of ``n``
    clusters (``inv``: each row's cluster, in ``[0, n)``): what a cluster bootstrap
    resamples once a cluster's rows travel together.

    ``np.bincount`` adds a cluster's rows in row order, starting from 0, as a sparse
    membership product would (so the sums are the same to the bit), without importing
    ``scipy.sparse`` or building the matrix.

    Examples
    --------
    >>> values = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> cluster_sums(values, np.array([1, 0, 1]), 2).tolist()
    [[3.0, 4.0], [6.0, 8.0]]
    """
    out = np.zeros((n, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(inv, weights=values[:, j], minlength=n)
    return out
