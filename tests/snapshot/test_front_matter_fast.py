"""The build's fast front matter and word counts against the plain per-card functions.

``front_matter_chars`` (the build's) finds the block of huggingface_hub's
``REGEX_YAML_BLOCK`` (the Hub's own pattern) in Arrow with RE2 (``FRONT_MATTER_RE2``: the
pattern with Python's ``\\s`` spelled out); ``count_words`` counts ``bytes.split()``
words with NumPy. Both must give what the plain per-card function gives, on the awkward
cards a crawl can hold: empty, whitespace only, front matter only, an unclosed block,
CR/LF mixes, Unicode whitespace before the opening line, invalid UTF-8 replaced, and a
huge card.
"""

from __future__ import annotations

import random
import re
import sys

import pyarrow as pa
import pyarrow.compute as pc
from huggingface_hub.repocard import REGEX_YAML_BLOCK

from phylohub.snapshot.build import (
    PYTHON_WHITESPACE_RE2,
    count_words,
    front_matter_chars,
)

AWKWARD = [
    "",
    " ",
    "\n\n\n",
    "---",
    "---\n",
    "---\n---",
    "---\n---\n",
    "---\n\n---\n",
    "---\na: 1\n---",  # closed at the very end ($)
    "---\na: 1\n---\nbody",
    "---\na: 1\n--- \t\nbody",
    "---\na: 1\n----\nbody\n---\n",
    "---\r\n---\n",
    "---\r\na: 1\r\n---\r\nbody",
    "---\ra: 1\r---\rbody",
    "---\ra: 1\r---\r\nbody",
    "---\na: 1\n---\n\n",
    "\u00a0\u3000\u2028\x1c\x85\n---\na: 1\n---\nbody",
    "\x0b\x0c---\na: 1\n---\n",
    "x---\na: 1\n---\n",
    "# no front matter\n---\na\n---\n",
    "---\nunclosed: true\nbody without an end",
    "---\na: 1\n---\n\n---\nb: 2\n---\n",
    "\ufffd\ufffd---\na\n---\n",
    b"---\nname: \xff\xfe\n---\n\xc3(".decode("utf-8", "replace"),  # invalid UTF-8, replaced
    "---\n" + "key: value\n" * 50_000 + "---\n" + "word " * 200_000,  # a huge card
]


def random_cards(n: int, seed: int = 17) -> list[str]:
    """Cards made of the pieces the pattern turns on, in random order and number."""
    pieces = ["---", "-", "\n", "\r", "\r\n", " ", "\t", "a: 1", "x", "\u00a0", "\u2028", "é"]
    openings = ["", "---\n", "---\r\n", "---\r", " \n---\n", "\u00a0---\n"]
    rng = random.Random(seed)
    return [
        rng.choice(openings) + "".join(rng.choices(pieces, k=rng.randint(0, 14))) for _ in range(n)
    ]


def plain_end(text: str) -> int:
    """What the Hub's own pattern gives, card by card."""
    match = REGEX_YAML_BLOCK.search(text)
    return match.end() if match else 0


def test_front_matter_chars_keeps_nulls() -> None:
    cards = [*AWKWARD, None]
    got = front_matter_chars(pa.array(cards, pa.large_string())).to_pylist()
    assert got == [None if t is None else plain_end(t) for t in cards]


def test_count_words_is_bytes_split() -> None:
    control = "".join(chr(c) for c in range(33))
    cards = [*AWKWARD, *random_cards(2_000), control, "a\x00b\x1fc\x7fd", None, "\x0b\x0c"]
    array = pa.array(cards, pa.large_string())
    expected = [None if t is None else len(t.encode().split()) for t in cards]
    assert count_words(array).to_pylist() == expected
    # a slice (an offset into the buffers), as the build's chunks can be
    assert count_words(array.slice(5, 40)).to_pylist() == expected[5:45]


def test_python_whitespace_re2_is_the_pattern_s() -> None:
    # every code point UTF-8 can hold (no surrogates), one per text
    points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    texts = pa.array([chr(c) for c in points], pa.large_string())
    in_class = pc.match_substring_regex(texts, f"^[{PYTHON_WHITESPACE_RE2}]$").to_pylist()
    got = [c for c, yes in zip(points, in_class, strict=True) if yes]
    assert got == [c for c in points if re.match(r"\s", chr(c))]


def test_front_matter_chars_in_arrow_is_the_hub_pattern() -> None:
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    # each whitespace code point before the opening line, and in the closing line
    # (where only spaces and tabs may follow ``---``), and a look-alike that is not one
    shaped = [f"{w}---\na: 1\n---{w}\nbody" for w in [*spaces, "\u200b", "\ufeff"]]
    tails = ["---\na\n---", "---\na\n---\n", "---\na\n--- \t", "---\na\n---\r", "---\na\n---\r\n"]
    wide = [
        "---\nname: \u00e9\u4e2d\U0001f600\n---\n\u4e2d",
        "\u3000\n---\r\n\U0001f600\r\n---\r\n",
    ]
    cards = [*AWKWARD, *shaped, *tails, *wide, *random_cards(20_000, seed=5), None]
    got = front_matter_chars(pa.array(cards, pa.large_string())).to_pylist()
    expected = [None if t is None else plain_end(t) for t in cards]
    assert got == expected
    assert sum(e > 0 for e in expected if e is not None) > 500
