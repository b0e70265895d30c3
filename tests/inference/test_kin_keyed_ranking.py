"""The proposed rows, the ranking and the grouping run on integer keys (``ckey``,
``pkey``: listed models and external parents alike) and give the very pairs, signals and
evidence of the plain queries on id strings: on hand-made cases where keys could go wrong
(parents tied up to their id, whose order differs from the lower-case one; external
parents, tied and differing in case; declared parents matched but for case, listed and
external; a contradicting pair; a merge's parents) and on a planted ecosystem."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.inference.infer import (
    CONFIG,
    CONFIG_RANK,
    combo_key,
    select_edges,
    snapshot_model_types,
    with_combo,
)
from phylohub.inference.signals import SIGNALS, TEMPLATES, name_signal
from phylohub.snapshot import connect_snapshot
from tests.kin_tables import kin_connection
from tests.pipeline import snapshot_of

#: The signal tables named by id strings, as the plain queries read them.
NAMED = f"""
CREATE TEMP TABLE plain_name_pairs AS
SELECT c.id AS child, m.id AS parent, p.rest, {name_signal("p.rest")}, p.namesakes
FROM name_pairs p JOIN kin_models c ON c.key = p.ckey JOIN kin_models m ON m.key = p.pkey;
CREATE TEMP TABLE plain_text_pairs AS
SELECT c.id AS child, m.id AS parent, p.shared FROM text_pairs p
JOIN kin_models c ON c.key = p.ckey JOIN kin_models m ON m.key = p.pkey;
CREATE TEMP TABLE plain_declared AS SELECT DISTINCT child, lower(parent) AS lparent FROM edges
"""

#: The constraints as first written: every join on id strings.
PLAIN_PROPOSED = """
CREATE TEMP TABLE plain_proposed AS
WITH raw AS (
    SELECT child, parent, signal, relation, evidence, namesakes, TRUE AS listed
    FROM plain_name_pairs
    UNION ALL
    SELECT child, parent, signal, relation, evidence, 1 AS namesakes, listed
    FROM card_pairs
    UNION ALL
    SELECT child, parent, 'card_text', 'unknown', shared || ' paragraphs', 1, TRUE
    FROM plain_text_pairs
), dated AS (
    SELECT r.* FROM raw r
    JOIN kin_models c ON c.id = r.child
    LEFT JOIN kin_models p ON p.id = r.parent
    WHERE p.id IS NULL OR p.created_at < c.created_at
)
SELECT r.*, d.child IS NOT NULL AS covered,
    d.child IS NULL AND r.child IN (SELECT child FROM plain_declared) AS contradicts
FROM dated r LEFT JOIN plain_declared d ON d.child = r.child AND d.lparent = lower(r.parent)
"""

#: The ranking as first written, its last tie-break the parent's id string.
PLAIN_KEPT = f"""
CREATE TEMP TABLE plain_kept AS
WITH counted AS (
    SELECT child, parent,
        count(*) FILTER (WHERE signal IN {TEMPLATES}) AS templates,
        count(*) FILTER (WHERE signal = 'card_text') AS texts,
        count(*) FILTER (WHERE signal LIKE 'name_%' AND signal <> 'name_reupload') AS names,
        coalesce(max(namesakes) FILTER (
            WHERE signal LIKE 'name_%' AND signal <> 'name_reupload'), 1) AS namesakes,
        bool_or(signal = 'card_mergekit') AS mergekit
    FROM plain_proposed WHERE NOT contradicts GROUP BY child, parent
), ranked AS (
    SELECT k.child, k.parent, k.mergekit, row_number() OVER (PARTITION BY k.child ORDER BY
        k.templates DESC, k.names DESC, k.texts DESC, {CONFIG_RANK}, k.namesakes,
        coalesce(p.kids, 0) DESC, p.created_at NULLS LAST, k.parent) AS r,
        bool_or(k.mergekit) OVER (PARTITION BY k.child) AS merge_child
    FROM counted k JOIN kin_models c ON c.id = k.child LEFT JOIN kin_models p ON p.id = k.parent
)
SELECT child, parent FROM ranked WHERE mergekit OR (r = 1 AND NOT merge_child)
"""

#: The grouping as first written.
PLAIN_PAIRS = f"""
WITH grouped AS (
    SELECT child, parent,
        list(DISTINCT signal ORDER BY signal) AS signals,
        list(signal || '=' || evidence ORDER BY signal, evidence) AS evidence,
        coalesce(
            min(relation) FILTER (WHERE signal IN {TEMPLATES}),
            min(relation) FILTER (WHERE signal LIKE 'name_%' AND relation <> 'unknown'),
            'unknown') AS relation,
        coalesce(max(namesakes) FILTER (
            WHERE signal LIKE 'name_%' AND signal <> 'name_reupload'), 1) AS namesakes,
        bool_and(listed) AS listed,
        bool_or(covered) AS covered
    FROM plain_proposed SEMI JOIN plain_kept USING (child, parent)
    GROUP BY child, parent
)
SELECT g.* REPLACE (list_concat(g.signals,
        CASE WHEN g.relation = 'adapter' AND c.has_adapter THEN ['files_adapter']
             WHEN g.relation = 'quantized' AND c.has_gguf THEN ['files_gguf']
             ELSE [] END) AS signals),
    {CONFIG} AS config
FROM grouped g JOIN kin_models c ON c.id = g.child LEFT JOIN kin_models p ON p.id = g.parent
"""


def _trainer(parent: str) -> str:
    return f"fine-tuned version of [p](https://huggingface.co/{parent})"


def _quantized(parent: str) -> str:
    return f"GGUF version of [p](https://huggingface.co/{parent})"


#: id, created (year), card text. ``B/x``, ``a/x``, ``b/x`` tie for ``k/x-GGUF`` up to their
#: ids (``B/x`` first by id, ``a/x`` first by lower-case id); ``e/two`` names two external
#: parents that tie (``Zeta/ext`` before ``alpha/ext``), ``f/one`` an external one whose
#: declared edge differs in case (covered), ``g/dec`` a listed one so declared;
#: ``h/con`` names a parent while declaring another (dropped); ``m/merge`` a merge.
MODELS: list[tuple[str, int, str | None]] = [
    ("p/base", 2019, None),
    ("a/x", 2020, None),
    ("B/x", 2020, None),
    ("b/x", 2020, None),
    ("k/x-GGUF", 2021, None),
    ("e/two", 2021, f"{_trainer('alpha/ext')}\n\n{_quantized('Zeta/ext')}"),
    ("f/one", 2021, _trainer("Out/Side")),
    ("g/dec", 2021, _trainer("p/base")),
    ("h/con", 2021, _trainer("b/x")),
    ("m/merge", 2022, "models:\n  - model: a/x\n  - model: B/x\nbase_model: b/x\n"),
]
DECLARED = [("f/one", "out/side"), ("g/dec", "P/Base"), ("h/con", "q/elsewhere")]


def _tricky() -> duckdb.DuckDBPyConnection:
    return kin_connection(
        [(i, datetime(y, 1, 1)) for i, y, _ in MODELS],
        DECLARED,
        [(i, t) for i, _, t in MODELS if t],
    )


def _keyed_and_plain(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The pairs :func:`select_edges` keeps (without its ``combo``) and those of the plain
    queries on the same signal tables, both sorted by child and parent."""
    keyed = select_edges(con, snapshot_model_types(con)).drop("combo")
    columns = {r[0] for r in con.sql("DESCRIBE kin_proposed").fetchall()}
    assert {"ckey", "pkey"} <= columns and not {"child", "parent"} & columns
    con.execute(NAMED)
    con.execute(PLAIN_PROPOSED)
    con.execute(PLAIN_KEPT)
    plain = con.sql(PLAIN_PAIRS).pl().sort(["child", "parent"])
    return keyed, plain


def test_keyed_ranking_equals_plain_on_tricky_cases() -> None:
    keyed, plain = _keyed_and_plain(_tricky())
    assert keyed.equals(plain)
    parent = dict(zip(keyed["child"], keyed["parent"], strict=True))
    assert parent["k/x-GGUF"] == "B/x"  # the first by id, not by lower-case id
    assert parent["e/two"] == "Zeta/ext"
    assert "h/con" not in parent
    covered = dict(zip(keyed["child"], keyed["covered"], strict=True))
    assert covered["f/one"] and covered["g/dec"] and not covered["e/two"]
    merged = keyed.filter(pl.col("child") == "m/merge")["parent"].to_list()
    assert merged == ["B/x", "a/x", "b/x"]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kin_keyed_ranking")
    return snapshot_of(
        SynthConfig(
            n_models=1500, seed=9, kin_hidden_share=0.3, kin_decoy_share=0.05, config_plant=True
        ),
        folder,
    )


def test_keyed_ranking_equals_plain_on_an_ecosystem(planted: Path) -> None:
    keyed, plain = _keyed_and_plain(connect_snapshot(planted, card_texts=True))
    assert keyed.height > 100 and keyed.equals(plain)
    assert keyed["covered"].any() and (~keyed["listed"]).any()


def test_combo_per_distinct_value_equals_combo_per_pair(planted: Path) -> None:
    """:func:`with_combo` (the combination computed once per distinct value and joined on)
    gives every pair the combination that :func:`combo_key` gives it row by row, and
    :func:`select_edges` sorts by child (by its key) and parent as by the ids."""
    edges = select_edges(connect_snapshot(planted, card_texts=True), None)
    plain = edges.drop("combo").with_columns(combo=combo_key(configs=False))
    assert edges.equals(plain.sort(["child", "parent"]))
    assert edges["combo"].n_unique() > 5
    # hand-made: every column of the combination varies alone
    frame = pl.DataFrame(
        {
            "signals": [["name_prefix", "card_link"], ["name_prefix", "card_link"]] * 4
            + [["card_link", "name_prefix"], []],
            "namesakes": [1, 2, 3, 1, 1, 1, 2, 7, 1, 1],
            "listed": [True, True, True, False, True, True, False, True, True, True],
            "config": ["agrees"] * 4 + ["disagrees", "unknown"] * 2 + ["agrees", "unknown"],
            "row": range(10),
        }
    )
    combos = with_combo(frame, configs=False).sort("row")
    assert combos.equals(frame.with_columns(combo=combo_key(configs=False)))
    assert combos["combo"].n_unique() == 9
    # in a snapshot with configs an unknown verdict is keyed "missing", and only it
    among = with_combo(frame, configs=True).sort("row")
    assert among.equals(frame.with_columns(combo=combo_key(configs=True)))
    assert among["combo"].to_list() == [
        c.replace("|unknown", "|missing") for c in combos["combo"].to_list()
    ]
    assert among["combo"].str.ends_with("|missing").sum() == 3


def _coded_and_plain_rows(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The proposed rows as :data:`~phylohub.inference.infer.PROPOSED` keeps them (keys and
    signal codes) named by id and decoded by ``SIGNALS``, and the plain queries' rows."""
    _keyed_and_plain(con)
    types = dict(con.sql("SELECT column_name, column_type FROM (DESCRIBE kin_proposed)").fetchall())
    assert "VARCHAR" not in types.values() and types["sig"] == "UTINYINT"
    coded = con.sql(
        f"""SELECT c.id AS child, coalesce(m.id, e.id) AS parent,
            list_extract({list(SIGNALS)}, r.sig + 1) AS signal, r.namesakes, r.contradicts
        FROM kin_proposed r JOIN kin_models c ON c.key = r.ckey
        LEFT JOIN kin_models m ON m.key = r.pkey LEFT JOIN kin_external e ON e.key = r.pkey
        ORDER BY ALL"""
    ).pl()
    plain = con.sql(
        "SELECT child, parent, signal, namesakes, contradicts FROM plain_proposed ORDER BY ALL"
    ).pl()
    return coded, plain


def test_coded_rows_equal_plain_rows_on_tricky_cases() -> None:
    coded, plain = _coded_and_plain_rows(_tricky())
    assert coded.equals(plain)
    assert {"name_quantized", "card_trainer", "card_mergekit"} <= set(coded["signal"])
    assert coded["contradicts"].any()


def test_coded_rows_equal_plain_rows_on_an_ecosystem(planted: Path) -> None:
    coded, plain = _coded_and_plain_rows(connect_snapshot(planted, card_texts=True))
    assert coded.height > 1000 and coded.equals(plain)
    assert coded["signal"].n_unique() >= 8
