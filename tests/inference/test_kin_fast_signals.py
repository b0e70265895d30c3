"""The fast paths of the signal scan equal their plain references: the cards' bodies cut
as the front matter's definition says (checked by plain Python on tricky texts), the
guarded patterns find what every pattern run on every card finds, and the suffix words
read once per distinct rest give every name pair what reading them per pair gives."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.inference.signals import (
    BODIES,
    CARD_CHARS,
    FRONT_CHARS,
    GUARDS,
    SIGNALS,
    card_scan,
    held,
    name_signal,
    read_signals,
)
from phylohub.snapshot import connect_snapshot
from tests.pipeline import snapshot_of

#: The blanks (and byte-order mark) before a card's text that do not count.
BLANKS = " \t\n\r\ufeff"
#: A front matter.
MATTER = "---\nlicense: mit\ntags: [a]\n---\n"
#: A body that every pattern matches, in the templates' own case and in others.
TEMPLATES = """Intro line.

This model is a fine-tuned version of [org/base](https://huggingface.co/org/base) on data.
Quantized versions of [org/q](https://huggingface.co/org/q-src)
GGUF VERSION OF [Org/Up](HTTPS://HUGGINGFACE.CO/Org/Up-src)
gguf quants of `x` (https://Huggingface.Co/low/mixed)
merge:
  - model: a/one
  - model: b/two
base_model: c/three
**Finetuned from model [optional]:** peft/base
Base Model: **other/base**
See https://huggingface.co/link/target and huggingface.co/datasets/d/x for details.
"""


def plain_body(text: str) -> str:
    """The body as its definition says: the first :data:`FRONT_CHARS` characters without
    leading blanks; after the front matter's closing ``\\n---`` when it opens with ``---``
    and closes there; its first :data:`CARD_CHARS` characters."""
    head = text[:FRONT_CHARS].lstrip(BLANKS)
    if head.startswith("---"):
        close = head[3:].find("\n---")
        if close >= 0:
            head = head[3:][close + 4 :]
    return head[:CARD_CHARS]


def tricky_texts() -> list[str]:
    """Texts around every edge of the cut: blanks and a BOM first, open and closed front
    matter, many-byte characters before and after the cut, the head's and the body's
    limits in characters and in bytes."""
    wide = "é—🙂"
    return [
        "",
        "   \n\t",
        "plain text, no front matter",
        MATTER + "# Title\n\nbody",
        "\ufeff  \n" + MATTER + "body after a BOM",
        "---\nnever closed\nbody",
        "---\n---",
        "----\nx\n----\ny",
        "--- \nkey: v\n---\n",
        f"---\nname: {wide * 50}\n---\n{wide * 3000}",
        f"---\n{'k: v' * 10}\n---\n" + "x" * (CARD_CHARS + 100),
        # closing beyond the head in characters: no cut
        "---\n" + "a" * FRONT_CHARS + "\n---\nbody",
        "---\n" + "a" * (FRONT_CHARS - 6) + "\n---",
        # more bytes than the head's characters, closing within them in characters
        "---\n" + "é" * (FRONT_CHARS - 100) + "\n---\nbody é",
        "---\n" + "é" * (FRONT_CHARS - 6) + "\n---\nbody",
        "---\n" + "é" * (FRONT_CHARS - 7) + "\n---\nbody",
        " " * 10 + "🙂" * (FRONT_CHARS + 5),
        "x" * FRONT_CHARS,
        "x" * (FRONT_CHARS + 1),
        MATTER + TEMPLATES,
        TEMPLATES.replace("huggingface", "HuggingFace"),
        # one case of the quantizer's link alone in a card
        *(line for line in TEMPLATES.splitlines() if "HUGGINGFACE" in line or ".Co/" in line),
        "Base model: x/y, no link, one line",
    ]


def _con(texts: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE cards_with_text (id VARCHAR, text VARCHAR)")
    con.executemany(
        "INSERT INTO cards_with_text VALUES (?, ?)", [(f"o/m{i}", t) for i, t in enumerate(texts)]
    )
    return con


def test_bodies_cut_as_defined() -> None:
    texts = tricky_texts()
    con = _con(texts)
    got = dict(con.sql(f"WITH {BODIES} SELECT id, body FROM bodies").fetchall())
    for i, text in enumerate(texts):
        assert got[f"o/m{i}"] == plain_body(text), text[:60]


def _scans(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The guarded card scan and the plain one (every pattern on every card)."""
    frames = []
    for guard in (True, False):
        con.execute("DROP TABLE IF EXISTS card_scan")
        con.execute(card_scan(guard))
        frames.append(con.sql("SELECT * FROM card_scan ORDER BY id").pl())
    return frames[0], frames[1]


def test_guards_keep_every_match_of_tricky_cards() -> None:
    texts = tricky_texts()
    guarded, plain = _scans(_con(texts))
    assert guarded.equals(plain)
    # every pattern matched, in the templates' case and in others
    key = f"o/m{texts.index(MATTER + TEMPLATES)}"
    templates = guarded.filter(pl.col("id") == key).row(0, named=True)
    assert all(templates[s] for s in GUARDS)
    assert set(templates["card_quantizer"]) == {"org/q-src", "Org/Up-src", "low/mixed"}


def test_guards_pass_only_cards_with_their_words() -> None:
    """A guard lets through a card its pattern may match, not one with another template
    (a mergekit ``model:`` line is no PEFT label; a bare ``huggingface.co/`` without
    ``://`` no quantizer link): the pattern runs on fewer cards."""
    con = duckdb.connect()
    cards = {
        "merge:\n  - model: a/b\nbase_model: c/d\n": (False, False),
        "**Finetuned from model:** x/y": (True, False),
        "Base Model: **x/y**": (True, False),
        "See huggingface.co/org/model, GGUF version of x": (False, False),
        "GGUF version of [x](HTTPS://HUGGINGFACE.CO/x/y)": (False, True),
    }
    for body, want in cards.items():
        got = con.execute(
            f"SELECT {held('card_peft')}, {held('card_quantizer')} FROM (SELECT ? AS body)", [body]
        ).fetchone()
        assert got == want, body


@pytest.fixture(scope="module")
def planted_signals(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """The signal tables of a small ecosystem with hidden kin and decoys (templates,
    links, namesakes and every suffix word the generator writes)."""
    folder = tmp_path_factory.mktemp("kin_fast")
    db = snapshot_of(
        SynthConfig(
            n_models=1500, seed=5, kin_hidden_share=0.3, kin_decoy_share=0.05, config_plant=True
        ),
        folder,
    )
    con = connect_snapshot(db, card_texts=True)
    read_signals(con, None)
    return con


def test_guards_keep_every_match_of_an_ecosystem(
    planted_signals: duckdb.DuckDBPyConnection,
) -> None:
    guarded, plain = _scans(planted_signals)
    assert guarded.height > 500 and guarded.equals(plain)
    assert all(guarded[s].list.len().sum() > 0 for s in ("card_trainer", "card_link"))


def test_name_words_read_per_rest_as_per_pair(planted_signals: duckdb.DuckDBPyConnection) -> None:
    con = planted_signals
    # the pairs carry their signal's code, read once per rest: decoded by SIGNALS here
    fast = con.sql(
        f"SELECT ckey, pkey, rest, list_extract({list(SIGNALS)}, sig + 1) AS signal, namesakes"
        " FROM name_pairs ORDER BY ALL"
    ).pl()
    per_pair = con.sql(
        f"SELECT ckey, pkey, rest, signal, namesakes FROM (SELECT *, {name_signal('rest')}"
        " FROM name_pairs) ORDER BY ALL"
    ).pl()
    assert fast.height > 500 and fast.equals(per_pair)
    assert fast["signal"].n_unique() >= 5
