"""The ecology stage's tables: what :func:`build_ecology` writes (the rule names each file;
the names below are those of :data:`TABLES`, the columns in docs/ecology.md)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from phylohub.ecology import births as bi
from phylohub.ecology import life as li
from phylohub.ecology import succession as su
from phylohub.errors import PhylohubError
from phylohub.io import check_outputs, write_json, write_parquet, write_tsv
from phylohub.io import paths_in as io_paths_in

log = logging.getLogger(__name__)

#: The outputs of rule ``build_ecology``, by name.
TABLES: dict[str, str] = {
    "monthly": "births_monthly.tsv",
    "births": "births.parquet",
    "family_months": "family_months.parquet",
    "life": "life.parquet",
    "life_summary": "life_summary.tsv",
    "top_families": "top_families.tsv",
    "shares": "succession_shares.parquet",
    "handovers": "handovers.tsv",
    "niches": "niches.tsv",
    "spread": "niche_spread.parquet",
    "entries": "niche_entries.parquet",
    "tests": "ecology_tests.tsv",
    "summary": "summary.json",
}


def paths_in(folder: Path) -> dict[str, Path]:
    """Each table's path in ``folder`` under the rule's file names (:data:`TABLES`)."""
    return io_paths_in(folder, TABLES)


@dataclass(frozen=True)
class Settings:
    """The ``ecology:`` config section (docs/ecology.md)."""

    min_family_models: int = 50
    min_decay_months: int = 6
    active_months: int = 3
    bootstrap: int = 200
    level: float = 0.95
    top: int = 10
    succession_top: int = 5
    min_niche_births: int = 50
    min_families: int = 10
    seed: int = 0


def read_set(folder: Mapping[str, Path]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A genealogy set's nodes (listed members) and families (family, root, models)."""
    nodes = pl.read_parquet(folder["nodes"], columns=["id", "external", "family", "parent"])
    families = pl.read_parquet(folder["families"], columns=["family", "root", "models"])
    return nodes, families


def build_ecology(
    db: Path,
    sets: Mapping[str, Mapping[str, Path]],
    succession_set: str,
    out: Mapping[str, Path],
    settings: Settings,
) -> dict[str, Any]:
    """Every table of the stage.

    Parameters
    ----------
    db
        The snapshot's ``hub.duckdb``.
    sets
        Per genealogy relation set measured (e.g. ``finetune``, ``no_merge``): the paths
        of its ``nodes`` and ``families`` tables.
    succession_set
        The set whose families make the succession and niche tables.
    out
        The path of each table of :data:`TABLES`, by name.
    settings
        The ``ecology:`` config.
    """
    check_outputs(out, TABLES, "ecology")
    if succession_set not in sets:
        raise PhylohubError(
            f"ecology: succession_relations {succession_set!r} is not among relation_sets"
            f" ({', '.join(sets)})"
        )
    start = time.perf_counter()
    models = bi.read_models(db)
    snapshot = bi.snapshot_date(models)
    if not isinstance(snapshot, datetime):
        raise PhylohubError("ecology: no model of the snapshot has a creation date")
    log.info("%d models read in %.2f s", models.height, time.perf_counter() - start)
    all_births, months, lives, families_of = [], [], [], {}
    for name, paths in sets.items():
        nodes, families = read_set(paths)
        fb = bi.family_births(models, nodes, families, name)
        all_births.append(fb)
        months.append(bi.family_months(fb))
        lives.append(li.reproductive_life(
            fb, families, snapshot, settings.min_family_models, settings.min_decay_months,
            settings.active_months, settings.bootstrap, settings.level, settings.seed,
        ))  # fmt: skip
        families_of[name] = fb
        log.info("set %s: %d births in %.2f s", name, fb.height, time.perf_counter() - start)
    births = pl.concat(all_births)
    life = pl.concat(lives)
    sb = families_of[succession_set]
    nb = su.niche_births(sb)
    tops = su.top_roots(nb, settings.succession_top, settings.min_niche_births)
    hand = su.handovers(nb, tops)
    root_task = models.select(pl.col("id").alias("root"), pl.col("task").alias("root_task"))
    spread = su.niche_spread(sb, root_task, settings.min_family_models)
    entries = su.niche_entries(sb, root_task, settings.min_family_models)
    claim = li.decay_claim(
        life.filter(pl.col("relations") == succession_set),
        settings.min_families, settings.bootstrap, settings.level, settings.seed,
    )  # fmt: skip
    tests = pl.DataFrame([claim | {"relations": succession_set}])
    write_tsv(bi.monthly_births(models), out["monthly"])
    write_parquet(births.drop("root_born"), out["births"])
    write_parquet(pl.concat(months), out["family_months"])
    write_parquet(life, out["life"])
    write_tsv(li.life_distributions(life), out["life_summary"])
    write_tsv(top_families(life, settings.top), out["top_families"])
    write_parquet(su.shares(nb, tops), out["shares"])
    write_tsv(hand, out["handovers"])
    write_tsv(su.niche_table(tops, hand), out["niches"])
    write_parquet(spread, out["spread"])
    write_parquet(entries, out["entries"])
    write_tsv(tests, out["tests"])
    summary = summarise(
        models, snapshot, life, hand, spread, succession_set, claim, list(sets),
        min_families=settings.min_families,
    )  # fmt: skip
    write_json(summary, out["summary"])
    log.info("ecology written in %.2f s", time.perf_counter() - start)
    return summary


def top_families(life: pl.DataFrame, top: int) -> pl.DataFrame:
    """The ``top`` largest families of each set with their reproductive life."""
    return (
        life.sort(["relations", "models", "root"], descending=[False, True, False])
        .group_by("relations", maintain_order=True)
        .head(top)
        .drop("family", "root_born", "last_birth", "first_child")
    )


def summarise(
    models: pl.DataFrame,
    snapshot: datetime,
    life: pl.DataFrame,
    hand: pl.DataFrame,
    spread: pl.DataFrame,
    succession_set: str,
    claim: Mapping[str, Any],
    sets: Sequence[str] = (),
    *,
    min_families: int,
) -> dict[str, Any]:
    """``summary.json``: births, back-filled models, and per set the reproductive-life
    headline numbers; the hand-overs of niche ``all``; the niche spread.

    Every set of ``sets`` (and any in ``life``) has its entry, one without a family of
    ``min_family_models`` models too (0 families, no medians): findings read the
    succession set's whatever the snapshot holds. Each headline number of a set has a
    ``*_status`` beside it: ``measured``, or ``too few families`` where it rests on fewer
    than ``min_families`` families (``ecology.min_families``, the decay claim's floor),
    which findings print before the number: a median of three families is no finding."""

    def status(families: int) -> str:
        return "measured" if families >= min_families else "too few families"

    per_set: dict[str, Any] = {}
    names = list(dict.fromkeys([*sets, *life["relations"].unique(maintain_order=True)]))
    for rel in names:
        part = life.filter(pl.col("relations") == rel)
        hl = part["half_life_months"].drop_nulls()
        d1 = part["days_to_first_child"].drop_nulls()
        per_set[str(rel)] = {
            "families": part.height,
            "decaying": int((part["status"] == "decaying").sum()),
            "half_life_median": hl.median() if hl.len() else None,
            "half_life_families": hl.len(),
            "half_life_status": status(hl.len()),
            "days_to_first_child_median": d1.median() if d1.len() else None,
            "first_child_families": d1.len(),
            "first_child_status": status(d1.len()),
            "still_reproducing_share": part["still_reproducing"].mean() if part.height else None,
            "still_reproducing_status": status(part.height),
        }
    late = spread.filter(pl.col("age_year") >= 1)
    return {
        "snapshot_date": snapshot.isoformat(),
        "models": models.height,
        "dated": int(models["born"].is_not_null().sum()),
        "backfilled": int(models["backfilled"].sum()),
        "births_by_relation": {
            str(r): int(n)
            for r, n in models.filter(pl.col("born").is_not_null())
            .group_by("relation")
            .len()
            .sort("relation")
            .iter_rows()
        },
        "life": per_set,
        "succession_relations": succession_set,
        "handovers_all": hand.filter(pl.col("niche") == "all").height,
        "handovers_all_decided": hand.filter(
            (pl.col("niche") == "all") & (pl.col("p_value") < 0.05)
        ).height,
        "spread": {
            "families": spread["root"].n_unique(),
            "share_new_tasks_after_year_one": (
                int(late["new_tasks"].sum()) / int(late["tasks"].sum()) if late.height else None
            ),
        },
        "decay_claim": dict(claim),
    }
