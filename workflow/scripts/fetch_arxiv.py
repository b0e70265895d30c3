"""Fetch the arXiv categories of every paper the snapshot's models cite.

Reads: results/{snapshot}/hub.duckdb (traits.arxiv, cards.auto_generated); the arXiv
cache shared by snapshots (arxiv.cache).
Writes: results/{snapshot}/crawl/arxiv.parquet (one row per cited id) and
arxiv.stats.json (requests, cache hits, statuses, seconds).
"""

from pathlib import Path

from phylohub.crawl.arxiv import ArxivJob, fetch_arxiv
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
p = snakemake.params
job = ArxivJob(
    endpoint=p.endpoint,
    batch_size=p.batch_size,
    delay_s=p.delay_s,
    max_attempts=p.max_attempts,
    template_share=p.template_share,
    template_min_models=p.template_min_models,
    max_error_share=p.max_error_share,
)
out = snakemake.output
fetch_arxiv(Path(snakemake.input.hub), Path(out.papers), Path(out.stats), Path(p.cache), job)
