"""One fit of the vocabularies serves every rule that measures pairs: the fit rule's file
is the fit that ``compute_similarity`` and ``measure_merge_resemblance`` each made for
themselves (on the sample's tokens among those of the sample and the pairs' models), and
the measures computed from the file are those that fit gave."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.sparse as sp

from phylohub.errors import PhylohubError
from phylohub.similarity.measures import (
    FittedVocabularies,
    SimilarityOptions,
    cosine_pairs,
    fit_vocabularies,
    pair_similarity,
    vocabulary_rows,
)
from phylohub.similarity.stage import run_compute_similarity, run_fit_similarity_vocabulary
from phylohub.similarity.texts import CardOptions, iter_card_texts, iter_metadata_strings
from phylohub.similarity.vectorize import (
    TermCounts,
    TokenCorpus,
    fit_vocabulary,
    idf,
    term_counts,
    unit_rows,
)

SAMPLE = 6_000
SEED = 5
CONFIG: dict[str, Any] = {
    "metadata": {"variants": ["traits"]},
    "vocabulary_sample": SAMPLE,
    "vocabulary_size": 300,
}


@pytest.fixture(scope="module")
def ids(snapshot20k: Path) -> list[str]:
    with duckdb.connect(str(snapshot20k), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT id FROM models ORDER BY id").fetchall()]


@pytest.fixture(scope="module")
def pairs(snapshot20k: Path, ids: list[str]) -> npt.NDArray[np.int64]:
    """Row pairs: random ones and pairs of models that both have a card."""
    with_card = sorted(r for rows, _ in iter_card_texts(snapshot20k, CardOptions()) for r in rows)
    rng = np.random.default_rng(2)
    rows = np.concatenate(
        [rng.choice(with_card, size=(200, 2)), rng.integers(0, len(ids), size=(200, 2))]
    )
    rows = rows[rows[:, 0] != rows[:, 1]]
    keys = np.unique(np.minimum(rows[:, 0], rows[:, 1]) * len(ids) + rows.max(axis=1))
    return np.stack([keys // len(ids), keys % len(ids)], axis=1)


def reference(
    db: Path, n_models: int, lo: npt.NDArray[np.int64], hi: npt.NDArray[np.int64]
) -> dict[str, dict[str, Any]]:
    """Each text's fit and cosines as every measuring rule made them for itself: one
    corpus of the sample's and the pairs' models, the fit on the sample's documents."""
    fit_rows = vocabulary_rows(n_models, SAMPLE, SEED)
    assert fit_rows is not None
    read = np.union1d(fit_rows, np.concatenate([lo, hi]))
    corpora = {"metadata_traits": TokenCorpus(), "card": TokenCorpus()}
    at = 0
    for chunk in iter_metadata_strings(db, ["tags", "pipeline_tag", "library_name"], ["traits"],
                                       rows=read):  # fmt: skip
        k = len(chunk["traits"])
        corpora["metadata_traits"].add(read[at : at + k], chunk["traits"])
        at += k
    for rows, texts in iter_card_texts(db, CardOptions(), rows=read):
        corpora["card"].add(rows, texts)
    out = {}
    for name, corpus in corpora.items():
        tokens = corpus.finish()
        fit = tokens.subset(fit_rows)
        vocab = fit_vocabulary(fit, 300, 2)
        on_fit = term_counts(fit, vocab, np.zeros(0, dtype=np.int64))
        counts = term_counts(tokens, vocab, np.concatenate([lo, hi]))
        counts = TermCounts(counts.docs, counts.matrix, on_fit.df, on_fit.n_docs)
        tfidf = unit_rows(sp.csr_matrix(counts.matrix.multiply(idf(counts)[None, :])))
        pos_lo, pos_hi = np.searchsorted(counts.docs, lo), np.searchsorted(counts.docs, hi)
        pos_lo, pos_hi = (np.minimum(p, counts.docs.size - 1) for p in (pos_lo, pos_hi))
        ok = (counts.docs[pos_lo] == lo) & (counts.docs[pos_hi] == hi)
        cos = np.full(lo.size, np.nan)
        cos[ok] = cosine_pairs(tfidf, pos_lo[ok], pos_hi[ok])
        out[name] = {"terms": vocab.terms, "counts": vocab.counts.tolist(),
                     "df": on_fit.df.tolist(), "documents": fit.n_docs, "tfidf": cos}  # fmt: skip
    return out


def test_the_shared_fit_is_each_rules_own_fit(
    snapshot20k: Path, ids: list[str], pairs: npt.NDArray[np.int64], tmp_path: Path
) -> None:
    paths = {
        "vocabulary": tmp_path / "vocabulary.parquet",
        "fit": tmp_path / "vocabulary_fit.json",
        "similarity": tmp_path / "pair_similarity.parquet",
        "stats": tmp_path / "similarity_stats.json",
        "pairs": tmp_path / "kin_pairs.parquet",
    }
    cfg = {**CONFIG, "metadata": {**CONFIG["metadata"], "fields": ["tags", "pipeline_tag",
                                                                    "library_name"]}}  # fmt: skip
    run_fit_similarity_vocabulary(snapshot20k, cfg, paths, seed=SEED)
    lo, hi = pairs[:, 0], pairs[:, 1]
    want = reference(snapshot20k, len(ids), lo, hi)
    table = pq.read_table(paths["vocabulary"]).to_pylist()
    info = json.loads(paths["fit"].read_text())
    assert info["vocabulary_sample"] == SAMPLE
    for name, ref in want.items():
        rows = [r for r in table if r["text"] == name]
        assert [r["term"] for r in rows] == ref["terms"] and len(rows) == 300
        assert [r["count"] for r in rows] == ref["counts"]
        assert [r["df"] for r in rows] == ref["df"]
        assert info["texts"][name]["documents"] == ref["documents"]
    # compute_similarity (and so the resemblance, which measures with the same function)
    pq.write_table(pa.table({"a": [ids[i] for i in lo], "b": [ids[i] for i in hi]}), paths["pairs"])
    run_compute_similarity(
        snapshot20k, paths["pairs"], paths["vocabulary"], paths["fit"], cfg, 1, paths, seed=SEED
    )
    got = pq.read_table(paths["similarity"]).to_pydict()
    assert got["a"] == [ids[i] for i in lo]  # rows come in pair order (lo < hi by id)
    for name, ref in want.items():
        assert np.array_equal(np.asarray(got[f"{name}_tfidf"]), ref["tfidf"], equal_nan=True)
    assert np.isfinite(want["card"]["tfidf"]).sum() >= 150


def test_a_fit_of_other_options_or_another_snapshot_is_refused(
    snapshot20k: Path, ids: list[str]
) -> None:
    opts = SimilarityOptions(variants=("traits",), vocabulary_sample=2_000, vocabulary_size=50)
    fitted = pair_similarity(snapshot20k, [ids[0]], [ids[1]], opts)  # fits for itself
    assert fitted[1].num_rows > 0
    fit = fit_vocabularies(snapshot20k, opts)
    pair_similarity(snapshot20k, [ids[0]], [ids[1]], opts, fit)  # its own options: fine
    other = SimilarityOptions(variants=("traits",), vocabulary_sample=2_000, vocabulary_size=60)
    with pytest.raises(PhylohubError, match="fit them again"):
        pair_similarity(snapshot20k, [ids[0]], [ids[1]], other, fit)
    moved = FittedVocabularies(fit.texts, fit.models + 1, fit.sample, fit.key)
    with pytest.raises(PhylohubError, match="another snapshot"):
        pair_similarity(snapshot20k, [ids[0]], [ids[1]], opts, moved)
