"""Two statements of the signals held to the plain forms they replaced. The listed models'
table (``kin_models``): every column row for row, and ``lkey`` (the least key of each
lower-case id, no longer a ``dense_rank`` over the lower-case ids) splitting the models
exactly as that rank does; on hand-made ids (differing in case only, without a namespace,
files in any case, no files) and on a planted ecosystem. The shared text
(``text_pairs``, paragraphs paired first, then kept where a name pair is): the counts of
the distinct name pairs joined to each side's paragraphs, with a pair that the names and
a card both propose (two rows of ``name_pairs``) counted once. The grouping's lists
sorted after they are gathered (``infer.PAIRS``; ``test_kin_keyed_ranking.py`` holds them
to the ordered aggregates) rest on no signal's name being a prefix of another's."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.inference.infer import snapshot_model_types
from phylohub.inference.signals import MODELS, PARAGRAPH_CARDS, SIGNALS, TYPES, read_signals
from phylohub.snapshot import connect_snapshot
from tests.kin_tables import kin_connection
from tests.pipeline import snapshot_of

#: ``kin_models`` as first written: the files' flags beside the windows, ``lkey`` a
#: ``dense_rank`` over the lower-case ids.
PLAIN_MODELS = """
CREATE TEMP TABLE plain_models AS
SELECT m.id, lower(m.id) AS lid, lower(m.author) AS author,
    lower(split_part(m.id, '/', 2)) AS name, m.created_at, coalesce(k.kids, 0) AS kids, t.mtype,
    coalesce(list_contains(m.siblings, 'adapter_config.json'), FALSE) AS has_adapter,
    coalesce(len(list_filter(m.siblings, lambda f: f ILIKE '%.gguf')) > 0, FALSE) AS has_gguf,
    row_number() OVER (ORDER BY m.id) AS key,
    dense_rank() OVER (ORDER BY lower(m.id)) AS lkey
FROM models m LEFT JOIN kin_types t ON t.lid = lower(m.id)
LEFT JOIN (SELECT lower(parent) AS lid, count(DISTINCT child) AS kids FROM edges GROUP BY ALL) k
    ON k.lid = lower(m.id)
WHERE m.id LIKE '%/%'
"""


#: ``text_pairs`` as before: the name pairs made distinct, joined to each side's paragraphs.
PLAIN_TEXT_PAIRS = f"""
CREATE TEMP TABLE plain_text_pairs AS
WITH pairs AS (SELECT DISTINCT ckey, pkey FROM name_pairs),
ids AS (SELECT ckey AS key FROM pairs UNION SELECT pkey FROM pairs),
paras AS (
    SELECT m.key, unnest(s.paras) AS h
    FROM card_scan s JOIN kin_models m ON m.id = s.id SEMI JOIN ids ON ids.key = m.key
), counts AS (
    SELECT h, count(*) AS cards FROM (SELECT unnest(paras) AS h FROM card_scan) GROUP BY h
), common AS (
    SELECT p.key, p.h FROM paras p JOIN counts c ON c.h = p.h WHERE c.cards <= {PARAGRAPH_CARDS}
)
SELECT p.ckey, p.pkey, count(*) AS shared
FROM pairs p JOIN common a ON a.key = p.ckey JOIN common b ON b.key = p.pkey AND b.h = a.h
GROUP BY p.ckey, p.pkey
"""


def _text_both(con: duckdb.DuckDBPyConnection, types: pl.DataFrame | None) -> tuple[int, int]:
    """Rows of ``text_pairs`` and rows unequal to the plain query's (duplicates counted)."""
    read_signals(con, types)
    con.execute(PLAIN_TEXT_PAIRS)
    (rows,) = con.execute("SELECT count(*) FROM text_pairs").fetchone()  # type: ignore[misc]
    (unequal,) = con.execute(  # type: ignore[misc]
        "SELECT count(*) FROM ((FROM text_pairs EXCEPT ALL FROM plain_text_pairs)"
        " UNION ALL (FROM plain_text_pairs EXCEPT ALL FROM text_pairs))"
    ).fetchone()
    return rows, unequal


#: Copied between cards below: long enough to count.
PARAGRAPH = "This paragraph was copied from the parent's card into its child's, word for word."


def test_text_pairs_equal_plain_with_a_pair_proposed_twice() -> None:
    """``b/x-sft-2`` (a second upload of ``b/x-sft``) is paired with ``a/x`` by its name
    (rest ``sft``) and by its card (rest ``sft-2``): two rows of ``name_pairs``, one
    shared paragraph. A card outside the listing (no namespace) holds another, and a
    younger model that no name pairs with them (``d/y``) holds the first: a pair of cards
    sharing text that is no name pair, left out (keeping every card pair with shared text,
    not only the name pairs among them, fails it)."""
    other = "Another paragraph, held by a listed card and one that is not listed at all, too."
    con = kin_connection(
        [(i, datetime(2024, n + 1, 1)) for n, i in enumerate(["a/x", "b/x-sft", "b/x-sft-2"])]
        + [("noslash", datetime(2024, 5, 1)), ("c/x-dpo", datetime(2024, 6, 1))]
        + [("d/y", datetime(2024, 7, 1))],
        [],
        [
            ("a/x", f"# x\n\n{PARAGRAPH}\n\n{other}"),
            ("b/x-sft-2", f"fine-tuned version of [p](https://huggingface.co/a/x)\n\n{PARAGRAPH}"),
            ("c/x-dpo", f"# c\n\n{other}"),
            ("noslash", f"# n\n\n{other}"),
            ("d/y", f"# y\n\n{PARAGRAPH}"),
        ],
    )
    rows, unequal = _text_both(con, None)
    (twice,) = con.execute(  # type: ignore[misc]
        "SELECT count(*) FROM (SELECT ckey, pkey FROM name_pairs GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()
    shared = con.execute("SELECT shared FROM text_pairs ORDER BY ALL").fetchall()
    assert twice == 1 and rows == 2 and unequal == 0 and shared == [(1,), (1,)]


def test_text_pairs_equal_plain_on_an_ecosystem(planted_db: str) -> None:
    con = connect_snapshot(Path(planted_db), card_texts=True)
    rows, unequal = _text_both(con, snapshot_model_types(con))
    assert rows > 10 and unequal == 0


def _both(con: duckdb.DuckDBPyConnection, types: pl.DataFrame | None) -> tuple[int, int, int]:
    """Rows of ``kin_models``, rows unequal to the plain query's (but for ``lkey``), and
    pairs of models that one ``lkey`` puts together and the other apart."""
    if types is None:
        types = pl.DataFrame(schema={"id": pl.String, "model_type": pl.String})
    con.register("kin_types_given", types.to_arrow())
    con.execute(TYPES)
    con.execute(MODELS)
    con.execute(PLAIN_MODELS)
    cols = "id, lid, author, name, created_at, kids, mtype, has_adapter, has_gguf, key"
    (rows,) = con.execute("SELECT count(*) FROM kin_models").fetchone()  # type: ignore[misc]
    (unequal,) = con.execute(  # type: ignore[misc]
        f"SELECT count(*) FROM ((SELECT {cols} FROM kin_models EXCEPT ALL"
        f" SELECT {cols} FROM plain_models) UNION ALL (SELECT {cols} FROM plain_models"
        f" EXCEPT ALL SELECT {cols} FROM kin_models))"
    ).fetchone()
    (split,) = con.execute(  # type: ignore[misc]
        "SELECT count(*) FROM kin_models a JOIN kin_models b ON a.key < b.key"
        " JOIN plain_models pa ON pa.key = a.key JOIN plain_models pb ON pb.key = b.key"
        " WHERE (a.lkey = b.lkey) <> (pa.lkey = pb.lkey) OR (a.lkey = b.lkey) <> (a.lid = b.lid)"
    ).fetchone()
    return rows, unequal, split


def _tricky() -> duckdb.DuckDBPyConnection:
    ids = ["B/x", "a/X", "A/x", "a/x", "a/x-GGUF", "b/x-lora", "c/y", "noslash", "C/Y", "d/z"]
    con = kin_connection(
        [(i, datetime(2024, 1, n + 1)) for n, i in enumerate(ids)],
        [("a/x-GGUF", "A/X"), ("b/x-lora", "a/x"), ("b/x-lora", "c/y")],
    )
    files = {
        "a/x-GGUF": ["README.md", "x.Q4.GGUF"],
        "b/x-lora": ["adapter_config.json"],
        "c/y": None,
        "C/Y": ["model.gguf.part1", "y.gguf"],
    }
    for i, f in files.items():
        con.execute("UPDATE models SET siblings = ? WHERE id = ?", [f, i])
    return con


def test_models_equal_plain_on_tricky_ids() -> None:
    types = pl.DataFrame({"id": ["a/x", "C/Y"], "model_type": ["Llama", "qwen2"]})
    rows, unequal, split = _both(_tricky(), types)
    assert (rows, unequal, split) == (9, 0, 0)


@pytest.fixture(scope="module")
def planted_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("kin_models_table")
    config = SynthConfig(n_models=1500, seed=5, kin_hidden_share=0.3, config_plant=True)
    return str(snapshot_of(config, folder))


def test_models_equal_plain_on_an_ecosystem(planted_db: str) -> None:
    con = connect_snapshot(Path(planted_db), card_texts=True)
    rows, unequal, split = _both(con, snapshot_model_types(con))
    (flags,) = con.execute(  # type: ignore[misc]
        "SELECT count(*) FROM kin_models WHERE has_adapter OR has_gguf"
    ).fetchone()
    assert rows > 1000 and flags > 10 and unequal == 0 and split == 0


def test_no_signal_is_a_prefix_of_another() -> None:
    """``signal=evidence`` strings sort as (signal, evidence) only then: ``a`` and ``a-b``
    would put ``a=z`` after ``a-b=a`` (``-`` sorts before ``=``)."""
    names = (*SIGNALS, "files_adapter", "files_gguf")
    clashes = [(a, b) for a in names for b in names if a != b and b.startswith(a)]
    assert clashes == []
    assert sorted(["a=z", "a-b=a"]) != ["a=z", "a-b=a"]  # what a clash would do
