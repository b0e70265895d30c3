"""Births: every model's ``createdAt`` is its birth, every edge a reproduction event.

:func:`read_models` reads each listed model's birth, the relation it was born by and its
task from ``hub.duckdb``; :func:`family_births` joins them with one genealogy relation
set's families (as the genealogy stage defines them: :mod:`phylohub.genealogy.families`),
so a family's births are its listed members that have a parent in the set. Models whose
``createdAt`` is the Hub's back-fill (2022-03-02T23:29:04.000Z, the date of everything
created before dates were recorded) have no known birth: they are counted apart and
never placed in March 2022.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from phylohub.snapshot.connect import connect_snapshot

#: Each listed model's birth (null when back-filled), the relation of its edges (``root``
#: without one; a child declaring several relations takes its first parent's, by id) and
#: its task (an empty ``pipeline_tag`` is none).
MODELS = """
SELECT m.id,
    CASE WHEN m.created_at_backfilled THEN NULL ELSE m.created_at END AS born,
    m.created_at_backfilled AS backfilled,
    coalesce(e.relation, 'root') AS relation,
    nullif(m.pipeline_tag, '') AS task
FROM models m
LEFT JOIN (SELECT child, arg_min(relation, parent) AS relation FROM edges GROUP BY child) e
    ON e.child = m.id
"""


def read_models(db: Path) -> pl.DataFrame:
    """``id``, ``born`` (datetime, null when back-filled), ``backfilled``, ``relation``,
    ``task`` and ``month`` (the first day of the birth's month) of every listed model."""
    con = connect_snapshot(db)
    try:
        frame = pl.from_arrow(con.sql(MODELS).to_arrow_table())
    finally:
        con.close()
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(
        pl.col("born").cast(pl.Datetime("ms")),
        pl.col("born").dt.truncate("1mo").cast(pl.Date).alias("month"),
    )


def snapshot_date(models: pl.DataFrame) -> pl.Datetime | None:
    """The newest birth: the snapshot holds nothing younger (a lower bound of its crawl
    date that needs no crawl log, and the same for a replica's ecosystem)."""
    value = models["born"].max()
    return value  # type: ignore[return-value]


def monthly_births(models: pl.DataFrame) -> pl.DataFrame:
    """Models born per month and relation (``root``: no declared parent); back-filled
    models are left out (the summary counts them)."""
    return (
        models.filter(pl.col("month").is_not_null())
        .group_by("month", "relation")
        .agg(pl.len().alias("births"))
        .sort("month", "relation")
    )


def family_births(
    models: pl.DataFrame, nodes: pl.DataFrame, families: pl.DataFrame, relations: str
) -> pl.DataFrame:
    """One row per birth in a family of a relation set: ``relations`` (the set's name),
    ``family``, ``root``, ``id``, ``parent`` (its kept parent), ``relation``, ``task``,
    ``born``, ``month`` and
    ``age_days`` (days from the root's birth; null when the root's birth is unknown:
    external or back-filled). Back-filled children stay, with a null ``born``.

    ``nodes`` and ``families`` are the set's ``nodes.parquet`` and ``families.parquet``.
    Rows keep the order of ``nodes`` (the joins keep the left side's order), so the same
    snapshot gives the same ``births.parquet`` row for row; polars' joins promise no order
    otherwise, and it varied between runs.
    """
    members = nodes.filter(~pl.col("external") & pl.col("parent").is_not_null()).select(
        "id", "family", "parent"
    )
    # Only the families with a birth need their root's: at 1.86M models 0.2-0.5M
    # families of 1.4-1.7M (the rest are lone models), so the roots' join reads a
    # fraction of the families (docs/ecology.md, Scale).
    with_births = families.join(members.select("family").unique(), on="family", how="semi")
    roots = root_births(models, with_births)
    return (
        members.join(models, on="id", how="inner", maintain_order="left")
        .join(roots, on="family", how="left", maintain_order="left")
        .select(
            pl.lit(relations).alias("relations"),
            "family",
            "root",
            "id",
            "parent",
            "relation",
            "task",
            "born",
            "month",
            ((pl.col("born") - pl.col("root_born")).dt.total_seconds() / 86400.0).alias("age_days"),
            "root_born",
        )
    )


def root_births(models: pl.DataFrame, families: pl.DataFrame) -> pl.DataFrame:
    """``family``, ``root`` and ``root_born`` (null when the root is external or
    back-filled) of every family, in the families' order.

    A left join on the id: polars' ``replace_strict`` with the 1.86M ids as its mapping
    gave the same column in 27 s where the join takes 2 s (docs/ecology.md, Scale)."""
    born = models.select(pl.col("id").alias("root"), pl.col("born").alias("root_born"))
    return families.select("family", "root").join(
        born, on="root", how="left", maintain_order="left"
    )


def family_months(births: pl.DataFrame) -> pl.DataFrame:
    """Per family and month with births: ``births``, ``cumulative`` (dated births so
    far) and ``age_months`` (calendar months since the root's month)."""
    root_month = pl.col("root_born").dt.truncate("1mo").cast(pl.Date)
    months = (pl.col("month").dt.year() - root_month.dt.year()) * 12 + (
        pl.col("month").dt.month().cast(pl.Int32) - root_month.dt.month().cast(pl.Int32)
    )
    return (
        births.filter(pl.col("month").is_not_null())
        .group_by("relations", "family", "root", "month")
        .agg(pl.len().alias("births"), pl.col("root_born").first())
        .sort("relations", "family", "month")
        .with_columns(pl.col("births").cum_sum().over("relations", "family").alias("cumulative"))
        .with_columns(months.alias("age_months"))
        .select("relations", "family", "root", "month", "births", "cumulative", "age_months")
    )
