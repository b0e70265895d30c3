"""``compute_similarity`` numbers the pairs' models from the ids read once in id order
(the plain form numbers every model in the look-up's query, and reads the ids again for
the result): the same rows, and the ids that name them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from phylohub.errors import PhylohubError
from phylohub.similarity.measures import _model_rows


def test_rows_and_ids_are_the_numbered_models(snapshot20k: Path) -> None:
    with duckdb.connect(str(snapshot20k), read_only=True) as con:
        numbered = con.execute(
            "SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM models"
        ).fetchall()
    plain = dict(numbered)
    rng = np.random.default_rng(3)
    wanted = [numbered[int(j)][0] for j in rng.integers(0, len(numbered), 5000)]
    rows, ids = _model_rows(snapshot20k, wanted)
    assert rows.tolist() == [plain[w] for w in wanted]  # in the order asked, repeats kept
    assert ids.to_pylist() == sorted(plain, key=plain.__getitem__)
    assert ids.take(rows).to_pylist() == wanted
    with pytest.raises(PhylohubError, match="not in this snapshot"):
        _model_rows(snapshot20k, [*wanted[:3], "no-such/model"])
