"""Similarity by relation for every measure (each text x TF-IDF, bag of words, Levenshtein).

Reads: similarity/similarity_means.tsv. Writes: figures/similarity_measures.png.
"""

from pathlib import Path

from phylohub.similarity.stage import run_plot_similarity_measures
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
run_plot_similarity_measures(
    Path(snakemake.input.means), snakemake.params.texts, Path(snakemake.output.figure)
)
