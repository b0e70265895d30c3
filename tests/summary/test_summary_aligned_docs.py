"""Where the snapshot's models, traits and cards hold the same ids row for row, the
availability measures read them side by side (a positional join): the same tables as
the statements joining them on ``id``; any other snapshot takes the joins."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.summary import sql
from phylohub.summary.distributions import _connect, availability
from tests.pipeline import snapshot_of
from tests.summary.test_summary_docs_join import PLAIN_AVAILABILITY, PLAIN_DOI_DOWNLOADS, _plain


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("aligned_docs")
    return snapshot_of(SynthConfig(n_models=800, seed=6), folder / "snap")


def _edited(snapshot: Path, folder: Path, *statements: str) -> Path:
    """A copy of the snapshot with ``statements`` run on it."""
    db = folder / "edited.duckdb"
    shutil.copy(snapshot, db)
    con = duckdb.connect(str(db))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    return db


def _check(db: Path, aligned: bool) -> None:
    con = _connect(db, None, None)
    try:
        assert (con.sql(sql.MISALIGNED_ROWS).fetchall()[0][0] == 0) is aligned
        avail, doi = availability(con)
        plain_avail = _plain(con, PLAIN_AVAILABILITY).sort("metric")
        plain_doi = _plain(con, PLAIN_DOI_DOWNLOADS)
    finally:
        con.close()
    assert avail.drop("share").equals(plain_avail)
    assert doi.equals(plain_doi)
    counts = dict(zip(avail["metric"], avail["count"], strict=True))
    assert 0 < counts["card"] < avail["denominator"][0] and counts["doi"] > 0


def test_a_built_snapshot_is_read_by_position(snapshot: Path) -> None:
    _check(snapshot, aligned=True)


@pytest.mark.parametrize(
    "statements",
    [
        # the same ids, cards in another order
        ("CREATE TABLE c2 AS SELECT * FROM cards ORDER BY id DESC",
         "DELETE FROM cards", "INSERT INTO cards SELECT * FROM c2"),
        # one model without a traits row
        ("DELETE FROM traits WHERE id = (SELECT max(id) FROM traits)",),
        # an id twice in every table: the joins on id count it four times
        tuple(f"INSERT INTO {t} SELECT * FROM {t} WHERE id = (SELECT max(id) FROM {t})"
              for t in ("models", "traits", "cards")),
    ],
    ids=["reordered", "missing", "duplicated"],
)  # fmt: skip
def test_other_snapshots_take_the_joins(
    snapshot: Path, tmp_path: Path, statements: tuple[str, ...]
) -> None:
    _check(_edited(snapshot, tmp_path, *statements), aligned=False)
