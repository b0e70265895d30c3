"""The summary stage's figures in one process: the ecosystem at a glance (the paper's
Figure 2), documentation availability (its 9.2) with the downloads of models with a DOI,
and crawl health per card shard. One job, because each figure alone took less time to
draw than a process takes to start and import matplotlib.

Reads: results/{snapshot}/summary/distributions.tsv, arxiv_template_effect.tsv,
arxiv_summary.tsv, availability.tsv, doi_downloads.tsv and crawl_health.tsv.
Writes: results/{snapshot}/figures/ecosystem_distributions, documentation_availability
and crawl_health, each .png and .svg.
"""

from pathlib import Path

import polars as pl

from phylohub.summary.distributions import read_distributions
from phylohub.summary.plots import plot_availability, plot_crawl_health, plot_distributions
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_distributions(
    read_distributions(Path(snakemake.input.distributions)),
    pl.read_csv(snakemake.input.arxiv_template_effect, separator="\t"),
    Path(snakemake.output.ecosystem),
    top=snakemake.params.top,
    arxiv_summary=pl.read_csv(
        snakemake.input.arxiv_summary, separator="\t", schema_overrides={"value": pl.String}
    ),
)
plot_availability(
    pl.read_csv(snakemake.input.availability, separator="\t"),
    pl.read_csv(snakemake.input.doi_downloads, separator="\t"),
    Path(snakemake.output.availability),
)
plot_crawl_health(
    pl.read_csv(snakemake.input.health, separator="\t"), Path(snakemake.output.crawl_health)
)
