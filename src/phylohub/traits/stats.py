r"""Means of per-edge measures with confidence intervals that respect family structure.

Edges that share a parent are not independent: on the Hub (and in the synthetic
ecosystem) siblings tend to mutate in the same direction, so a parent's children move
together. An interval that treats every edge as an independent draw is then too narrow.
:func:`cluster_mean` uses the cluster-robust (sandwich) variance of a mean with the parent
as the cluster:

.. math::

    \hat\mu = \frac{1}{n}\sum_i y_i, \qquad
    \widehat{\operatorname{Var}}(\hat\mu) = \frac{G}{G-1}\,
        \frac{1}{n^2}\sum_{g=1}^{G}\Big(\sum_{i \in g} (y_i - \hat\mu)\Big)^2 .

With one edge per cluster it is the usual ``s / sqrt(n)`` (up to ``n/(n-1)``). A mean is
given Student's t interval with ``G - 1`` degrees of freedom; a share (or any measure in
[0, 1]) Wilson's score interval with the sample size discounted for the clustering, so a
relation where no edge mutates still gets an honest upper bound. Cost: one ``bincount``,
linear in the number of edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]


@dataclass(frozen=True)
class Estimate:
    """A mean with its confidence interval.

    Attributes
    ----------
    mean
        The mean over ``n`` observations (NaN when ``n`` is 0).
    low, high
        The interval's bounds (NaN with fewer than two clusters).
    se
        The cluster-robust standard error.
    n
        Observations (edges).
    clusters
        Distinct clusters (parents) among them.
    """

    mean: float
    low: float
    high: float
    se: float
    n: int
    clusters: int


def cluster_mean(
    values: Array,
    clusters: Array,
    level: float = 0.95,
    share: bool = False,
) -> Estimate:
    """The mean of ``values`` and its cluster-robust confidence interval.

    Parameters
    ----------
    values
        One number per observation.
    clusters
        One cluster label per observation (e.g. the parent's id).
    level
        Confidence level of the interval, in (0, 1).
    share
        The values lie in [0, 1] (a share, a mutation distance): the interval is then
        Wilson's score interval with the effective sample size ``p(1-p)/se²`` (the
        observations discounted by their clustering, at most ``n``; the number of
        clusters when every value is the same). It stays inside [0, 1] and does not
        collapse to a point when no edge mutates. Otherwise the interval is
        ``mean ± t·se`` with ``clusters - 1`` degrees of freedom.

    Returns
    -------
    Estimate
        The mean, the interval, the standard error and the counts.

    Examples
    --------
    >>> e = cluster_mean(np.array([0.0, 1.0, 1.0, 0.0]), np.array([0, 0, 1, 1]))
    >>> e.mean, e.clusters, e.se
    (0.5, 2, 0.0)
    >>> e = cluster_mean(np.array([0.0, 0.0, 1.0, 1.0]), np.array([0, 0, 1, 1]))
    >>> round(e.se, 4), e.low < 0.5 < e.high
    (0.5, True)
    >>> e = cluster_mean(np.zeros(40), np.arange(40), share=True)
    >>> e.low, round(e.high, 3)
    (0.0, 0.088)
    """
    y = np.asarray(values, dtype=float)
    n = int(y.size)
    nan = float("nan")
    if n == 0:
        return Estimate(nan, nan, nan, nan, 0, 0)
    _, inverse = np.unique(np.asarray(clusters), return_inverse=True)
    g = int(inverse.max()) + 1
    mean = float(y.mean())
    if g < 2:
        return Estimate(mean, nan, nan, nan, n, g)
    residual_sums = np.bincount(inverse, weights=y - mean, minlength=g)
    variance = g / (g - 1) * float(np.square(residual_sums).sum()) / n**2
    se = math.sqrt(variance)
    if share:
        low, high = _wilson(mean, se, n, g, level)
    else:
        # The quantile function scipy.stats.t.ppf calls, without importing scipy.stats
        # (over a second); imported here, not at the top, as scipy.special alone takes
        # longer to import than many a rule's work (bench/startup.py).
        from scipy.special import stdtrit

        half = float(stdtrit(g - 1, 0.5 + level / 2)) * se
        low, high = mean - half, mean + half
    return Estimate(mean, low, high, se, n, g)


def _wilson(p: float, se: float, n: int, g: int, level: float) -> tuple[float, float]:
    """Wilson's interval for a share ``p`` with the effective sample size of ``se``."""
    from scipy.special import ndtri  # norm.ppf's; imported here (see cluster_mean)

    spread = p * (1 - p)
    n_eff = float(g) if se <= 0 or spread <= 0 else min(float(n), spread / se**2)
    z = float(ndtri(0.5 + level / 2))
    denom = 1 + z * z / n_eff
    centre = (p + z * z / (2 * n_eff)) / denom
    half = z / denom * math.sqrt(spread / n_eff + z * z / (4 * n_eff * n_eff))
    # the interval holds p; min/max only undo rounding at p = 0 or 1
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def wilson_interval(
    p: float, se: float, n: int, clusters: int, level: float
) -> tuple[float, float]:
    """Wilson's interval for a share ``p`` whose standard error ``se`` came from elsewhere
    (a cluster bootstrap): the sample size is ``p(1-p)/se²``, at most ``n``, and the number
    of clusters when every value is the same (so a share of 0 keeps an upper bound).

    >>> low, high = wilson_interval(0.0, 0.0, 200, 40, 0.95)
    >>> low, round(high, 3)
    (0.0, 0.088)
    """
    return _wilson(p, se, n, clusters, level)
