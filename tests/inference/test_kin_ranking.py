"""Among namesakes the inference picks the parent the config allows and the one with the
most declared children, and reads a same-author ``-2`` as a second upload, not a child."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from phylohub.inference.infer import select_edges
from tests.kin_tables import kin_connection

#: id, created (year, month), model_type; three namesakes of ``base-7B``, the oldest with
#: no declared child, ``o1`` with three and ``o3`` with one.
MODELS = [
    ("o2/base-7B", (2020, 1), "llama"),
    ("o1/base-7B", (2020, 2), "gpt2"),
    ("o3/base-7B", (2020, 3), "llama"),
    ("u/base-7B-GGUF", (2021, 1), None),
    ("l/base-7B-GGUF", (2021, 1), "llama"),
    ("g/base-7B-GGUF", (2021, 1), "gpt2"),
    ("a/base-7B-sft", (2021, 2), None),
    ("a/base-7B-sft-2", (2021, 3), None),
]
DECLARED = [("k/x1", "o1/base-7B"), ("k/x2", "o1/base-7B"), ("k/x3", "o1/base-7B"),
            ("k/x4", "o3/base-7B")]  # fmt: skip


@pytest.fixture(scope="module")
def parents() -> dict[str, str]:
    """The parent inferred for each child of :data:`MODELS`."""
    con = kin_connection([(i, datetime(y, m, 1)) for i, (y, m), _ in MODELS], DECLARED)
    types = pl.DataFrame(
        [(i, t) for i, _, t in MODELS if t], schema=["id", "model_type"], orient="row"
    )
    pairs = select_edges(con, types)
    con.close()
    return dict(zip(pairs["child"], pairs["parent"], strict=True))


def test_namesakes_ranked_by_config_then_declared_children(parents: dict[str, str]) -> None:
    # no config: the namesake with the most declared children, not the oldest
    assert parents["u/base-7B-GGUF"] == "o1/base-7B"
    # a llama child: the llama namesakes only, of them the one with a declared child
    assert parents["l/base-7B-GGUF"] == "o3/base-7B"
    assert parents["g/base-7B-GGUF"] == "o1/base-7B"


def test_same_author_number_suffix_is_a_second_upload(parents: dict[str, str]) -> None:
    # a/base-7B-sft-2 is a second upload of a/base-7B-sft: a fine-tune of base-7B too
    assert parents["a/base-7B-sft-2"] == parents["a/base-7B-sft"] == "o1/base-7B"
