"""The traits rules' unsorted, id-free reads give the tables the plain ones give: the
thinning table from the coded documentation (parents numbered in SQL, no ids, no sort)
and the parameters by generation from the generations without ids or sort."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from phylohub.traits import sql
from phylohub.traits.sizes import (
    GENERATION_SIZES,
    MODEL_GENERATIONS,
    by_generation,
    model_generations,
)
from phylohub.traits.snapshot import open_snapshot
from phylohub.traits.thinning import coded_documentation, documentation, thinning


@pytest.mark.parametrize("parents", ["first", "all"])
def test_thinning_from_coded_documentation_equals_the_named_one(
    flagged: Path, parents: str
) -> None:
    con = open_snapshot(flagged, parents, traits=False)
    try:
        named = documentation(con)
        coded = coded_documentation(con)
    finally:
        con.close()
    assert sql.CODED_DOCUMENTATION != sql.DOCUMENTATION
    assert "cluster" in coded.columns and "parent" not in coded.columns
    assert coded.height == named.height > 1000
    # parents with several children, and of several relations, to number and resample
    assert named["parent"].n_unique() < named.height / 2
    plain = thinning(named, replicates=200, seed=3)
    fast = thinning(coded, replicates=200, seed=3)
    assert plain.filter(pl.col("parents") >= 2).height > 10
    assert_frame_equal(fast, plain)
    # the rows' order does not matter: reversed, the same table to the last bit
    assert_frame_equal(thinning(coded.reverse(), replicates=200, seed=3), plain)


def test_generation_sizes_give_the_table_of_every_model_sorted(flagged: Path) -> None:
    con = open_snapshot(flagged, "first", traits=False)
    try:
        plain = model_generations(con, MODEL_GENERATIONS)
        fast = model_generations(con, GENERATION_SIZES)
    finally:
        con.close()
    assert "id" not in fast.columns and "ORDER BY" not in GENERATION_SIZES
    assert plain["generation"].max() >= 2  # type: ignore[operator]
    assert plain["same_size"].drop_nulls().len() > 100
    assert (~plain["same_size"].drop_nulls()).any()  # sizes that change, and that stay
    columns = list(fast.columns)
    assert_frame_equal(
        fast.sort(columns, nulls_last=True),
        plain.select(columns).sort(columns, nulls_last=True),
    )
    assert_frame_equal(by_generation(fast), by_generation(plain))
