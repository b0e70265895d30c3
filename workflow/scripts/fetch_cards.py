"""Fetch the cards (or, for rule fetch_configs, each config.json) of one shard of the
listing, paced by its share of the rate budget.

Reads: the listing parts named in the manifest; a previous snapshot's shards; the
card dump's rows (crawl.bootstrap, cards only).
Writes: results/{snapshot}/crawl/cards/{shard}.parquet and {shard}.stats.json (or
crawl/configs/).
"""

import json
from pathlib import Path

from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.listing import read_token
from phylohub.crawl.ratelimit import RateBudget
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
p = snakemake.params
progress = snakemake.config["crawl"]["progress"]  # not a param: it changes no output
manifest = Path(snakemake.input.manifest)
parts = [manifest.parent / name for name in json.loads(manifest.read_text())["parts"]]
job = CardJob(
    endpoint=p.endpoint,
    shard=int(snakemake.wildcards.shard),
    n_shards=p.shards,
    token=read_token(p.token_env),
    concurrency=p.concurrency,
    max_bytes=p.max_bytes,
    max_error_share=p.max_error_share,
    progress_min_interval_s=progress["min_interval_s"],
    progress_max_interval_s=progress["max_interval_s"],
    filename=getattr(p, "filename", "README.md"),
    select=getattr(p, "select", "all"),
)
budget = RateBudget(p.quota, p.window_s)
bootstrap = Path(b) if (b := snakemake.input.get("bootstrap")) else None
out = snakemake.output.get("cards") or snakemake.output.configs
fetch_shard(job, parts, Path(out), budget, [Path(f) for f in p.previous], bootstrap)
