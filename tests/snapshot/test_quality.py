"""The data-quality flags: each rule on hand-written entries, and the flags of the demo
ecosystem against the defaults its generator planted."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from phylohub.hub.synth import QUALITY_RULES, generate, load_config
from phylohub.snapshot import build_snapshot
from phylohub.snapshot.quality import RULES, quality_counts, write_quality_counts
from tests.snapshot.crawlfiles import card, entry, write_cards, write_listing

ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT = ["config.json", "model.safetensors"]


def files(*names: str) -> list[dict[str, str]]:
    return [{"rfilename": n} for n in (".gitattributes", "README.md", *names)]


def langs(*codes: str) -> dict[str, Any]:
    """Tags and front matter of a card declaring ``codes`` as its languages."""
    return {"tags": [*codes, "region:us"], "cardData": {"language": list(codes)}}


#: (entry, the flags it must get as (trait, value, rule)).
CASES: list[tuple[dict[str, Any], set[tuple[str, str, str]]]] = [
    # the picker's first four entries beside a real language: the run only
    (entry("a/run4", **langs("aa", "ab", "ae", "af", "en")),
     {("language", n, "placeholder_language_run")
      for n in ("Afar", "Abkhazian", "Avestan", "Afrikaans")}),
    # a run stops at the first gap: aa, ab (no ae) is two, too short
    (entry("a/run2", **langs("aa", "ab", "af", "ak")), set()),
    # not from the first entry: genuine languages
    (entry("a/norun", **langs("ab", "ae", "af")), set()),
    (entry("a/ds", ["dataset:generator", "dataset:glue", "dataset:ImageFolder"]),
     {("dataset", "generator", "template_dataset"),
      ("dataset", "ImageFolder", "template_dataset")}),
    (entry("a/ds-ok", ["dataset:tatsu-lab/alpaca", "dataset:json-lines/x"]), set()),
    # asteroid on a transformers checkpoint; fastai on a peft adapter
    (entry("a/lib1", ["asteroid"], library_name="asteroid", siblings=files(*CHECKPOINT)),
     {("library", "asteroid", "library_inconsistent")}),
    (entry("a/lib2", ["fastai"], library_name="fastai",
           siblings=files("adapter_config.json", "adapter_model.safetensors")),
     {("library", "fastai", "library_inconsistent")}),
    # the library's own files are there: consistent
    (entry("a/lib3", ["fastai"], library_name="fastai", siblings=files("model.pkl", *CHECKPOINT)),
     set()),
    (entry("a/lib4", ["allennlp"], library_name="allennlp",
           siblings=files("config.json", "weights.th")), set()),
    # asteroid's own checkpoint: weights without a transformers config
    (entry("a/lib5", ["asteroid"], library_name="asteroid", siblings=files("pytorch_model.bin")),
     set()),
    # a library the rule does not judge
    (entry("a/lib6", ["timm"], library_name="timm", siblings=files(*CHECKPOINT)), set()),
    (entry("a/task", [], pipeline_tag=""), {("task", "", "empty_task")}),
    (entry("a/task-ok", ["text-generation"], pipeline_tag="text-generation"), set()),
]  # fmt: skip


@pytest.fixture(scope="module")
def flagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quality")
    entries = [e for e, _ in CASES]
    listing = write_listing(root / "listing", [entries])
    cards = write_cards(root / "cards", [[card(e["id"], text="card") for e in entries]])
    build_snapshot(listing, cards, root / "hub.duckdb", root / "parquet")
    return root / "hub.duckdb"


@pytest.mark.parametrize("case", range(len(CASES)), ids=[e["id"] for e, _ in CASES])
def test_each_rule_flags_what_it_names_and_nothing_else(flagged: Path, case: int) -> None:
    model, expected = CASES[case]
    with duckdb.connect(str(flagged), read_only=True) as con:
        got = con.execute(
            "SELECT trait, value, rule FROM data_quality WHERE id = ?", [model["id"]]
        ).fetchall()
    assert set(got) == expected


def test_counts_per_rule_add_up(flagged: Path, tmp_path: Path) -> None:
    table = write_quality_counts(flagged, tmp_path / "data_quality.tsv")
    assert table.equals(pl.read_csv(tmp_path / "data_quality.tsv", separator="\t"))
    by_rule = {r["rule"]: r for r in table.iter_rows(named=True)}
    assert list(by_rule) == [*RULES, "all"]
    assert by_rule["placeholder_language_run"]["flags"] == 4
    assert by_rule["placeholder_language_run"]["models"] == 1
    assert by_rule["library_inconsistent"]["models"] == 2
    assert by_rule["all"]["flags"] == sum(len(e) for _, e in CASES)
    with duckdb.connect(str(flagged), read_only=True) as con:
        summary = dict(con.execute("SELECT * FROM summary").fetchall())
    assert summary["data_quality"] == by_rule["all"]["flags"]
    assert summary["data_quality.models"] == by_rule["all"]["models"]
    for rule in RULES:
        assert summary[f"data_quality.{rule}"] == by_rule[rule]["flags"]


@pytest.fixture(scope="module")
def demo_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The snapshot of the demo ecosystem (config/demo.yaml's replica.synth), listed as
    the replica lists it by bench/make_snapshot.py's ``write_listing`` (no HTTP; the
    flags read the listing only, so every card row is ``no_readme``); about 10 s."""
    cfg, _ = load_config(ROOT / "config" / "demo.yaml")
    assert cfg.placeholder_language_share > 0  # the demo plants the defaults
    out = tmp_path_factory.mktemp("demo_quality")
    generate(cfg, out / "eco")
    spec = importlib.util.spec_from_file_location(
        "make_snapshot", ROOT / "bench" / "make_snapshot.py"
    )
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.write_listing(out / "eco" / "hub.sqlite", out / "listing", 1000, 100)
    parts = sorted((out / "listing").glob("part-*.parquet"))
    ids = [i for p in parts for i in pq.read_table(p, columns=["id"])["id"].to_pylist()]
    cards = write_cards(out / "cards", [[card(i, "no_readme") for i in ids]])
    build_snapshot(parts, cards, out / "hub.duckdb", out / "parquet")
    return out


def test_flags_recover_the_defaults_planted_in_the_demo_ecosystem(demo_snapshot: Path) -> None:
    db = demo_snapshot / "hub.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        names = dict(con.execute("SELECT code, name FROM language_codes").fetchall())
        got = set(con.execute("SELECT id, trait, value, rule FROM data_quality").fetchall())
    store = sqlite3.connect(demo_snapshot / "eco" / "hub.sqlite")
    truth = {
        (i, trait, names[v] if trait == "language" else v, rule)
        for i, trait, v, rule in store.execute("SELECT id, trait, value, rule FROM truth_quality")
    }
    store.close()
    assert set(RULES) == set(QUALITY_RULES)
    for rule in RULES:
        planted = {t for t in truth if t[3] == rule}
        flags = {f for f in got if f[3] == rule}
        assert len(planted) >= 40, rule  # enough to measure
        precision = len(planted & flags) / len(flags)
        recall = len(planted & flags) / len(planted)
        assert precision >= 0.95 and recall >= 0.95, (rule, precision, recall)
    counts = {r["rule"]: r["flags"] for r in quality_counts(db).iter_rows(named=True)}
    assert counts["all"] == len(got)
