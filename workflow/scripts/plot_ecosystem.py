"""The ecosystem at a glance: the paper's Figure 2, one panel per trait.

Reads: results/{snapshot}/summary/distributions.tsv, arxiv_template_effect.tsv and
arxiv_summary.tsv.
Writes: results/{snapshot}/figures/ecosystem_distributions.png and .svg.
"""

from pathlib import Path

import polars as pl

from phylohub.summary.distributions import read_distributions
from phylohub.summary.plots import plot_distributions
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_distributions(
    read_distributions(Path(snakemake.input.distributions)),
    pl.read_csv(snakemake.input.arxiv_template_effect, separator="\t"),
    Path(snakemake.output.png),
    top=snakemake.params.top,
    arxiv_summary=pl.read_csv(
        snakemake.input.arxiv_summary, separator="\t", schema_overrides={"value": pl.String}
    ),
)
