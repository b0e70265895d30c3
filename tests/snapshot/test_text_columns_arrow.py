"""The card columns the build fills in Arrow, against their plain definitions.

``count_words`` takes a chunk's bytes a block at a time; a word (or a text) cut by a
block's end must count once, whatever the block size, and a block's beginnings are summed
between the texts' bounds, which may coincide (empty texts) or be a block apart (long
texts). ``auto_generated`` answers with
Arrow's case-insensitive search what DuckDB's ``contains(lower(text), phrase)`` answers;
the two must agree on every code point that either folds or lower-cases to a letter of
the phrases, wherever it stands in them, and on random texts.
"""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from phylohub.snapshot.build import (
    AUTO_GENERATED_PHRASES,
    AUTO_GENERATED_WORD,
    auto_generated,
    count_words,
)

WHITESPACE_HEAVY = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "a", "bc", "é", "\u00a0", "\x1c", "x y"]


def random_texts(n: int, pieces: list[str], seed: int) -> list[str | None]:
    rng = random.Random(seed)
    return [
        None if rng.random() < 0.05 else "".join(rng.choices(pieces, k=rng.randint(0, 20)))
        for _ in range(n)
    ]


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 64, 4096, 1 << 18])
def test_count_words_whatever_the_block(block: int) -> None:
    texts = random_texts(3_000, WHITESPACE_HEAVY, seed=block)
    array = pa.array(texts, pa.large_string())
    expected = [None if t is None else len(t.encode().split()) for t in texts]
    assert count_words(array, block=block).to_pylist() == expected
    # a slice (an offset into the buffers), as the build's chunks can be
    assert count_words(array.slice(7, 500), block=block).to_pylist() == expected[7:507]


def plain_auto_generated(texts: list[str | None]) -> list[bool | None]:
    """DuckDB's ``contains(lower(text), phrase)`` for either phrase (the build's SQL before)."""
    table = pa.table({"text": pa.array(texts, pa.large_string())})
    with duckdb.connect() as con:
        con.register("t", table)
        rows = con.execute(
            "SELECT contains(lower(text), $a) OR contains(lower(text), $b) FROM t",
            {"a": AUTO_GENERATED_PHRASES[0], "b": AUTO_GENERATED_PHRASES[1]},
        ).fetchall()
    return [r[0] for r in rows]


def look_alikes() -> list[str]:
    """Every code point beyond ASCII that DuckDB lower-cases, or RE2 case-folds, to a
    letter of the phrases (found over all of Unicode, not listed by hand)."""
    letters = sorted(set("".join(AUTO_GENERATED_PHRASES)) - {" "})
    chars = pa.array(
        [chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000], pa.large_string()
    )
    with duckdb.connect() as con:
        con.register("c", pa.table({"c": chars}))
        lowered = {
            r[0]
            for r in con.execute(
                "SELECT c FROM c WHERE list_contains($letters, lower(c))", {"letters": letters}
            ).fetchall()
        }
    folded = set()
    for letter in letters:
        hits = pc.match_substring(chars, letter, ignore_case=True)
        folded |= set(chars.filter(hits).to_pylist())
    return sorted(lowered | folded)


def test_auto_generated_is_lower_and_contains() -> None:
    # the phrases are searched for only where the word is: every phrase must hold it
    assert all(AUTO_GENERATED_WORD in phrase for phrase in AUTO_GENERATED_PHRASES)
    odd = look_alikes()
    assert "\u0130" in odd  # İ lower-cases to i: the case the fast path must take care of
    texts: list[str | None] = [None, "", "automatically generated", "GENERATED AUTOMATICALLY"]
    for phrase in AUTO_GENERATED_PHRASES:
        for i, letter in enumerate(phrase):
            texts += [phrase[:i] + c + phrase[i + 1 :] for c in odd]
            texts.append(phrase[:i] + letter.upper() + phrase[i + 1 :])
            texts.append(phrase[:i] + "\u0131" + phrase[i + 1 :])  # dotless i: no match
    pieces = ["automatically", "generated", "AUTOMATIC", "ally ", " ", "G", "enerated", "\u0130"]
    texts += random_texts(3_000, [*pieces, "x", "é", "\u212a"], seed=3)
    expected = plain_auto_generated(texts)
    assert auto_generated(pa.array(texts, pa.large_string())).to_pylist() == expected
    assert sum(e is True for e in expected) > 50 and sum(e is False for e in expected) > 100


def test_auto_generated_without_a_text_holding_the_word() -> None:
    """No text to search for the phrases (none holds the word, or none at all)."""
    for texts in (["x", None, "automatic generation"], [None, None], []):
        array = pa.array(texts, pa.large_string())
        assert auto_generated(array).to_pylist() == plain_auto_generated(texts)


def test_auto_generated_finds_every_dotted_capital_i() -> None:
    """The texts holding U+0130 are found by RE2's search for the literal (the fast path
    of the check before the replacement): wherever it stands, beside code points sharing
    its first UTF-8 byte (U+0100-U+013F start with 0xC4), in a slice of a larger array."""
    assert "\u0130".encode() == b"\xc4\xb0"
    phrase = AUTO_GENERATED_PHRASES[0]
    texts: list[str | None] = ["x" * 40, None]
    for i in range(len(phrase)):
        if phrase[i] != "i":
            continue
        dotted = phrase[:i] + "\u0130" + phrase[i + 1 :]
        for before, after in (("", ""), ("\u0100", "\u013f"), ("\u0124\u0124", "é"), ("x", "")):
            texts += [before + dotted + after, before + "\u0124" + phrase[i:]]
    texts += [
        "\u0130",
        "\u0130" + phrase.replace("i", "\u0130"),
        phrase.upper().replace("I", "\u0130"),
    ]
    array = pa.array(texts, pa.large_string())
    expected = plain_auto_generated(texts)
    assert sum(e is True for e in expected) >= 6  # each dotted phrase matches once replaced
    assert auto_generated(array).to_pylist() == expected
    assert auto_generated(array.slice(1)).to_pylist() == expected[1:]


def test_count_words_long_texts_and_empty_runs() -> None:
    # a text longer than a block with more word beginnings in one block than 16 bits
    # count, beside runs of empty texts (bounds that coincide) at and across block ends
    long_text = "a " * 300_000
    texts = ["", "", long_text, "", "x", "", "", "b" * 70_000, " ", long_text[:-1], "", None]
    array = pa.array(texts, pa.large_string())
    expected = [None if t is None else len(t.encode().split()) for t in texts]
    for block in (1 << 18, 1 << 16, 4096):
        assert count_words(array, block=block).to_pylist() == expected
