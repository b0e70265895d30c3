"""The trigram index behind the explorer's substring search: exact (hash collisions
are checked away), in the texts' order, and bounded (a rare substring checks a handful
of candidates, not every id)."""

from __future__ import annotations

import random

import pytest

from phylohub.explore.ngrams import TrigramIndex


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rng = random.Random(3)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_./éü模型"
    out = {"".join(rng.choice(alphabet) for _ in range(rng.randint(3, 30))) for _ in range(5000)}
    out |= {"org/the-needle-model", "needle/x", "a/needleneedle", "héllo/模型-ünï"}
    return sorted(out)


@pytest.mark.parametrize("query", ["needle", "eed", "模型-ü", "llo/", "-mo", "zzzzzz", "a/n"])
def test_matches_a_scan_exactly_and_in_order(texts: list[str], query: str) -> None:
    index = TrigramIndex(texts)
    assert index.search(query, 10**6) == [i for i, t in enumerate(texts) if query in t]


def test_skip_prefix_and_limit(texts: list[str]) -> None:
    index = TrigramIndex(texts)
    found = [texts[i] for i in index.search("needle", 10, skip_prefix=True)]
    assert found == ["a/needleneedle", "org/the-needle-model"]  # not "needle/x"
    with pytest.raises(ValueError):
        index.search("ab", 5)
    assert len(index.search("eed", 1)) == 1


def test_a_rare_substring_checks_few_candidates(texts: list[str]) -> None:
    index = TrigramIndex(texts)
    checked = sum(len(c) for c in index.candidates("the-needle"))
    assert 1 <= checked <= 5  # not the ~90,000 positions a scan reads
