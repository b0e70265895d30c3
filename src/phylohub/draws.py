"""Counting bootstrap draws: how often each cluster was drawn in each resample.

Both cluster bootstraps (``phylohub.similarity.summary``, families; and
``phylohub.traits.thinning``, parents) turn a block of draws (resamples x clusters,
each a cluster index) into a matrix of counts that multiplies per-cluster sums. One
``bincount`` over the whole block (each row offset by its row number) increments a
table as large as the block, so nearly every increment misses the processor's cache;
counting a few rows at a time keeps the table in cache and is 2-3 times faster
(measured: 10,000 resamples of 9,470 families 2.5 s against 0.7 s; 1,000 of 145,000
parents 1.4 s against 0.6 s). The counts are the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

#: Entries of the count table one ``bincount`` fills (2 MB of int64: cache-sized).
_TABLE = 2**18


def count_draws(draws: npt.NDArray[Any], n: int) -> npt.NDArray[np.float64]:
    """Per row of ``draws`` (indexes in ``[0, n)``), how often each index was drawn.

    Examples
    --------
    >>> count_draws(np.array([[0, 0, 2], [1, 2, 2]]), 3).tolist()
    [[2.0, 0.0, 1.0], [0.0, 1.0, 2.0]]
    """
    b = draws.shape[0]
    counts = np.empty((b, n), dtype=np.float64)
    step = max(1, _TABLE // max(n, 1))
    offsets = (np.arange(step, dtype=np.int64) * n)[:, None]
    for start in range(0, b, step):
        rows = draws[start : start + step]
        k = rows.shape[0]
        flat = (rows + offsets[:k]).ravel()
        counts[start : start + k] = np.bincount(flat, minlength=k * n).reshape(k, n)
    return counts
