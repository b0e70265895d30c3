"""Vocabularies fitted on a seeded sample of the models: only the sample's and the pairs'
texts are built, the fit is scikit-learn's on the sample's texts, and where the full
corpus's counts leave a clear gap at the cut-off the sample finds the same terms."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from phylohub.similarity.measures import SimilarityOptions, pair_similarity, vocabulary_rows
from phylohub.similarity.texts import (
    PAPER_FIELDS,
    CardOptions,
    iter_card_texts,
    iter_metadata_strings,
)

SAMPLE = 8_000


@pytest.fixture(scope="module")
def ids(snapshot20k: Path) -> list[str]:
    with duckdb.connect(str(snapshot20k), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT id FROM models ORDER BY id").fetchall()]


@pytest.fixture(scope="module")
def traits(snapshot20k: Path) -> list[str]:
    """The traits string of every model, in id order (the full corpus)."""
    return [
        s for c in iter_metadata_strings(snapshot20k, PAPER_FIELDS, ["traits"]) for s in c["traits"]
    ]


def gapped_size(docs: list[str], near: int, ratio: float) -> int:
    """A vocabulary size near ``near`` whose cut-off count is at least ``ratio`` times the
    next one (so a large uniform sample must rank the same terms above it)."""
    counts = CountVectorizer(ngram_range=(1, 2)).fit_transform(docs).sum(axis=0)
    tf = np.sort(np.asarray(counts).ravel())[::-1]
    sizes = [k for k in range(20, tf.size) if tf[k - 1] >= ratio * tf[k]]
    return min(sizes, key=lambda k: abs(k - near))


def test_the_sample_is_seeded_uniform_and_whole_when_it_covers_the_snapshot() -> None:
    a = vocabulary_rows(1000, 300, 5)
    assert a is not None and np.array_equal(a, vocabulary_rows(1000, 300, 5))
    assert np.unique(a).size == 300 and (np.diff(a) > 0).all()
    assert not np.array_equal(a, vocabulary_rows(1000, 300, 6))
    assert vocabulary_rows(1000, 1000, 5) is None and vocabulary_rows(1000, None, 5) is None
    # uniform: each half of the id order gets about half the sample
    draws = np.concatenate([vocabulary_rows(1000, 300, s) for s in range(200)])  # type: ignore[misc]
    share = (draws < 500).mean()
    assert abs(share - 0.5) < 0.01


def test_texts_of_chosen_rows_are_those_rows_texts(snapshot20k: Path, traits: list[str]) -> None:
    rows = np.array([0, 3, 4, 999, 12_345, len(traits) - 1])
    got = [
        s
        for c in iter_metadata_strings(snapshot20k, PAPER_FIELDS, ["traits"], chunk=4, rows=rows)
        for s in c["traits"]
    ]
    assert got == [traits[i] for i in rows]
    every: dict[int, str] = {}
    for docs, texts in iter_card_texts(snapshot20k, CardOptions()):
        every.update(zip(docs, texts, strict=True))
    chosen = np.array(sorted(every)[::7])
    some: list[tuple[int, str]] = []
    for docs, texts in iter_card_texts(snapshot20k, CardOptions(), rows=chosen):
        some.extend(zip(docs, texts, strict=True))
    assert some == [(int(i), every[int(i)]) for i in chosen]


def test_sample_fit_is_scikit_learns_fit_on_the_sampled_texts(
    snapshot20k: Path, ids: list[str], traits: list[str]
) -> None:
    rows = vocabulary_rows(len(ids), SAMPLE, 11)
    assert rows is not None
    sample = [traits[i] for i in rows]
    size = gapped_size(sample, 200, 1.01)  # scikit-learn's ties at the cut-off are its sort's
    rng = np.random.default_rng(1)
    pairs = rng.integers(0, len(ids), size=(300, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    opts = SimilarityOptions(
        vocabulary_size=size, variants=("traits",), vocabulary_sample=SAMPLE, seed=11
    )
    table, vocabulary, stats = pair_similarity(
        snapshot20k, [ids[i] for i in pairs[:, 0]], [ids[i] for i in pairs[:, 1]], opts
    )
    # the fit saw the sample alone; the measures read the pairs' texts only
    assert stats["metadata_traits"]["documents"] == SAMPLE
    assert stats["metadata_traits"]["documents_read"] == np.unique(pairs).size
    tfidf = TfidfVectorizer(max_features=size, ngram_range=(1, 2)).fit(sample)
    terms = [
        t
        for t, x in zip(vocabulary["term"].to_pylist(), vocabulary["text"].to_pylist(), strict=True)
        if x == "metadata_traits"
    ]
    assert terms == list(tfidf.get_feature_names_out())
    row_of = {m: i for i, m in enumerate(ids)}
    got = table.to_pydict()
    for k, (a, b) in enumerate(zip(got["a"], got["b"], strict=True)):
        sa, sb = traits[row_of[a]], traits[row_of[b]]
        want = cosine_similarity(tfidf.transform([sa]), tfidf.transform([sb]))[0, 0]
        assert got["metadata_traits_tfidf"][k] == pytest.approx(want, abs=1e-12)


def test_a_sample_finds_the_full_corpus_terms_above_a_clear_gap(
    snapshot20k: Path, ids: list[str], traits: list[str]
) -> None:
    size = gapped_size(traits, 150, 1.3)
    a, b = [ids[0], ids[10]], [ids[1], ids[11]]
    vocabularies = []
    for sample in (None, SAMPLE):
        opts = SimilarityOptions(
            vocabulary_size=size, variants=("traits",), vocabulary_sample=sample, seed=3
        )
        vocabulary = pair_similarity(snapshot20k, a, b, opts)[1]
        vocabularies.append(
            {t for t, x in zip(vocabulary["term"].to_pylist(), vocabulary["text"].to_pylist(),
                               strict=True) if x == "metadata_traits"}
        )  # fmt: skip
    assert len(vocabularies[0]) == size
    assert vocabularies[1] == vocabularies[0]
