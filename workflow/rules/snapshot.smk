# Snapshot: the listing and the card shards merged into one DuckDB file, plus one parquet
# file per table (logic: src/phylohub/snapshot/, reference: docs/snapshot.md).


rule build_snapshot:
    input:
        manifest=results("crawl/listing/manifest.json"),
        cards=card_shard_files,
        configs=config_shard_files,
    output:
        db=results("hub.duckdb"),
        parquet=directory(results("parquet")),
        quality=results("data_quality.tsv"),
    log:
        "logs/{snapshot}/build_snapshot.log",
    benchmark:
        "benchmarks/{snapshot}/build_snapshot.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 2
    resources:
        mem_mb=snapshot_mem_mb,
        runtime=30,
    script:
        "../scripts/build_snapshot.py"
