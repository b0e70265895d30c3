"""The merges stage recovers the inheritance of traits the generator plants
(``merge_license_dominant_share``, ``merge_language_union_share``): shares per class
within their bootstrap intervals, the union share at its planted value, the license
dominance's direction against the drift order, and the first-parent claim both ways."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.merges import inheritance as inh
from tests.merge_pedigrees import traced

B = 400  # bootstrap replicates (the config's default is larger)


def measured(folder: Path, **knobs: object) -> tuple[pl.DataFrame, Path]:
    """The classes of every merge of a 6,000-model ecosystem with merges common and
    traits mostly shown."""
    cfg = SynthConfig(
        n_models=6000, seed=11, malformed_share=0.0, multilingual_share=0.4,
        relation_mix=dict(adapter=0.3, finetune=0.3, quantized=0.1, merge=0.3),
        shown=dict.fromkeys(("license", "language", "task", "library"), (0.9, 0.95, 0.9)),
        **knobs,
    )  # fmt: skip
    db, found = traced(cfg, folder)
    merges = found.merges
    ids = [*merges["id"].to_list(), *(p for ps in merges["parent_ids"].to_list() for p in ps)]
    return inh.classify(merges, inh.read_values(db, ids)), folder / "eco"


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, Path]:
    return measured(
        tmp_path_factory.mktemp("inherit"), merge_plant=True,
        merge_license_dominant_share=0.7, merge_language_union_share=0.5,
    )  # fmt: skip


def truth_classes(eco: Path) -> pl.DataFrame:
    with sqlite3.connect(eco / "hub.sqlite") as con:
        rows = con.execute("SELECT child_id, trait, rule, source, outcome FROM truth_merge_traits")
        return pl.DataFrame(
            rows.fetchall(), schema=["id", "trait", "rule", "source", "truth"], orient="row"
        )


def test_the_plant_is_off_by_default() -> None:
    cfg = SynthConfig(n_models=100)
    assert "merge_license_dominant_share" not in json.dumps(cfg.digest())
    on = SynthConfig(n_models=100, merge_license_dominant_share=0.5)
    assert on.digest() != cfg.digest()


def test_shares_are_recovered_within_their_intervals(
    planted: tuple[pl.DataFrame, Path],
) -> None:
    cls, eco = planted
    truth = truth_classes(eco)
    joined = cls.join(truth, on=["id", "trait"], how="inner")
    assert joined.height == cls.height > 400
    # where the snapshot shows every side, it sees the latent class
    assert (joined["outcome"] == joined["truth"]).mean() > 0.97
    table = inh.shares(cls, seed=3, replicates=B)
    for row in table.iter_rows(named=True):
        sub = joined.filter(pl.col("trait") == row["trait"])
        true_share = (sub["truth"] == row["outcome"]).mean()
        assert row["share_low"] - 0.01 <= true_share <= row["share_high"] + 0.01, row
    union = table.filter((pl.col("trait") == "language") & (pl.col("outcome") == "union"))
    assert union["given_low"][0] <= 0.5 <= union["given_high"][0]
    assert union["possible"][0] > 30


def test_the_rule_takes_the_most_downloaded_parents_license(
    planted: tuple[pl.DataFrame, Path],
) -> None:
    _, eco = planted
    truth = truth_classes(eco).filter(pl.col("trait") == "license")
    fired = truth.filter(pl.col("rule") == 1)
    assert 0.6 < fired.height / truth.height < 0.8
    assert (fired["source"] >= 0).all() and (
        truth.filter(pl.col("rule") == 0)["source"] == -1
    ).all()
    with sqlite3.connect(eco / "hub.sqlite") as con:
        downloads = dict(con.execute("SELECT key, downloads FROM models").fetchall())
        parents: dict[int, list[int]] = {}
        for child, parent in con.execute("SELECT child, parent FROM truth_edges ORDER BY rowid"):
            parents.setdefault(child, []).append(parent)
        keys = dict(con.execute("SELECT id, key FROM models").fetchall())
    for mid, source in fired.select("id", "source").iter_rows():
        ps = parents[keys[mid]]
        assert downloads[ps[source]] == max(downloads[p] for p in ps)


def test_dominance_direction_matches_the_truth(planted: tuple[pl.DataFrame, Path]) -> None:
    cls, eco = planted
    order = json.loads((eco / "truth.json").read_text())["drift_orders"]["license"]
    long = inh.dominance(cls)
    got = inh.dominance_order(long, order, seed=3, replicates=B)
    assert got["pairs"] > 20
    # the truth's own count of the same pairs, on latent values
    pos = {v: k for k, v in enumerate(order)}
    later = [pos[w] > pos[lo] for w, lo in long.select("winner", "loser").iter_rows()
             if w in pos and lo in pos]  # fmt: skip
    assert got["later_share"] == pytest.approx(sum(later) / len(later))
    assert got["later_low"] <= got["later_share"] <= got["later_high"]


def test_first_parent_claim_both_ways(
    planted: tuple[pl.DataFrame, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # no planted rule: a merge inherits along its first parent, the claim holds
    null, _ = measured(tmp_path_factory.mktemp("null"))
    claim = inh.first_parent_claim(null, seed=3, replicates=B).row(0, named=True)
    assert claim["ci_low"] > 0
    # every merge takes its most-downloaded parent's license, whose place in the tags is
    # exchangeable when parents are drawn alike: the claim fails
    swapped, _ = measured(tmp_path_factory.mktemp("swapped"), merge_license_dominant_share=1.0)
    claim = inh.first_parent_claim(swapped, seed=3, replicates=B).row(0, named=True)
    assert claim["ci_low"] <= 0 <= claim["ci_high"]


def test_a_share_every_merge_agrees_on_keeps_an_interval() -> None:
    """Six merges, all showing the first parent's license: 0 of 6 mutate and 6 of 6 show
    the first's, and neither interval is a point (Wilson's, as for the traits' shares)."""
    cls = pl.DataFrame(
        {
            "id": [f"m{i}" for i in range(6)], "trait": "license", "parents": 2,
            "outcome": "first", "possible_first": True, "possible_union": False,
            "null_first": 0.5, "child": "mit", "parent_values": [["mit", "apache-2.0"]] * 6,
            "cluster": range(6),
        }
    )  # fmt: skip
    table = inh.shares(cls, seed=1, replicates=B)
    mutation = table.filter(pl.col("outcome") == "mutation").row(0, named=True)
    assert (mutation["count"], mutation["share"], mutation["share_low"]) == (0, 0.0, 0.0)
    assert 0.3 < mutation["share_high"] < 0.5  # Wilson's 0 of 6: 0.39
    first = table.filter(pl.col("outcome") == "first").row(0, named=True)
    assert first["share"] == 1.0 == first["share_high"] and 0.5 < first["share_low"] < 0.7
    assert first["given_low"] == first["share_low"]  # all 6 could tell first from other
