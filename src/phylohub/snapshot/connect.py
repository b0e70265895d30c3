"""Reading a built snapshot: a read-only connection to ``hub.duckdb`` and the card texts
in ``cards.parquet`` beside it.

Apart from :mod:`phylohub.snapshot.build` (the package re-exports these names) so that a
rule that only reads the snapshot imports DuckDB alone, not the build's pyarrow and numpy
(every rule is a process of its own and pays for its imports; ``bench/startup.py``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from phylohub.errors import PhylohubError

__all__ = [
    "CARDS_PARQUET",
    "CARDS_WITH_TEXT",
    "attach_card_texts",
    "cards_parquet",
    "connect_snapshot",
]

#: Where the card texts live beside ``hub.duckdb``: the parquet folder's ``cards.parquet``.
CARDS_PARQUET = Path("parquet") / "cards.parquet"
#: The temporary view of the cards with their texts (:func:`attach_card_texts`).
CARDS_WITH_TEXT = "cards_with_text"


def connect_snapshot(db: Path, card_texts: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a built ``hub.duckdb``; one clear error when it is missing
    or cannot be opened. With ``card_texts``, the cards with their texts too, as the view
    :data:`CARDS_WITH_TEXT` (:func:`attach_card_texts`). Close it when done."""
    if not Path(db).is_file():
        raise PhylohubError(f"no snapshot database at {db}: run the build_snapshot rule first")
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise PhylohubError(f"cannot open snapshot {db}: {exc}") from exc
    if card_texts:
        try:
            attach_card_texts(con, db)
        except BaseException:
            con.close()
            raise
    return con


def cards_parquet(db: Path) -> Path:
    """``cards.parquet`` of the snapshot ``db``: the one home of the card texts
    (:data:`CARDS_PARQUET`, beside ``hub.duckdb``, as the build_snapshot rule writes them);
    ``hub.duckdb``'s ``cards`` table holds every column but ``text``. One clear error when
    the file is missing."""
    path = Path(db).parent / CARDS_PARQUET
    if not path.is_file():
        raise PhylohubError(
            f"no card texts at {path} (the cards of snapshot {db} are read from there): "
            "run the build_snapshot rule first"
        )
    return path


def attach_card_texts(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """Make the temporary view :data:`CARDS_WITH_TEXT` on ``con`` (any connection, a
    read-only one too): the rows of ``cards.parquet`` of the snapshot ``db``
    (:func:`cards_parquet`), every column of the ``cards`` table and ``text``, in id
    order, and ``row``: the row's index in the file, which is the model's row index in
    ``models`` (one card row per listed model, both in id order). The readers of card
    texts read them there; a scan reads only the columns a query names. PhylohubError
    when the file is missing."""
    literal = "'" + str(cards_parquet(db)).replace("'", "''") + "'"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {CARDS_WITH_TEXT} AS SELECT * EXCLUDE (file_row_number),"
        f" file_row_number AS row FROM read_parquet({literal}, file_row_number = true)"
    )
