"""Succession and niches: which root families bear each month's new children.

The births counted are the new fine-tunes and adapters (relation ``finetune`` or
``adapter``) of one relation set's families. A *niche* is a task: a birth belongs to the
niche of its own ``pipeline_tag`` (models without one are in no niche); niche ``all``
holds every birth.

In each niche with at least ``min_births`` dated births, the ``top`` root families (by
births in the niche) are followed month by month: their births and share of the niche's
births (the rest is ``other``). Family G *overtakes* F when G peaks later than F (peak:
the month of its most births in the niche, ties the earliest) and, in a month after F's
peak, G has more births in the niche than F: the hand-over month is the first such
month (``handovers.tsv``, every ordered pair of top families). ``niches.tsv`` gives each
top family's births, first and peak months, and the first family that overtook it.

:func:`niche_spread` asks whether a family spreads into new tasks as it ages: per family
and year of age, its births, the tasks they carry, and how many of those tasks are new
to the family (not the root's, not carried by an earlier birth).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from phylohub.ecology.life import month_index

#: Relations whose births make the succession (new fine-tunes and adapters).
SUCCESSION_RELATIONS = ("finetune", "adapter")


def niche_births(births: pl.DataFrame) -> pl.DataFrame:
    """Dated fine-tune and adapter births with their niche: each twice, in ``all`` and
    in its task's niche (when it has a task)."""
    b = births.filter(
        pl.col("month").is_not_null() & pl.col("relation").is_in(SUCCESSION_RELATIONS)
    ).select("root", "month", "task")
    return pl.concat(
        [
            b.select(pl.lit("all").alias("niche"), "root", "month"),
            b.filter(pl.col("task").is_not_null()).select(
                pl.col("task").alias("niche"), "root", "month"
            ),
        ]
    )


def top_roots(nb: pl.DataFrame, top: int, min_births: int) -> pl.DataFrame:
    """The ``top`` roots of each niche with at least ``min_births`` births: ``niche``,
    ``rank``, ``root``, ``births``, ``first_month``, ``peak_month``."""
    big = nb.group_by("niche").agg(pl.len().alias("n")).filter(pl.col("n") >= min_births)
    per = (
        nb.join(big, on="niche", how="semi")
        .group_by("niche", "root")
        .agg(pl.len().alias("births"), pl.col("month").min().alias("first_month"))
        .sort(["niche", "births", "root"], descending=[False, True, False])
        .with_columns(pl.int_range(1, pl.len() + 1).over("niche").alias("rank"))
        .filter(pl.col("rank") <= top)
    )
    peaks = (
        nb.join(per.select("niche", "root"), on=["niche", "root"], how="semi")
        .group_by("niche", "root", "month")
        .agg(pl.len().alias("b"))
        .sort(["niche", "root", "b", "month"], descending=[False, False, True, False])
        .group_by("niche", "root", maintain_order=True)
        .first()
        .select("niche", "root", pl.col("month").alias("peak_month"))
    )
    return (
        per.join(peaks, on=["niche", "root"])
        .select("niche", "rank", "root", "births", "first_month", "peak_month")
        .sort("niche", "rank")
    )


def shares(nb: pl.DataFrame, tops: pl.DataFrame) -> pl.DataFrame:
    """Per niche, month and top root (or ``other``): ``births`` and ``share`` of the
    niche's births that month."""
    top = tops.select("niche", "root", pl.lit(True).alias("_top"))
    tagged = (
        nb.join(tops.select("niche"), on="niche", how="semi")
        .join(top, on=["niche", "root"], how="left")
        .with_columns(
            pl.when(pl.col("_top")).then(pl.col("root")).otherwise(pl.lit("other")).alias("family")
        )
    )
    counts = tagged.group_by("niche", "month", "family").agg(pl.len().alias("births"))
    return counts.with_columns(
        (pl.col("births") / pl.col("births").sum().over("niche", "month")).alias("share")
    ).sort("niche", "month", "family")


def handovers(nb: pl.DataFrame, tops: pl.DataFrame) -> pl.DataFrame:
    """Every ordered pair (F, G) of top families of a niche where G peaks later than F
    and has more births than F in some month after F's peak: ``niche``, ``from_root``,
    ``to_root``, ``month`` (the first such), ``from_births``, ``to_births`` and
    ``p_value``: one-sided, of G bearing that many of the month's births of the two were
    each birth a fair coin between them (exact binomial; one birth against none is 0.5,
    5 against 0 is 0.031), so a hand-over decided by a birth or two says so."""
    from scipy.special import bdtrc  # P(X > k) of a binomial; scipy.stats costs a second

    rows = []
    monthly = (
        nb.join(tops.select("niche", "root"), on=["niche", "root"], how="semi")
        .with_columns(month_index("month").alias("m"))
        .group_by("niche", "root", "m")
        .agg(pl.len().alias("b"))
    )
    for (niche,), part in tops.group_by("niche", maintain_order=True):
        roots = part["root"].to_list()
        peaks = dict(zip(roots, part.select(month_index("peak_month"))["peak_month"], strict=True))
        mon = monthly.filter(pl.col("niche") == niche)
        lo, hi = int(mon["m"].min()), int(mon["m"].max())  # type: ignore[arg-type]
        grid = np.zeros((len(roots), hi - lo + 1), dtype=np.int64)
        idx = {r: k for k, r in enumerate(roots)}
        r = mon["root"].replace_strict(idx, return_dtype=pl.Int64).to_numpy()
        grid[r, mon["m"].to_numpy() - lo] = mon["b"].to_numpy()
        for f in roots:
            for g in roots:
                if peaks[g] <= peaks[f]:
                    continue
                after = np.arange(grid.shape[1]) > peaks[f] - lo
                won = np.flatnonzero(after & (grid[idx[g]] > grid[idx[f]]))
                if won.size:
                    m = int(won[0])
                    fb, gb = int(grid[idx[f], m]), int(grid[idx[g], m])
                    p = float(bdtrc(gb - 1, fb + gb, 0.5))
                    rows.append((niche, f, g, _month(m + lo), fb, gb, p))
    return pl.DataFrame(
        rows,
        schema={"niche": pl.String, "from_root": pl.String, "to_root": pl.String,
                "month": pl.Date, "from_births": pl.Int64, "to_births": pl.Int64,
                "p_value": pl.Float64},
        orient="row",
    ).sort("niche", "month", "from_root", "to_root")  # fmt: skip


def _month(m: int) -> object:
    from datetime import date

    return date(m // 12, m % 12 + 1, 1)


def niche_table(tops: pl.DataFrame, hand: pl.DataFrame) -> pl.DataFrame:
    """``tops`` with the first family that overtook each (``overtaken_by``,
    ``overtaken_month``; ties: the earlier month, then the root's id)."""
    first = (
        hand.sort("niche", "from_root", "month", "to_root")
        .group_by("niche", "from_root", maintain_order=True)
        .first()
        .select("niche", pl.col("from_root").alias("root"),
                pl.col("to_root").alias("overtaken_by"),
                pl.col("month").alias("overtaken_month"))
    )  # fmt: skip
    return tops.join(first, on=["niche", "root"], how="left").sort("niche", "rank")


def niche_spread(births: pl.DataFrame, roots_task: pl.DataFrame, min_births: int) -> pl.DataFrame:
    """Per family with at least ``min_births`` dated births with a task, and per year of
    age (whole years since the root's birth): ``births``, ``tasks`` (distinct tasks of
    those births) and ``new_tasks`` (tasks no earlier birth nor the root carried)."""
    b = births.filter(pl.col("task").is_not_null() & pl.col("age_days").is_not_null()).with_columns(
        (pl.col("age_days") // 365.25).cast(pl.Int64).alias("age_year")
    )
    big = b.group_by("root").agg(pl.len().alias("n")).filter(pl.col("n") >= min_births)
    b = b.join(big, on="root", how="semi").join(roots_task, on="root", how="left")
    first_seen = b.group_by("root", "task").agg(
        pl.col("age_days").min().alias("first_age"), pl.col("root_task").first()
    )
    new = first_seen.filter(pl.col("task") != pl.col("root_task").fill_null("")).with_columns(
        (pl.col("first_age") // 365.25).cast(pl.Int64).alias("age_year")
    )
    per = b.group_by("root", "age_year").agg(
        pl.len().alias("births"), pl.col("task").n_unique().alias("tasks")
    )
    news = new.group_by("root", "age_year").agg(pl.len().alias("new_tasks"))
    return (
        per.join(news, on=["root", "age_year"], how="left")
        .with_columns(pl.col("new_tasks").fill_null(0).cast(pl.Int64))
        .sort("root", "age_year")
    )


def niche_entries(births: pl.DataFrame, roots_task: pl.DataFrame, min_births: int) -> pl.DataFrame:
    """When each family (as in :func:`niche_spread`) entered each task other than its
    root's: ``root``, ``root_task``, ``task``, ``first_month`` (the month of the first
    dated birth carrying it), ``age_months`` (calendar months from the root's month;
    null when the root's birth is unknown) and ``births`` (all its dated births with
    that task)."""
    b = births.filter(pl.col("task").is_not_null() & pl.col("month").is_not_null())
    big = (
        b.filter(pl.col("age_days").is_not_null())
        .group_by("root")
        .len("n")
        .filter(pl.col("n") >= min_births)
    )
    root_month = pl.col("root_born").dt.truncate("1mo").cast(pl.Date)
    age = (pl.col("first_month").dt.year() - root_month.dt.year()) * 12 + (
        pl.col("first_month").dt.month().cast(pl.Int32) - root_month.dt.month().cast(pl.Int32)
    )
    return (
        b.join(big, on="root", how="semi")
        .join(roots_task, on="root", how="left")
        .filter(pl.col("task") != pl.col("root_task").fill_null(""))
        .group_by("root", "task")
        .agg(
            pl.col("root_task").first(),
            pl.col("month").min().alias("first_month"),
            pl.len().alias("births"),
            pl.col("root_born").first(),
        )
        .with_columns(age.alias("age_months"))
        .select("root", "root_task", "task", "first_month", "age_months", "births")
        .sort("root", "first_month", "task")
    )
