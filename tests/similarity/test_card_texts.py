"""The prepared cards written with the vocabularies' fit (``similarity/card_texts.parquet``)
are the cards the snapshot gives: the file holds every model's prepared card, a reader of
some rows gets what :func:`iter_card_texts` of those rows yields (same rows, texts and
chunks), the fit made while writing it equals the fit made without it, and the measures
of pairs read from the file equal those read from the snapshot."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from phylohub.errors import PhylohubError
from phylohub.similarity import texts
from phylohub.similarity.measures import SimilarityOptions, fit_vocabularies, pair_similarity
from phylohub.similarity.texts import (
    CARD_TEXTS_SCHEMA,
    CardOptions,
    iter_card_file,
    iter_card_texts,
    write_card_texts,
)

OPTIONS = [
    CardOptions(),
    CardOptions(min_chars=0, cut_chars=None, drop_auto_generated=False),
    CardOptions(min_chars=200, cut_chars=100, front_matter="strip"),
]


def _n_models(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM models").fetchone()[0])  # type: ignore[index]


@pytest.mark.parametrize("options", OPTIONS)
def test_the_file_holds_every_prepared_card_and_readers_get_the_snapshots_chunks(
    snapshot20k: Path, options: CardOptions, tmp_path: Path
) -> None:
    n = _n_models(snapshot20k)
    rng = np.random.default_rng(3)
    rows = np.sort(rng.choice(n, size=n // 3, replace=False))
    out = tmp_path / "card_texts.parquet"
    kept = write_card_texts(snapshot20k, options, out, n, rows, chunk=700, group=1_000)
    chunks = iter_card_texts(snapshot20k, options)
    every = [(r, t) for rs, ts in chunks for r, t in zip(rs, ts, strict=True)]
    table = pq.read_table(out)
    assert table.schema.remove_metadata() == CARD_TEXTS_SCHEMA
    assert list(zip(table["row"].to_pylist(), table["text"].to_pylist(), strict=True)) == every
    assert pq.ParquetFile(out).num_row_groups > 1  # read group by group
    want = list(iter_card_texts(snapshot20k, options, chunk=700, rows=rows))
    assert len(want) > 1  # several chunks
    assert kept == want
    assert list(iter_card_file(out, options, n, rows, chunk=700)) == want
    few = rows[:40]
    assert list(iter_card_file(out, options, n, few)) == list(
        iter_card_texts(snapshot20k, options, rows=few)
    )
    assert list(iter_card_file(out, options, n, np.zeros(0, np.int64))) == []


def test_a_file_of_other_options_or_another_snapshot_is_refused(
    snapshot20k: Path, tmp_path: Path
) -> None:
    n = _n_models(snapshot20k)
    out = tmp_path / "card_texts.parquet"
    write_card_texts(snapshot20k, CardOptions(), out, n)
    with pytest.raises(PhylohubError, match="another snapshot or other options"):
        list(iter_card_file(out, CardOptions(min_chars=100), n, [0, 1]))
    with pytest.raises(PhylohubError, match="another snapshot or other options"):
        list(iter_card_file(out, CardOptions(), n + 1, [0, 1]))


def test_measures_from_the_file_equal_those_from_the_snapshot(
    snapshot20k: Path, tmp_path: Path
) -> None:
    opts = SimilarityOptions(variants=("traits",), vocabulary_sample=5_000, seed=4)
    out = tmp_path / "card_texts.parquet"
    written = fit_vocabularies(snapshot20k, opts, out)
    plain = fit_vocabularies(snapshot20k, opts)
    assert written.info() == plain.info()
    assert written.table().equals(plain.table())
    with duckdb.connect(str(snapshot20k), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM models ORDER BY id").fetchall()]
    rng = np.random.default_rng(8)
    a = rng.choice(len(ids), 3_000)
    b = (a + 1 + rng.choice(len(ids) - 1, a.size)) % len(ids)
    left, right = [ids[i] for i in a], [ids[i] for i in b]
    from_file, _, stats_file = pair_similarity(snapshot20k, left, right, opts, plain, out)
    from_db, _, stats_db = pair_similarity(snapshot20k, left, right, opts, plain)
    assert pl.DataFrame(from_file).equals(pl.DataFrame(from_db))  # NaN where NaN
    assert int(np.isfinite(from_file["card_tfidf"].to_numpy(zero_copy_only=False)).sum()) > 100
    stats_file.pop("seconds"), stats_db.pop("seconds")
    assert stats_file == stats_db


def _written(db: Path, out: Path, n: int, rows: np.ndarray) -> tuple[pl.DataFrame, list]:
    kept = write_card_texts(db, CardOptions(), out, n, rows, chunk=700, group=1_000)
    return pl.read_parquet(out), kept


def test_the_file_is_written_in_the_scans_order_and_sorted_when_out_of_order(
    snapshot20k: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cards are written in the order of an unsorted scan (the file's, row order),
    checked batch by batch; a scan out of row order is written again sorted: the same
    file and kept cards as the sorted query's, whatever the scan's order."""
    n = _n_models(snapshot20k)
    rows = np.sort(np.random.default_rng(5).choice(n, size=n // 4, replace=False))
    plain_query = texts._card_query
    queries: list[bool] = []

    def sorted_only(options: CardOptions, some_rows: bool, ordered: bool = True) -> str:
        return plain_query(options, some_rows, True)

    monkeypatch.setattr(texts, "_card_query", sorted_only)
    want, want_kept = _written(snapshot20k, tmp_path / "sorted.parquet", n, rows)
    assert want.height > 1_000 and len(want_kept) > 1

    for disorder in ("", "ORDER BY i DESC", "ORDER BY hash(i)", "ORDER BY i % 997 = 3, i"):

        def scan(
            options: CardOptions, some_rows: bool, ordered: bool = True, disorder: str = disorder
        ) -> str:
            queries.append(ordered)
            query = plain_query(options, some_rows, ordered)
            return query if ordered else query + disorder

        queries.clear()
        monkeypatch.setattr(texts, "_card_query", scan)
        got, got_kept = _written(snapshot20k, tmp_path / "scan.parquet", n, rows)
        assert got.equals(want) and got_kept == want_kept
        assert queries == ([False] if not disorder else [False, True])
