"""The merges stage recovers the pedigrees the generator plants (``merge_plant``): the
inbreeding share exactly (it is counted), every kinship coefficient exactly, checked
against the tabular method run on the truth's own edges, and the inbreeding per family
exactly, families rebuilt from the truth (the union of its non-merge edges)."""

from __future__ import annotations

import json
import sqlite3
import statistics
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.merges.inbreeding import by_family
from phylohub.merges.pedigree import Pedigrees
from tests.merge_pedigrees import traced


def planted_pedigrees(folder: Path, share: float) -> tuple[Pedigrees, Path]:
    """Pedigrees of a 4,000-model ecosystem with merges common and planted."""
    cfg = SynthConfig(
        n_models=4000, seed=11, merge_plant=True, merge_inbred_share=share, malformed_share=0.0,
        relation_mix=dict(adapter=0.3, finetune=0.4, quantized=0.1, merge=0.2),
    )  # fmt: skip
    _, out = traced(cfg, folder)
    return out, folder / "eco"


@pytest.fixture(scope="module")
def mostly_inbred(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pedigrees, Path]:
    return planted_pedigrees(tmp_path_factory.mktemp("inbred"), 0.8)


@pytest.fixture(scope="module")
def mostly_outcrossed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pedigrees, Path]:
    return planted_pedigrees(tmp_path_factory.mktemp("outcrossed"), 0.1)


def truth_merges(eco: Path) -> pl.DataFrame:
    with sqlite3.connect(eco / "hub.sqlite") as con:
        rows = con.execute(
            "SELECT child_id, planted, parents, realised_inbred FROM truth_merges WHERE listed"
        ).fetchall()
    return pl.DataFrame(rows, schema=["id", "planted", "parents", "inbred"], orient="row")


@pytest.mark.parametrize("which", ["mostly_inbred", "mostly_outcrossed"])
def test_inbred_merges_are_counted_exactly(which: str, request: pytest.FixtureRequest) -> None:
    out, eco = request.getfixturevalue(which)
    truth = truth_merges(eco)
    summary = json.loads((eco / "truth.json").read_text())["merges"]
    assert out.merges.height == truth.height
    joined = truth.join(out.merges, on="id", how="left")
    assert joined["inbred_right"].null_count() == 0
    assert joined["inbred"].to_list() == joined["inbred_right"].cast(pl.Int64).to_list()
    assert joined["parents"].to_list() == joined["parents_right"].to_list()
    assert out.summary["inbred"] == summary["realised_inbred"]
    assert out.summary["inbred_share"] == pytest.approx(summary["realised_inbred_share"])


def test_the_planted_share_decides_the_verdict(
    mostly_inbred: tuple[Pedigrees, Path], mostly_outcrossed: tuple[Pedigrees, Path]
) -> None:
    assert mostly_inbred[0].summary["inbred_share"] > 0.5
    assert mostly_outcrossed[0].summary["inbred_share"] < 0.5
    # inbred merges' parents are kin; outcrossed ones' only through earlier merges
    merges = mostly_inbred[0].merges
    inbred = merges.filter("inbred")["inbreeding"].mean()
    outcrossed = merges.filter(pl.col("families") > 1)["inbreeding"].mean()
    assert isinstance(inbred, float) and isinstance(outcrossed, float)
    assert inbred > outcrossed


def tabular_kinship(eco: Path) -> tuple[list[str], np.ndarray]:
    """The kinship matrix of the listed pedigree by the tabular method (dense, row by
    row in creation order), from the truth's edges of listed children."""
    with sqlite3.connect(eco / "hub.sqlite") as con:
        n = con.execute("SELECT count(*) FROM truth_models").fetchone()[0]
        ids = [r[0] for r in con.execute("SELECT id FROM truth_models ORDER BY key")]
        edges = con.execute(
            "SELECT e.child, e.parent FROM truth_edges e "
            "JOIN truth_models m ON m.key = e.child WHERE m.private = 0"
        ).fetchall()
    parents: list[list[int]] = [[] for _ in range(n)]
    for c, p in edges:
        parents[c].append(p)
    k = np.zeros((n, n))
    for i in range(n):  # parents are always created before their children
        ps = parents[i]
        slots = max(2, len(ps))
        if ps:
            k[i, :i] = k[ps, :i].sum(axis=0) / slots
            k[:i, i] = k[i, :i]
        pairs = [(a, b) for x, a in enumerate(ps) for b in ps[x + 1 :]]
        inbreeding = sum(k[a, b] for a, b in pairs) / len(pairs) if pairs else 0.0
        k[i, i] = (1 + inbreeding) / 2
    return ids, k


def test_kinship_is_exact_on_the_planted_pedigree(mostly_inbred: tuple[Pedigrees, Path]) -> None:
    out, eco = mostly_inbred
    ids, k = tabular_kinship(eco)
    index = {name.lower(): j for j, name in enumerate(ids)}
    pairs = out.pairs
    assert pairs.height > 100
    want = [
        k[index[a.lower()], index[b.lower()]]
        for a, b in zip(pairs["parent_a"], pairs["parent_b"], strict=True)
    ]
    assert np.allclose(pairs["kinship"].to_numpy(), want)
    assert (pairs["kinship"] > 0).sum() > 20


def truth_families(eco: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Each listed model's family (union of the truth's non-merge edges of listed
    children) and each listed merge's parents in the truth's order, by lower-cased id."""
    with sqlite3.connect(eco / "hub.sqlite") as con:
        ids = [r[0].lower() for r in con.execute("SELECT id FROM truth_models ORDER BY key")]
        edges = con.execute(
            "SELECT e.child, e.parent, e.relation FROM truth_edges e "
            "JOIN truth_models m ON m.key = e.child WHERE m.private = 0 ORDER BY e.rowid"
        ).fetchall()
    up = list(range(len(ids)))

    def find(x: int) -> int:
        while up[x] != x:
            up[x] = up[up[x]]
            x = up[x]
        return x

    merge_parents: dict[str, list[str]] = {}
    for c, p, rel in edges:
        if rel == "merge":
            merge_parents.setdefault(ids[c], []).append(ids[p])
        else:
            up[find(c)] = find(p)
    return {name: find(k) for k, name in enumerate(ids)}, merge_parents


def test_per_family_inbreeding_is_exact_on_the_planted_pedigree(
    mostly_inbred: tuple[Pedigrees, Path],
) -> None:
    out, eco = mostly_inbred
    names, k = tabular_kinship(eco)
    index = {name.lower(): j for j, name in enumerate(names)}
    family, merge_parents = truth_families(eco)
    groups: dict[int, list[str]] = {}  # the merges by their first parent's family
    for merge, ps in merge_parents.items():
        if len(ps) >= 2:
            groups.setdefault(family[ps[0]], []).append(merge)
    expected = {}
    for members in groups.values():
        fs = []
        inbred = 0
        for merge in members:
            ps = merge_parents[merge]
            pairs = [(a, b) for x, a in enumerate(ps) for b in ps[x + 1 :]]
            fs.append(sum(k[index[a], index[b]] for a, b in pairs) / len(pairs))
            inbred += len({family[p] for p in ps}) == 1
        expected[frozenset(members)] = (
            len(fs),
            inbred,
            np.mean(fs),
            statistics.median(fs),
            max(fs),
        )
    merges = out.merges.with_columns(pl.col("id").str.to_lowercase())
    table = by_family(merges, pl.read_parquet(eco.parent / "no_merge" / "families.parquet"))
    members = (
        merges.filter(pl.col("parents") >= 2)
        .group_by(pl.col("parent_families").list.first().alias("family"))
        .agg("id")
    )
    got = {
        frozenset(ids): (r["merges"], r["inbred"], r["mean_inbreeding"], r["median_inbreeding"],
                         r["max_inbreeding"])
        for ids, r in zip(
            table.join(members, on="family", maintain_order="left")["id"].to_list(),
            table.iter_rows(named=True), strict=True,
        )
    }  # fmt: skip
    assert len(expected) > 20 and sum(v[1] for v in expected.values()) > 100
    assert got.keys() == expected.keys()
    for key, want in expected.items():
        assert got[key][:2] == want[:2]
        assert got[key][2:] == pytest.approx(want[2:])
    assert table["merges"].sum() == sum(v[0] for v in expected.values())
    assert table["root"].null_count() == 0
