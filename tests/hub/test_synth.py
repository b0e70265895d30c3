"""The synthetic ecosystem: deterministic, calibrated, and its planted truth holds."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from phylohub.hub.cards import card_bytes, render_card
from phylohub.hub.store import Store
from phylohub.hub.synth import (
    BACKFILL,
    CARD_SHAPES,
    QUALITY_RULES,
    RELATIONS,
    SynthConfig,
    generate,
)
from phylohub.hub.vocab import LICENSES


def table_digest(db: Path, table: str) -> str:
    conn = sqlite3.connect(db)
    h = hashlib.sha256()
    for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
        h.update(repr(row).encode())
    return h.hexdigest()


def q(db: Path, sql: str) -> list[tuple]:
    return sqlite3.connect(db).execute(sql).fetchall()


def test_same_seed_same_ecosystem_other_seed_another(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(SynthConfig(n_models=3000, seed=3), a)
    generate(SynthConfig(n_models=3000, seed=3), b)
    generate(SynthConfig(n_models=3000, seed=4), c)
    for table in ("models", "truth_edges", "truth_models"):
        assert table_digest(a / "hub.sqlite", table) == table_digest(b / "hub.sqlite", table)
    assert (a / "truth.json").read_bytes() == (b / "truth.json").read_bytes()
    assert table_digest(a / "hub.sqlite", "models") != table_digest(c / "hub.sqlite", "models")


def test_extreme_knobs_still_generate(tmp_path: Path) -> None:
    """Few roots with a card left for the huge cards and hostile ids: fewer are planted."""
    truth = generate(SynthConfig(n_models=300, seed=1, child_share=0.95), tmp_path)
    assert truth["listed"] > 0


def test_unknown_knob_is_one_clear_error() -> None:
    with pytest.raises(Exception, match="unknown synthetic-ecosystem setting"):
        SynthConfig.from_mapping({"n_models": 100, "seed": 1, "n_modles": 5})


# Targets (anchor numbers) and the tolerances the default knobs are held to at 20k models.
@pytest.mark.parametrize(
    ("sql", "target", "tol"),
    [
        ("avg(base_models IS NOT NULL)", 0.281, 0.02),  # models declaring a base model
        ("avg(card IS NOT NULL)", 0.6704, 0.02),  # models with a card
        ("avg(card_data LIKE '%\"license\"%')", 0.361, 0.05),  # 63.9% have no license
        ("avg(downloads > 0)", 0.355, 0.02),
        ("avg(safetensors IS NOT NULL)", 0.234, 0.02),
        ("avg(gated IS NOT NULL)", 0.012, 0.01),
    ],
)
def test_shares_match_targets(eco20k: Path, sql: str, target: float, tol: float) -> None:
    (value,) = q(eco20k / "hub.sqlite", f"SELECT {sql} FROM models WHERE private = 0")[0]
    assert abs(value - target) <= tol, (sql, value, target)


def test_relation_mix_matches_target(eco20k: Path) -> None:
    rows = q(
        eco20k / "hub.sqlite",
        "SELECT json_extract(base_models, '$.relation'), count(*) FROM models "
        "WHERE private = 0 AND base_models IS NOT NULL GROUP BY 1",
    )
    counts = dict(rows)
    typed = sum(counts.get(r, 0) for r in RELATIONS)
    target = SynthConfig().relation_mix
    for rel in RELATIONS:
        assert abs(counts[rel] / typed - target[rel]) < 0.025, (rel, counts)
    assert 0 < counts.get("unknown", 0) < 0.01 * typed  # plain base_model: tags only


def test_trait_mixes_lead_like_the_hub(eco20k: Path) -> None:
    db = eco20k / "hub.sqlite"
    top = lambda sql: q(db, sql + " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0][0]  # noqa: E731
    base = "FROM models WHERE private = 0"
    assert top(f"SELECT json_extract(card_data, '$.license') v {base} AND v IS NOT NULL") == (
        "apache-2.0"
    )
    assert top(f"SELECT pipeline_tag {base} AND pipeline_tag IS NOT NULL") == "text-generation"
    assert top(f"SELECT library_name {base} AND library_name IS NOT NULL") == "transformers"
    ((en_share,),) = q(
        db, f"SELECT avg(card_data LIKE '%\"en\"%') {base} AND card_data LIKE '%\"language\"%'"
    )
    assert en_share > 0.6
    ((backfilled,),) = q(db, f"SELECT count(*) {base} AND created_at = '{BACKFILL}'")
    assert backfilled > 0


def test_genealogy_is_heavy_tailed_and_deep(eco20k: Path) -> None:
    db = eco20k / "hub.sqlite"
    children = np.array([c for (c,) in q(db, "SELECT children_count FROM models")])
    parents = children[children > 0]
    assert parents.max() > 50 * np.median(parents)  # a few parents have most children
    ((depth,),) = q(db, "SELECT max(depth) FROM truth_models")
    assert depth >= 8
    merges = q(db, "SELECT count(*) FROM truth_edges WHERE relation = 'merge' GROUP BY child")
    assert max(c for (c,) in merges) >= 3  # merges with several parents
    ((missing,),) = q(db, "SELECT count(*) FROM truth_edges WHERE parent_listed = 0")
    assert missing > 0  # parents missing from the hub


def test_tags_declare_exactly_the_planted_edges(eco20k: Path) -> None:
    store = Store(eco20k / "hub.sqlite")
    truth: dict[str, set[tuple[str, str]]] = {}
    id_of = {r["key"]: r["id"] for r in store.iter_rows()}
    for child, parent, relation, _ in q(eco20k / "hub.sqlite", "SELECT * FROM truth_edges"):
        truth.setdefault(id_of[child], set()).add((relation, id_of[parent]))
    malformed = {
        m["tag"] for m in json.loads((eco20k / "truth.json").read_text())["malformed_tags"]
    }
    for row in store.iter_rows("private = 0"):
        tags = [t for t in json.loads(row["tags"]) if t not in malformed]
        plain = {
            t.split(":", 1)[1] for t in tags if t.startswith("base_model:") and t.count(":") == 1
        }
        typed = {tuple(t.split(":", 2)[1:]) for t in tags if t.count(":") == 2}
        expected = truth.get(row["id"], set())
        assert plain == {p for _, p in expected}
        assert typed == {(r, p) for r, p in expected if r != "unknown"}


def test_cards_carry_front_matter_equal_to_card_data(eco20k: Path) -> None:
    store = Store(eco20k / "hub.sqlite")
    kinds: Counter[str] = Counter()
    for row in store.iter_rows("card IS NOT NULL AND key % 20 = 0"):
        recipe = json.loads(row["card"])
        card_data = json.loads(row["card_data"]) if row["card_data"] else None
        text = render_card(recipe, card_data)
        assert text == render_card(recipe, card_data)  # deterministic
        kinds[recipe["kind"]] += 1
        if card_data:
            head = text.split("---\n")[1]
            assert yaml.safe_load(head) == card_data
        assert "README.md" in json.loads(row["siblings"])
    assert set(kinds) >= {"human", "trainer", "hub_default", "quantized", "mergekit"}


NO_CARD_SHAPES = dict(
    leading_blank_share=0.0,
    bom_share=0.0,
    invalid_utf8_share=0.0,
    big_repo_files=0,
    readme_not_found=0,
)


def test_card_files_are_planted_with_their_truth_from_a_stream_of_their_own(
    tmp_path: Path,
) -> None:
    """Every planted card shape is in the store as its truth says; without the plants,
    every other model and truth table is byte for byte the same."""
    truth = generate(SynthConfig(n_models=3000, seed=5), tmp_path / "on")
    bare = generate(SynthConfig(n_models=3000, seed=5, **NO_CARD_SHAPES), tmp_path / "off")
    on, off = Store(tmp_path / "on" / "hub.sqlite"), Store(tmp_path / "off" / "hub.sqlite")
    shapes = {
        key: (shape, bool(fm))
        for key, shape, fm in on.conn.execute(
            "SELECT key, shape, front_matter FROM truth_card_shapes"
        )
    }
    counts = Counter(shape for shape, _ in shapes.values())
    assert truth["card_shapes"] == {s: counts[s] for s in CARD_SHAPES}
    assert bare["card_shapes"] == dict.fromkeys(CARD_SHAPES, 0) and not bare["many_files"]
    assert all(counts[s] > 0 for s in CARD_SHAPES)
    carded = on.conn.execute("SELECT count(*) FROM models WHERE private = 0 AND card IS NOT NULL")
    assert abs(counts["leading_blank"] / carded.fetchone()[0] - 0.065) < 0.01  # the Hub's rate
    for table in ("truth_edges", "truth_models"):
        assert table_digest(on.path, table) == table_digest(off.path, table)
    for a, b in zip(on.iter_rows(), off.iter_rows(), strict=True):
        if a["key"] not in shapes:
            assert tuple(a) == tuple(b)
            continue
        shape, front = shapes[a["key"]]
        assert a["private"] == 0 and a["gated"] is None and not a["disabled"]
        assert front == bool(a["card_data"] and json.loads(a["card_data"]))
        if shape == "readme_404":  # README.md listed, no card behind it
            assert a["card"] is None and "README.md" in json.loads(a["siblings"])
            assert "README.md" not in json.loads(b["siblings"])
            continue
        if shape == "many_files":
            files = json.loads(a["siblings"])
            assert len(files) > 6000 and files[: len(json.loads(b["siblings"]))] == json.loads(
                b["siblings"]
            )
            assert truth["many_files"] == [{"id": a["id"], "siblings": len(files)}]
            continue
        data = json.loads(a["card_data"]) if a["card_data"] else None
        got = card_bytes(json.loads(a["card"]), data)
        plain = card_bytes(json.loads(b["card"]), data)
        if shape == "leading_blank":
            lead = got[: len(got) - len(plain)]
            assert got.endswith(plain) and lead and not lead.strip()
        elif shape == "bom":
            assert got == b"\xef\xbb\xbf" + plain
        else:  # invalid_utf8: cp1252 bytes with accented letters
            with pytest.raises(UnicodeDecodeError):
                got.decode("utf-8")
            assert got.decode("cp1252").startswith(plain.decode("utf-8").replace("🤗", "?"))


DEFAULTS = dict(
    placeholder_language_share=0.02,
    template_dataset_share=0.05,
    foreign_library_share=0.02,
    empty_task_share=0.02,
)


def test_form_defaults_are_planted_with_their_truth_from_a_stream_of_their_own(
    tmp_path: Path,
) -> None:
    """Each planted default is in the listed entry as its truth says; without the plants,
    every other model, card and truth table is byte for byte the same."""
    truth = generate(SynthConfig(n_models=3000, seed=5, **DEFAULTS), tmp_path / "on")
    bare = generate(SynthConfig(n_models=3000, seed=5), tmp_path / "off")
    on, off = Store(tmp_path / "on" / "hub.sqlite"), Store(tmp_path / "off" / "hub.sqlite")
    rows = on.conn.execute("SELECT key, trait, value, rule FROM truth_quality").fetchall()
    assert truth["data_quality"] == {r: sum(1 for *_, x in rows if x == r) for r in QUALITY_RULES}
    assert all(truth["data_quality"][r] > 0 for r in QUALITY_RULES)
    # by default nothing is planted: only the builder's names of the dataset vocabulary
    assert set(bare["data_quality"]) == set(QUALITY_RULES)
    assert sum(bare["data_quality"].values()) == bare["data_quality"]["template_dataset"]
    for table in ("truth_edges", "truth_models", "truth_card_shapes"):
        assert table_digest(on.path, table) == table_digest(off.path, table)
    by_key: dict[int, list[tuple[str, str, str]]] = {}
    for key, trait, value, rule in rows:
        by_key.setdefault(key, []).append((trait, value, rule))
    for a, b in zip(on.iter_rows(), off.iter_rows(), strict=True):
        flags = by_key.get(a["key"], [])
        if not any(value != "imagefolder" for _, value, _ in flags):
            assert tuple(a) == tuple(b)
            continue
        assert a["private"] == 0 and a["card"] is not None
        tags, files = json.loads(a["tags"]), json.loads(a["siblings"])
        for _trait, value, rule in flags:
            if rule == "placeholder_language_run":
                assert value in tags and value in json.loads(a["card_data"])["language"]
            elif rule == "template_dataset":
                assert f"dataset:{value}" in tags
            elif rule == "library_inconsistent":
                assert a["library_name"] == value and value in tags
                assert "config.json" in files  # a transformers checkpoint
            else:
                assert a["pipeline_tag"] == "" and json.loads(a["card_data"])["pipeline_tag"] == ""


def test_huge_cards_are_planted(eco20k: Path) -> None:
    store = Store(eco20k / "hub.sqlite")
    sizes = [
        len(render_card(json.loads(r["card"]), None))
        for r in store.iter_rows("card LIKE '%\"pad\"%'")
    ]
    assert len(sizes) == SynthConfig().huge_cards
    assert min(sizes) >= 1_000_000


def test_auto_generated_cards_thicken_along_finetune_edges(eco20k: Path) -> None:
    rows = q(
        eco20k / "hub.sqlite",
        "SELECT relation, avg(card_kind IN ('trainer', 'hub_default')) FROM truth_models "
        "WHERE card_kind != 'none' GROUP BY 1",
    )
    share = dict(rows)
    assert share["finetune"] > 0.4 and share["quantized"] == 0
    assert share["root"] < 0.2


def planted(tmp_path: Path, **knobs: float) -> tuple[Path, dict]:
    out = tmp_path / "eco"
    truth = generate(SynthConfig(n_models=12_000, seed=11, **knobs), out)  # type: ignore[arg-type]
    return out / "hub.sqlite", truth


def forward_share(db: Path, trait: str, order: list[str]) -> float:
    pos = {v: i for i, v in enumerate(order)}
    rows = q(
        db,
        f"SELECT p.{trait}, c.{trait} FROM truth_edges e JOIN truth_models c ON c.key = e.child "
        f"JOIN truth_models p ON p.key = e.parent WHERE c.distance_{trait} > 0 "
        "AND e.parent = (SELECT min(parent) FROM truth_edges WHERE child = e.child)",
    )
    moves = [(pos[a], pos[b]) for a, b in rows if a != b]
    return sum(b > a for a, b in moves) / len(moves)


@pytest.mark.parametrize("drift", [0.9, 0.5])
def test_planted_drift_direction(tmp_path: Path, drift: float) -> None:
    db, _truth = planted(tmp_path, drift_forward=drift)
    order = [v for v, _ in LICENSES]
    share = forward_share(db, "license", order)
    # where only one direction is open the move takes it, so allow for the boundary
    assert abs(share - drift) < 0.08, share


def test_expected_mutation_rates_match_realised(eco20k: Path) -> None:
    truth = json.loads((eco20k / "truth.json").read_text())
    for trait, per_rel in truth["mutation_rates"].items():
        for rel, cell in per_rel.items():
            if cell["edges"] < 200:
                continue
            se = max(np.sqrt(cell["expected"] * (1 - cell["expected"]) / cell["edges"]), 1e-3)
            assert abs(cell["realised"] - cell["expected"]) < 4 * se, (trait, rel, cell)


@pytest.mark.parametrize(("corr", "low", "high"), [(0.8, 0.6, 1.0), (0.0, 0.0, 0.45)])
def test_siblings_share_directed_mutations(
    tmp_path: Path, corr: float, low: float, high: float
) -> None:
    """Two mutated children of one parent usually land on the same license iff correlated."""
    db, _ = planted(tmp_path, sibling_correlation=corr)
    rows = q(
        db,
        "SELECT e.parent, c.license FROM truth_edges e JOIN truth_models c ON c.key = e.child "
        "WHERE c.distance_license > 0 AND c.relation IN ('finetune', 'adapter')",
    )
    by_parent: dict[int, list[str]] = {}
    for parent, lic in rows:
        by_parent.setdefault(parent, []).append(lic)
    same = total = 0
    for lics in by_parent.values():
        for i in range(len(lics)):
            for j in range(i + 1, len(lics)):
                same += lics[i] == lics[j]
                total += 1
    assert total > 100
    assert low <= same / total <= high, same / total
