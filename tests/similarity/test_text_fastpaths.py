"""Metadata strings convert each model's listing values once, shared by its variants:
the strings are those each variant gives alone, and of :func:`metadata_string`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest

from phylohub.similarity import texts
from phylohub.similarity.texts import METADATA_FIELDS, iter_metadata_strings, metadata_string

FIELDS = (*texts.PAPER_FIELDS, "author", "gated", "lastModified", "sha", "siblings", "cardData")
VARIANTS = ["traits", "paper", "no_lineage", "no_ids"]  # a filtering variant first


def test_variants_built_together_are_each_variant_alone(
    snapshot20k: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    plain = texts._column_values

    def counted(field: str, column_type: str, raw: Sequence[object]) -> Sequence[object]:
        calls["n"] += 1
        return plain(field, column_type, raw)

    monkeypatch.setattr(texts, "_column_values", counted)
    together = next(iter_metadata_strings(snapshot20k, FIELDS, VARIANTS, 2000))
    assert calls["n"] == len(FIELDS)  # one conversion per field of a chunk's models
    for v in VARIANTS:
        alone = next(iter_metadata_strings(snapshot20k, FIELDS, [v], 2000))[v]
        assert together[v] == alone, v
    columns = sorted({METADATA_FIELDS[f] for f in FIELDS})
    select = ", ".join(f'"{c}"' for c in columns)
    with duckdb.connect(str(snapshot20k), read_only=True) as con:
        rows = con.execute(f"SELECT {select} FROM models ORDER BY id LIMIT 300").fetchall()
    for j, values in enumerate(rows):
        row = dict(zip(columns, values, strict=True))
        for v in VARIANTS:
            assert together[v][j] == metadata_string(row, FIELDS, v)
