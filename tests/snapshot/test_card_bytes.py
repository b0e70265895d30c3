"""Card files in the snapshot: bytes kept, encodings named, front matter split as
huggingface_hub's ``RepoCard`` splits it, on hand-written files and on every card shape
the generator plants."""

from __future__ import annotations

import codecs
import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from huggingface_hub import RepoCard

from phylohub.crawl.cards import decode_card
from phylohub.crawl.schema import served_bytes
from phylohub.hub.cards import card_bytes
from phylohub.hub.synth import SynthConfig
from phylohub.snapshot import build_snapshot, connect_snapshot, read_summary
from tests.pipeline import snapshot_of
from tests.snapshot.crawlfiles import Inputs, card, entry

BOM = codecs.BOM_UTF8
FM = "---\nlicense: mit\nbase_model: org/base\n---\n"
#: README files as the Hub may serve them: (bytes, truncated), by model id.
FILES: dict[str, tuple[bytes, bool]] = {
    "org/plain": ((FM + "# Plain\n").encode(), False),
    "org/dreambooth": (("\n" + FM + "    \n# DreamBooth - org/dreambooth\n").encode(), False),
    "org/two-blank-lines": (("\r\n \n" + FM + "body\n").encode(), False),
    "org/bom": (BOM + (FM + "# BOM before the front matter\n").encode(), False),
    "org/bom-no-front-matter": (BOM + b"# Only a title\n", False),
    "org/cp1252": ((FM + "# Mod\u00e8le \u2014 caf\u00e9\n").encode("cp1252"), False),
    "org/cp1252-in-front-matter": (b"---\nauthor: Jos\xe9\n---\nbody\n", False),
    "org/empty-block": (b"---\n---\nno front matter for the Hub\n", False),
    "org/yaml-only": (b"---\nlicense: mit\n---", False),
    "org/rule-later": (b"# Title\n\n---\n\ntext after a rule\n", False),
    "org/cut-inside-front-matter": (b"---\nlicense: mit\nwidget:\n- text: caf\xc3", True),
}


def _rows() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    entries, cards = [], []
    for model_id, (data, cut) in FILES.items():
        entries.append(entry(model_id, ["license:mit"]))
        size = len(data) + (1000 if cut else 0)
        cards.append(card(model_id, bytes=size, truncated=cut, **decode_card(data, cut)))
    return entries, cards


def _repo_card_text(data: bytes, tmp_path: Path) -> str:
    """What follows the front matter for huggingface_hub: ``RepoCard.load`` of the file
    (it reads UTF-8 after an optional BOM); a file that is not UTF-8 it cannot load, so
    ``RepoCard`` of the text read with replacement characters."""
    path = tmp_path / "README.md"
    path.write_bytes(data)
    try:
        return str(RepoCard.load(path, ignore_metadata_errors=True).text)
    except UnicodeDecodeError:
        return str(RepoCard(decode_card(data)["text"], ignore_metadata_errors=True).text)


def test_card_files_keep_their_bytes_and_split_as_huggingface_hub_does(
    make_inputs: Callable[..., Inputs], tmp_path: Path
) -> None:
    entries, cards = _rows()
    inputs = make_inputs([entries], [cards[::2], cards[1::2]])
    summary = build_snapshot(inputs.listing, inputs.cards, inputs.db, inputs.parquet)
    with connect_snapshot(inputs.db, card_texts=True) as con:
        got = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT id, text, encoding, raw, length_chars, body_chars FROM cards_with_text"
            ).fetchall()
        }
    expected_encoding = {
        "org/bom": "bom",
        "org/bom-no-front-matter": "bom",
        "org/cp1252": "invalid-utf-8",
        "org/cp1252-in-front-matter": "invalid-utf-8",
    }
    for model_id, (data, cut) in FILES.items():
        text, encoding, raw, length, body = got[model_id]
        assert encoding == expected_encoding.get(model_id, "utf-8"), model_id
        kept = served_bytes(text, raw)
        assert kept == (data if encoding != "utf-8" or not cut else data[:-1]), model_id
        assert length == len(text) and body is not None
        if not cut:
            assert text[length - body :] == _repo_card_text(data, tmp_path), model_id
    # the shapes this test is about were split where the Hub splits them
    body_chars = {model_id: row[4] for model_id, row in got.items()}
    length_chars = {model_id: row[3] for model_id, row in got.items()}
    assert body_chars["org/dreambooth"] == len("    \n# DreamBooth - org/dreambooth\n")
    assert body_chars["org/two-blank-lines"] == len("body\n")
    assert body_chars["org/bom"] == len("# BOM before the front matter\n")
    assert body_chars["org/cp1252"] == len("# Mod\ufffdle \ufffd caf\ufffd\n")
    assert body_chars["org/yaml-only"] == 0
    for no_front_matter in ("org/empty-block", "org/rule-later", "org/cut-inside-front-matter"):
        assert body_chars[no_front_matter] == length_chars[no_front_matter]
    assert summary.cards_by_encoding == {"utf-8": 7, "bom": 2, "invalid-utf-8": 2}
    assert read_summary(inputs.db).cards_by_encoding == summary.cards_by_encoding


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 1,500-model ecosystem crawled through the replica, and its snapshot."""
    folder = tmp_path_factory.mktemp("card_shapes")
    db = snapshot_of(SynthConfig(n_models=1500, seed=11), folder)
    return db, folder / "eco" / "hub.sqlite"


def test_planted_card_shapes_reach_the_snapshot_as_planted(
    crawled: tuple[Path, Path], tmp_path: Path
) -> None:
    db, store = crawled
    con = sqlite3.connect(store)
    shapes = dict(con.execute("SELECT id, shape FROM truth_card_shapes"))
    fronts = dict(con.execute("SELECT id, front_matter FROM truth_card_shapes"))
    recipes = {
        r[0]: card_bytes(json.loads(r[1]), json.loads(r[2]) if r[2] else None)
        for r in con.execute(
            "SELECT m.id, m.card, m.card_data FROM models m JOIN truth_card_shapes t USING (id)"
            " WHERE m.card IS NOT NULL"
        )
    }
    assert set(Counter(shapes.values())) == {
        "leading_blank", "bom", "invalid_utf8", "many_files", "readme_404",
    }  # fmt: skip
    with connect_snapshot(Path(db), card_texts=True) as snap:
        cards = {
            r[0]: r[1:]
            for r in snap.execute(
                "SELECT id, status, http_status, text, encoding, raw, length_chars, body_chars "
                "FROM cards_with_text"
            ).fetchall()
        }
        siblings = dict(snap.execute("SELECT id, len(siblings) FROM models").fetchall())
    encoding_of = {"bom": "bom", "invalid_utf8": "invalid-utf-8"}
    for model_id, shape in shapes.items():
        status, http, text, encoding, raw, length, body = cards[model_id]
        if shape == "readme_404":
            assert (status, http, text) == ("not_found", 404, None)
            continue
        assert status == "ok" and encoding == encoding_of.get(shape, "utf-8"), model_id
        data = served_bytes(text, raw)
        assert data == recipes[model_id], model_id  # the planted bytes, every one
        if shape == "many_files":
            row = con.execute("SELECT siblings FROM models WHERE id = ?", (model_id,)).fetchone()
            files = row[0]
            assert siblings[model_id] == len(json.loads(files)) > 6000
        # the body the snapshot measures is the one huggingface_hub finds
        assert text[length - body :] == _repo_card_text(data, tmp_path), model_id
        # a front matter after a blank line or a BOM is found, as the truth has it
        assert (body < length) == bool(fronts[model_id]), model_id
        if shape == "leading_blank":
            assert data[:1].isspace()
    summary = read_summary(db)
    planted = Counter(shapes.values())
    assert summary.cards_by_encoding == {
        "utf-8": summary.cards_by_status["ok"] - planted["bom"] - planted["invalid_utf8"],
        "bom": planted["bom"],
        "invalid-utf-8": planted["invalid_utf8"],
    }
    assert summary.cards_by_status["not_found"] == planted["readme_404"]
