"""Mean similarity by relation and inside shapes, with bootstrap intervals, and the claims.

Inputs: the kin pairs (:mod:`phylohub.kinship.pairs`) and the similarity of each distinct
pair (:func:`phylohub.similarity.measures.pair_similarity`).

Bootstrap. The unit of resampling is the *draw* of a shape: the pairs inside one draw
are resampled together (they share models, so they are not independent), and every
statistic of one shape (each pair of roles, each measure, each paired difference) is
computed on the same resamples. A resample's mean over a measure that some draws lack
(card measures of models without a card) is the mean over the draws that have it. Each
shape has its own seeded stream. Intervals are percentile intervals.

Tables
======
``means`` (relation, measure)
    The mean over the pairs that define the relation (a uniform sample of all its pairs
    in the forest): ``relation``, ``measure``, ``n`` (pairs with a value), ``mean``,
    ``std``, ``ci_low``, ``ci_high``, ``occurrences`` (pairs of that relation in the
    forest; for ``random`` all pairs of models).
``shape_means`` (shape, pair of roles, measure)
    The paper's D panels: ``shape``, ``role_a``, ``role_b``, ``relation``, ``distance``,
    ``divide``, ``measure``, ``n``, ``mean``, ``ci_low``, ``ci_high``.
``tests`` (claim, comparison, measure)
    ``claim`` (``family_resemblance``, ``siblings_over_parent``, ``generational_divide``,
    ``network_distance``), ``comparison`` (``A > B``), ``design`` (``independent``: two
    relation samples; ``paired in <shape>``: two pairs of the same draws), ``measure``,
    ``n_a``, ``n_b``, ``mean_a``, ``mean_b``, ``difference`` (A - B), ``ci_low``,
    ``ci_high`` (bootstrap interval of the difference), ``effect_size`` (Cohen's d with
    the pooled standard deviation; for paired designs d_z, the mean difference over
    the standard deviation of the differences), ``p_value`` (two-sided Welch t-test;
    paired: one-sample t-test of the differences).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
from scipy import stats as st

from phylohub.errors import PhylohubError
from phylohub.kinship.sampling import RELATIONS, shape_pairs
from phylohub.kinship.shapes import RELATION_SHAPE, SHAPES

__all__ = ["CLAIMS", "Summary", "bootstrap_means", "join_pairs", "summarize"]

FloatArray = npt.NDArray[np.float64]

#: Independent comparisons of relations: (claim, relation A, relation B); A > B expected.
_INDEPENDENT: Final[tuple[tuple[str, str, str], ...]] = (
    *(("family_resemblance", r, "random") for r in RELATIONS if r != "random"),
    ("siblings_over_parent", "siblings", "parent_child"),
    ("generational_divide", "parent_child", "grandparent"),
    ("generational_divide", "grandparent", "great_grandparent"),
    ("generational_divide", "siblings", "grandparent"),
    ("generational_divide", "uncle_nephew", "grandparent"),
    ("generational_divide", "cousins", "uncle_nephew"),
    ("network_distance", "parent_child", "uncle_nephew"),
)

#: Paired comparisons inside one shape: (claim, shape, pairs of A, pairs of B, A, B).
#: A side with two role pairs is their mean in each draw.
_PAIRED: Final[tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str, str], ...]] = (
    ("siblings_over_parent", "cherry", ("a-b",), ("p-a", "p-b"), "siblings", "parent_child"),
    ("network_distance", "uncle", ("p-c",), ("u-c",), "parent_child", "uncle_nephew"),
    ("generational_divide", "uncle", ("p-u",), ("p-c",), "siblings", "parent_child"),
    ("generational_divide", "chain3", ("g-c",), ("G-c",), "grandparent", "great_grandparent"),
)

#: Every claim tested, in order.
CLAIMS: Final[tuple[str, ...]] = (
    "family_resemblance",
    "siblings_over_parent",
    "generational_divide",
    "network_distance",
)


@dataclass(frozen=True)
class Summary:
    """The three tables of the module docstring."""

    means: pa.Table
    shape_means: pa.Table
    tests: pa.Table


def join_pairs(pairs: pa.Table, similarity: pa.Table) -> pl.DataFrame:
    """The kin pairs with the measures of their (unordered) pair of models."""
    p = pl.from_arrow(pairs)
    s = pl.from_arrow(similarity)
    assert isinstance(p, pl.DataFrame) and isinstance(s, pl.DataFrame)
    p = p.with_columns(
        _lo=pl.min_horizontal("a", "b"), _hi=pl.max_horizontal("a", "b")
    ).with_row_index("_row")
    s = s.rename({"a": "_lo", "b": "_hi"}).with_columns(_hit=pl.lit(True))
    joined = p.join(s, on=["_lo", "_hi"], how="left").sort("_row")
    missing = joined.filter(pl.col("_hit").is_null())
    if missing.height:
        raise PhylohubError(
            f"{missing.height} kin pairs have no similarity row; compute the similarity again"
        )
    return joined.drop("_lo", "_hi", "_row", "_hit")


def bootstrap_means(
    values: FloatArray, resamples: int, rng: np.random.Generator, block: int = 500
) -> FloatArray:
    """Bootstrap means of every column of ``values`` (draws x columns), NaN-aware.

    Rows are resampled with replacement; a resample's mean of a column is over its rows
    that are not NaN (NaN when none is). Returns ``resamples`` x columns.
    """
    n, k = values.shape
    out = np.full((resamples, k), np.nan)
    if n == 0:
        return out
    valid = ~np.isnan(values)
    gaps = np.flatnonzero(~valid.all(axis=0))  # columns some draws lack
    x = np.where(valid, values, 0.0)
    v = valid[:, gaps].astype(np.float64)
    offsets = (np.arange(block) * n)[:, None]
    done = 0
    while done < resamples:
        b = min(block, resamples - done)
        idx = rng.integers(0, n, size=(b, n), dtype=np.int64)
        counts = np.bincount((idx + offsets[:b]).ravel(), minlength=b * n)
        c = counts.reshape(b, n).astype(np.float64)
        means = (c @ x) / n
        if gaps.size:
            ns = c @ v
            with np.errstate(invalid="ignore", divide="ignore"):
                means[:, gaps] = np.where(ns > 0, means[:, gaps] * n / ns, np.nan)
        out[done : done + b] = means
        done += b
    return out


def _interval(boot: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    alpha = (1 - confidence) / 2
    with np.errstate(all="ignore"):
        if boot.shape[0] == 0 or np.isnan(boot).all():
            nan = np.full(boot.shape[1], np.nan)
            return nan, nan
        lo = np.nanquantile(boot, alpha, axis=0)
        hi = np.nanquantile(boot, 1 - alpha, axis=0)
    return lo, hi


def _pair_key(ra: str, rb: str) -> str:
    return f"{ra}-{rb}"


def _nanmean(v: FloatArray) -> float:
    ok = v[~np.isnan(v)]
    return float(ok.mean()) if ok.size else float("nan")


def summarize(
    pairs: pa.Table,
    similarity: pa.Table,
    measures: Sequence[str],
    occurrences: dict[str, int],
    resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Summary:
    """Means with bootstrap intervals, per relation and inside shapes, and the claims.

    Parameters
    ----------
    pairs : pyarrow.Table
        Kin pairs (``kin_pairs``).
    similarity : pyarrow.Table
        Pair similarities (one column per measure).
    measures : sequence of str
        Measures to summarise (columns of ``similarity``).
    occurrences : dict of str to int
        Exact occurrences of each shape (``kin_shapes``), reported beside the means.
    resamples : int
        Bootstrap resamples (the paper: 10,000).
    confidence : float
        Level of the intervals.
    seed : int
        Seed of the resamples.
    """
    if resamples < 1 or not 0 < confidence < 1:
        raise PhylohubError("similarity: bootstrap must be >= 1 and confidence in (0, 1)")
    df = join_pairs(pairs, similarity)
    means_rows: list[dict[str, object]] = []
    shape_rows: list[dict[str, object]] = []
    # Per shape: per-draw values (draws x [role pairs x measures + paired differences]).
    per_draw: dict[str, dict[str, FloatArray]] = {}
    boots: dict[str, dict[str, FloatArray]] = {}
    shapes_present = [s for s in SHAPES if s in set(df["shape"].unique().to_list())]
    for shape in shapes_present:
        sub = df.filter(pl.col("shape") == shape)
        n_draws = int(sub["draw"].to_numpy().max()) + 1
        cols: dict[str, FloatArray] = {}
        for ra, rb, _, _, _ in shape_pairs(shape):
            rows = sub.filter((pl.col("role_a") == ra) & (pl.col("role_b") == rb)).sort("draw")
            for m in measures:
                v = np.full(n_draws, np.nan)
                v[rows["draw"].to_numpy()] = rows[m].to_numpy()
                cols[f"{_pair_key(ra, rb)}|{m}"] = v
        for claim, cshape, side_a, side_b, _, _ in _PAIRED:
            if cshape != shape:
                continue
            for m in measures:
                a = np.mean([cols[f"{k}|{m}"] for k in side_a], axis=0)
                b = np.mean([cols[f"{k}|{m}"] for k in side_b], axis=0)
                cols[f"diff:{claim}:{'+'.join(side_a)}:{'+'.join(side_b)}|{m}"] = a - b
        names = list(cols)
        matrix = np.column_stack([cols[k] for k in names]) if names else np.zeros((n_draws, 0))
        rng = np.random.default_rng(np.random.SeedSequence([seed, 1000 + SHAPES.index(shape)]))
        boot = bootstrap_means(matrix, resamples, rng)
        per_draw[shape] = cols
        boots[shape] = {k: boot[:, j] for j, k in enumerate(names)}
        lo, hi = _interval(boot, confidence)
        for ra, rb, relation, distance, divide in shape_pairs(shape):
            for m in measures:
                key = f"{_pair_key(ra, rb)}|{m}"
                j = names.index(key)
                v = cols[key]
                shape_rows.append(
                    {
                        "shape": shape,
                        "role_a": ra,
                        "role_b": rb,
                        "relation": relation,
                        "distance": distance,
                        "divide": divide,
                        "measure": m,
                        "n": int((~np.isnan(v)).sum()),
                        "mean": _nanmean(v),
                        "ci_low": float(lo[j]),
                        "ci_high": float(hi[j]),
                    }
                )
    relation_values: dict[str, tuple[str, str]] = {}
    for relation in RELATIONS:
        shape, ra, rb = RELATION_SHAPE[relation]
        if shape not in per_draw:
            continue
        relation_values[relation] = (shape, _pair_key(ra, rb))
        for m in measures:
            key = f"{_pair_key(ra, rb)}|{m}"
            v = per_draw[shape][key]
            b = boots[shape][key][:, None]
            lo, hi = _interval(b, confidence)
            ok = v[~np.isnan(v)]
            means_rows.append(
                {
                    "relation": relation,
                    "measure": m,
                    "n": int(ok.size),
                    "mean": _nanmean(v),
                    "std": float(ok.std(ddof=1)) if ok.size > 1 else float("nan"),
                    "ci_low": float(lo[0]),
                    "ci_high": float(hi[0]),
                    "occurrences": int(occurrences.get(shape, 0)),
                }
            )
    tests = _tests(measures, per_draw, boots, relation_values, confidence)
    return Summary(
        pa.Table.from_pylist(means_rows, schema=_MEANS_SCHEMA),
        pa.Table.from_pylist(shape_rows, schema=_SHAPE_SCHEMA),
        pa.Table.from_pylist(tests, schema=_TESTS_SCHEMA),
    )


def _tests(
    measures: Sequence[str],
    per_draw: dict[str, dict[str, FloatArray]],
    boots: dict[str, dict[str, FloatArray]],
    relation_values: dict[str, tuple[str, str]],
    confidence: float,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for claim in CLAIMS:
        for c, ra, rb in _INDEPENDENT:
            if c != claim or ra not in relation_values or rb not in relation_values:
                continue
            for m in measures:
                sa, ka = relation_values[ra]
                sb, kb = relation_values[rb]
                xa = per_draw[sa][f"{ka}|{m}"]
                xb = per_draw[sb][f"{kb}|{m}"]
                xa, xb = xa[~np.isnan(xa)], xb[~np.isnan(xb)]
                diff_boot = boots[sa][f"{ka}|{m}"] - boots[sb][f"{kb}|{m}"]
                lo, hi = _interval(diff_boot[:, None], confidence)
                rows.append(_test_row(claim, ra, rb, "independent", m, xa, xb, lo[0], hi[0], None))
        for c, shape, side_a, side_b, ra, rb in _PAIRED:
            if c != claim or shape not in per_draw:
                continue
            for m in measures:
                key = f"diff:{claim}:{'+'.join(side_a)}:{'+'.join(side_b)}|{m}"
                d = per_draw[shape][key]
                ok = ~np.isnan(d)
                a = np.mean([per_draw[shape][f"{k}|{m}"] for k in side_a], axis=0)[ok]
                b = np.mean([per_draw[shape][f"{k}|{m}"] for k in side_b], axis=0)[ok]
                lo, hi = _interval(boots[shape][key][:, None], confidence)
                rows.append(
                    _test_row(claim, ra, rb, f"paired in {shape}", m, a, b, lo[0], hi[0], d[ok])
                )
    return rows


def _test_row(
    claim: str,
    ra: str,
    rb: str,
    design: str,
    measure: str,
    xa: FloatArray,
    xb: FloatArray,
    ci_low: float,
    ci_high: float,
    diffs: FloatArray | None,
) -> dict[str, object]:
    nan = float("nan")
    mean_a = float(xa.mean()) if xa.size else nan
    mean_b = float(xb.mean()) if xb.size else nan
    effect, p = nan, nan
    if diffs is None:
        if xa.size > 1 and xb.size > 1:
            pooled = np.sqrt(
                ((xa.size - 1) * xa.var(ddof=1) + (xb.size - 1) * xb.var(ddof=1))
                / (xa.size + xb.size - 2)
            )
            effect = (mean_a - mean_b) / pooled if pooled > 0 else nan
            if xa.var() > 0 or xb.var() > 0:
                p = float(st.ttest_ind(xa, xb, equal_var=False).pvalue)
    elif diffs.size > 1:
        sd = diffs.std(ddof=1)
        effect = float(diffs.mean() / sd) if sd > 0 else nan
        if sd > 0:
            p = float(st.ttest_1samp(diffs, 0.0).pvalue)
    return {
        "claim": claim,
        "comparison": f"{ra} > {rb}",
        "design": design,
        "measure": measure,
        "n_a": int(xa.size),
        "n_b": int(xb.size),
        "mean_a": mean_a,
        "mean_b": mean_b,
        "difference": mean_a - mean_b,
        "ci_low": float(ci_low),
        "ci_high": float(ci_high),
        "effect_size": float(effect),
        "p_value": float(p),
    }


_MEANS_SCHEMA = pa.schema(
    [
        ("relation", pa.string()),
        ("measure", pa.string()),
        ("n", pa.int64()),
        ("mean", pa.float64()),
        ("std", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
        ("occurrences", pa.int64()),
    ]
)
_SHAPE_SCHEMA = pa.schema(
    [
        ("shape", pa.string()),
        ("role_a", pa.string()),
        ("role_b", pa.string()),
        ("relation", pa.string()),
        ("distance", pa.int64()),
        ("divide", pa.int64()),
        ("measure", pa.string()),
        ("n", pa.int64()),
        ("mean", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
    ]
)
_TESTS_SCHEMA = pa.schema(
    [
        ("claim", pa.string()),
        ("comparison", pa.string()),
        ("design", pa.string()),
        ("measure", pa.string()),
        ("n_a", pa.int64()),
        ("n_b", pa.int64()),
        ("mean_a", pa.float64()),
        ("mean_b", pa.float64()),
        ("difference", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
        ("effect_size", pa.float64()),
        ("p_value", pa.float64()),
    ]
)
