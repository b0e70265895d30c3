"""Deaths and gating: what two snapshots show that one cannot.

One snapshot holds births only: a model removed from the Hub leaves no trace in it. With
an earlier snapshot (the diff stage's ``diff.previous``) the diff lists the models
removed since (``diff/models.parquet``) and those whose gating changed
(``diff/changed.parquet``, field ``gated``); this module reads those tables (never
diffing again) and places each event in the earlier snapshot: the family it belonged
to there (by root, in the genealogy relation set the diff compares, ``diff.relations``)
and the month it was born. A family *died* when every listed model of it is gone; it
lost its root when the root is.

The death rate (deaths per model listed before) and the share of families of two or
more models that died have Wilson's intervals with the standard error of a bootstrap
that **resamples families**: models of one family are removed together (a family dies
whole), so models are not independent draws. Without an earlier snapshot every table
is empty and the summary says ``needs two snapshots``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from phylohub.draws import draw_indexes
from phylohub.ecology import births as bi
from phylohub.io import check_outputs, write_json, write_parquet, write_tsv
from phylohub.traits.stats import wilson_interval

NEEDS_TWO = "needs two snapshots"

#: The outputs of rule ``measure_ecology_deaths``, by name (columns in docs/ecology.md).
TABLES: dict[str, str] = {
    "events": "deaths.parquet",
    "monthly": "deaths_monthly.tsv",
    "families": "death_families.parquet",
    "tests": "death_tests.tsv",
    "summary": "deaths_summary.json",
}

EVENTS_SCHEMA = {
    "id": pl.String, "event": pl.String, "gated": pl.String, "family": pl.Int64,
    "root": pl.String, "born": pl.Datetime("ms"), "month": pl.Date, "backfilled": pl.Boolean,
}  # fmt: skip
MONTHLY_SCHEMA = {
    "month": pl.Date, "models_before": pl.Int64, "deaths": pl.Int64,
    "newly_gated": pl.Int64, "death_share": pl.Float64,
}  # fmt: skip
FAMILIES_SCHEMA = {
    "family": pl.Int64, "root": pl.String, "models_before": pl.Int64, "deaths": pl.Int64,
    "newly_gated": pl.Int64, "survivors": pl.Int64, "death_rate": pl.Float64,
    "root_died": pl.Boolean, "family_died": pl.Boolean,
}  # fmt: skip
TESTS_SCHEMA = {
    "measure": pl.String, "n_families": pl.Int64, "value": pl.Float64, "ci_low": pl.Float64,
    "ci_high": pl.Float64, "status": pl.String, "previous": pl.String,
}  # fmt: skip


@dataclass(frozen=True)
class Previous:
    """The earlier snapshot: its name, ``hub.duckdb`` and the genealogy set's nodes and
    families; and this snapshot's diff against it (``models`` and ``changed``)."""

    name: str
    db: Path
    nodes: Path
    families: Path
    diff_models: Path
    diff_changed: Path


def events(
    old_models: pl.DataFrame, nodes: pl.DataFrame, families: pl.DataFrame,
    removed: pl.DataFrame, gated: pl.DataFrame,
) -> pl.DataFrame:  # fmt: skip
    """One row per model removed (``died``) or newly gated (``gated``: none before, auto
    or manual now) with its family, root, birth and month in the earlier snapshot."""
    none = pl.lit(None, pl.String).alias("gated")
    died = removed.select("id", pl.lit("died").alias("event"), none)
    newly = gated.select("id", pl.lit("gated").alias("event"), pl.col("to").alias("gated"))
    member = nodes.filter(~pl.col("external")).select("id", "family")
    out = (
        pl.concat([died, newly])
        .join(member, on="id", how="left")
        .join(families.select("family", "root"), on="family", how="left")
        .join(old_models.select("id", "born", "month", "backfilled"), on="id", how="left")
        .sort("event", "id")
    )
    return out.select(list(EVENTS_SCHEMA)).cast(EVENTS_SCHEMA)  # type: ignore[arg-type]


def monthly(old_models: pl.DataFrame, ev: pl.DataFrame) -> pl.DataFrame:
    """Per month of birth (dated models only): models listed before, deaths, newly gated
    and the share of the month's models that died."""
    before = old_models.filter(pl.col("month").is_not_null()).group_by("month").len("models_before")
    counts = (
        ev.filter(pl.col("month").is_not_null())
        .group_by("month")
        .agg(
            (pl.col("event") == "died").sum().alias("deaths"),
            (pl.col("event") == "gated").sum().alias("newly_gated"),
        )
    )
    out = (
        before.join(counts, on="month", how="left")
        .with_columns(pl.col("deaths", "newly_gated").fill_null(0))
        .with_columns((pl.col("deaths") / pl.col("models_before")).alias("death_share"))
        .sort("month")
    )
    return out.select(list(MONTHLY_SCHEMA)).cast(MONTHLY_SCHEMA)  # type: ignore[arg-type]


def family_table(nodes: pl.DataFrame, families: pl.DataFrame, ev: pl.DataFrame) -> pl.DataFrame:
    """Per family of the earlier snapshot: listed models, deaths, newly gated, survivors,
    the death rate, whether its root died and whether the whole family did."""
    listed = nodes.filter(~pl.col("external")).group_by("family").len("models_before")
    counts = ev.group_by("family").agg(
        (pl.col("event") == "died").sum().alias("deaths"),
        (pl.col("event") == "gated").sum().alias("newly_gated"),
    )
    dead = set(ev.filter(pl.col("event") == "died")["id"].to_list())
    out = (
        families.select("family", "root")
        .join(listed, on="family", how="inner")
        .join(counts, on="family", how="left")
        .with_columns(pl.col("deaths", "newly_gated").fill_null(0))
        .with_columns(
            (pl.col("models_before") - pl.col("deaths")).alias("survivors"),
            (pl.col("deaths") / pl.col("models_before")).alias("death_rate"),
            pl.col("root").is_in(list(dead)).alias("root_died"),
        )
        .with_columns((pl.col("survivors") == 0).alias("family_died"))
        .sort(["deaths", "root"], descending=[True, False])
    )
    return out.select(list(FAMILIES_SCHEMA)).cast(FAMILIES_SCHEMA)  # type: ignore[arg-type]


def _interval(
    num: npt.NDArray[np.float64],
    den: npt.NDArray[np.float64],
    bootstrap: int,
    level: float,
    seed: int,
) -> tuple[float, float, float]:
    """sum(num) / sum(den), a share, and Wilson's interval at ``level`` with the standard
    error of a bootstrap over families drawn with replacement (a family's numerator and
    denominator move together): inside [0, 1] and not a point where no family has a
    death (0 of 440 families keeps an upper bound, as the percentiles of the resamples,
    all 0, did not), as the merges' and the traits' shares
    (:func:`phylohub.traits.stats.wilson_interval`; its sample size at most the
    denominator's total, and the families where every value is the same)."""
    value = float(num.sum() / den.sum())
    rng = np.random.default_rng([seed, 0x64656164])
    draws = draw_indexes(rng, num.size, (bootstrap, num.size))
    ratios = num[draws].sum(axis=1) / np.maximum(den[draws].sum(axis=1), 1)
    se = float(ratios.std(ddof=1)) if ratios.size > 1 else 0.0
    low, high = wilson_interval(value, se, int(den.sum()), num.size, level)
    return value, float(low), float(high)


def rate_tests(
    fam: pl.DataFrame, previous: str, bootstrap: int, level: float, seed: int, min_families: int
) -> pl.DataFrame:
    """The death rate per model listed before, and the share of families of two or more
    models that died whole; Wilson's intervals from a bootstrap of the families."""
    rows: list[tuple[Any, ...]] = []
    big = fam.filter(pl.col("models_before") >= 2)
    for measure, part, num, den in (
        ("death_rate", fam, fam["deaths"], fam["models_before"]),
        ("family_death_rate", big, big["family_died"].cast(pl.Int64), pl.Series([1] * big.height)),
    ):
        n = part.height
        if n == 0:
            rows.append((measure, 0, None, None, None, "no families", previous))
            continue
        value, low, high = _interval(
            num.to_numpy().astype(float), den.to_numpy().astype(float), bootstrap, level, seed
        )
        status = "tested" if n >= min_families else "too few families"
        rows.append((measure, n, value, low, high, status, previous))
    return pl.DataFrame(rows, schema=TESTS_SCHEMA, orient="row")


def empty(schema: Mapping[str, Any]) -> pl.DataFrame:
    """A table with no rows (no earlier snapshot)."""
    return pl.DataFrame(schema=dict(schema))


def needs_two() -> dict[str, pl.DataFrame | dict[str, Any]]:
    """Every output of the stage's deaths without an earlier snapshot: empty tables, a
    test row per measure and a summary that say ``needs two snapshots``."""
    tests = pl.DataFrame(
        [(m, 0, None, None, None, NEEDS_TWO, None) for m in ("death_rate", "family_death_rate")],
        schema=TESTS_SCHEMA, orient="row",
    )  # fmt: skip
    headline = {"shown": NEEDS_TWO}
    summary = {
        "previous": None, "status": NEEDS_TWO, "deaths": headline, "family_deaths": headline,
        "newly_gated": headline,
    }  # fmt: skip
    return {
        "events": empty(EVENTS_SCHEMA), "monthly": empty(MONTHLY_SCHEMA),
        "families": empty(FAMILIES_SCHEMA), "tests": tests, "summary": summary,
    }  # fmt: skip


def _ci(row: Mapping[str, Any]) -> str:
    """A share and its interval, as findings show it, after the row's status where that
    is not ``tested`` (too few families: no verdict is drawn from it).

    >>> _ci({"value": 0.5, "ci_low": 0.1, "ci_high": 0.9, "status": "too few families"})
    'too few families: 50.00% [10.00%, 90.00%]'
    """
    if row["value"] is None:
        return "n/a"
    shown = f"{row['value']:.2%} [{row['ci_low']:.2%}, {row['ci_high']:.2%}]"
    status = row.get("status", "tested")
    return shown if status == "tested" else f"{status}: {shown}"


def measure(
    prev: Previous, relations: str, bootstrap: int, level: float, seed: int, min_families: int
) -> dict[str, pl.DataFrame | dict[str, Any]]:
    """Every output of the stage's deaths against the earlier snapshot ``prev``."""
    old_models = bi.read_models(prev.db)
    nodes = pl.read_parquet(prev.nodes, columns=["id", "external", "family"])
    families = pl.read_parquet(prev.families, columns=["family", "root"])
    removed = pl.read_parquet(prev.diff_models).filter(pl.col("change") == "removed")
    changed = pl.read_parquet(prev.diff_changed).filter(pl.col("field") == "gated")
    gated = changed.filter((pl.col("from") == "(none)") & (pl.col("to") != "(none)"))
    ungated = changed.filter((pl.col("from") != "(none)") & (pl.col("to") == "(none)")).height
    ev = events(old_models, nodes, families, removed, gated)
    fam = family_table(nodes, families, ev)
    tests = rate_tests(fam, prev.name, bootstrap, level, seed, min_families)
    by = {r["measure"]: r for r in tests.to_dicts()}
    died = ev.filter(pl.col("event") == "died")
    n_before, n_big = old_models.height, by["family_death_rate"]["n_families"]
    dead_families = fam.filter(pl.col("family_died") & (pl.col("models_before") >= 2)).height
    summary: dict[str, Any] = {
        "previous": prev.name,
        "status": "compared",
        "relations": relations,
        "models_before": n_before,
        "deaths": {
            "models": died.height,
            "backfilled": int(died["backfilled"].fill_null(False).sum()),
            "rate": by["death_rate"]["value"],
            "shown": f"{died.height:,} of {n_before:,} models since {prev.name}: "
                     f"{_ci(by['death_rate'])} (families resampled)",
        },
        "family_deaths": {
            "families": dead_families,
            "singletons": fam.filter(pl.col("family_died") & (pl.col("models_before") == 1)).height,
            "roots_died": int(fam["root_died"].sum()),
            "rate": by["family_death_rate"]["value"],
            "shown": f"{dead_families:,} of {n_big:,} families of 2+ models died whole: "
                     f"{_ci(by['family_death_rate'])}",
        },
        "newly_gated": {
            "models": gated.height,
            "ungated": ungated,
            "shown": f"{gated.height:,} models newly gated, {ungated:,} ungated since {prev.name}",
        },
    }  # fmt: skip
    return {
        "events": ev, "monthly": monthly(old_models, ev), "families": fam, "tests": tests,
        "summary": summary,
    }  # fmt: skip


def build_deaths(
    prev: Previous | None, relations: str, out: Mapping[str, Path], bootstrap: int = 200,
    level: float = 0.95, seed: int = 0, min_families: int = 10,
) -> dict[str, Any]:  # fmt: skip
    """Write every table of :data:`TABLES` to its path in ``out`` (the rule's outputs);
    ``prev`` None (no earlier snapshot) writes them empty, saying so. Returns the
    summary."""
    check_outputs(out, TABLES, "ecology deaths")
    if prev is None:
        tables = needs_two()
    else:
        tables = measure(prev, relations, bootstrap, level, seed, min_families)
    for name in ("events", "families"):
        frame = tables[name]
        assert isinstance(frame, pl.DataFrame)
        write_parquet(frame, out[name])
    for name in ("monthly", "tests"):
        frame = tables[name]
        assert isinstance(frame, pl.DataFrame)
        write_tsv(frame, out[name])
    summary = tables["summary"]
    assert isinstance(summary, dict)
    write_json(summary, out["summary"])
    return summary
