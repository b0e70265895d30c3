"""Reproductive life of a family: first child, peak, half-life, still reproducing.

For each family of at least ``min_models`` listed models (a genealogy relation set's
family, by its root), from its dated births (children whose ``createdAt`` is not the
back-fill):

* **first child**: days from the root's birth to its first child's;
* **peak month**: the calendar month with the most births (ties: the earliest), among
  the *full* months (the snapshot's own month is partial and never counts);
* **half-life**: monthly births from a peak month to the last full month are fitted by
  a Poisson regression, ``E[births in month peak + t] = exp(a + b t)`` (maximum
  likelihood, zero months included); the decay rate is ``-b`` per month and the
  reproductive half-life ``ln 2 / -b`` months: the time after the peak for births to
  fall to half. The peak is the month chosen for being the highest, so fitted on the
  births it was chosen from, even births that never fall look as if they fell after it
  (20 planted ecosystems of 40 families with flat births: the decay claim held in all
  20). So the fit is *cross-fitted* (:func:`cross_fit`): the family's uploads (below)
  are split in two halves at random (seeded), each half's peak is found and the other
  half fitted from it, and ``b`` is the mean of the two slopes: the month that is
  chosen is not the month that is fitted (the claim then held in 2 of 20). A family
  with fewer than ``min_decay_months`` full months from its peak on is ``too few
  months``;
* **interval**: a bootstrap that resamples the family's *uploads* with replacement (an
  upload: the births one author gave one parent, which come in batches: a quantizer's
  dozen files of one model in a week), splits the resampled uploads in two and refits
  (:func:`bootstrap_by_cluster`); the percentile interval at ``level``. Births
  resampled one by one made intervals too narrow where they come in batches: 60
  simulated families whose births come in uploads of 10, a half-life of 4 months
  planted, were covered by 43% of 95% intervals resampling births and by 93%
  resampling uploads (tests/ecology/test_ecology_stats.py). A replicate that does not
  decay has an infinite half-life, so a high bound past every finite one is null. The
  status follows the interval: ``decaying`` when the rate's whole interval lies above
  0 (the half-life's high bound finite), ``not decaying`` when it lies at or below 0,
  ``not shown`` when it holds 0;
* **still reproducing**: a birth in the ``active_months`` months before the snapshot
  date.

The fits are vectorised over families (a months-by-family count matrix; the bootstrap's
resamples of many families fitted together in chunks), so the cost grows with families,
their uploads and months, not with models.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from phylohub.draws import count_draws, draw_indexes

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Newton steps of the Poisson fit (it converges in under ten on real counts).
NEWTON_STEPS = 40
#: Bound of the fitted slope per month (a family whose births stop at once).
MAX_RATE = 20.0


def month_index(col: str) -> pl.Expr:
    """Months since year 0 of a date column (consecutive months differ by 1)."""
    return pl.col(col).dt.year().cast(pl.Int64) * 12 + pl.col(col).dt.month().cast(pl.Int64) - 1


def fit_decay(counts: FloatArray, start: IntArray) -> FloatArray:
    """The Poisson log-linear slope ``b`` of each row's counts from column ``start[r]``
    to the last column (``counts``: rows x months). Rows with no births get 0.

    :data:`NEWTON_STEPS` Newton steps, each row on its own (a step reads that row
    alone). Most rows soon repeat themselves: a step gives ``a`` and ``b`` bit for bit
    as they were one to :data:`CYCLE` steps before, and from there on the steps cycle, so
    the state after the last step is known without taking them; such a row leaves the
    working set with it. And a row is fitted on its last months only, from the whole
    block of 8 its start falls in (:func:`_windows`): the months before it are zeros in
    every sum. The slopes are bit for bit those of every step on every row over every
    month (:func:`fit_decay_plain`, tested equal) in about a third of the time at 1.86M
    models, and about half of that again with the windows (docs/ecology.md, Scale)."""
    out = np.zeros(counts.shape[0])
    for skip, rows in _windows(start, counts.shape[1]):
        out[rows] = _fit_rows(counts[rows, skip:], start[rows] - skip)
    return out


def _windows(start: IntArray, months: int) -> list[tuple[int, IntArray]]:
    """The rows by how many leading months their fit may skip: a multiple of 8 at most
    the row's ``start``, leaving at least 8 months (all of them, where ``months`` is
    below 8 or above 128).

    Why those: every sum of a step runs along a row, and numpy sums a row of 8 to 128
    numbers in eight running sums, the i-th number into sum ``i % 8``, the eight then
    added pairwise, and the last ``n % 8`` one by one. Skipping whole blocks of 8 from the
    front keeps every number in its sum and those sums in their order; the skipped
    numbers are zeros (before the row's start), and ``0 + x`` is ``x``; so a row's sums,
    and its fit, are the same to the bit. Beyond 128 numbers numpy halves the row first,
    where it halves it depends on its length, and the rows are fitted whole.

    >>> [(skip, rows.tolist()) for skip, rows in _windows(np.array([3, 20, 39, 8]), 40)]
    [(0, [0]), (8, [3]), (16, [1]), (32, [2])]
    """
    if months < 8 or months > 128:
        return [(0, np.arange(start.size))]
    skip = np.minimum(start, months - 8) // 8 * 8
    return [(int(k), np.flatnonzero(skip == k)) for k in np.unique(skip)]


def _fit_rows(counts: FloatArray, start: IntArray) -> FloatArray:
    """:func:`fit_decay` of rows fitted together over the same months."""
    y, xf, mask, total, a, b = _fit_start(counts, start)
    live = np.arange(counts.shape[0])
    history = [(a.copy(), b.copy())]  # the working rows' last states, the newest last
    for step in range(1, NEWTON_STEPS + 1):
        na, nb = _newton_step(*history[-1], y, xf, mask)
        done, fa, fb = _cycled(history, na, nb, NEWTON_STEPS - step)
        history = [*history[-(CYCLE - 1) :], (na, nb)]
        if done.any():
            a[live[done]], b[live[done]] = fa[done], fb[done]
            keep = ~done
            live, y, xf, mask = live[keep], y[keep], xf[keep], mask[keep]
            history = [(ha[keep], hb[keep]) for ha, hb in history]
            if live.size == 0:
                break
    a[live], b[live] = history[-1]
    return np.where(total > 0, b, 0.0)


#: The longest cycle of Newton states :func:`fit_decay` looks for.
CYCLE = 4


def _bits(v: FloatArray) -> IntArray:
    out: IntArray = v.view(np.int64)
    return out


def _cycled(
    history: list[tuple[FloatArray, FloatArray]], na: FloatArray, nb: FloatArray, left: int
) -> tuple[npt.NDArray[np.bool_], FloatArray, FloatArray]:
    """Which rows' new state ``(na, nb)`` equals, bit for bit, one ``p`` steps before
    (``history[-p]``), and so cycles with period ``p``; and for those, the state after
    ``left`` more steps: ``history[-p + left % p]`` (or the new state itself)."""
    done = np.zeros(na.shape, dtype=bool)
    fa, fb = na.copy(), nb.copy()
    for p in range(1, min(CYCLE, len(history)) + 1):
        old_a, old_b = history[-p]
        hit = ~done & (_bits(old_a) == _bits(na)) & (_bits(old_b) == _bits(nb))
        if not hit.any():
            continue
        k = left % p
        src_a, src_b = (na, nb) if k == 0 else history[-p + k]
        fa[hit], fb[hit] = src_a[hit], src_b[hit]
        done |= hit
    return done, fa, fb


def _newton_step(
    a: FloatArray, b: FloatArray, y: FloatArray, xf: FloatArray, mask: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    """One Newton step of the Poisson fit of each row (``a``, ``b`` -> the next)."""
    mu = np.where(mask, np.exp(np.clip(a[:, None] + b[:, None] * xf, -700, 700)), 0.0)
    r = y - mu
    g0, g1 = r.sum(axis=1), (r * xf).sum(axis=1)
    mx = mu * xf  # mu * xf * xf is (mu * xf) * xf: the same numbers, one product less
    h00, h01, h11 = mu.sum(axis=1), mx.sum(axis=1), (mx * xf).sum(axis=1)
    det = h00 * h11 - h01 * h01
    ok = det > 1e-12
    da = np.where(ok, (h11 * g0 - h01 * g1) / np.where(ok, det, 1.0), 0.0)
    db = np.where(ok, (h00 * g1 - h01 * g0) / np.where(ok, det, 1.0), 0.0)
    return a + np.clip(da, -5, 5), np.clip(b + np.clip(db, -1, 1), -MAX_RATE, MAX_RATE)


def fit_decay_plain(counts: FloatArray, start: IntArray) -> FloatArray:
    """:func:`fit_decay` with every step on every row: the plain form its test holds
    it equal to."""
    y, xf, mask, total, a, b = _fit_start(counts, start)
    for _ in range(NEWTON_STEPS):
        a, b = _newton_step(a, b, y, xf, mask)
    return np.where(total > 0, b, 0.0)


def _fit_start(
    counts: FloatArray, start: IntArray
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_], FloatArray, FloatArray, FloatArray]:
    """What both fits start from: each row's counts and months from its start (``y``,
    ``xf``, ``mask``), its total, and the first state (``a`` the log mean, ``b`` 0)."""
    rows, months = counts.shape
    x = np.arange(months)[None, :] - start[:, None]
    mask = x >= 0
    xf = np.where(mask, x, 0).astype(np.float64)
    y = np.where(mask, counts, 0.0)
    n = mask.sum(axis=1)
    total = y.sum(axis=1)
    a = np.log(np.maximum(total, 1e-9) / np.maximum(n, 1))
    return y, xf, mask, total, a, np.zeros(rows)


def half_life(b: FloatArray) -> FloatArray:
    """``ln 2 / -b`` months where ``b < 0``; infinite otherwise."""
    with np.errstate(divide="ignore"):
        out: FloatArray = np.where(b < 0, math.log(2) / np.where(b < 0, -b, 1.0), np.inf)
    return out


def _peaks(counts: FloatArray) -> IntArray:
    out: IntArray = np.argmax(counts, axis=1).astype(np.int64)
    return out


def fit_halves(one: FloatArray, two: FloatArray) -> FloatArray:
    """The cross-fitted slope of each row from two independent halves of its births:
    each half fitted from the other half's peak, the two slopes averaged. Where births do
    not fall, the half that is fitted has no trend whatever month the other half's noise
    made the peak."""
    slopes: FloatArray = (fit_decay(two, _peaks(one)) + fit_decay(one, _peaks(two))) / 2
    return slopes


def cross_fit(clusters: list[FloatArray], rng: np.random.Generator) -> FloatArray:
    """The cross-fitted slope of each family (:func:`fit_halves`), its uploads
    (``clusters[r]``: uploads x months) split in two halves at random (a permutation,
    the first half one way). Uploads, not births: the births of an upload fall in one
    month, so a birth split would put that month's batch on both sides, and the peak
    chosen on one half would be the other half's peak too (flat births in uploads of 10,
    40 families: 82-95% decaying split by birth; tests/ecology)."""
    rows = len(clusters)
    if rows == 0:
        return np.zeros(0)
    months = clusters[0].shape[1]
    one, two = np.zeros((rows, months)), np.zeros((rows, months))
    for r, c in enumerate(clusters):
        order = rng.permutation(c.shape[0])
        half = c.shape[0] // 2
        one[r], two[r] = c[order[:half]].sum(axis=0), c[order[half:]].sum(axis=0)
    return fit_halves(one, two)


def bootstrap_by_cluster(
    clusters: list[FloatArray], replicates: int, rng: np.random.Generator, chunk: int = 4_000_000
) -> FloatArray:
    """Half-lives of ``replicates`` resamples of each family (families x replicates):
    ``clusters[r]`` is family ``r``'s births per cluster (an upload) and month (clusters x
    months); each resample draws the family's clusters with replacement, its first half
    of draws one half and the rest the other (draws with replacement are independent, so
    this is a random split of the resampled uploads), and cross-fits them
    (:func:`fit_halves`). Families are fitted together in chunks of about ``chunk``
    cells."""
    rows = len(clusters)
    out = np.empty((rows, replicates))
    if rows == 0 or replicates == 0:
        return out
    months = clusters[0].shape[1]
    per = max(1, chunk // max(1, replicates * months))
    for lo in range(0, rows, per):
        ones, twos = [], []
        for c in clusters[lo : lo + per]:
            n = c.shape[0]
            if n == 0:
                ones.append(np.zeros((replicates, months)))
                twos.append(np.zeros((replicates, months)))
                continue
            draws = draw_indexes(rng, n, (replicates, n))
            ones.append(count_draws(draws[:, : n // 2], n) @ c)
            twos.append(count_draws(draws[:, n // 2 :], n) @ c)
        b = fit_halves(np.vstack(ones), np.vstack(twos))
        out[lo : lo + len(ones)] = half_life(b).reshape(len(ones), replicates)
    return out


def reproductive_life(
    births: pl.DataFrame,
    families: pl.DataFrame,
    snapshot: datetime,
    min_models: int,
    min_decay_months: int,
    active_months: int,
    replicates: int,
    level: float,
    seed: int,
) -> pl.DataFrame:
    """One row per family of at least ``min_models`` listed models (see the module
    docstring): ``relations``, ``family``, ``root``, ``models``, ``births``,
    ``births_backfilled``, ``root_born``, ``first_child``, ``days_to_first_child``,
    ``peak_month``, ``peak_births``, ``fit_months``, ``decay_rate``, ``half_life_months``,
    ``half_life_low``, ``half_life_high``, ``status``, ``last_birth``,
    ``still_reproducing``.

    ``births`` is one set's :func:`~.births.family_births`, ``families`` its
    ``families.parquet``.
    """
    big = families.filter(pl.col("models") >= min_models).select("family", "models")
    fb = births.join(big, on="family", how="semi")
    per = (
        fb.group_by("relations", "family", "root")
        .agg(
            pl.col("born").is_not_null().sum().alias("births"),
            pl.col("born").is_null().sum().alias("births_backfilled"),
            pl.col("root_born").first(),
            pl.col("born").min().alias("first_child"),
            pl.col("born").max().alias("last_birth"),
        )
        .join(big, on="family")
        .sort("family")
    )
    last_full = snapshot.year * 12 + snapshot.month - 2  # month index of the last full month
    dated = fb.filter(pl.col("month").is_not_null()).with_columns(month_index("month").alias("m"))
    first = int(dated["m"].min()) if dated.height else last_full  # type: ignore[arg-type]
    months = max(1, last_full - first + 1)
    row_of = {f: k for k, f in enumerate(per["family"].to_list())}
    counts = np.zeros((per.height, months))
    full = dated.filter(pl.col("m") <= last_full)
    if full.height:
        r = full["family"].replace_strict(row_of, return_dtype=pl.Int64).to_numpy()
        np.add.at(counts, (r, full["m"].to_numpy() - first), 1.0)
    peak = _peaks(counts)
    fit_months = months - peak
    uploads = _uploads(full, row_of, first, months)
    b = cross_fit(uploads, np.random.default_rng([seed, 0x73706C74]))
    hl = half_life(b)
    rng = np.random.default_rng([seed, 0x6C696665])
    boot = bootstrap_by_cluster(uploads, replicates, rng)
    alpha = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        low = np.quantile(boot, alpha, axis=1) if replicates else np.full(per.height, np.nan)
        high = np.quantile(boot, 1 - alpha, axis=1) if replicates else np.full(per.height, np.nan)
    enough = fit_months >= min_decay_months
    status = np.select(
        [~enough, (b < 0) & np.isfinite(high), (b >= 0) & ~np.isfinite(low)],
        ["too few months", "decaying", "not decaying"],
        "not shown",
    )
    decaying = enough & (b < 0)  # a half-life to show (the status says if it is shown)
    since = snapshot - timedelta(days=30.4375 * active_months)
    pm = peak + first
    return per.with_columns(
        ((pl.col("first_child") - pl.col("root_born")).dt.total_seconds() / 86400.0).alias(
            "days_to_first_child"
        ),
        pl.Series("peak_month", [_date(int(m)) for m in pm], dtype=pl.Date),
        pl.Series("peak_births", counts[np.arange(per.height), peak].astype(np.int64)),
        pl.Series("fit_months", fit_months.astype(np.int64)),
        pl.Series("decay_rate", np.where(enough, -b, np.nan)),
        pl.Series("half_life_months", np.where(decaying, hl, np.nan)),
        pl.Series("half_life_low", np.where(decaying & np.isfinite(low), low, np.nan)),
        pl.Series("half_life_high", np.where(decaying & np.isfinite(high), high, np.nan)),
        pl.Series("status", status, dtype=pl.String),
        (pl.col("last_birth") >= since).fill_null(False).alias("still_reproducing"),
    ).fill_nan(None).select(
        "relations", "family", "root", "models", "births", "births_backfilled", "root_born",
        "first_child", "days_to_first_child", "peak_month", "peak_births", "fit_months",
        "decay_rate", "half_life_months", "half_life_low", "half_life_high", "status",
        "last_birth", "still_reproducing",
    )  # fmt: skip


def _uploads(
    full: pl.DataFrame, row_of: dict[object, int], first: int, months: int
) -> list[FloatArray]:
    """Per family row, its full months' births per upload (the births one author, the
    id's namespace, gave one parent) and month: uploads x months."""
    out = [np.zeros((0, months)) for _ in row_of]
    if not full.height:
        return out
    keyed = full.with_columns(
        pl.col("family").replace_strict(row_of, return_dtype=pl.Int64).alias("_r"),
        pl.concat_str(pl.col("parent").fill_null(""), pl.lit("|"),
                      pl.col("id").str.split("/").list.first()).alias("_u"),
    ).group_by("_r", "_u", "m").agg(pl.len().alias("_n"))  # fmt: skip
    for (r,), part in keyed.group_by("_r"):
        _, upload = np.unique(part["_u"].to_numpy(), return_inverse=True)
        upload = upload.reshape(-1)
        c = np.zeros((int(upload.max()) + 1, months))
        np.add.at(c, (upload, part["m"].to_numpy() - first), part["_n"].to_numpy())
        out[int(r)] = c
    return out


def _date(month_index: int) -> date:
    return date(month_index // 12, month_index % 12 + 1, 1)


def life_distributions(life: pl.DataFrame) -> pl.DataFrame:
    """Per set and measure (days to the first child, half-life, peak births, fit
    months): families with a value, median, 10th and 90th percentiles; and the share
    still reproducing."""
    rows = []
    for (rel,), part in life.group_by("relations", maintain_order=True):
        for measure in ("days_to_first_child", "half_life_months", "peak_births", "decay_rate"):
            v = part[measure].drop_nulls().cast(pl.Float64)
            rows.append(
                {
                    "relations": rel,
                    "measure": measure,
                    "families": v.len(),
                    "median": v.median() if v.len() else None,
                    "p10": v.quantile(0.1, "linear") if v.len() else None,
                    "p90": v.quantile(0.9, "linear") if v.len() else None,
                }
            )
        share = part["still_reproducing"].mean() if part.height else None
        rows.append({"relations": rel, "measure": "still_reproducing", "families": part.height,
                     "median": share, "p10": None, "p90": None})  # fmt: skip
    return pl.DataFrame(
        rows,
        schema={"relations": pl.String, "measure": pl.String, "families": pl.Int64,
                "median": pl.Float64, "p10": pl.Float64, "p90": pl.Float64},
    )  # fmt: skip


def decay_claim(
    life: pl.DataFrame, min_families: int, replicates: int, level: float, seed: int
) -> dict[str, object]:
    """The claim "a family's births fall after its peak": the median cross-fitted decay
    rate (per month) of the families with enough months, with a percentile interval from
    resampling the families; ``status`` ``too few families`` below ``min_families``. The
    median, not the mean: a family whose births stop at once has a rate at the fit's
    bound (:data:`MAX_RATE`, 20 a month), and a few such would carry a mean."""
    rates = life["decay_rate"].drop_nulls().to_numpy().astype(np.float64)
    n = rates.size
    out: dict[str, object] = {"claim": "families_decay", "measure": "decay_rate",
                              "n_families": n, "difference": None, "ci_low": None,
                              "ci_high": None}  # fmt: skip
    out["status"] = "tested" if n >= min_families else "too few families"
    if n == 0:
        return out
    rng = np.random.default_rng([seed, 0x636C6D])
    medians = np.median(rates[draw_indexes(rng, n, (replicates, n))], axis=1) if n > 1 else rates
    alpha = (1 - level) / 2
    out.update(difference=float(np.median(rates)), ci_low=float(np.quantile(medians, alpha)),
               ci_high=float(np.quantile(medians, 1 - alpha)))  # fmt: skip
    return out
