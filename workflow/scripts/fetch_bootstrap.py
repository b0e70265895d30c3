"""Download the public card dump once for the snapshot (crawl.bootstrap), paced and counted.

Reads: the dataset repository crawl.bootstrap on the Hub (or the replica).
Writes: results/{snapshot}/crawl/bootstrap.parquet and bootstrap.stats.json.
"""

from pathlib import Path

from phylohub.crawl.bootstrap import fetch_dump
from phylohub.crawl.listing import read_token
from phylohub.crawl.ratelimit import RateBudget
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
p = snakemake.params
out = Path(snakemake.output.dump)
cache = out.parent / "bootstrap-cache"  # huggingface_hub's cache: a rerun resumes there
budget = RateBudget(p.quota, p.window_s)
fetch_dump(p.endpoint, p.repo, out, cache, budget, read_token(p.token_env))
