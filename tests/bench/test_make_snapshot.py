"""bench/make_snapshot.py writes the snapshot a crawl of the replica would have built."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from phylohub.hub.synth import SynthConfig
from phylohub.snapshot import cards_parquet
from tests.pipeline import snapshot_of

ROOT = Path(__file__).resolve().parents[2]
CARD_COLUMNS = (
    "id, sha, status, http_status, length_chars, length_words, body_chars, bytes, "
    "truncated, auto_generated, etag"
)


def test_direct_snapshot_equals_the_crawled_one(tmp_path: Path) -> None:
    crawled = snapshot_of(SynthConfig(n_models=1500, seed=4), tmp_path / "crawled")
    out = tmp_path / "direct"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "make_snapshot.py"), "1500", "--seed", "4",
         "--out", str(out), "--jobs", "1", "--page-size", "100", "--pages-per-part", "3"],
        check=True, cwd=ROOT, capture_output=True, timeout=300,
    )  # fmt: skip
    assert (out / "crawl" / "cards" / "0.stats.json").is_file()
    manifest = json.loads((out / "crawl" / "listing" / "manifest.json").read_text())
    assert manifest["listed_at"].endswith("Z")  # what orders it among other snapshots
    con = duckdb.connect(str(crawled), read_only=True)
    con.execute(f"ATTACH '{out / 'hub.duckdb'}' AS direct (READ_ONLY)")
    for table, columns in (
        ("models", "* EXCLUDE (page, position)"),  # pages of another size
        ("tags", "*"),
        ("edges", "*"),
        ("malformed_tags", "*"),
        ("traits", "*"),
        ("language_codes", "*"),
        ("cards", CARD_COLUMNS),
    ):
        for a, b in (("main", "direct"), ("direct", "main")):
            query = (
                f"SELECT count(*) FROM (SELECT {columns} FROM {a}.{table} "
                f"EXCEPT ALL SELECT {columns} FROM {b}.{table})"
            )
            assert con.execute(query).fetchall() == [(0,)], (table, a)
    # the card texts, held in each snapshot's cards.parquet alone
    texts = {
        name: f"SELECT id, text FROM read_parquet('{cards_parquet(db)}')"
        for name, db in (("main", crawled), ("direct", out / "hub.duckdb"))
    }
    for a, b in (("main", "direct"), ("direct", "main")):
        query = f"SELECT count(*) FROM ({texts[a]} EXCEPT ALL {texts[b]})"
        assert con.execute(query).fetchall() == [(0,)], ("card texts", a)
    assert con.execute(f"SELECT count(text) FROM ({texts['direct']})").fetchone()[0] > 900
    rows = con.execute("SELECT count(*) FROM direct.cards").fetchall()
    con.close()
    assert rows[0][0] > 1400
