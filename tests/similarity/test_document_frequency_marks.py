"""The fit's document frequencies by marks with a column for "no term"
(:func:`vectorize._block_marks`) are those of the entries of :func:`vectorize._block_entries`
(the plain form) and of the count matrices, for blocks of one document to all, with
empty documents, pairs across documents, unigram-only vocabularies and a vocabulary too
big for the lookup tables."""

from __future__ import annotations

import numpy as np
import pytest

from phylohub.similarity import vectorize
from phylohub.similarity.vectorize import (
    TokenCorpus,
    Tokens,
    Vocabulary,
    document_frequencies,
    fit_vocabulary,
    term_counts,
)


def tokens_of(seed: int, n: int = 300) -> Tokens:
    """A corpus whose documents end and start with the same few words (so many bigrams
    would cross documents), some of them empty."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(40)]
    p = 1 / np.arange(1, len(words) + 1)
    docs = []
    for _ in range(n):
        k = int(rng.integers(0, 25)) if rng.random() > 0.1 else 0
        docs.append("w0 " + " ".join(rng.choice(words, size=k, p=p / p.sum())) + " w1")
        if k == 0 and rng.random() < 0.5:
            docs[-1] = ""
    corpus = TokenCorpus()
    corpus.add(np.arange(0, 3 * n, 3), docs)
    return corpus.finish()


def entries_df(tokens: Tokens, vocab: Vocabulary) -> list[int]:
    """The plain form: every block's (row, column) entries, marked and summed."""
    df = np.zeros(vocab.size, dtype=np.int64)
    lookup = vectorize._TermLookup.of(vocab, tokens.n_codes)
    d0 = 0
    while d0 < tokens.n_docs:
        d1 = min(tokens.n_docs, d0 + 7)
        r, col = vectorize._block_entries(tokens, vocab, d0, d1, lookup)
        marks = np.zeros((d1 - d0, vocab.size), dtype=bool)
        marks[r, col] = True
        df += marks.sum(axis=0)
        d0 = d1
    return df.tolist()


@pytest.mark.parametrize("cells", [1, 100, 1 << 12, 1 << 20])
@pytest.mark.parametrize(("seed", "size", "ngram_max"), [(0, 50, 2), (1, 12, 2), (2, 30, 1)])
def test_marks_give_the_entries_document_frequencies(
    seed: int, size: int, ngram_max: int, cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = tokens_of(seed)
    vocab = fit_vocabulary(tokens, size, ngram_max)
    plain = entries_df(tokens, vocab)
    assert plain == term_counts(tokens, vocab, np.zeros(0, dtype=np.int64)).df.tolist()
    monkeypatch.setattr(vectorize, "_DF_CELLS", cells)
    monkeypatch.setattr(vectorize, "_BLOCK_TOKENS", 200 if cells < 1 << 20 else 4_000_000)
    assert document_frequencies(tokens, vocab).tolist() == plain
    assert max(plain) < tokens.n_docs  # some terms are missing from some documents


def test_a_vocabulary_too_big_for_the_tables_marks_the_searched_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tokens = tokens_of(3)
    vocab = fit_vocabulary(tokens, 60, 2)
    plain = entries_df(tokens, vocab)
    monkeypatch.setattr(vectorize, "_LOOKUP_CELLS", 4)
    assert vectorize._TermLookup.of(vocab, tokens.n_codes) is None
    assert document_frequencies(tokens, vocab).tolist() == plain


def test_the_no_term_column_is_not_counted() -> None:
    corpus = TokenCorpus()
    corpus.add([0, 1, 2], ["aa bb cc", "bb cc dd", "zz zz"])
    tokens = corpus.finish()
    vocab = fit_vocabulary(tokens, 3, 2)
    assert vocab.terms == ["bb", "bb cc", "cc"]
    assert document_frequencies(tokens, vocab).tolist() == [2, 2, 2]
