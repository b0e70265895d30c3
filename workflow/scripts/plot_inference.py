"""Draw the inferred edges by relation and confidence, and precision and recall per
signal. Reads: results/{snapshot}/inference/. Writes: the two figures; see
phylohub.inference.plots.
"""

from pathlib import Path

from phylohub.inference.plots import plot_inference
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_inference(
    Path(snakemake.input.edges),
    Path(snakemake.input.precision_recall),
    Path(snakemake.output.edges),
    Path(snakemake.output.precision_recall),
    min_confidence=snakemake.params.min_confidence,
)
