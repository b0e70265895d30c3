# Helpers for every stage: config validation and input/param functions.
from pathlib import Path

from snakemake.utils import validate

validate(config, "../schemas/config.schema.yaml")


def card_shard_files(wildcards):
    """Every card shard of a snapshot."""
    return expand(
        "results/{snapshot}/crawl/cards/{shard}.parquet",
        snapshot=wildcards.snapshot,
        shard=range(config["crawl"]["shards"]),
    )


def previous_card_files(wildcards):
    """Card shards of the snapshot whose unchanged cards this one reuses ([] if none)."""
    from phylohub.crawl.previous import find_previous_cards

    return find_previous_cards(
        Path("results"), wildcards.snapshot, config["crawl"].get("previous", "auto")
    )


def shard_budget(wildcards):
    """This shard job's share of the global request budget (None: unpaced)."""
    limit = config["crawl"]["rate_limit"]
    if not limit["requests"]:
        return None
    return max(1, limit["requests"] // config["crawl"]["parallel_shards"])


def snapshot_mem_mb(wildcards, input):
    """Memory for build_snapshot (MB): 2 GB plus 3x its inputs, at most 16 GB.

    Measured: 1.86M models with 1.4 GB of card shards build in ~2 min with 6 GB (and
    still finish with 3 GB, DuckDB spilling to disk).
    """
    return min(16000, 2000 + 3 * int(input.size_mb))
