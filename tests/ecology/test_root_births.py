"""The roots' births of the ecology stage: a join on the id, the same column as a
lookup of each root's birth (the plain path it replaced), in the families' order."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl

from phylohub.ecology.births import family_births, root_births


def _frames(seed: int = 3) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Models in a shuffled order (some back-filled), families whose roots are listed
    models or external ids, and nodes placing every listed model in a family."""
    rng = np.random.default_rng(seed)
    n = 400
    ids = [f"org{i % 7}/m-{i}" for i in rng.permutation(n)]
    born = [
        None if rng.random() < 0.2 else datetime(2022, 1, 1) + timedelta(hours=int(h))
        for h in rng.integers(0, 20_000, n)
    ]
    models = pl.DataFrame(
        {"id": ids, "born": born, "relation": "finetune", "task": None, "month": None},
        schema_overrides={"born": pl.Datetime("ms"), "task": pl.String, "month": pl.Date},
    )
    roots = [*rng.choice(ids, 60, replace=False).tolist(), "gone/a", "gone/b"]
    rng.shuffle(roots)
    families = pl.DataFrame({"family": np.arange(len(roots)), "root": roots, "models": 1})
    fam = rng.integers(0, len(roots), n)
    nodes = pl.DataFrame(
        {"id": ids, "external": False, "family": fam, "parent": [roots[f] for f in fam]}
    )
    return models, nodes, families


def test_root_births_are_each_roots_birth_in_the_families_order() -> None:
    models, _, families = _frames()
    born_of = dict(zip(models["id"], models["born"], strict=True))
    got = root_births(models, families)
    assert got["family"].to_list() == families["family"].to_list()
    assert got["root"].to_list() == families["root"].to_list()
    want = [born_of.get(r) for r in families["root"]]
    assert got["root_born"].to_list() == want
    assert got["root_born"].null_count() >= 2  # the external roots at least
    assert got.schema["root_born"] == pl.Datetime("ms")


def test_family_births_equal_the_lookup_they_replaced() -> None:
    models, nodes, families = _frames(5)
    plain = families.select(
        "family",
        "root",
        pl.col("root")
        .replace_strict(models["id"], models["born"], default=None, return_dtype=pl.Datetime("ms"))
        .alias("root_born"),
    )
    assert root_births(models, families).equals(plain)
    births = family_births(models, nodes, families, "finetune")
    want = dict(zip(plain["family"], plain["root_born"], strict=True))
    assert births.height == nodes.height
    assert births["root_born"].to_list() == [want[f] for f in births["family"]]


def test_family_births_keep_the_nodes_order() -> None:
    """``births.parquet`` is the same row for row on every run: the births come in the
    order of ``nodes.parquet``. Large enough (200,000 members) that polars' parallel hash
    joins, which promise no order, reorder rows when they are not told to keep it."""
    rng = np.random.default_rng(11)
    n = 200_000
    ids = [f"org{i % 97}/m-{i}" for i in rng.permutation(n)]
    models = pl.DataFrame(
        {
            "id": ids,
            "born": [
                datetime(2022, 1, 1) + timedelta(hours=int(h)) for h in rng.integers(0, 9e3, n)
            ],
            "relation": "finetune",
            "task": None,
            "month": None,
        },
        schema_overrides={"born": pl.Datetime("ms"), "task": pl.String, "month": pl.Date},
    )
    roots = rng.choice(ids, 500, replace=False).tolist()
    families = pl.DataFrame({"family": np.arange(len(roots)), "root": roots, "models": 1})
    fam = rng.integers(0, len(roots), n)
    order = rng.permutation(n)
    nodes = pl.DataFrame(
        {
            "id": [ids[i] for i in order],
            "external": False,
            "family": fam[order],
            "parent": [roots[f] for f in fam[order]],
        }
    )
    births = family_births(models, nodes, families, "finetune")
    assert births["id"].to_list() == nodes["id"].to_list()


def test_family_births_equal_the_join_of_every_familys_root() -> None:
    """The roots are looked up for the families with a birth only: the same rows as
    with every family's root, where most families (lone models) have no birth."""
    models, nodes, families = _frames(9)
    lone = pl.DataFrame(
        {"family": np.arange(1000, 1300), "root": models["id"].head(300), "models": 1}
    )
    families = pl.concat([families, lone])
    members = nodes.filter(~pl.col("external") & pl.col("parent").is_not_null())
    assert members["family"].n_unique() < families.height / 4
    plain = (
        members.select("id", "family")
        .join(models, on="id", how="inner", maintain_order="left")
        .join(root_births(models, families), on="family", how="left", maintain_order="left")
    )
    got = family_births(models, nodes, families, "finetune")
    assert got["root_born"].null_count() < got.height  # roots with a birth are found
    assert got.select("id", "family", "root", "root_born").equals(
        plain.select("id", "family", "root", "root_born")
    )
    want_age = (pl.col("born") - pl.col("root_born")).dt.total_seconds() / 86400.0
    assert got["age_days"].equals(plain.select(want_age.alias("age_days"))["age_days"])
