"""The config plant: summaries consistent within a lineage, drawn from a stream of its
own (with it off, or on, every other column and truth table is byte for byte the same)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from phylohub.hub.plant_config import HEADS
from phylohub.hub.store import Store
from phylohub.hub.synth import SynthConfig, generate


def _digest(db: Path, table: str) -> str:
    h = hashlib.sha256()
    for row in sqlite3.connect(db).execute(f"SELECT * FROM {table} ORDER BY rowid"):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_config_plant_changes_only_the_config_summaries(tmp_path: Path) -> None:
    truth = generate(SynthConfig(n_models=3000, seed=5, config_plant=True), tmp_path / "on")
    bare = generate(SynthConfig(n_models=3000, seed=5), tmp_path / "off")
    assert "architecture" in truth and "architecture" not in bare
    on, off = Store(tmp_path / "on" / "hub.sqlite"), Store(tmp_path / "off" / "hub.sqlite")
    for table in ("truth_edges", "truth_models", "truth_card_shapes", "truth_quality"):
        assert _digest(on.path, table) == _digest(off.path, table)
    rows = {}
    for a, b in zip(on.iter_rows(), off.iter_rows(), strict=True):
        left, right = dict(zip(a.keys(), a, strict=True)), dict(zip(b.keys(), b, strict=True))
        left.pop("config"), right.pop("config")
        assert left == right  # every column but the config summary
        rows[a["key"]] = json.loads(a["config"]) if a["config"] else None
    planted = on.conn.execute("SELECT key, family, model_type, head, quantization, type_error"
                              " FROM truth_config").fetchall()  # fmt: skip
    assert {k for k, c in rows.items() if c} == {r[0] for r in planted}
    for key, family, model_type, head, quantization, error in planted:
        summary = rows[key]
        assert summary["model_type"] == model_type and (model_type != family) == bool(error)
        assert summary["architectures"][0].endswith(head) and head in HEADS
        q = summary.get("quantization_config")
        assert (q["quant_method"] if q else "none") == quantization
    assert truth["architecture"]["type_errors"] == sum(
        r[5] for r in planted if not _private(on, r[0])
    )


def _private(store: Store, key: int) -> bool:
    row = store.conn.execute("SELECT private FROM models WHERE key = ?", (key,)).fetchone()
    return bool(row[0])


def test_adapters_carry_their_base_type_and_quantized_children_a_quantization(
    tmp_path: Path,
) -> None:
    generate(SynthConfig(n_models=4000, seed=7, config_plant=True), tmp_path)
    db = sqlite3.connect(tmp_path / "hub.sqlite")
    pairs = db.execute(
        "SELECT e.relation, p.model_type, p.family, c.model_type, c.type_error, c.quantization"
        " FROM truth_edges e JOIN truth_config p ON p.key = e.parent"
        " JOIN truth_config c ON c.key = e.child"
    ).fetchall()
    adapters = [r for r in pairs if r[0] == "adapter"]
    assert adapters and all(r[3] == r[2] for r in adapters)  # the base's (true) type
    quantized = [r for r in pairs if r[0] == "quantized"]
    assert quantized and sum(r[5] != "none" for r in quantized) / len(quantized) > 0.7
    assert any(r[4] for r in quantized)  # some list another family's type
