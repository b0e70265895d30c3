"""``compute_similarity`` numbers the pairs' models from the ids read once in id order
(the plain form numbers every model in the look-up's query, and reads the ids again for
the result): the same rows, and the ids that name them. Only the distinct ids are looked
up, and the ids may come as Python strings or as Arrow columns (the kin pairs' own)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from phylohub.errors import PhylohubError
from phylohub.similarity.measures import _model_rows, _Text


def _as_list(ids: list[str]) -> list[str]:
    return ids


def _as_array(ids: list[str]) -> pa.Array:
    return pa.array(ids, pa.large_string())


def _as_chunks(ids: list[str]) -> pa.ChunkedArray:
    cut = len(ids) // 3
    return pa.chunked_array([pa.array(part).dictionary_encode() for part in (ids[:cut], ids[cut:])])


@pytest.mark.parametrize("form", [_as_list, _as_array, _as_chunks])
def test_rows_and_ids_are_the_numbered_models(
    snapshot20k: Path, form: Callable[[list[str]], Sequence[str] | pa.Array | pa.ChunkedArray]
) -> None:
    with duckdb.connect(str(snapshot20k), read_only=True) as con:
        numbered = con.execute(
            "SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM models"
        ).fetchall()
    plain = dict(numbered)
    rng = np.random.default_rng(3)
    wanted = [numbered[int(j)][0] for j in rng.integers(0, len(numbered), 5000)]
    rows, ids = _model_rows(snapshot20k, form(wanted))
    assert rows.tolist() == [plain[w] for w in wanted]  # in the order asked, repeats kept
    assert ids.to_pylist() == sorted(plain, key=plain.__getitem__)
    assert ids.take(rows).to_pylist() == wanted
    with pytest.raises(PhylohubError, match="not in this snapshot"):
        _model_rows(snapshot20k, form([*wanted[:3], "no-such/model"]))


def test_a_missing_id_is_not_in_the_snapshot(snapshot20k: Path) -> None:
    with pytest.raises(PhylohubError, match="not in this snapshot"):
        _model_rows(snapshot20k, pa.array(["x", None]))


def test_kept_texts_are_found_by_row() -> None:
    """The pairs' raw texts, kept chunk by chunk and found by a binary search of the
    rows, are those a dict by row gives (its plain form), repeats and order kept."""
    rng = np.random.default_rng(5)
    rows = np.sort(rng.choice(50_000, 6_000, replace=False)).astype(np.int64)
    texts = [f"text {r} " * int(rng.integers(0, 4)) for r in rows.tolist()]
    text, plain = _Text(), {}
    for part in np.array_split(np.arange(rows.size), 7):
        keep = part[rng.random(part.size) < 0.6]
        text.keep(rows[keep], [texts[j] for j in keep.tolist()])
        plain.update((int(rows[j]), texts[j]) for j in keep.tolist())
    asked = np.asarray(list(plain), dtype=np.int64)[rng.integers(0, len(plain), 20_000)]
    assert text.kept(asked) == [plain[int(r)] for r in asked]
    assert _Text().kept(np.zeros(0, np.int64)) == []
    missing = np.setdiff1d(rows, np.fromiter(plain, np.int64))[:1]
    for absent in (missing, np.array([rows.max() + 1]), np.array([-1])):
        with pytest.raises(KeyError):
            text.kept(np.concatenate([asked[:5], absent]))


def test_metadata_strings_found_by_id_are_those_found_by_row(snapshot20k: Path) -> None:
    """``compute_similarity`` reads its models' listing by id (the ids it has sorted),
    the plain form by row index (every model numbered in id order): the same strings,
    in the same order, chunk by chunk."""
    from phylohub.similarity.texts import PAPER_FIELDS, iter_metadata_strings

    _, listed = _model_rows(snapshot20k, [])
    rng = np.random.default_rng(11)
    rows = np.sort(rng.choice(len(listed), 3000, replace=False)).astype(np.int64)
    variants = ["paper", "no_ids", "traits"]
    by_row = list(iter_metadata_strings(snapshot20k, PAPER_FIELDS, variants, 700, rows=rows))
    ids = listed.take(pa.array(rows))
    by_id = list(iter_metadata_strings(snapshot20k, PAPER_FIELDS, variants, 700, rows, ids))
    assert len(by_row) == 5
    assert by_id == by_row
    with pytest.raises(ValueError, match="one id per row"):
        next(iter_metadata_strings(snapshot20k, PAPER_FIELDS, variants, 700, rows, ids[:5]))
