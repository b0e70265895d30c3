"""Crawl health per card shard: statuses, requests, retries, 429s and seconds.

Reads: results/{snapshot}/summary/crawl_health.tsv.
Writes: results/{snapshot}/figures/crawl_health.png and .svg.
"""

from pathlib import Path

import polars as pl

from phylohub.summary.plots import plot_crawl_health
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_crawl_health(pl.read_csv(snakemake.input.health, separator="\t"), Path(snakemake.output.png))
