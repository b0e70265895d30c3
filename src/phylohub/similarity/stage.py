"""What the similarity rules run: read their inputs, call the package, write their outputs.

Each function is one rule of ``workflow/rules/similarity.smk`` (after
:func:`phylohub.kinship.pairs.write_kin_pairs`, which is ``sample_kin_pairs``). Tables
between rules are parquet (pairs, similarities) or tab-separated text (summaries).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from phylohub import io

__all__ = [
    "read_tsv",
    "run_compute_similarity",
    "run_fit_similarity_vocabulary",
    "run_plot_similarity_by_relation",
    "run_plot_similarity_measures",
    "run_summarize_similarity",
]

log = logging.getLogger(__name__)


def read_tsv(path: Path) -> pa.Table:
    """A summary table (written by :func:`phylohub.io.write_tsv`) as an Arrow table."""
    return io.read_tsv(path).to_arrow()


def run_fit_similarity_vocabulary(
    db: Path, options: dict[str, Any], out: dict[str, Path], seed: int = 0
) -> None:
    """Rule ``fit_similarity_vocabulary``: every text's vocabulary and document
    frequencies (``vocabulary``: the table; ``fit``: sizes and the options, JSON; and,
    when ``out`` names ``card_texts``, every model's prepared card, parquet).

    Its own rule so that the fit depends on the snapshot and the options only: the kin
    pairs (their draws, the genealogy) can change without refitting, and
    ``compute_similarity`` and ``measure_merge_resemblance`` share one fit.
    """
    from phylohub.similarity.measures import SimilarityOptions, fit_vocabularies

    opts = SimilarityOptions.from_config(options, seed=seed)
    fit_vocabularies(db, opts, out.get("card_texts")).write(out["vocabulary"], out["fit"])


def run_compute_similarity(
    db: Path,
    pairs: Path,
    vocabulary: Path,
    fit: Path,
    options: dict[str, Any],
    threads: int,
    out: dict[str, Path],
    seed: int = 0,
    card_texts: Path | None = None,
) -> None:
    """Rule ``compute_similarity``: every measure of every distinct kin pair, with the
    vocabularies of ``fit_similarity_vocabulary`` (``vocabulary`` and ``fit``) and the
    prepared cards it wrote (``card_texts``; None: read from the snapshot)."""
    from phylohub.similarity.measures import FittedVocabularies, SimilarityOptions, pair_similarity

    opts = SimilarityOptions.from_config(options, threads=threads, seed=seed)
    fitted = FittedVocabularies.read(vocabulary, fit)
    kin = pq.read_table(pairs, columns=["a", "b"])
    table, _, stats = pair_similarity(db, kin["a"], kin["b"], opts, fitted, card_texts)
    io.write_parquet(table, out["similarity"])
    io.write_json(stats, out["stats"])
    log.info(
        "similarity: %s distinct pairs in %.1f s", f"{table.num_rows:,}", stats["seconds"]["total"]
    )


def run_summarize_similarity(
    pairs: Path,
    shapes: Path,
    similarity: Path,
    measures: Sequence[str],
    resamples: int,
    confidence: float,
    seed: int,
    out: dict[str, Path],
    min_families: int = 10,
) -> None:
    """Rule ``summarize_similarity``: means, shape means and tests, as TSV."""
    from phylohub.similarity.summary import PAIR_COLUMNS, summarize

    counts = read_tsv(shapes).to_pylist()
    occurrences = {r["shape"]: int(r["occurrences"]) for r in counts}
    # Only the columns the summary uses (the kin pairs carry relations, distances, ...);
    # the ids as the files' dictionaries, so the summary encodes distinct ids only.
    ids = ["a", "b"]
    summary = summarize(
        pq.read_table(pairs, columns=list(PAIR_COLUMNS), read_dictionary=ids),
        pq.read_table(similarity, columns=[*ids, *measures], read_dictionary=ids),
        measures,
        occurrences,
        resamples=resamples,
        confidence=confidence,
        seed=seed,
        min_families=min_families,
    )
    io.write_tsv(summary.means, out["means"])
    io.write_tsv(summary.shape_means, out["shape_means"])
    io.write_tsv(summary.tests, out["tests"])


def run_plot_similarity_by_relation(
    means: Path, shape_means: Path, tests: Path, variants: Sequence[str], out: Path
) -> None:
    """Rule ``plot_similarity_figures``, its first figure: the paper's Figure 7."""
    from phylohub.similarity.plots import plot_similarity_by_relation

    plot_similarity_by_relation(
        read_tsv(means), read_tsv(shape_means), read_tsv(tests), out, variants
    )


def run_plot_similarity_measures(means: Path, texts: Sequence[str], out: Path) -> None:
    """Rule ``plot_similarity_figures``, its second figure: every measure by relation."""
    from phylohub.similarity.plots import plot_similarity_measures

    plot_similarity_measures(read_tsv(means), out, texts)
