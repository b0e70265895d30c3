"""The vocabulary and vectors equal scikit-learn's CountVectorizer and TfidfVectorizer."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from phylohub.errors import PhylohubError
from phylohub.similarity import vectorize
from phylohub.similarity.vectorize import (
    TokenCorpus,
    fit_vocabulary,
    idf,
    term_counts,
    unit_rows,
)

WORDS = [f"w{i}" for i in range(80)] + ["Éclair", "straße", "日本語", "İstanbul", "ΟΔΟΣ", "x_y"]


def corpus(seed: int, n: int = 300) -> list[str]:
    rng = random.Random(seed)
    weights = [1 / (i + 1) for i in range(len(WORDS))]
    docs = []
    for _ in range(n):
        words = rng.choices(WORDS, weights=weights, k=rng.randint(0, 40))
        seps = rng.choices([" ", ", ", "-", "'", " a ", "\n", ": "], k=len(words))
        docs.append("".join(w + s for w, s in zip(words, seps, strict=True)))
    return docs


def untied_sizes(docs: list[str], ngram_max: int) -> list[int]:
    """Vocabulary sizes whose cut-off falls between two different counts (no ties)."""
    counts = CountVectorizer(ngram_range=(1, ngram_max)).fit_transform(docs).sum(axis=0)
    tf = np.sort(np.asarray(counts).ravel())[::-1]
    return [k for k in range(3, min(tf.size, 300)) if tf[k - 1] != tf[k]]


@pytest.mark.parametrize(("seed", "ngram_max"), [(0, 2), (1, 2), (2, 1), (3, 2)])
def test_vocabulary_counts_and_tfidf_equal_scikit_learn(seed: int, ngram_max: int) -> None:
    docs = corpus(seed)
    rows = np.arange(0, 3 * len(docs), 3)  # document ids need not be 0..n-1
    tc = TokenCorpus()
    tc.add(rows[:100], docs[:100])  # in two blocks, as the pipeline adds them
    tc.add(rows[100:], docs[100:])
    tokens = tc.finish()
    sizes = untied_sizes(docs, ngram_max)
    assert len(sizes) > 20
    for size in sizes[:: max(1, len(sizes) // 12)]:
        ref = CountVectorizer(max_features=size, ngram_range=(1, ngram_max))
        x_ref = ref.fit_transform(docs)
        vocab = fit_vocabulary(tokens, size, ngram_max)
        assert vocab.terms == list(ref.get_feature_names_out())
        counts = term_counts(tokens, vocab, rows)
        assert (counts.matrix != x_ref).nnz == 0
        assert counts.df.tolist() == np.asarray((x_ref > 0).sum(axis=0)).ravel().tolist()
        tfidf = TfidfVectorizer(max_features=size, ngram_range=(1, ngram_max)).fit_transform(docs)
        ours = unit_rows(counts.matrix.multiply(idf(counts)).tocsr())
        assert abs(ours - tfidf).max() < 1e-12


def test_counts_do_not_depend_on_the_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = corpus(5, 200)
    tc = TokenCorpus()
    tc.add(range(200), docs)
    tokens = tc.finish()
    vocab = fit_vocabulary(tokens, 60)
    want = [7, 3, 150, 199, 0]
    whole = term_counts(tokens, vocab, want)
    monkeypatch.setattr(vectorize, "_BLOCK_TOKENS", 37)
    blocked = term_counts(tokens, vocab, want)
    assert whole.docs.tolist() == blocked.docs.tolist() == sorted(want)
    assert (whole.matrix != blocked.matrix).nnz == 0
    assert whole.df.tolist() == blocked.df.tolist()


def test_bigram_counting_is_exact_beyond_the_dense_table(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = corpus(6)
    tc = TokenCorpus()
    tc.add(range(len(docs)), docs)
    tokens = tc.finish()
    dense = fit_vocabulary(tokens, 120)
    monkeypatch.setattr(vectorize, "_DENSE_CELLS", 1)
    sparse = fit_vocabulary(tokens, 120)
    assert dense.terms == sparse.terms
    assert dense.counts.tolist() == sparse.counts.tolist()


def test_documents_outside_the_corpus_and_empty_documents() -> None:
    tc = TokenCorpus()
    tc.add([2, 5, 9], ["alpha beta", "", None])  # type: ignore[list-item]
    tokens = tc.finish()
    vocab = fit_vocabulary(tokens, 10)
    assert vocab.terms == ["alpha", "alpha beta", "beta"]
    counts = term_counts(tokens, vocab, [5, 4, 2])
    assert counts.docs.tolist() == [2, 5]  # 4 is not in the corpus
    assert counts.matrix.toarray().tolist() == [[1, 1, 1], [0, 0, 0]]
    assert counts.n_docs == 3
    assert unit_rows(counts.matrix).toarray()[1].tolist() == [0.0, 0.0, 0.0]


def test_ties_at_the_cut_are_broken_by_the_term() -> None:
    tc = TokenCorpus()
    tc.add([0, 1], ["bb aa cc", "dd"])
    vocab = fit_vocabulary(tc.finish(), 2, ngram_max=1)
    assert vocab.terms == ["aa", "bb"]


def test_documents_must_come_in_order_and_sizes_be_sane() -> None:
    tc = TokenCorpus()
    tc.add([3], ["x y"])
    with pytest.raises(ValueError, match="increasing"):
        tc.add([3], ["again"])
    with pytest.raises(PhylohubError, match="vocabulary_size"):
        fit_vocabulary(tc.finish(), 0)
