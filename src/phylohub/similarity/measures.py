"""The similarity of sampled pairs of models: three metrics on each of their texts.

Metrics (the paper's Definitions 6.1-6.3), each between 0 and 1:

``tfidf``
    cosine of the TF-IDF vectors (:mod:`phylohub.similarity.vectorize`);
``bow``
    cosine of the term-count ("bag of words") vectors over the same vocabulary;
``levenshtein``
    ``1 - d(s, t) / max(|s|, |t|)`` with d the Levenshtein distance (insertions,
    deletions, substitutions of characters; rapidfuzz). To bound the cost of huge texts
    (cards are cut to 512 characters by default, but need not be), both texts are cut to
    their first ``levenshtein_max_chars`` characters first.

A vector without any vocabulary term has cosine 0 with everything (scikit-learn's
convention). Texts (:mod:`phylohub.similarity.texts`): the metadata string in each chosen
variant (``metadata`` for the paper's, ``metadata_no_ids``, ``metadata_traits``, ...) and
the prepared card (``card``). Each text has its own vocabulary, fitted on every model of
the snapshot (every prepared card for ``card``), or, with ``vocabulary_sample``, on a
seeded uniform sample of that many models (:func:`vocabulary_rows`): building and
tokenising every model's text is most of the cost on a big snapshot, and the top terms of
a large sample are the top terms of the whole (but for terms whose counts are within
sampling error of the cut-off: docs/similarity.md has the comparison). Document
frequencies (the IDF) then come from the same sample. The fit (:func:`fit_vocabularies`)
depends on the snapshot and these options only, not on the pairs: the workflow fits once
(rule ``fit_similarity_vocabulary``) and every rule that measures pairs reads the fit
(:class:`FittedVocabularies`) and builds the texts of its pairs' models only. A pair in
which either model has no prepared card has no card measures (NaN).

Measure names are ``<text>_<metric>``: ``metadata_tfidf``, ``card_levenshtein``, ...; the
paper's six measures are ``metadata_*`` and ``card_*``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cpdist

from phylohub.errors import PhylohubError
from phylohub.similarity.names import DEFAULT_VARIANTS, METRICS, measure_names, text_name
from phylohub.similarity.texts import (
    METADATA_VARIANTS,
    PAPER_FIELDS,
    CardOptions,
    check_fields,
    iter_card_file,
    iter_card_texts,
    iter_metadata_strings,
    write_card_texts,
)
from phylohub.similarity.vectorize import (
    TermCounts,
    TokenCorpus,
    Tokens,
    Vocabulary,
    document_frequencies,
    fit_vocabulary,
    idf,
    term_counts,
    unit_rows,
)
from phylohub.snapshot.connect import cards_parquet

__all__ = [
    "DEFAULT_VARIANTS",
    "METRICS",
    "FittedText",
    "FittedVocabularies",
    "SimilarityOptions",
    "cosine_pairs",
    "fit_vocabularies",
    "levenshtein_pairs",
    "measure_names",
    "pair_similarity",
    "text_name",
    "vocabulary_rows",
]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SimilarityOptions:
    """What is compared and how (defaults: the paper's, plus two metadata variants).

    Attributes
    ----------
    vocabulary_size : int
        Terms of each vocabulary (the paper: 512).
    ngram_max : int
        1 for unigrams only, 2 for uni- and bigrams (the paper).
    fields : tuple of str
        Listing fields of the metadata string (default: the paper's).
    variants : tuple of str
        Metadata variants to compute (see :mod:`phylohub.similarity.texts`).
    cards : CardOptions
        Card preparation.
    levenshtein_max_chars : int
        Texts are cut to this many characters before the Levenshtein distance.
    threads : int
        Threads for the Levenshtein distances.
    vocabulary_sample : int or None
        Fit each vocabulary (and its document frequencies) on a seeded uniform sample of
        this many models; None, or at least the snapshot's size: on every model.
    seed : int
        Seed of that sample (the workflow's ``seed``).
    """

    vocabulary_size: int = 512
    ngram_max: int = 2
    fields: tuple[str, ...] = PAPER_FIELDS
    variants: tuple[str, ...] = DEFAULT_VARIANTS
    cards: CardOptions = field(default_factory=CardOptions)
    levenshtein_max_chars: int = 10_000
    threads: int = 1
    vocabulary_sample: int | None = None
    seed: int = 0

    @classmethod
    def from_config(cls, cfg: dict[str, Any], threads: int = 1, seed: int = 0) -> SimilarityOptions:
        """From the ``similarity`` section of the workflow config (schema-validated)."""
        meta = cfg.get("metadata", {})
        cards = cfg.get("cards", {})
        return cls(
            vocabulary_size=int(cfg.get("vocabulary_size", 512)),
            ngram_max=int(cfg.get("ngram_max", 2)),
            fields=check_fields(meta.get("fields", PAPER_FIELDS)),
            variants=tuple(meta.get("variants", DEFAULT_VARIANTS)),
            cards=CardOptions(**cards),
            levenshtein_max_chars=int(cfg.get("levenshtein_max_chars", 10_000)),
            threads=threads,
            vocabulary_sample=cfg.get("vocabulary_sample"),
            seed=seed,
        )

    def fit_key(self) -> dict[str, Any]:
        """The options that decide the vocabularies (a fit is valid for these only)."""
        return {
            "vocabulary_size": self.vocabulary_size,
            "ngram_max": self.ngram_max,
            "fields": list(self.fields),
            "variants": list(self.variants),
            "cards": asdict(self.cards),
            "vocabulary_sample": self.vocabulary_sample,
            "seed": self.seed,
        }

    def __post_init__(self) -> None:
        if self.vocabulary_size < 1 or self.ngram_max not in (1, 2):
            raise PhylohubError("similarity: vocabulary_size must be >= 1, ngram_max 1 or 2")
        bad = [v for v in self.variants if v not in METADATA_VARIANTS]
        if bad or not self.variants or len(set(self.variants)) != len(self.variants):
            raise PhylohubError(
                "similarity.metadata.variants must name distinct variants among "
                + ", ".join(METADATA_VARIANTS)
            )
        if self.levenshtein_max_chars < 1:
            raise PhylohubError("similarity.levenshtein_max_chars must be >= 1")
        if self.vocabulary_sample is not None and self.vocabulary_sample < 1:
            raise PhylohubError("similarity.vocabulary_sample must be >= 1 or null")


#: Key of the vocabulary sample's random stream (beside the workflow's seed).
_SAMPLE_STREAM: Final[int] = 7


def vocabulary_rows(n_models: int, sample: int | None, seed: int) -> IntArray | None:
    """Row indices (in id order, increasing) of the models the vocabularies are fitted on.

    None (every model) when ``sample`` is None or covers the snapshot; else ``sample``
    models drawn uniformly without replacement from ``SeedSequence([seed, 7])``. The
    draw depends only on the snapshot's size, the sample size and the seed, so the kin
    pairs (which follow families) do not tilt it.

    >>> vocabulary_rows(10, None, 0) is None, vocabulary_rows(10, 10, 0) is None
    (True, True)
    >>> vocabulary_rows(10, 4, 0).size
    4
    """
    if sample is None or sample >= n_models:
        return None
    rng = np.random.default_rng(np.random.SeedSequence([seed, _SAMPLE_STREAM]))
    return np.sort(rng.choice(n_models, size=sample, replace=False)).astype(np.int64)


def cosine_pairs(unit: sp.csr_matrix, left: IntArray, right: IntArray) -> FloatArray:
    """Cosine of rows ``left[i]`` and ``right[i]`` of a matrix with unit (or zero) rows."""
    if left.size == 0:
        return np.zeros(0)
    dots = np.asarray(unit[left].multiply(unit[right]).sum(axis=1), dtype=np.float64).ravel()
    out: FloatArray = np.clip(dots, 0.0, 1.0)
    return out


def levenshtein_pairs(
    left: Sequence[str], right: Sequence[str], max_chars: int, threads: int = 1
) -> FloatArray:
    """Normalised Levenshtein similarity of each pair of texts (cut to ``max_chars``).

    Examples
    --------
    >>> levenshtein_pairs(["kitten", ""], ["sitting", ""], 100).round(4).tolist()
    [0.5714, 1.0]
    """
    if len(left) == 0:
        return np.zeros(0)
    a = [s[:max_chars] for s in left]
    b = [s[:max_chars] for s in right]
    out: FloatArray = np.asarray(
        cpdist(a, b, scorer=Levenshtein.normalized_similarity, dtype=np.float64, workers=threads),
        dtype=np.float64,
    )
    return out


def _model_rows(
    db: Path, ids: Sequence[str] | pa.Array | pa.ChunkedArray
) -> tuple[IntArray, pa.Array]:
    """Row index (in id order) of each model id, and every model id in id order;
    PhylohubError if one is not listed.

    Why both: the ids are read (sorted) once, numbered here and named in the result
    table; numbering the models inside the look-up sorted every id a second time. Only
    the distinct ids are looked up (a kin pair's model comes back in many pairs: 97,881
    distinct of 840,000 at 1.86M models), and an Arrow array of ids is taken as it is
    (no Python string per id).
    """
    asked = ids if isinstance(ids, pa.Array | pa.ChunkedArray) else pa.array(ids, pa.string())
    if isinstance(asked, pa.ChunkedArray):
        asked = asked.combine_chunks()
    asked = asked.cast(pa.string())
    if asked.null_count:
        raise PhylohubError(
            "the kin pairs name models that are not in this snapshot; sample them again"
        )
    coded = asked.dictionary_encode()
    with duckdb.connect(str(db), read_only=True) as con:
        listed = (
            con.sql("SELECT id FROM models ORDER BY id")
            .to_arrow_table()["id"]
            .combine_chunks()
            .cast(pa.string())
        )
        con.register("_nodes", pa.table({"id": listed, "i": np.arange(len(listed))}))
        distinct = coded.dictionary
        con.register("wanted", pa.table({"k": np.arange(len(distinct)), "id": distinct}))
        got = con.execute(
            "SELECT w.k, n.i FROM wanted w LEFT JOIN _nodes n USING (id) ORDER BY w.k"
        ).fetchnumpy()
    if np.ma.getmaskarray(got["i"]).any():  # type: ignore[no-untyped-call]
        raise PhylohubError(
            "the kin pairs name models that are not in this snapshot; sample them again"
        )
    rows = np.asarray(got["i"], dtype=np.int64)
    return rows[coded.indices.to_numpy()], listed


#: Columns of the vocabulary table (``vocabulary.parquet``).
VOCABULARY_SCHEMA: Final[pa.Schema] = pa.schema(
    [("text", pa.string()), ("term", pa.string()), ("count", pa.int64()), ("df", pa.int64())]
)


@dataclass(frozen=True)
class FittedText:
    """One text's vocabulary: its terms (in term order), their counts and document
    frequencies over the fitted documents, how many documents and tokens those were."""

    terms: list[str]
    counts: IntArray
    df: IntArray
    documents: int
    tokens: int


@dataclass(frozen=True)
class FittedVocabularies:
    """The vocabularies of every text, fitted once per snapshot and options.

    ``models`` is the snapshot's size and ``key`` the options' :meth:`SimilarityOptions.fit_key`,
    both checked by :func:`pair_similarity` before it uses a fit: a fit of another
    snapshot or other options would silently give other measures.
    """

    texts: dict[str, FittedText]
    models: int
    sample: int
    key: dict[str, Any]

    def table(self) -> pa.Table:
        """``text``, ``term``, ``count``, ``df``: the workflow's ``vocabulary.parquet``."""
        names = [n for n, t in self.texts.items() for _ in t.terms]
        return pa.table(
            {
                "text": pa.array(names, pa.string()),
                "term": pa.array([w for t in self.texts.values() for w in t.terms], pa.string()),
                "count": pa.array(
                    np.concatenate([t.counts for t in self.texts.values()]), pa.int64()
                ),
                "df": pa.array(np.concatenate([t.df for t in self.texts.values()]), pa.int64()),
            },
            schema=VOCABULARY_SCHEMA,
        )

    def info(self) -> dict[str, Any]:
        """What the table does not hold: options, sizes, documents and tokens per text."""
        return {
            "key": self.key,
            "models": self.models,
            "vocabulary_sample": self.sample,
            "texts": {
                n: {"documents": t.documents, "tokens": t.tokens, "vocabulary": len(t.terms)}
                for n, t in self.texts.items()
            },
        }

    def write(self, vocabulary: Path, info: Path) -> None:
        """Write the table (parquet) and :meth:`info` (JSON)."""
        from phylohub import io

        io.write_parquet(self.table(), vocabulary)
        io.write_json(self.info(), info)

    @classmethod
    def read(cls, vocabulary: Path, info: Path) -> FittedVocabularies:
        """A fit written by :meth:`write`."""
        meta = json.loads(Path(info).read_text())
        table = pq.read_table(vocabulary)
        by_text: dict[str, list[int]] = {}
        for j, name in enumerate(table["text"].to_pylist()):
            by_text.setdefault(name, []).append(j)
        terms, counts, df = (table[c].to_pylist() for c in ("term", "count", "df"))
        texts = {}
        for name, t in meta["texts"].items():
            rows = by_text.get(name, [])
            texts[name] = FittedText(
                [terms[j] for j in rows],
                np.asarray([counts[j] for j in rows], dtype=np.int64),
                np.asarray([df[j] for j in rows], dtype=np.int64),
                int(t["documents"]),
                int(t["tokens"]),
            )
        return cls(texts, int(meta["models"]), int(meta["vocabulary_sample"]), meta["key"])

    def check(self, options: SimilarityOptions, n_models: int) -> None:
        """PhylohubError unless this fit is of ``options`` and a snapshot of ``n_models``."""
        if self.key != options.fit_key() or self.models != n_models:
            raise PhylohubError(
                "the similarity vocabularies were fitted on another snapshot or with other "
                "options; fit them again (rule fit_similarity_vocabulary)"
            )


def _n_models(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM models").fetchone()[0])  # type: ignore[index]


def _read_texts(
    db: Path,
    options: SimilarityOptions,
    rows: IntArray | None,
    kept: IntArray | None,
    progress: Callable[[int], None],
    cards: Iterable[tuple[list[int], list[str]]] | None = None,
    ids: pa.Array | None = None,
) -> dict[str, _Text]:
    """Tokens of every text of the models at ``rows`` (None: all), in the options' order
    (metadata variants, then cards); the raw texts of the models in ``kept`` too.

    ``cards``: the prepared cards of those models, as :func:`iter_card_texts` yields them
    (read from the snapshot when None); ``ids``: the ids of the models at ``rows``, if
    known (:func:`iter_metadata_strings` then finds them by id).
    """
    if cards is None:  # read from cards.parquet: one clear error before any work if missing
        cards_parquet(db)
    texts = {text_name(v): _Text() for v in options.variants}
    start = 0

    def metadata_chunks() -> Iterable[tuple[IntArray, dict[str, list[str]]]]:
        nonlocal start
        for by_variant in iter_metadata_strings(
            db, options.fields, options.variants, rows=rows, ids=ids
        ):
            k = len(next(iter(by_variant.values())))
            if rows is None:
                rows_k = np.arange(start, start + k, dtype=np.int64)
            else:
                rows_k = rows[start : start + k]
            start += k
            yield rows_k, {text_name(v): s for v, s in by_variant.items()}

    _accumulate(metadata_chunks(), texts, kept, progress)
    for text in texts.values():
        text.finish()
    if cards is None:
        cards = iter_card_texts(db, options.cards, rows=rows)
    card = {"card": _Text()}
    _accumulate(
        ((np.asarray(r, dtype=np.int64), {"card": t}) for r, t in cards),
        card,
        kept,
        progress,
    )
    card["card"].finish()
    texts.update(card)
    return texts


def _progress(what: str) -> Callable[[int], None]:
    done = {"n": 0}

    def progress(k: int) -> None:
        done["n"] += k
        log.info("%s: %s texts read", what, f"{done['n']:,}")

    return progress


def fit_vocabularies(
    db: Path, options: SimilarityOptions | None = None, card_texts: Path | None = None
) -> FittedVocabularies:
    """Every text's vocabulary and document frequencies, fitted on the models at
    :func:`vocabulary_rows` (the seeded sample, or every model).

    Depends on the snapshot and ``options.fit_key()`` only, never on pairs: one fit
    serves every set of pairs measured on the snapshot. Given ``card_texts``, every
    model's prepared card is written there too (:func:`write_card_texts`, from the one
    scan of the cards the fit makes), for :func:`pair_similarity` to read.
    """
    opts = options or SimilarityOptions()
    n_models = _n_models(db)
    fit_rows = vocabulary_rows(n_models, opts.vocabulary_sample, opts.seed)
    cards = None
    if card_texts is not None:
        every = np.arange(n_models, dtype=np.int64) if fit_rows is None else fit_rows
        cards = write_card_texts(db, opts.cards, card_texts, n_models, every)
    texts = _read_texts(db, opts, fit_rows, None, _progress("vocabulary"), cards)
    fitted: dict[str, FittedText] = {}
    for name in list(texts):
        tokens = texts.pop(name).tokens  # free each text's tokens once fitted
        assert tokens is not None
        vocab = fit_vocabulary(tokens, opts.vocabulary_size, opts.ngram_max)
        df = document_frequencies(tokens, vocab)
        fitted[name] = FittedText(
            vocab.terms, vocab.counts, df, tokens.n_docs, int(tokens.codes.size)
        )
        log.info("vocabulary of %s: %d terms from %d documents", name, vocab.size, tokens.n_docs)
    sample = n_models if fit_rows is None else int(fit_rows.size)
    return FittedVocabularies(fitted, n_models, sample, opts.fit_key())


def _vocabulary_in(tokens: Tokens, text: FittedText) -> tuple[Tokens, Vocabulary]:
    """The fitted terms in the codes of ``tokens`` (another corpus than the fit's).

    A term's tokens absent from ``tokens`` get one extra code that no document holds, so
    the term counts 0 everywhere, as it would in the fit's own codes.
    """
    missing = len(tokens.strings)
    parts = [t.split(" ") for t in text.terms]
    wanted = sorted({w for p in parts for w in p})
    known = (
        pl.DataFrame({"s": tokens.strings, "i": np.arange(missing, dtype=np.int64)})
        .filter(pl.col("s").is_in(wanted))
        .unique("s", keep="first")
    )
    code = dict(zip(known["s"].to_list(), known["i"].to_list(), strict=True))
    first = np.asarray([code.get(p[0], missing) for p in parts], dtype=np.int64)
    second = np.asarray(
        [code.get(p[1], missing) if len(p) > 1 else -1 for p in parts], dtype=np.int64
    )
    extended = Tokens(
        tokens.docs, tokens.offsets, tokens.codes, tokens.strings.extend_constant(None, 1)
    )
    return extended, Vocabulary(list(text.terms), first, second, text.counts)


@dataclass
class _Text:
    """One text (a metadata variant or the cards): its tokens and the texts of the pairs."""

    corpus: TokenCorpus | None = field(default_factory=TokenCorpus)
    tokens: Tokens | None = None
    kept_rows: list[IntArray] = field(default_factory=list)
    kept_texts: list[str] = field(default_factory=list)

    def finish(self) -> None:
        """Turn the accumulated texts into tokens (and free the tokeniser's copies)."""
        if self.corpus is not None:
            self.tokens = self.corpus.finish()
            self.corpus = None

    def keep(self, rows: IntArray, texts: Sequence[str]) -> None:
        """Keep the raw texts of the models at ``rows`` (increasing across calls)."""
        self.kept_rows.append(rows)
        self.kept_texts.extend(texts)

    def kept(self, rows: IntArray) -> list[str]:
        """The kept texts of the models at ``rows`` (each one kept; KeyError if not).

        Why not a dict by row: the kept rows come in increasing order, so a binary search
        finds them, without a Python int and a dict look-up per pair and side (about
        0.1 s per text at 236,460 pairs) and a dict entry per model.
        """
        at = np.concatenate(self.kept_rows) if self.kept_rows else np.zeros(0, np.int64)
        pos = np.searchsorted(at, rows)
        found = pos < at.size
        found[found] = at[pos[found]] == rows[found]
        if not found.all():
            raise KeyError(int(rows[~found][0]))
        texts = self.kept_texts
        return [texts[p] for p in pos.tolist()]


def _measure_text(
    name: str,
    text: _Text,
    lo: IntArray,
    hi: IntArray,
    options: SimilarityOptions,
    fitted: FittedText,
    stats: dict[str, Any],
) -> dict[str, FloatArray]:
    """The three metrics of one text for the pairs (lo[i], hi[i]); NaN without the text.

    The vocabulary and the document frequencies are the fit's, the counts from the
    pairs' own documents.
    """
    text.finish()
    assert text.tokens is not None
    tokens, vocab = _vocabulary_in(text.tokens, fitted)
    counts = term_counts(tokens, vocab, np.concatenate([lo, hi]))
    counts = TermCounts(counts.docs, counts.matrix, fitted.df, fitted.documents)
    weights = idf(counts)
    stats[name] = {"documents": fitted.documents, "tokens": fitted.tokens}
    stats[name]["documents_read"] = tokens.n_docs
    stats[name]["vocabulary"] = vocab.size
    pos_lo = np.searchsorted(counts.docs, lo)
    pos_hi = np.searchsorted(counts.docs, hi)
    ok = np.zeros(lo.size, dtype=bool)
    if counts.docs.size:
        pos_lo = np.minimum(pos_lo, counts.docs.size - 1)
        pos_hi = np.minimum(pos_hi, counts.docs.size - 1)
        ok = (counts.docs[pos_lo] == lo) & (counts.docs[pos_hi] == hi)
    bow = unit_rows(counts.matrix)
    tfidf = unit_rows(sp.csr_matrix(counts.matrix.multiply(weights[None, :])))
    out = {m: np.full(lo.size, np.nan) for m in METRICS}
    out["tfidf"][ok] = cosine_pairs(tfidf, pos_lo[ok], pos_hi[ok])
    out["bow"][ok] = cosine_pairs(bow, pos_lo[ok], pos_hi[ok])
    left = text.kept(lo[ok])
    right = text.kept(hi[ok])
    out["levenshtein"][ok] = levenshtein_pairs(
        left, right, options.levenshtein_max_chars, options.threads
    )
    return {f"{name}_{m}": v for m, v in out.items()}


def _accumulate(
    chunks: Iterable[tuple[IntArray, dict[str, list[str]]]],
    texts: dict[str, _Text],
    needed: IntArray | None,
    progress: Callable[[int], None],
) -> None:
    for rows, by_text in chunks:
        take = np.zeros(0, np.int64) if needed is None else np.flatnonzero(np.isin(rows, needed))
        for name, strings in by_text.items():
            corpus = texts[name].corpus
            assert corpus is not None
            corpus.add(rows, strings)
            if take.size:
                kept = strings if take.size == rows.size else [strings[j] for j in take.tolist()]
                texts[name].keep(rows[take], kept)
        progress(int(rows.size))


def _id_chunks(ids: Sequence[str] | pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    """Model ids as Arrow string arrays (an Arrow column as it is: no Python strings)."""
    if isinstance(ids, pa.ChunkedArray):
        return [c.cast(pa.string()) for c in ids.chunks]
    if isinstance(ids, pa.Array):
        return [ids.cast(pa.string())]
    return [pa.array(list(ids), pa.string())]


def pair_similarity(
    db: Path,
    a: Sequence[str] | pa.Array | pa.ChunkedArray,
    b: Sequence[str] | pa.Array | pa.ChunkedArray,
    options: SimilarityOptions | None = None,
    fitted: FittedVocabularies | None = None,
    card_texts: Path | None = None,
) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
    """Every measure for each distinct pair of models among (a[i], b[i]).

    Parameters
    ----------
    db : pathlib.Path
        The snapshot database.
    a, b : sequence of str, or Arrow arrays of strings
        Model ids of the pairs (order within a pair does not matter).
    options : SimilarityOptions, optional
        Defaults to the paper's choices.
    fitted : FittedVocabularies, optional
        The vocabularies (:func:`fit_vocabularies` of this snapshot and options, checked);
        fitted here if not given.
    card_texts : pathlib.Path, optional
        Every model's prepared card, written with the fit (:func:`fit_vocabularies`): the
        pairs' cards are read from it instead of from the snapshot (the same texts, for
        a fraction of the snapshot's decompression).

    Returns
    -------
    similarity : pyarrow.Table
        One row per distinct unordered pair, sorted: ``a``, ``b`` (ids, ``a`` < ``b``)
        and one float64 column per measure (:func:`measure_names`).
    vocabulary : pyarrow.Table
        ``text``, ``term``, ``count`` (over the corpus), ``df`` (documents holding it).
    stats : dict
        Documents, tokens and vocabulary size per text; pairs; seconds per step.
    """
    opts = options or SimilarityOptions()
    if len(a) != len(b):
        raise ValueError("a and b must have the same length")
    t0 = time.perf_counter()
    seconds: dict[str, float] = {}
    if fitted is None:
        fitted = fit_vocabularies(db, opts)
        seconds["vocabularies"] = time.perf_counter() - t0
    rows, ids = _model_rows(db, pa.chunked_array([*_id_chunks(a), *_id_chunks(b)], pa.string()))
    ra, rb = rows[: len(a)], rows[len(a) :]
    if (ra == rb).any():
        raise PhylohubError("a kin pair joins a model with itself")
    n_models = len(ids)
    fitted.check(opts, n_models)
    keys = np.unique(np.minimum(ra, rb) * n_models + np.maximum(ra, rb))
    lo, hi = keys // n_models, keys % n_models
    needed = np.unique(np.concatenate([lo, hi]))
    stats: dict[str, Any] = {"pairs": len(a), "distinct_pairs": int(keys.size)}
    stats["models"] = n_models
    stats["models_in_pairs"] = int(needed.size)
    stats["vocabulary_sample"] = fitted.sample
    # The pairs' models only: the vocabularies are the fit's.
    t1 = time.perf_counter()
    cards = None
    if card_texts is not None:
        cards = iter_card_file(card_texts, opts.cards, n_models, needed)
    texts = _read_texts(
        db, opts, needed, needed, _progress("similarity"), cards, ids.take(pa.array(needed))
    )
    seconds["texts"] = time.perf_counter() - t1
    columns: dict[str, Any] = {}
    for name, text in texts.items():
        t2 = time.perf_counter()
        columns.update(_measure_text(name, text, lo, hi, opts, fitted.texts[name], stats))
        texts[name] = _Text()  # free the tokens
        seconds[f"{name}_measures"] = time.perf_counter() - t2
        log.info("similarity: %s measured (%.1f s)", name, seconds[f"{name}_measures"])
    table = pa.table(
        {
            "a": ids.take(pa.array(lo)),
            "b": ids.take(pa.array(hi)),
            **{m: pa.array(columns[m], pa.float64()) for m in measure_names(opts.variants)},
        }
    )
    seconds["total"] = time.perf_counter() - t0
    stats["seconds"] = {k: round(v, 2) for k, v in seconds.items()}
    return table, fitted.table(), stats
