"""The ecosystem's distributions, arXiv categories and documentation availability.

Reads: results/{snapshot}/hub.duckdb and crawl/arxiv.parquet.
Writes: results/{snapshot}/summary/*.tsv; see phylohub.summary.distributions.
"""

from pathlib import Path

from phylohub.summary.distributions import SummarySettings, write_summary
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
settings = SummarySettings(top=snakemake.params.top)
out = named_paths(snakemake.output.items())
write_summary(
    Path(snakemake.input.db), Path(snakemake.input.arxiv), out, settings, snakemake.threads
)
