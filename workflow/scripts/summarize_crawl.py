"""Crawl health: requests, statuses, retries, 429s and seconds of every crawl job.

Reads: results/{snapshot}/crawl/listing/manifest.json, crawl/cards/*.stats.json,
crawl/configs/*.stats.json (crawl.configs),
crawl/bootstrap.stats.json (crawl.bootstrap) and crawl/arxiv.stats.json.
Writes: results/{snapshot}/summary/crawl_health.tsv.
"""

from pathlib import Path

from phylohub.io import write_tsv
from phylohub.summary.health import crawl_health
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
health = crawl_health(
    Path(snakemake.input.manifest),
    [Path(p) for p in snakemake.input.shards],
    Path(snakemake.input.arxiv),
    [Path(p) for p in snakemake.input.configs],
    Path(b) if (b := snakemake.input.get("bootstrap")) else None,
)
write_tsv(health, Path(snakemake.output.health))
