"""The fit's document frequencies (:func:`document_frequencies`, marks per block) are
those of the count matrices (:func:`term_counts`) and of scikit-learn, whatever the
blocks, and the fitted vocabulary of a snapshot is the one the matrices give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from phylohub.similarity import measures, vectorize
from phylohub.similarity.measures import SimilarityOptions, fit_vocabularies
from phylohub.similarity.vectorize import (
    TokenCorpus,
    document_frequencies,
    fit_vocabulary,
    term_counts,
)

WORDS = [f"w{i}" for i in range(60)] + ["Éclair", "straße", "日本語", "x_y"]


def corpus(seed: int, n: int = 400) -> list[str]:
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, len(WORDS) + 1)
    weights /= weights.sum()
    docs = []
    for _ in range(n):
        words = rng.choice(WORDS, size=int(rng.integers(0, 30)), p=weights)
        docs.append(" ".join(words) + (" w0 w1 w0 w1" if rng.random() < 0.3 else ""))
    return docs


@pytest.mark.parametrize(("seed", "cells"), [(0, 1 << 25), (1, 4096), (2, 1), (3, 777)])
def test_document_frequencies_equal_the_count_matrices_and_scikit_learn(
    seed: int, cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = corpus(seed)
    tc = TokenCorpus()
    tc.add(np.arange(0, 2 * len(docs), 2), docs)
    tokens = tc.finish()
    vocab = fit_vocabulary(tokens, 60, 2)
    plain = term_counts(tokens, vocab, np.zeros(0, dtype=np.int64)).df
    monkeypatch.setattr(vectorize, "_DF_CELLS", cells)  # blocks of few documents, or one
    monkeypatch.setattr(vectorize, "_BLOCK_TOKENS", 500 if cells < 1 << 25 else 4_000_000)
    fast = document_frequencies(tokens, vocab)
    assert fast.tolist() == plain.tolist()
    x = CountVectorizer(vocabulary=vocab.terms, ngram_range=(1, 2)).fit_transform(docs)
    assert fast.tolist() == np.asarray((x > 0).sum(axis=0)).ravel().tolist()
    assert fast.max() > 1  # terms repeated within documents count once per document


def test_the_fit_writes_the_document_frequencies_of_the_count_matrices(
    snapshot20k: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opts = SimilarityOptions(vocabulary_sample=5000, seed=3)
    fast = fit_vocabularies(snapshot20k, opts).table()

    def plain(tokens: vectorize.Tokens, vocab: vectorize.Vocabulary) -> np.ndarray:
        return term_counts(tokens, vocab, np.zeros(0, dtype=np.int64)).df

    monkeypatch.setattr(measures, "document_frequencies", plain)
    reference = fit_vocabularies(snapshot20k, opts).table()
    assert isinstance(fast, pa.Table)
    assert fast.equals(reference)
    assert len(set(fast["text"].to_pylist())) >= 2
