"""Bag-of-words and TF-IDF vectors over the most frequent uni- and bigrams of a corpus.

The paper used scikit-learn's ``CountVectorizer`` and ``TfidfVectorizer`` with
``max_features=512``, ``ngram_range=(1, 2)`` and the defaults: lowercase, tokens are runs
of two or more word characters (``(?u)\\b\\w\\w+\\b``), bigrams join two consecutive tokens
with a space, the vocabulary holds the ``max_features`` terms with the largest counts over
the corpus, TF-IDF weighs raw counts by the smoothed ``idf = ln((1 + n) / (1 + df)) + 1``,
and vectors are scaled to unit length. This module computes the same vocabulary and
vectors (the tests compare them with scikit-learn's) for a whole snapshot at once,
without scikit-learn's Python loop over every n-gram of 1.86M documents:

1. documents are tokenised by polars (``[\\pL\\pN_]{2,}``, the same runs as Python's
   ``\\w`` outside combining marks) and the tokens kept as integer codes;
2. unigram counts are one ``bincount``; the ``size``-th largest of them, T, bounds the
   count of any term that can enter the vocabulary, so bigrams are counted only where
   both tokens occur at least T times (exact: a bigram occurs at most as often as each
   of its tokens);
3. the vocabulary is the ``size`` terms with the largest counts, ties broken by the term
   (scikit-learn leaves the order of ties to its sort); columns are in term order, as
   scikit-learn's;
4. document frequencies and term counts of chosen documents come from one sparse matrix
   per block of documents.

Examples
--------
>>> corpus = TokenCorpus()
>>> corpus.add([0, 1, 2], ["the cat sat", "the cat ran", "a dog ran"])
>>> tokens = corpus.finish()
>>> vocab = fit_vocabulary(tokens, size=3)
>>> vocab.terms
['cat', 'ran', 'the']
>>> counts = term_counts(tokens, vocab, np.array([0, 2]))
>>> counts.matrix.toarray().tolist(), counts.df.tolist()
([[1, 0, 1], [0, 1, 0]], [2, 2, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sp

from phylohub.errors import PhylohubError

__all__ = [
    "TOKEN_PATTERN",
    "TermCounts",
    "TokenCorpus",
    "Tokens",
    "Vocabulary",
    "document_frequencies",
    "fit_vocabulary",
    "idf",
    "term_counts",
    "unit_rows",
]

#: A token: a run of two or more word characters (letters, digits, underscore).
TOKEN_PATTERN: Final[str] = r"[\pL\pN_]{2,}"

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Dense bigram counting up to this many (frequent token)^2 cells, else np.unique.
_DENSE_CELLS: Final[int] = 1 << 24
# Documents per block when building count matrices.
_BLOCK_TOKENS: Final[int] = 4_000_000
# At most this many (document, term) cells per block of document_frequencies' marks (1 MB:
# the marks stay in cache while they are set and summed; 32 MB blocks cost a third more).
_DF_CELLS: Final[int] = 1 << 20
# At most this many cells in a vocabulary's table of bigrams (_TermLookup; 64 MB), else
# each block's pairs are searched in the sorted keys of its bigrams.
_LOOKUP_CELLS: Final[int] = 1 << 24


@dataclass(frozen=True)
class Tokens:
    """A tokenised corpus.

    Attributes
    ----------
    docs : numpy.ndarray
        The row index (the caller's document id) of each document, increasing.
    offsets : numpy.ndarray
        ``codes[offsets[j] : offsets[j + 1]]`` are document j's tokens, in order.
    codes : numpy.ndarray
        Token codes (uint32).
    strings : polars.Series
        The token of each code (kept in Arrow memory: a snapshot has millions).
    """

    docs: IntArray
    offsets: IntArray
    codes: npt.NDArray[np.uint32]
    strings: pl.Series

    @property
    def n_codes(self) -> int:
        """Number of distinct token codes."""
        return len(self.strings)

    def token(self, codes: Sequence[int]) -> list[str]:
        """The tokens of some codes."""
        return [s or "" for s in self.strings.gather(list(codes)).to_list()]

    @property
    def n_docs(self) -> int:
        """Number of documents."""
        return int(self.docs.size)

    def subset(self, docs: npt.ArrayLike) -> Tokens:
        """The documents among ``docs`` (ids; others are ignored), with the same codes.

        A vocabulary fitted on the subset indexes the whole corpus's codes, so it counts
        the terms of any document of the corpus (:func:`term_counts`).
        """
        keep = np.flatnonzero(np.isin(self.docs, np.asarray(docs, dtype=np.int64)))
        starts, ends = self.offsets[keep], self.offsets[keep + 1]
        lengths = ends - starts
        offsets = np.zeros(keep.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # positions of the kept tokens: each document's run, one after the other
        pos = np.repeat(starts - offsets[:-1], lengths) + np.arange(int(offsets[-1]))
        return Tokens(self.docs[keep], offsets, self.codes[pos], self.strings)


class TokenCorpus:
    """Tokenise documents block by block into integer codes (one code per distinct token)."""

    def __init__(self) -> None:
        self._categories = pl.Categories.random()
        self._dtype = pl.Categorical(self._categories)
        # The categorical series themselves are kept: polars frees the mapping of codes to
        # tokens once no series uses it.
        self._codes: list[pl.Series] = []
        self._lengths: list[IntArray] = []
        self._docs: list[IntArray] = []
        self._last = -1

    def add(self, docs: Sequence[int] | IntArray, texts: Sequence[str | None]) -> None:
        """Add documents (row indices, increasing across calls) and their texts."""
        doc_arr = np.asarray(docs, dtype=np.int64)
        if doc_arr.size != len(texts):
            raise ValueError("one text per document")
        if doc_arr.size == 0:
            return
        if doc_arr[0] <= self._last or (np.diff(doc_arr) <= 0).any():
            raise ValueError("documents must come in increasing order")
        self._last = int(doc_arr[-1])
        lists = (
            pl.Series(texts, dtype=pl.String)
            .fill_null("")
            .str.to_lowercase()
            .str.extract_all(TOKEN_PATTERN)
        )
        self._lengths.append(lists.list.len().to_numpy().astype(np.int64))
        flat = lists.explode(empty_as_null=False, keep_nulls=False)
        self._codes.append(flat.cast(self._dtype))
        self._docs.append(doc_arr)

    def finish(self) -> Tokens:
        """The corpus so far; the corpus is emptied (its memory goes to the result)."""
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int64)
        offsets = np.zeros(lengths.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        strings = self._categories.to_series().cast(pl.String).rechunk()
        codes = np.zeros(int(offsets[-1]), dtype=np.uint32)
        at = 0
        while self._codes:
            part = self._codes.pop(0).to_physical().to_numpy()
            codes[at : at + part.size] = part
            at += part.size
        docs = np.concatenate(self._docs) if self._docs else np.zeros(0, np.int64)
        self._docs, self._lengths = [], []
        return Tokens(docs, offsets, codes, strings)


@dataclass(frozen=True)
class Vocabulary:
    """The chosen terms, in term order (the columns of the vectors).

    ``first[j]``, ``second[j]``: token codes of term j (``second`` is -1 for a unigram);
    ``counts[j]``: its count over the corpus.
    """

    terms: list[str]
    first: IntArray
    second: IntArray
    counts: IntArray

    @property
    def size(self) -> int:
        """Number of terms."""
        return len(self.terms)


def _pair_ok(tokens: Tokens) -> npt.NDArray[np.bool_]:
    """For each position i < N - 1: tokens i and i + 1 lie in the same document."""
    n = tokens.codes.size
    ok = np.ones(max(n - 1, 0), dtype=bool)
    ends = tokens.offsets[1:]
    ends = ends[(ends > 0) & (ends < n)]
    ok[ends - 1] = False
    return ok


def fit_vocabulary(tokens: Tokens, size: int, ngram_max: int = 2) -> Vocabulary:
    """The ``size`` most frequent terms (unigrams, and bigrams if ``ngram_max`` is 2).

    Parameters
    ----------
    tokens : Tokens
        The corpus the vocabulary is fitted on.
    size : int
        Number of terms (``max_features``).
    ngram_max : int
        1 (unigrams) or 2 (uni- and bigrams, the paper's ``ngram_range=(1, 2)``).

    Returns
    -------
    Vocabulary
    """
    if size < 1 or ngram_max not in (1, 2):
        raise PhylohubError("similarity: vocabulary_size must be >= 1 and ngram_max 1 or 2")
    n_codes = tokens.n_codes
    codes = tokens.codes
    uni = np.bincount(codes, minlength=n_codes).astype(np.int64)
    present = np.flatnonzero(uni > 0)
    threshold = 1
    if present.size >= size:
        threshold = int(np.partition(uni[present], present.size - size)[present.size - size])
    cand_first = [np.flatnonzero(uni >= max(threshold, 1))]
    cand_second = [np.full(cand_first[0].size, -1, dtype=np.int64)]
    cand_count = [uni[cand_first[0]]]
    if ngram_max == 2 and codes.size > 1:
        frequent = uni >= max(threshold, 1)
        compact = np.cumsum(frequent) - 1
        n_freq = int(frequent.sum())
        left, right = codes[:-1], codes[1:]
        m = _pair_ok(tokens) & frequent[left] & frequent[right]
        keys = compact[left[m]] * n_freq + compact[right[m]]
        del m
        if n_freq * n_freq <= _DENSE_CELLS:
            counts = np.bincount(keys, minlength=n_freq * n_freq)
            keep = np.flatnonzero(counts >= threshold)
            kept_counts = counts[keep]
        else:
            uniq, cnt = np.unique(keys, return_counts=True)
            keep, kept_counts = uniq[cnt >= threshold], cnt[cnt >= threshold]
        back = np.flatnonzero(frequent)
        cand_first.append(back[keep // n_freq])
        cand_second.append(back[keep % n_freq])
        cand_count.append(kept_counts.astype(np.int64))
    first = np.concatenate(cand_first)
    second = np.concatenate(cand_second)
    count = np.concatenate(cand_count)
    used = np.unique(np.concatenate([first, second[second >= 0]])).tolist()
    lookup = dict(zip(used, tokens.token(used), strict=True))
    terms = [
        lookup[f] if s < 0 else f"{lookup[f]} {lookup[s]}"
        for f, s in zip(first.tolist(), second.tolist(), strict=True)
    ]
    # Largest counts first, ties by term; then the chosen terms in term order.
    order = sorted(range(len(terms)), key=lambda j: (-int(count[j]), terms[j]))[:size]
    order.sort(key=lambda j: terms[j])
    idx = np.asarray(order, dtype=np.int64)
    return Vocabulary([terms[j] for j in order], first[idx], second[idx], count[idx])


@dataclass(frozen=True)
class TermCounts:
    """Term counts of chosen documents and document frequencies over the whole corpus.

    ``matrix`` (CSR, int64) has one row per chosen document that is in the corpus, in the
    order of ``docs``; ``df[j]`` counts the corpus documents holding term j; ``n_docs`` is
    the corpus size.
    """

    docs: IntArray
    matrix: sp.csr_matrix
    df: IntArray
    n_docs: int


@dataclass(frozen=True)
class _TermLookup:
    """Where each token code stands in a vocabulary, for :func:`_block_entries`.

    ``slot[c]``: 1 + the index of code c among the codes of the vocabulary's terms (0 for
    a code in no term); ``unigram[k]``: the column of the unigram of slot k (-1: none, so
    ``unigram[0]`` is -1); ``bigram[k, l]``: the column of the bigram of slots k then l
    (-1: none). Small tables (slots <= 2 x terms) looked up per token instead of a sorted
    search of every adjacent pair's key.
    """

    slot: npt.NDArray[np.int32]
    unigram: IntArray
    bigram: npt.NDArray[np.int32]

    @classmethod
    def of(cls, vocab: Vocabulary, n_codes: int) -> _TermLookup | None:
        """The lookup of ``vocab``'s terms for a corpus of ``n_codes`` token codes (None
        when its bigram table would pass :data:`_LOOKUP_CELLS` cells)."""
        used = np.unique(np.concatenate([vocab.first, vocab.second[vocab.second >= 0]]))
        if (used.size + 1) ** 2 > _LOOKUP_CELLS:
            return None
        slot = np.zeros(n_codes, dtype=np.int32)
        slot[used] = np.arange(1, used.size + 1, dtype=np.int32)
        is_uni = vocab.second < 0
        unigram = np.full(used.size + 1, -1, dtype=np.int64)
        unigram[slot[vocab.first[is_uni]]] = np.flatnonzero(is_uni)
        bi = np.flatnonzero(~is_uni)
        bigram = np.full((used.size + 1, used.size + 1), -1, dtype=np.int32)
        bigram[slot[vocab.first[bi]], slot[vocab.second[bi]]] = bi
        return cls(slot, unigram, bigram)


def _block_entries(
    tokens: Tokens, vocab: Vocabulary, d0: int, d1: int, lookup: _TermLookup | None
) -> tuple[IntArray, IntArray]:
    """(row, column) of every term occurrence in documents d0..d1-1 (rows from 0 at d0),
    one entry per occurrence: the unigrams' in token order, then the bigrams' in token
    order. ``lookup``: :meth:`_TermLookup.of` the vocabulary; None (a vocabulary too big
    for it): :func:`_block_entries_searched`, the same entries.

    Why the lookup: a sorted search of every adjacent pair's key, and a full array of
    every token code per block, were most of the fit's document frequencies and of the
    pairs' term counts (3-4 s of CPU at 1.86M models); two small tables give the same
    entries in the same order."""
    if lookup is None:
        return _block_entries_searched(tokens, vocab, d0, d1)
    p0, p1 = int(tokens.offsets[d0]), int(tokens.offsets[d1])
    slots = lookup.slot[tokens.codes[p0:p1]]
    lengths = np.diff(tokens.offsets[d0 : d1 + 1])
    row = np.repeat(np.arange(d1 - d0, dtype=np.int64), lengths)
    uni = lookup.unigram[slots]
    hit = np.flatnonzero(uni >= 0)
    rows, cols = [row[hit]], [uni[hit]]
    if (vocab.second >= 0).any() and slots.size > 1:
        bi = lookup.bigram[slots[:-1], slots[1:]]
        ends = tokens.offsets[d0 + 1 : d1] - p0  # a pair across two documents is none
        bi[ends[(ends > 0) & (ends < slots.size)] - 1] = -1
        hit = np.flatnonzero(bi >= 0)
        rows.append(row[hit])
        cols.append(bi[hit].astype(np.int64))
    return np.concatenate(rows), np.concatenate(cols)


def _block_entries_searched(
    tokens: Tokens, vocab: Vocabulary, d0: int, d1: int
) -> tuple[IntArray, IntArray]:
    """:func:`_block_entries` by a sorted search of every adjacent pair's key (any
    vocabulary; its plain form, which the tests hold it to)."""
    p0, p1 = int(tokens.offsets[d0]), int(tokens.offsets[d1])
    codes = tokens.codes[p0:p1].astype(np.int64)
    n_codes = tokens.n_codes
    lengths = np.diff(tokens.offsets[d0 : d1 + 1])
    row = np.repeat(np.arange(d1 - d0, dtype=np.int64), lengths)
    uni_col = np.full(n_codes, -1, dtype=np.int64)
    is_uni = vocab.second < 0
    uni_col[vocab.first[is_uni]] = np.flatnonzero(is_uni)
    cols = [uni_col[codes]]
    rows = [row]
    bi = np.flatnonzero(~is_uni)
    if bi.size and codes.size > 1:
        keys = vocab.first[bi] * n_codes + vocab.second[bi]
        order = np.argsort(keys)
        keys, bi = keys[order], bi[order]
        in_bigram = np.zeros(n_codes, dtype=bool)
        in_bigram[vocab.first[bi]] = True
        in_bigram[vocab.second[bi]] = True
        left, right = codes[:-1], codes[1:]
        same_doc = row[:-1] == row[1:]
        m = np.flatnonzero(same_doc & in_bigram[left] & in_bigram[right])
        pk = left[m] * n_codes + right[m]
        at = np.minimum(np.searchsorted(keys, pk), keys.size - 1)
        hit = keys[at] == pk
        cols.append(bi[at[hit]])
        rows.append(row[m[hit]])
    col = np.concatenate(cols)
    r = np.concatenate(rows)
    keep = col >= 0
    return r[keep], col[keep]


def _block_matrix(
    tokens: Tokens, vocab: Vocabulary, d0: int, d1: int, lookup: _TermLookup | None
) -> sp.csr_matrix:
    """Term counts of documents d0..d1-1 (positions in ``tokens``), CSR."""
    r, col = _block_entries(tokens, vocab, d0, d1, lookup)
    mat = sp.csr_matrix((np.ones(r.size, dtype=np.int64), (r, col)), shape=(d1 - d0, vocab.size))
    mat.sum_duplicates()
    return mat


def _block_end(tokens: Tokens, d0: int, max_docs: int | None = None) -> int:
    """End of the block of documents from d0: about :data:`_BLOCK_TOKENS` tokens, at
    most ``max_docs`` documents, at least one."""
    limit = tokens.offsets[d0] + _BLOCK_TOKENS
    d1 = max(d0 + 1, int(np.searchsorted(tokens.offsets, limit, side="right")) - 1)
    if max_docs is not None:
        d1 = min(d1, d0 + max(1, max_docs))
    return min(d1, tokens.n_docs)


def document_frequencies(tokens: Tokens, vocab: Vocabulary) -> IntArray:
    """The number of documents of the corpus holding each term: ``term_counts(...).df``
    without its count matrices.

    Why apart: the fit needs only the document frequencies, and building (and sorting) a
    sparse matrix of every document's counts was most of their cost; here each block's
    (document, term) occurrences are marked in a boolean array and summed by term
    (:func:`_block_marks`; a vocabulary too big for :class:`_TermLookup` marks the
    entries of :func:`_block_entries`).
    """
    df = np.zeros(vocab.size, dtype=np.int64)
    d0 = 0
    lookup = _TermLookup.of(vocab, tokens.n_codes)
    width = vocab.size + (lookup is not None)
    max_docs = max(1, _DF_CELLS // max(width, 1))
    tables = None if lookup is None else _MarkTables.of(vocab, lookup)
    while d0 < tokens.n_docs:
        d1 = _block_end(tokens, d0, max_docs)
        if tables is not None:
            marks = _block_marks(tokens, d0, d1, tables)
        else:
            r, col = _block_entries(tokens, vocab, d0, d1, None)
            marks = np.zeros((d1 - d0) * width, dtype=bool)
            marks[r * width + col] = True
        df += marks.reshape(d1 - d0, width)[:, : vocab.size].sum(axis=0)
        d0 = d1
    return df


@dataclass(frozen=True)
class _MarkTables:
    """:class:`_TermLookup`'s tables for :func:`_block_marks`: a token's or a pair's
    column, ``size`` (the column of "no term") where the lookup has -1; the bigrams' table
    flat (``bigram[k * slots + l]``), all int32."""

    size: int
    slot: npt.NDArray[np.int32]
    unigram: npt.NDArray[np.int32]
    bigram: npt.NDArray[np.int32] | None
    slots: int

    @classmethod
    def of(cls, vocab: Vocabulary, lookup: _TermLookup) -> _MarkTables:
        size = vocab.size
        unigram = np.where(lookup.unigram < 0, size, lookup.unigram).astype(np.int32)
        bigram = None
        if (vocab.second >= 0).any():
            bigram = np.where(lookup.bigram < 0, size, lookup.bigram).astype(np.int32).ravel()
        return cls(size, lookup.slot, unigram, bigram, int(lookup.bigram.shape[0]))


def _block_marks(tokens: Tokens, d0: int, d1: int, tables: _MarkTables) -> npt.NDArray[np.bool_]:
    """Marks of the terms each of documents d0..d1-1 holds: ``(d1 - d0) x (size + 1)``
    booleans, flat, cell ``row * (size + 1) + column`` set for every entry of
    :func:`_block_entries` (the last column of each row marks the tokens and pairs that
    are no term, and is not a term's).

    Why not the entries: their rows and columns took a search for the hits, a copy of the
    rows for each kind of term and int64 arrays of every token; a column for "no term"
    lets every token and pair set a mark (int32 cells: a block has at most
    :data:`_DF_CELLS`), with the same marks of the terms.
    """
    width = tables.size + 1
    lengths = np.diff(tokens.offsets[d0 : d1 + 1])
    p0, p1 = int(tokens.offsets[d0]), int(tokens.offsets[d1])
    slots = tables.slot[tokens.codes[p0:p1]]
    base = np.repeat(np.arange(0, (d1 - d0) * width, width, dtype=np.int32), lengths)
    marks = np.zeros((d1 - d0) * width, dtype=bool)
    marks[base + tables.unigram[slots]] = True
    if tables.bigram is not None and slots.size > 1:
        bi = tables.bigram[slots[:-1] * tables.slots + slots[1:]]
        ends = tokens.offsets[d0 + 1 : d1] - p0  # a pair across two documents is none
        bi[ends[(ends > 0) & (ends < slots.size)] - 1] = tables.size
        marks[base[:-1] + bi] = True
    return marks


def term_counts(tokens: Tokens, vocab: Vocabulary, docs: npt.ArrayLike) -> TermCounts:
    """Counts of the vocabulary's terms in the chosen documents, and corpus-wide df.

    Parameters
    ----------
    tokens : Tokens
        The corpus.
    vocab : Vocabulary
        Terms (fitted on the same corpus).
    docs : array_like of int
        Document ids (row indices) whose counts are wanted; ids not in the corpus are
        left out of the result (see ``TermCounts.docs``).
    """
    want = np.unique(np.asarray(docs, dtype=np.int64))
    pos = np.searchsorted(tokens.docs, want)
    inside = pos < tokens.docs.size
    inside[inside] = tokens.docs[pos[inside]] == want[inside]
    want, pos = want[inside], pos[inside]
    df = np.zeros(vocab.size, dtype=np.int64)
    blocks: list[sp.csr_matrix] = []
    d0 = 0
    n = tokens.n_docs
    lookup = _TermLookup.of(vocab, tokens.n_codes)
    while d0 < n:
        d1 = _block_end(tokens, d0)
        mat = _block_matrix(tokens, vocab, d0, d1, lookup)
        df += np.bincount(mat.indices, minlength=vocab.size)
        sel = pos[(pos >= d0) & (pos < d1)] - d0
        if sel.size:
            blocks.append(mat[sel])
        d0 = d1
    matrix = (
        sp.vstack(blocks, format="csr")
        if blocks
        else sp.csr_matrix((0, vocab.size), dtype=np.int64)
    )
    return TermCounts(want, matrix, df, n)


def idf(counts: TermCounts) -> FloatArray:
    """scikit-learn's smoothed inverse document frequency, ``ln((1 + n) / (1 + df)) + 1``."""
    out: FloatArray = np.log((1.0 + counts.n_docs) / (1.0 + counts.df)) + 1.0
    return out


def unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit Euclidean length (zero rows stay zero), as float64 CSR."""
    m = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    m.data /= np.repeat(norms, np.diff(m.indptr))
    return m
