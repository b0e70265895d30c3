"""Merge the listing and the card shards into the snapshot database and its parquet tables.

Reads: results/{snapshot}/crawl/listing/manifest.json (and the parts it names) and the
card shards results/{snapshot}/crawl/cards/{shard}.parquet (and crawl/configs/, with
crawl.configs). Writes:
results/{snapshot}/hub.duckdb, results/{snapshot}/parquet/<table>.parquet and
results/{snapshot}/data_quality.tsv (flags per rule, phylohub.snapshot.quality).
"""

from pathlib import Path

from phylohub.snapshot import build_snapshot, read_listing_manifest
from phylohub.snapshot.quality import write_quality_counts
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
parts, listed = read_listing_manifest(Path(snakemake.input.manifest))
build_snapshot(
    parts,
    [Path(p) for p in snakemake.input.cards],
    Path(snakemake.output.db),
    Path(snakemake.output.parquet),
    expected_models=listed,
    config_shards=[Path(p) for p in snakemake.input.configs],
    threads=snakemake.threads,
    memory_mb=snakemake.resources.mem_mb,
)
write_quality_counts(Path(snakemake.output.db), Path(snakemake.output.quality))
