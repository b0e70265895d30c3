"""List every model of the hub into resumable parquet parts and write their manifest.

Reads: the hub endpoint (params). Writes: results/{snapshot}/crawl/listing/part-*.parquet
and, once the chain is complete, manifest.json.
"""

from pathlib import Path

from phylohub.crawl.listing import crawl_listing, read_token, write_manifest
from phylohub.crawl.previous import expected_models
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
manifest = Path(snakemake.output.manifest)
# read here, not as params: neither changes what is written, so neither reruns the job
progress = snakemake.config["crawl"]["progress"]
result = crawl_listing(
    snakemake.params.endpoint,
    manifest.parent,
    token=read_token(snakemake.params.token_env),
    page_size=snakemake.params.page_size,
    pages_per_part=snakemake.params.pages_per_part,
    expected=expected_models(
        manifest.parents[3], snakemake.wildcards.snapshot, snakemake.params.endpoint
    ),
    progress_min_interval_s=progress["min_interval_s"],
    progress_max_interval_s=progress["max_interval_s"],
)
write_manifest(manifest, result, snakemake.params.endpoint)
