"""The undeclared-kin plant: hidden edges keep their name and card, decoys look like kin,
every one is in the truth, and with the knobs at 0 nothing changes."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from phylohub.hub.cards import render_card
from phylohub.hub.plant_kin import DECOY_KINDS
from phylohub.hub.store import Store
from phylohub.hub.synth import SynthConfig, generate

KNOBS = dict(kin_hidden_share=0.3, kin_decoy_share=0.03)


def _digest(db: Path, table: str) -> str:
    conn = sqlite3.connect(db)
    h = hashlib.sha256()
    for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"):
        h.update(repr(row).encode())
    conn.close()
    return h.hexdigest()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, dict]:
    root = tmp_path_factory.mktemp("plant_kin")
    on = generate(SynthConfig(n_models=3000, seed=5, **KNOBS), root / "on")
    off = generate(SynthConfig(n_models=3000, seed=5), root / "off")
    return root / "on", root / "off", on, off


def test_knobs_off_change_nothing_and_on_touch_only_the_planted(pair) -> None:
    on, off, _, truth_off = pair
    assert truth_off["kin"]["planted"] == {"hidden": 0, **dict.fromkeys(DECOY_KINDS, 0)}
    assert _digest(on / "hub.sqlite", "truth_edges") == _digest(off / "hub.sqlite", "truth_edges")
    rows = sqlite3.connect(on / "hub.sqlite").execute("SELECT key, kind, other FROM truth_kin")
    planted = {k for k, _, _ in rows}
    models = [sqlite3.connect(d / "hub.sqlite").execute("SELECT * FROM truth_models ORDER BY key")
              for d in (on, off)]  # fmt: skip
    for a, b in zip(*models, strict=True):  # the latent genealogy and traits: only names move
        assert a == b or (a[0] in planted and a[2:] == b[2:])
    parents = {
        p
        for (p,) in sqlite3.connect(on / "hub.sqlite").execute(
            "SELECT e.parent FROM truth_edges e JOIN truth_kin k ON k.key = e.child "
            "AND k.kind = 'hidden'"
        )
    }
    changed = 0
    for a, b in zip(Store(on / "hub.sqlite").iter_rows(), Store(off / "hub.sqlite").iter_rows(),
                    strict=True):  # fmt: skip
        if tuple(a) != tuple(b):
            changed += 1
            assert a["key"] in planted or a["key"] in parents  # childrenCount of a parent
    assert changed > 0


def test_hidden_children_keep_name_card_and_config_but_no_tag(pair) -> None:
    on, *_ = pair
    store = Store(on / "hub.sqlite")
    con = sqlite3.connect(on / "hub.sqlite")
    hidden = {
        k: (o, r) for k, o, r in con.execute(
            "SELECT key, other, relation FROM truth_kin WHERE kind = 'hidden'")
    }  # fmt: skip
    assert (
        0.2
        < len(hidden)
        / con.execute("SELECT count(*) FROM truth_models WHERE relation <> 'root'").fetchone()[0]
        < 0.35
    )
    for row in store.iter_rows():
        if row["key"] not in hidden:
            continue
        parent, _ = hidden[row["key"]]
        tags = json.loads(row["tags"])
        assert not any(t.startswith("base_model") for t in tags)
        assert row["base_models"] is None
        data = json.loads(row["card_data"]) if row["card_data"] else {}
        assert "base_model" not in data
        card = render_card(json.loads(row["card"]), data) if row["card"] else ""
        name = parent.split("/")[-1]
        # the name or the card still carries the parent (a merge's name: its first 30 chars)
        assert name[:30] in row["id"] or parent in card


def test_decoys_look_like_kin_of_an_older_model_of_another_author(pair) -> None:
    on, _, truth, _ = pair
    assert all(truth["kin"]["planted"][k] > 0 for k in DECOY_KINDS)
    con = sqlite3.connect(on / "hub.sqlite")
    rows = con.execute(
        "SELECT k.kind, k.id, k.other, m.card, m.card_data, m.config, t.key, o.key "
        "FROM truth_kin k JOIN models m ON m.key = k.key JOIN truth_models t ON t.key = k.key "
        "JOIN models o ON o.id = k.other WHERE k.kind LIKE 'decoy%'"
    ).fetchall()
    for kind, mid, other, card, data, config, key, other_key in rows:
        assert other_key < key and mid.split("/")[0] != other.split("/")[0]
        name, target = mid.split("/")[1], other.split("/")[1]
        if kind == "decoy_name":
            assert name == target
        elif kind == "decoy_suffix":
            assert name.startswith(target + "-")
            if config:  # its architecture is its own, not the target's
                assert json.loads(config)["model_type"] != target.split("-")[0].lower() or (
                    name.split("-")[0] == target.split("-")[0]
                )
        else:
            text = render_card(json.loads(card), json.loads(data) if data else None)
            assert f"(https://huggingface.co/{other})" in text
