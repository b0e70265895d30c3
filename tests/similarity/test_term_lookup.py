"""Each block's term occurrences found through the vocabulary's lookup tables
(:func:`vectorize._block_entries` with a ``_TermLookup``) are those of the sorted search
of every adjacent pair's key (``_block_entries_searched``): the same rows and columns in
the same order, for vocabularies of the corpus's own codes and of another corpus's (whose
terms may have tokens no document holds), with documents empty or of one token, blocks of
any size; and a vocabulary too big for the tables is searched."""

from __future__ import annotations

import numpy as np
import pytest

from phylohub.similarity import vectorize
from phylohub.similarity.measures import FittedText, _vocabulary_in
from phylohub.similarity.vectorize import (
    TokenCorpus,
    Tokens,
    Vocabulary,
    _block_entries,
    _block_entries_searched,
    _TermLookup,
    document_frequencies,
    fit_vocabulary,
    term_counts,
)

WORDS = [f"w{i}" for i in range(80)] + ["Éclair", "straße", "日本語", "x_y", "ΑΣ"]


def tokens_of(seed: int, n: int = 300) -> Tokens:
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, len(WORDS) + 1)
    weights /= weights.sum()
    docs = []
    for _ in range(n):
        size = int(rng.choice([0, 1, 2, rng.integers(3, 40)]))
        docs.append(" ".join(rng.choice(WORDS, size=size, p=weights)))
    corpus = TokenCorpus()
    corpus.add(np.arange(0, 3 * n, 3), docs)
    return corpus.finish()


def all_blocks(tokens: Tokens, vocab: Vocabulary, step: int) -> None:
    lookup = _TermLookup.of(vocab, tokens.n_codes)
    assert lookup is not None
    for d0 in range(0, tokens.n_docs, step):
        d1 = min(tokens.n_docs, d0 + step)
        got = _block_entries(tokens, vocab, d0, d1, lookup)
        want = _block_entries_searched(tokens, vocab, d0, d1)
        for g, w in zip(got, want, strict=True):
            assert g.dtype == w.dtype == np.int64
            assert np.array_equal(g, w)


@pytest.mark.parametrize(("seed", "size", "ngram", "step"), [
    (0, 60, 2, 1_000), (1, 60, 2, 7), (2, 5, 2, 1), (3, 40, 1, 13), (4, 400, 2, 50),
])  # fmt: skip
def test_lookup_entries_equal_the_searched_ones(
    seed: int, size: int, ngram: int, step: int
) -> None:
    tokens = tokens_of(seed)
    all_blocks(tokens, fit_vocabulary(tokens, size, ngram), step)
    # a fit on half the documents, used on all of them (the fit's sample)
    half = tokens.subset(tokens.docs[::2])
    all_blocks(tokens, fit_vocabulary(half, size, ngram), step)


def test_lookup_entries_of_another_corpus_vocabulary() -> None:
    fitted_on = tokens_of(10)
    vocab = fit_vocabulary(fitted_on, 80, 2)
    terms = [*vocab.terms, "nowhere", "nowhere w0", "w0 nowhere", "nowhere either"]
    text = FittedText(terms, np.ones(len(terms), np.int64), np.ones(len(terms), np.int64), 1, 1)
    for seed in (11, 12):
        extended, theirs = _vocabulary_in(tokens_of(seed, 200), text)
        all_blocks(extended, theirs, 17)


def test_counts_and_frequencies_without_the_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = tokens_of(20)
    vocab = fit_vocabulary(tokens, 60, 2)
    docs = tokens.docs[::3]
    fast_df = document_frequencies(tokens, vocab)
    fast = term_counts(tokens, vocab, docs)
    monkeypatch.setattr(vectorize, "_LOOKUP_CELLS", 1)  # too big: searched
    assert _TermLookup.of(vocab, tokens.n_codes) is None
    assert np.array_equal(document_frequencies(tokens, vocab), fast_df)
    plain = term_counts(tokens, vocab, docs)
    assert np.array_equal(plain.df, fast.df) and np.array_equal(plain.docs, fast.docs)
    assert (plain.matrix != fast.matrix).nnz == 0 and plain.matrix.nnz > 100
