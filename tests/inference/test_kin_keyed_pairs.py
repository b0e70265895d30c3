"""The name pairs and the shared text found on the models' integer keys (an anti-join
for the card-named pairs) equal the plain string-keyed queries (a ``UNION`` of the pairs
by name and by card, every join on ids), row for row with their duplicates counted: on
hand-made names that hit the edges (ids differing in case only, namesakes beyond those
kept, second uploads, card pairs the names also propose and ones they do not) and on a
planted ecosystem. The longest prefix of a name is found once per name (models sharing a
name, some typed and some not, read it alike) and held here to the plain window over
every model's prefixes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.inference.infer import snapshot_model_types
from phylohub.inference.signals import (
    _COMPATIBLE,
    NAMESAKES_KEPT,
    PARAGRAPH_CARDS,
    SIGNALS,
    name_signal,
    read_signals,
)
from phylohub.snapshot import connect_snapshot
from tests.kin_tables import kin_connection
from tests.pipeline import snapshot_of

#: The name pairs as first written: every join on id strings, by name ``UNION`` by card;
#: then those whose parent is older than the child (the constraint that
#: :data:`~phylohub.inference.infer.PROPOSED` applied to every pair, now applied while
#: the name pairs are found).
PLAIN_NAME_PAIRS = f"""
CREATE TEMP TABLE plain_name_pairs AS
WITH toks AS (
    SELECT m.id, m.lid, m.author, m.name, m.mtype, string_split(coalesce(o.name, m.name), '-') AS t
    FROM kin_models m LEFT JOIN kin_models o ON regexp_matches(m.name, '-\\d+$')
        AND o.author = m.author AND o.name = regexp_replace(m.name, '-\\d+$', '')
), prefixes AS (
    SELECT id, lid, author, mtype, k, array_to_string(t[1:k], '-') AS stem,
        array_to_string(t[k + 1:], '-') AS rest
    FROM (SELECT *, unnest(range(1, len(t) + 1)) AS k FROM toks)
), names AS (
    SELECT name, count(*) AS namesakes, count(*) FILTER (WHERE mtype IS NULL) AS untyped
    FROM kin_models GROUP BY name
), typed AS (
    SELECT name, mtype, count(*) AS n FROM kin_models WHERE mtype IS NOT NULL GROUP BY ALL
), hits AS (
    SELECT p.*, {_COMPATIBLE.format(c="p")} AS namesakes,
        max(p.k) OVER (PARTITION BY p.id, p.rest = '') AS best
    FROM prefixes p JOIN names n ON n.name = p.stem
    LEFT JOIN typed t ON t.name = p.stem AND t.mtype = p.mtype
    WHERE p.rest <> '' OR n.namesakes > 1
), kept AS (
    SELECT * FROM (SELECT *, row_number() OVER (
        PARTITION BY name, mtype ORDER BY kids DESC, created_at, id) AS r FROM kin_models)
    WHERE r <= {NAMESAKES_KEPT}
), by_name AS (
    SELECT h.id AS child, m.id AS parent, h.rest,
        greatest(h.namesakes - CAST(h.rest = '' AS BIGINT), 1) AS namesakes
    FROM hits h JOIN kept m ON m.name = h.stem AND m.lid <> h.lid
    WHERE h.k = h.best AND (h.rest <> '' OR m.author <> h.author)
), by_card AS (
    SELECT c.id AS child, m.id AS parent, substr(c.name, length(m.name) + 2) AS rest,
        greatest({_COMPATIBLE.format(c="c")}, 1) AS namesakes
    FROM (SELECT DISTINCT child, parent FROM card_pairs WHERE listed) cp
    JOIN kin_models c ON c.id = cp.child
    JOIN kin_models m ON m.id = cp.parent
    JOIN names n ON n.name = m.name
    LEFT JOIN typed t ON t.name = m.name AND t.mtype = c.mtype
    WHERE starts_with(c.name, m.name || '-')
), pairs AS (
    SELECT * FROM by_name UNION SELECT * FROM by_card
), dated AS (
    SELECT p.* FROM pairs p JOIN kin_models c ON c.id = p.child JOIN kin_models m ON m.id = p.parent
    WHERE m.created_at < c.created_at
)
SELECT child, parent, rest, {name_signal("rest")}, namesakes FROM dated
"""

#: The shared text as first written, on id strings, of the plain name pairs.
PLAIN_TEXT_PAIRS = f"""
CREATE TEMP TABLE plain_text_pairs AS
WITH pairs AS (SELECT DISTINCT child, parent FROM plain_name_pairs),
ids AS (SELECT child AS id FROM pairs UNION SELECT parent FROM pairs),
paras AS (
    SELECT s.id, unnest(s.paras) AS h FROM card_scan s SEMI JOIN ids ON ids.id = s.id
), counts AS (
    SELECT h, count(*) AS cards FROM (SELECT unnest(paras) AS h FROM card_scan) GROUP BY h
), common AS (
    SELECT p.id, p.h FROM paras p JOIN counts c ON c.h = p.h WHERE c.cards <= {PARAGRAPH_CARDS}
)
SELECT p.child, p.parent, count(*) AS shared
FROM pairs p JOIN common a ON a.id = p.child JOIN common b ON b.id = p.parent AND b.h = a.h
GROUP BY p.child, p.parent
"""


def _trainer(parent: str) -> str:
    """A trainer's line naming ``parent``."""
    return f"fine-tuned version of [p](https://huggingface.co/{parent})"


#: A paragraph long enough to count, copied between some of the cards below.
PARAGRAPH = "This paragraph was copied from the parent's card into its child's, word for word."

#: id, created (year), card text. Ids differing in case only (``a/Base-7B``, ``a/base-7b``;
#: ``c/base-7B-sft``, ``c/BASE-7B-sft``, which a second upload ``-2`` reads as its name),
#: more namesakes of ``base-7B`` than are kept, card pairs the names propose as well
#: (``d``, ``f``) and ones they do not (``g`` names a namesake beyond those kept, ``h`` a
#: shorter prefix than the longest, ``i`` a younger model, whose pair the date drops);
#: ``e/base-7B-`` ends in ``-``, so its last token is empty: its name past ``base-7B`` is
#: empty though ``base-7B`` is a proper prefix (the longest prefix is found per name and
#: its rest cut from the name, which must read it as the tokens do).
MODELS: list[tuple[str, int, str | None]] = [
    ("a/Base-7B", 2019, PARAGRAPH),
    ("a/base-7b", 2019, None),
    *((f"n{i}/base-7B", 2020, None) for i in range(NAMESAKES_KEPT + 3)),
    ("z/base-7B", 2022, None),
    ("b/base", 2018, PARAGRAPH),
    ("c/base-7B-sft", 2021, PARAGRAPH),
    ("c/BASE-7B-sft", 2021, None),
    ("c/base-7B-sft-2", 2022, PARAGRAPH),
    ("d/base-7B-GGUF", 2022, f"{PARAGRAPH}\n\n{_trainer('a/Base-7B')}"),
    ("f/base-7B-sft-lora", 2023, "See https://huggingface.co/c/base-7B-sft for the base."),
    ("g/base-7B-awq", 2023, _trainer(f"n{NAMESAKES_KEPT + 2}/base-7B")),
    ("h/base-7B-dpo", 2023, f"{PARAGRAPH}\n\n{_trainer('b/base')}"),
    ("i/base-7B-it", 2018, _trainer("z/base-7B")),
    ("e/base-7B-", 2023, None),
]  # fmt: skip


def _tricky() -> duckdb.DuckDBPyConnection:
    return kin_connection(
        [(i, datetime(y, 1, 1)) for i, y, _ in MODELS],
        [("k/x", "n3/base-7B")],
        [(i, t) for i, _, t in MODELS if t],
    )


def _both(con: duckdb.DuckDBPyConnection, types: pl.DataFrame | None) -> list[pl.DataFrame]:
    """The keyed tables and the plain ones, each sorted by every column."""
    read_signals(con, types)
    con.execute(PLAIN_NAME_PAIRS)
    con.execute(PLAIN_TEXT_PAIRS)
    named = (
        "SELECT c.id AS child, m.id AS parent, p.* EXCLUDE (ckey, pkey) FROM {}"
        " p JOIN kin_models c ON c.key = p.ckey JOIN kin_models m ON m.key = p.pkey"
    )
    # the keyed pairs carry their rest and its signal's code: decoded here by SIGNALS
    decoded = (
        f"SELECT *, list_extract({list(SIGNALS)}, sig + 1) AS coded, {name_signal('rest')}"
        f" FROM ({named.format('name_pairs')})"
    )
    columns = "child, parent, rest, signal, relation, evidence, namesakes"
    keyed = con.sql(f"SELECT {columns}, coded FROM ({decoded}) ORDER BY ALL").pl()
    assert keyed["coded"].equals(keyed["signal"], check_names=False)
    return [
        keyed.drop("coded"),
        con.sql(f"SELECT {columns} FROM plain_name_pairs ORDER BY ALL").pl(),
        con.sql(f"SELECT * FROM ({named.format('text_pairs')}) ORDER BY ALL").pl(),
        con.sql("SELECT * FROM plain_text_pairs ORDER BY ALL").pl(),
    ]


def test_keyed_pairs_equal_plain_on_tricky_names() -> None:
    keyed, plain, text, plain_text = _both(_tricky(), None)
    assert keyed.equals(plain)
    assert text.equals(plain_text) and text.height >= 2
    pairs = set(zip(keyed["child"], keyed["parent"], strict=True))
    # a card pair the names do not propose (a namesake beyond those kept), and one they do
    assert ("g/base-7B-awq", f"n{NAMESAKES_KEPT + 2}/base-7B") in pairs
    assert ("d/base-7B-GGUF", "a/Base-7B") in pairs
    # the second upload is read as its name, once, though two ids carry that name
    second = keyed.filter(pl.col("child") == "c/base-7B-sft-2")
    assert second.height > 0 and second.select("parent", "rest").is_unique().all()


@pytest.fixture(scope="module")
def planted_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("kin_keyed")
    return str(
        snapshot_of(
            SynthConfig(
                n_models=1500, seed=7, kin_hidden_share=0.3, kin_decoy_share=0.05, config_plant=True
            ),
            folder,
        )
    )


@pytest.fixture(scope="module")
def planted(planted_db: str) -> duckdb.DuckDBPyConnection:
    return connect_snapshot(Path(planted_db), card_texts=True)


def test_keyed_pairs_equal_plain_on_an_ecosystem(planted: duckdb.DuckDBPyConnection) -> None:
    keyed, plain, text, plain_text = _both(planted, None)
    assert keyed.height > 500 and keyed.equals(plain)
    assert text.height > 10 and text.equals(plain_text)


#: Model types of the tricky names: ``base-7B`` is carried by more models of one type
#: than are kept (a crowded group, ranked), by fewer of another (all kept unranked) and by
#: more without a type (a crowded group whose type is NULL).
TYPES = pl.DataFrame(
    {
        "id": [f"n{i}/base-7B" for i in range(NAMESAKES_KEPT + 3)] + ["z/base-7B", "c/base-7B-sft"],
        "model_type": ["llama"] * (NAMESAKES_KEPT + 1) + ["mistral", "mistral", None, "llama"],
    }
)


def test_keyed_pairs_equal_plain_with_types() -> None:
    """The namesakes kept per name and type: ranked only in groups larger than
    :data:`NAMESAKES_KEPT` (typed or not), every model of a smaller group kept."""
    keyed, plain, text, plain_text = _both(_tricky(), TYPES)
    assert keyed.height > 20 and keyed.equals(plain)
    assert text.equals(plain_text)
    parents = set(keyed.filter(pl.col("child") == "d/base-7B-GGUF")["parent"])
    # the small group's both models, and no more of the crowded one than are kept
    assert {"n7/base-7B", "n8/base-7B"} <= parents
    assert len({p for p in parents if p.startswith("n")}) == NAMESAKES_KEPT + 2


def test_keyed_pairs_equal_plain_on_a_typed_ecosystem(planted_db: str) -> None:
    con = connect_snapshot(Path(planted_db), card_texts=True)
    types = snapshot_model_types(con)
    assert types is not None and types.height > 100
    keyed, plain, text, plain_text = _both(con, types)
    assert keyed.height > 500 and keyed.equals(plain)
    assert text.equals(plain_text)
