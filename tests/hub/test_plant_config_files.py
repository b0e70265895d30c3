"""The config.json plant: with it off every store and truth is as before; on, it adds
only its own tables and truth key, and its files agree with the listed summaries."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from phylohub.hub.synth import SynthConfig, generate


def _digest(db: Path, table: str) -> str:
    h = hashlib.sha256()
    for row in sqlite3.connect(db).execute(f"SELECT * FROM {table} ORDER BY rowid"):
        h.update(repr(row).encode())
    return h.hexdigest()


def _tables(db: Path) -> set[str]:
    rows = sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {r[0] for r in rows}


def test_config_files_add_only_their_own_tables_and_truth(tmp_path: Path) -> None:
    base = SynthConfig(n_models=2000, seed=6, config_plant=True)
    off = generate(base, tmp_path / "off")
    on = generate(SynthConfig(**{**base.__dict__, "config_files_plant": True}), tmp_path / "on")
    a, b = tmp_path / "off" / "hub.sqlite", tmp_path / "on" / "hub.sqlite"
    assert _tables(b) - _tables(a) == {"config_files", "truth_config_files"}
    for table in _tables(a) - {"meta", "sqlite_stat1"}:  # stats of every table
        assert _digest(a, table) == _digest(b, table), table
    assert set(on) - set(off) == {"config_files"}
    assert {k: v for k, v in on.items() if k not in ("config_files", "config", "digest")} == {
        k: v for k, v in off.items() if k not in ("config", "digest")
    }
    # the plant on without the config plant writes nothing
    bare = generate(SynthConfig(n_models=2000, seed=6, config_files_plant=True), tmp_path / "x")
    assert "config_files" not in bare
    assert "config_files" not in _tables(tmp_path / "x" / "hub.sqlite")


def test_files_agree_with_the_summary_and_sizes_follow_the_truth(tmp_path: Path) -> None:
    truth = generate(SynthConfig(n_models=2000, seed=8, config_plant=True,
                                 config_files_plant=True), tmp_path)  # fmt: skip
    db = sqlite3.connect(tmp_path / "hub.sqlite")
    rows = db.execute(
        "SELECT m.config, c.body, t.hidden_size, t.num_hidden_layers, t.vocab_size, "
        "t.generation, t.size = t.root_size FROM models m JOIN config_files c USING (key) "
        "LEFT JOIN truth_config_files t USING (key)"
    ).fetchall()
    kept: dict[int, list[int]] = {}
    for summary, body, hidden, layers, vocab, generation, same in rows:
        config = json.loads(body)
        if summary is None or hidden is None:
            assert "hidden_size" not in config
            continue
        listed = json.loads(summary)
        assert config["architectures"] == listed["architectures"]
        assert config["model_type"] == listed["model_type"]
        assert config.get("quantization_config") == listed.get("quantization_config")
        assert (config["hidden_size"], config["num_hidden_layers"], config["vocab_size"]) == (
            hidden, layers, vocab)  # fmt: skip
        kept.setdefault(generation, []).append(same)
    assert truth["config_files"]["changed"] > 0
    assert len(kept) > 2 and all(kept[0])
