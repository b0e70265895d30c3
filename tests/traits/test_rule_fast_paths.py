"""The traits rules' narrower reads give the tables the plain ones give: the thinning
table from the coded documentation (parents numbered in SQL, no ids, no sort), the
parameters by generation from the generations without ids or sort, and the mutation
distances from the traits of the compared pairs' models only (``compared_only``)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from phylohub.hub.synth import SynthConfig
from phylohub.traits import sql
from phylohub.traits.mutation import FLAGGED, coded_distances, distances_both_ways
from phylohub.traits.sizes import (
    GENERATION_SIZES,
    MODEL_GENERATIONS,
    by_generation,
    model_generations,
)
from phylohub.traits.snapshot import add_edges, frame, make_traits, open_snapshot
from phylohub.traits.thinning import coded_documentation, documentation, thinning
from tests.pipeline import snapshot_of


@pytest.fixture(scope="module")
def sized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawled 4,000-model ecosystem with every config.json crawled (parameter counts on
    both sides of many pairs, sizes that change) and merges (children with several
    parents), with planted defaults (flagged values)."""
    cfg = SynthConfig(
        n_models=4000,
        seed=21,
        placeholder_language_share=0.1,
        empty_task_share=0.06,
        config_plant=True,
        config_files_plant=True,
        size_change={"finetune": 0.2, "merge": 0.3},
    )
    return snapshot_of(cfg, tmp_path_factory.mktemp("rulefast"), configs="all")


@pytest.mark.parametrize("parents", ["first", "all"])
def test_thinning_from_coded_documentation_equals_the_named_one(sized: Path, parents: str) -> None:
    con = open_snapshot(sized, parents, traits=False)
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


def test_generation_sizes_give_the_table_of_every_model_sorted(sized: Path) -> None:
    con = open_snapshot(sized, "first", traits=False)
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


@pytest.mark.parametrize("parents", ["first", "all"])
def test_traits_of_the_compared_models_only_give_the_same_distances(
    sized: Path, parents: str
) -> None:
    """``compared_only``: the config traits and ``trait_sets`` of the pairs' models alone,
    both ways of handling flagged values, equal to those of every listed model."""
    full = open_snapshot(sized, parents)
    fast = open_snapshot(sized, parents, compared_only=True)
    try:
        plain = distances_both_ways(full)
        coded = distances_both_ways(fast, compared_only=True)
        n_models = frame(full, "SELECT count(*) AS n FROM config_traits")["n"][0]
        n_compared = frame(fast, "SELECT count(*) AS n FROM config_traits")["n"][0]
        with_config = frame(fast, "SELECT count(model_type) AS n FROM trait_sets")["n"][0]
    finally:
        full.close()
        fast.close()
    assert sql.CREATE_COMPARED_TRAIT_SETS != sql.CREATE_TRAIT_SETS
    assert 0 < n_compared < n_models and with_config > 100
    assert plain["kept"].height > 1000
    assert not plain["kept"].equals(plain["excluded"])  # flagged values to leave out
    for way in FLAGGED:
        assert_frame_equal(coded[way], plain[way])


def test_compared_traits_remade_after_added_edges(sized: Path) -> None:
    """Edges added after the traits were made (the kin table's second side): remade for
    the new pairs' models, the distances equal those of a connection opened with them."""
    con = open_snapshot(sized, "first")
    try:
        # pairs of models in no compared pair yet, as inferred kin would add them
        loose = frame(
            con,
            "SELECT id FROM models WHERE id NOT IN (SELECT child FROM compared_edges "
            "UNION SELECT parent FROM compared_edges) ORDER BY id LIMIT 400",
        )["id"]
    finally:
        con.close()
    extra = pl.DataFrame(
        {"child": loose[1::2], "parent": loose[0::2], "relation": ["finetune"] * 200}
    )
    plain_con = open_snapshot(sized, "first", extra_edges=extra)
    fast_con = open_snapshot(sized, "first", compared_only=True)
    try:
        add_edges(fast_con, extra, "first")
        make_traits(fast_con, False, compared_only=True)
        plain = coded_distances(plain_con)
        fast = coded_distances(fast_con)
    finally:
        plain_con.close()
        fast_con.close()
    assert plain.height > 0
    assert_frame_equal(fast, plain)
