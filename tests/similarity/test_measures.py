"""Pair similarities against a direct computation with scikit-learn and a plain DP."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from phylohub.errors import PhylohubError
from phylohub.similarity.measures import (
    SimilarityOptions,
    levenshtein_pairs,
    measure_names,
    pair_similarity,
)
from phylohub.similarity.texts import (
    PAPER_FIELDS,
    CardOptions,
    iter_card_texts,
    iter_metadata_strings,
)


def levenshtein_dp(s: str, t: str) -> int:
    """Textbook dynamic programme."""
    prev = list(range(len(t) + 1))
    for i, cs in enumerate(s, 1):
        cur = [i]
        for j, ct in enumerate(t, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (cs != ct)))
        prev = cur
    return prev[-1]


def untied_size(docs: list[str], near: int) -> int:
    """A vocabulary size near ``near`` whose cut-off is not a tie (so scikit-learn agrees)."""
    counts = CountVectorizer(ngram_range=(1, 2)).fit_transform(docs).sum(axis=0)
    tf = np.sort(np.asarray(counts).ravel())[::-1]
    return min((k for k in range(20, tf.size) if tf[k - 1] != tf[k]), key=lambda k: abs(k - near))


@pytest.fixture(scope="module")
def ids(snapshot20k: Path) -> list[str]:
    with duckdb.connect(str(snapshot20k), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT id FROM models ORDER BY id").fetchall()]


def test_measures_equal_a_direct_computation(snapshot20k: Path, ids: list[str]) -> None:
    meta = [
        s for c in iter_metadata_strings(snapshot20k, PAPER_FIELDS, ["traits"]) for s in c["traits"]
    ]
    cards: dict[int, str] = {}
    for docs, texts in iter_card_texts(snapshot20k, CardOptions()):
        cards.update(zip(docs, texts, strict=True))
    card_rows = sorted(cards)
    size = untied_size(meta, 300)
    card_size = untied_size([cards[i] for i in card_rows], 300)
    assert size != card_size or size > 0
    rng = np.random.default_rng(3)
    # Pairs: random ones, and pairs of models that both have a card.
    with_card = rng.choice(card_rows, size=(150, 2))
    anyone = rng.integers(0, len(ids), size=(150, 2))
    rows = np.concatenate([with_card, anyone])
    rows = rows[rows[:, 0] != rows[:, 1]]
    results = {}
    for name, vocab_size in (("metadata_traits", size), ("card", card_size)):
        opts = SimilarityOptions(vocabulary_size=vocab_size, variants=("traits",))
        table, vocabulary, stats = pair_similarity(
            snapshot20k, [ids[i] for i in rows[:, 0]], [ids[i] for i in rows[:, 1]], opts
        )
        results[name] = (table.to_pydict(), vocabulary)
        assert stats["metadata_traits"]["documents"] == len(ids)
        assert stats["card"]["documents"] == len(cards)
    # metadata: every model is a document
    got, vocabulary = results["metadata_traits"]
    row_of = {m: i for i, m in enumerate(ids)}
    tfidf = TfidfVectorizer(max_features=size, ngram_range=(1, 2)).fit(meta)
    bow = CountVectorizer(max_features=size, ngram_range=(1, 2)).fit(meta)
    terms = [
        t
        for t, x in zip(vocabulary["term"].to_pylist(), vocabulary["text"].to_pylist(), strict=True)
        if x == "metadata_traits"
    ]
    assert terms == list(tfidf.get_feature_names_out())
    for k, (a, b) in enumerate(zip(got["a"], got["b"], strict=True)):
        sa, sb = meta[row_of[a]], meta[row_of[b]]
        assert got["metadata_traits_tfidf"][k] == pytest.approx(
            cosine_similarity(tfidf.transform([sa]), tfidf.transform([sb]))[0, 0], abs=1e-12
        )
        assert got["metadata_traits_bow"][k] == pytest.approx(
            cosine_similarity(bow.transform([sa]), bow.transform([sb]))[0, 0], abs=1e-12
        )
        lev = 1 - Levenshtein.distance(sa, sb) / max(len(sa), len(sb), 1)
        assert got["metadata_traits_levenshtein"][k] == pytest.approx(lev, abs=1e-12)
    # cards: only models with a prepared card are documents; other pairs have no value
    got, _ = results["card"]
    texts = [cards[i] for i in card_rows]
    tfidf = TfidfVectorizer(max_features=card_size, ngram_range=(1, 2)).fit(texts)
    checked = 0
    for k, (a, b) in enumerate(zip(got["a"], got["b"], strict=True)):
        ra, rb = row_of[a], row_of[b]
        if ra not in cards or rb not in cards:
            assert np.isnan(got["card_tfidf"][k]) and np.isnan(got["card_levenshtein"][k])
            continue
        want = cosine_similarity(tfidf.transform([cards[ra]]), tfidf.transform([cards[rb]]))[0, 0]
        assert got["card_tfidf"][k] == pytest.approx(want, abs=1e-12)
        if checked < 4:  # the plain DP on a few cards (512 characters each)
            d = levenshtein_dp(cards[ra], cards[rb])
            assert got["card_levenshtein"][k] == pytest.approx(
                1 - d / max(len(cards[ra]), len(cards[rb]))
            )
        checked += 1
    assert checked >= 100


def test_each_distinct_pair_once_whatever_the_order(snapshot20k: Path, ids: list[str]) -> None:
    a = [ids[5], ids[9], ids[5], ids[700]]
    b = [ids[9], ids[5], ids[9], ids[3]]
    table, _, stats = pair_similarity(snapshot20k, a, b, SimilarityOptions(variants=("paper",)))
    assert table["a"].to_pylist() == [ids[3], ids[5]]
    assert table["b"].to_pylist() == [ids[700], ids[9]]
    assert table.column_names == ["a", "b", *measure_names(["paper"])]
    assert stats["pairs"] == 4 and stats["distinct_pairs"] == 2


def test_pairs_outside_the_snapshot_or_with_themselves_are_refused(
    snapshot20k: Path, ids: list[str]
) -> None:
    with pytest.raises(PhylohubError, match="not in this snapshot"):
        pair_similarity(snapshot20k, [ids[0]], ["nobody/nothing"])
    with pytest.raises(PhylohubError, match="itself"):
        pair_similarity(snapshot20k, [ids[0]], [ids[0]])


def test_levenshtein_is_bounded_for_huge_texts() -> None:
    huge = "ab" * 2_000_000
    got = levenshtein_pairs([huge], [huge[:-1] + "x"], max_chars=1000)
    assert got.tolist() == [1.0]  # both cut to the same first 1,000 characters
    assert levenshtein_pairs(["kitten"], ["sitting"], 100)[0] == pytest.approx(1 - 3 / 7)
