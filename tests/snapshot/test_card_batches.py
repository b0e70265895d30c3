"""The cards go into the snapshot batch by batch of ids, never every card's text at once,
and the tables come out as one batch would make them."""

from __future__ import annotations

import logging
import random
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from phylohub.snapshot import build as build_module
from phylohub.snapshot import build_snapshot, connect_snapshot
from phylohub.snapshot.tables import TABLE_BY_NAME
from tests.snapshot.crawlfiles import Inputs, card, entry, write_cards, write_listing

N_MODELS = 90
BATCH_BYTES = 40_000
WORDS = ["model", "Ünïcödé", "模型", "🤗", "a", "x\u00a0y", "---", "\r\n", "\t", "\x0b", "  "]


def _text(rng: random.Random) -> str:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 1500)))
    return ("---\nlicense: mit\n---\n" if rng.random() < 0.5 else "") + body


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[Path]]:
    """Ninety models, most with a card of up to ~15 kB, hashed into three shards as the
    crawl hashes them (every shard holds ids from the whole range)."""
    rng = random.Random(17)
    root = tmp_path_factory.mktemp("batches")
    ids = [f"org{rng.randint(0, 9)}/m{i:03d}" for i in range(N_MODELS)]
    entries = [entry(i, ["license:mit"]) for i in ids]
    cards = [card(i, text=_text(rng)) if k % 7 else card(i, "no_readme") for k, i in enumerate(ids)]
    rng.shuffle(cards)
    listing = write_listing(root / "crawl" / "listing", [entries[:50], entries[50:]])
    shards = write_cards(root / "crawl" / "cards", [cards[0::3], cards[1::3], cards[2::3]])
    return root, listing, shards


def _build(root: Path, listing: list[Path], shards: list[Path], name: str, **kw: int) -> Inputs:
    out = Inputs(listing, shards, root / name / "hub.duckdb", root / name / "parquet")
    build_snapshot(listing, shards, out.db, out.parquet, threads=2, **kw)
    return out


def test_cards_are_inserted_in_batches_of_bounded_bytes(
    inputs: tuple[Path, list[Path], list[Path]], caplog: pytest.LogCaptureFixture
) -> None:
    root, listing, shards = inputs
    with caplog.at_level(logging.INFO, logger="phylohub.snapshot.build"):
        out = _build(root, listing, shards, "small", card_batch_bytes=BATCH_BYTES)
    batches = [
        (int(m["rows"]), int(m["bytes"]))
        for m in (
            re.search(
                r"cards batch \d+/\d+ from .*: (?P<rows>\d+) rows, (?P<bytes>\d+) card", r.message
            )
            for r in caplog.records
        )
        if m
    ]
    with duckdb.connect(str(out.db), read_only=True) as con:
        total, largest = con.execute("SELECT sum(bytes), max(bytes) FROM cards").fetchone()  # type: ignore[misc]
    assert len(batches) >= total // BATCH_BYTES  # never every text in one statement
    assert sum(rows for rows, _ in batches) == N_MODELS
    assert sum(b for _, b in batches) == total
    assert all(b <= BATCH_BYTES + largest for _, b in batches)


def test_batches_give_the_tables_of_one_batch(
    inputs: tuple[Path, list[Path], list[Path]],
) -> None:
    root, listing, shards = inputs
    small = _build(root, listing, shards, "many", card_batch_bytes=BATCH_BYTES)
    whole = _build(root, listing, shards, "one", card_batch_bytes=10**12)
    with (
        connect_snapshot(small.db, card_texts=True) as a,
        duckdb.connect(str(whole.db), read_only=True) as b,
    ):
        tables = [t for (t,) in a.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            # stored order, no ORDER BY: the rows must come back in the same order
            assert a.table(table).fetchall() == b.table(table).fetchall(), table
        ids = [i for (i,) in a.execute("SELECT id FROM cards").fetchall()]
        assert ids == sorted(ids)
        # the word counts are bytes.split()'s, text by text
        for text, words in a.execute("SELECT text, length_words FROM cards_with_text").fetchall():
            assert words == (None if text is None else len(text.encode().split()))
    for path in small.parquet.glob("*.parquet"):
        assert path.read_bytes() == (whole.parquet / path.name).read_bytes(), path.name


class _Recorder:
    """A connection that records the SQL it runs and the tables it opens as relations."""

    def __init__(self, con: duckdb.DuckDBPyConnection, log: list[str]) -> None:
        self._con, self._log = con, log

    def execute(self, query: str, *args: object, **kw: object) -> object:
        self._log.append(query)
        return self._con.execute(query, *args, **kw)

    def sql(self, query: str, *args: object, **kw: object) -> object:
        self._log.append(query)
        return self._con.sql(query, *args, **kw)

    def table(self, name: str) -> object:
        self._log.append(f"TABLE {name}")
        return self._con.table(name)

    def read_parquet(self, paths: list[str], *args: object, **kw: object) -> object:
        self._log.append(f"READ {' '.join(sorted(paths))}")
        return self._con.read_parquet(paths, *args, **kw)

    def cursor(self) -> _Recorder:
        return _Recorder(self._con.cursor(), self._log)

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def _recorded(
    monkeypatch: pytest.MonkeyPatch,
    inputs: tuple[Path, list[Path], list[Path]],
    name: str,
    batch_bytes: int,
) -> tuple[Inputs, list[str]]:
    """A build, and the statements and relations its connection ran."""
    log: list[str] = []
    connect = build_module._connect
    with monkeypatch.context() as patch:
        patch.setattr(build_module, "_connect", lambda *a: _Recorder(connect(*a), log))
        out = _build(*inputs, name, card_batch_bytes=batch_bytes)
    return out, log


def test_card_shards_are_read_once_whatever_the_batches(
    inputs: tuple[Path, list[Path], list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crawl hashes ids into shards, so every shard holds ids of every batch: a scan
    of the shards per batch would decode all of their text once per batch. The shards are
    read by one reader per thread (2 here), each shard by one of them."""
    shards = inputs[2]
    for name, batch_bytes in (("recorded-one", 10**12), ("recorded-many", BATCH_BYTES)):
        _, log = _recorded(monkeypatch, inputs, name, batch_bytes)
        reads_of_text = [q for q in log if "cards_raw" in q and re.search(r"\btext\b", q)]
        assert len(reads_of_text) == 2  # one per reader, whatever the batches
        # each reader's shards, beside the connection's one view over all of them
        names = set(map(str, shards))
        read = [
            line.split()[1:]
            for line in log
            if line.startswith("READ ") and set(line.split()[1:]) <= names
        ]
        assert sorted(map(len, read)) == [1, 2, 3]
        readers = [paths for paths in read if len(paths) < len(shards)]
        assert sorted(p for paths in readers for p in paths) == sorted(names)


def test_cards_parquet_is_written_from_the_batches_as_duckdb_would(
    inputs: tuple[Path, list[Path], list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cards.parquet`` is not exported by reading every text back out of the table, and
    it holds what DuckDB's export of the table would: columns, types, which are
    required (no NULL), rows in order; and the texts (in the file alone) as crawled, in
    the table's order, ``required`` only without a NULL."""
    out, log = _recorded(monkeypatch, inputs, "recorded-export", BATCH_BYTES)
    assert "TABLE cards" not in log
    assert "TABLE models" in log  # the other tables are still exported from the database
    exported = inputs[0] / "duckdb-cards.parquet"
    with duckdb.connect(str(out.db), read_only=True) as con:
        con.table("cards").write_parquet(str(exported))
        ids = [i for (i,) in con.execute("SELECT id FROM cards").fetchall()]
    ours = pq.read_table(out.parquet / "cards.parquet")
    assert ours.column_names == list(TABLE_BY_NAME["cards"].column_names)
    assert ours.drop_columns(["text"]).schema.equals(pq.read_schema(exported))
    assert ours.drop_columns(["text"]).equals(pq.read_table(exported))
    crawled = {}
    for shard in inputs[2]:
        rows = pq.read_table(shard, columns=["id", "text"])
        crawled.update(zip(rows["id"].to_pylist(), rows["text"].to_pylist(), strict=True))
    texts = ours.column("text")
    assert texts.to_pylist() == [crawled[i] for i in ids]
    assert ours.schema.field("text").nullable == (texts.null_count > 0)


def _limit_bytes(con: duckdb.DuckDBPyConnection) -> float:
    """DuckDB's memory limit in bytes (it shows it as '1.8 GiB')."""
    (shown,) = con.execute("SELECT current_setting('memory_limit')").fetchone()  # type: ignore[misc]
    number, unit = re.fullmatch(r"([\d.]+) ?(\w+)", shown).groups()  # type: ignore[union-attr]
    return (
        float(number) * {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}[unit]
    )


@pytest.mark.parametrize("memory_mb", [None, 16_000])
def test_duckdb_memory_is_capped_whatever_the_job_may_use(
    tmp_path: Path, memory_mb: int | None
) -> None:
    """DuckDB fills its buffers up to whatever limit it is given (4-6 GB resident at 1.86M
    models under 3/4 of the rule's request); the build keeps under 3 GB in all, with a
    batch of cards in Arrow beside DuckDB's buffers."""
    with build_module._connect(tmp_path / "a.duckdb", tmp_path / "spill", 1, memory_mb) as con:
        assert _limit_bytes(con) <= 2.5 * 2**30
    with build_module._connect(tmp_path / "b.duckdb", tmp_path / "spill", 1, 1000) as small:
        assert _limit_bytes(small) == pytest.approx(750 * 10**6, rel=0.01)  # 3/4 of a small job


def test_cards_parquet_has_no_empty_row_group_when_rows_fill_the_last(tmp_path: Path) -> None:
    """Rows that fill whole row groups leave nothing pending: the file ends with the last
    full group, as DuckDB's export would, not with an empty one."""
    table = pa.table(
        {"id": pa.array([f"m{i:07d}" for i in range(2 * build_module.ROW_GROUP_ROWS)])}
    )
    path = tmp_path / "cards.parquet"
    with build_module._RowGroupWriter(path, table.schema) as writer:
        writer.write(table.slice(0, build_module.ROW_GROUP_ROWS + 7))
        writer.write(table.slice(build_module.ROW_GROUP_ROWS + 7))
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [
        build_module.ROW_GROUP_ROWS
    ] * 2
    assert pq.read_table(path).equals(table)


def test_cards_table_is_filled_from_cards_parquet_in_one_statement(
    inputs: tuple[Path, list[Path], list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One insert per batch from Arrow ran on one core, batch after batch; the table is
    filled by one statement reading the finished ``cards.parquet``, which DuckDB runs
    on every thread."""
    _, log = _recorded(monkeypatch, inputs, "recorded-insert", BATCH_BYTES)
    inserts = [q for q in log if re.search(r"INSERT\s+INTO\s+cards\b", q)]
    assert len(inserts) == 1
    assert "read_parquet" in inserts[0]


def test_cards_keep_their_order_over_many_row_groups_read_in_parallel(
    inputs: tuple[Path, list[Path], list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cards.parquet`` in row groups of 3 rows (30 of them, read by 2 threads) gives
    the cards table, row for row and in order, of a build with one row group: the
    parallel insert neither drops nor reorders rows."""
    root, listing, shards = inputs
    whole = _build(root, listing, shards, "groups-one", card_batch_bytes=10**12)
    monkeypatch.setattr(build_module, "ROW_GROUP_ROWS", 3)
    small = _build(root, listing, shards, "groups-many", card_batch_bytes=BATCH_BYTES)
    assert pq.ParquetFile(small.parquet / "cards.parquet").metadata.num_row_groups == 30
    with (
        connect_snapshot(small.db, card_texts=True) as a,
        duckdb.connect(str(whole.db), read_only=True) as b,
    ):
        rows = a.table("cards").fetchall()  # stored order, no ORDER BY
        assert len(rows) == N_MODELS
        assert rows == b.table("cards").fetchall()
        ids = [r[0] for r in rows]
        assert ids == sorted(ids)
