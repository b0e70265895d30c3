"""The card texts are stored once, in ``parquet/cards.parquet``: ``hub.duckdb``'s ``cards``
table holds every other column, and every reader of a text reads the file (the view
``cards_with_text`` of :func:`~phylohub.snapshot.connect_snapshot`). Without the file,
each reader fails with one clear error."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from phylohub.errors import PhylohubError
from phylohub.inference.stage import infer_kin
from phylohub.inference.stage import paths_in as inference_paths
from phylohub.similarity.measures import fit_vocabularies
from phylohub.similarity.texts import CardOptions, iter_card_texts, write_card_texts
from phylohub.snapshot import CARDS_WITH_TEXT, build_snapshot, cards_parquet, connect_snapshot
from phylohub.snapshot.tables import TABLE_BY_NAME
from tests.snapshot.crawlfiles import Inputs, card, entry

IDS = [f"org/m{i:02d}" for i in range(40)]


def _card(i: int, model_id: str) -> dict[str, object]:
    if i % 5 == 4:
        return card(model_id, "no_readme")
    front = "---\nlicense: mit\n---\n" if i % 2 else ""
    return card(model_id, text=front + f"# {model_id}\n\n" + "Fine-tuned from org/m00. " * i)


@pytest.fixture
def built(make_inputs: Callable[..., Inputs]) -> Inputs:
    inputs = make_inputs(
        [[entry(i, ["en"]) for i in IDS[::2]], [entry(i, ["en"]) for i in IDS[1::2]]],
        [
            [_card(k, i) for k, i in enumerate(IDS) if k % 3],
            [_card(k, i) for k, i in enumerate(IDS) if not k % 3],
        ],
    )
    build_snapshot(inputs.listing, inputs.cards, inputs.db, inputs.parquet)
    return inputs


def test_texts_read_through_the_view_are_cards_parquet_row_for_row(built: Inputs) -> None:
    file = pq.read_table(built.parquet / "cards.parquet")
    assert cards_parquet(built.db) == built.parquet / "cards.parquet"
    with connect_snapshot(built.db, card_texts=True) as con:
        # the table: every column of the file but the text, the same rows in the same order
        columns = [
            c
            for (c, _) in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'cards'"
            ).fetchall()
        ]
        assert columns == [c.name for c in TABLE_BY_NAME["cards"].db_columns]
        assert "text" not in columns
        table = con.table("cards").to_arrow_table()
        assert table.to_pydict() == file.drop_columns(["text"]).to_pydict()
        # the view: the file's rows, text and all, in its order
        view = con.sql(f"SELECT * FROM {CARDS_WITH_TEXT}").to_arrow_table()
        assert view.column_names == [*file.column_names, "row"]
        assert view.column("row").to_pylist() == list(range(len(IDS)))  # models' row index
        assert view.column("text").to_pylist() == file.column("text").to_pylist()
        assert view.column("id").to_pylist() == table.column("id").to_pylist() == sorted(IDS)
        oks = con.execute(f"SELECT count(text) FROM {CARDS_WITH_TEXT}").fetchone()
    assert oks == (sum(1 for k in range(len(IDS)) if k % 5 != 4),)


def test_a_read_only_connection_without_the_view_has_no_text(built: Inputs) -> None:
    with duckdb.connect(str(built.db), read_only=True) as con, pytest.raises(duckdb.Error):
        con.execute("SELECT text FROM cards")


def test_every_reader_fails_with_one_clear_error_without_cards_parquet(
    built: Inputs, tmp_path: Path
) -> None:
    lone = tmp_path / "lone"
    lone.mkdir()
    db = lone / "hub.duckdb"
    shutil.copy(built.db, db)  # the database alone, no parquet folder beside it
    with connect_snapshot(db) as con:  # what reads no text still opens
        assert con.execute("SELECT count(*) FROM cards").fetchone() == (len(IDS),)
    missing = r"no card texts at .*cards\.parquet.*build_snapshot"
    with pytest.raises(PhylohubError, match=missing):
        connect_snapshot(db, card_texts=True)
    with pytest.raises(PhylohubError, match=missing):
        infer_kin(db, inference_paths(tmp_path / "inference"), 0.8)
    with pytest.raises(PhylohubError, match=missing):
        list(iter_card_texts(db, CardOptions()))
    with pytest.raises(PhylohubError, match=missing):
        write_card_texts(db, CardOptions(), tmp_path / "card_texts.parquet", len(IDS))
    with pytest.raises(PhylohubError, match=missing):
        fit_vocabularies(db)
    assert not (tmp_path / "inference").exists() or not any((tmp_path / "inference").iterdir())
