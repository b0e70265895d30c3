"""The ecosystem's distributions, arXiv categories and documentation availability.

Reads: results/{snapshot}/hub.duckdb, crawl/arxiv.parquet and the genealogy nodes of
summary.families (the DOI downloads ratio's interval resamples those families).
Writes: results/{snapshot}/summary/*.tsv; see phylohub.summary.distributions.
"""

from pathlib import Path

from phylohub.summary.distributions import SummarySettings, write_summary
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
p = snakemake.params
settings = SummarySettings(
    top=p.top,
    families=Path(snakemake.input.families),
    bootstrap=p.bootstrap,
    level=p.level,
    seed=p.seed,
)
out = named_paths(snakemake.output.items())
write_summary(
    Path(snakemake.input.db), Path(snakemake.input.arxiv), out, settings, snakemake.threads
)
