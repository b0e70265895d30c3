"""Figure 7: similarity by relation and inside kin shapes (metadata TF-IDF).

Reads: similarity/similarity_means.tsv, similarity_shape_means.tsv, similarity_tests.tsv.
Writes: results/{snapshot}/figures/similarity_by_relation.png.
"""

from pathlib import Path

from phylohub.similarity.stage import run_plot_similarity_by_relation
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
run_plot_similarity_by_relation(
    Path(snakemake.input.means),
    Path(snakemake.input.shape_means),
    Path(snakemake.input.tests),
    snakemake.params.variants,
    Path(snakemake.output.figure),
)
