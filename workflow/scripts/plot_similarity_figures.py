"""The similarity stage's figures in one process: Figure 7 (similarity by relation and
inside kin shapes, metadata TF-IDF) and similarity by relation for every measure (each
text x TF-IDF, bag of words, Levenshtein). One job, because each figure alone took about
as long to draw as a process takes to start and import matplotlib.

Reads: similarity/similarity_means.tsv, similarity_shape_means.tsv, similarity_tests.tsv.
Writes: results/{snapshot}/figures/similarity_by_relation and similarity_measures, each
.png and .svg.
"""

from pathlib import Path

from phylohub.similarity.stage import run_plot_similarity_by_relation, run_plot_similarity_measures
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
run_plot_similarity_by_relation(
    Path(snakemake.input.means),
    Path(snakemake.input.shape_means),
    Path(snakemake.input.tests),
    snakemake.params.variants,
    Path(snakemake.output.by_relation),
)
run_plot_similarity_measures(
    Path(snakemake.input.means), snakemake.params.texts, Path(snakemake.output.measures)
)
