# Crawl: the model listing (and, later, the cards) from the Hub or the replica.


rule list_models:
    output:
        manifest="results/{snapshot}/crawl/listing/manifest.json",
    log:
        "logs/{snapshot}/list_models.log",
    benchmark:
        "benchmarks/{snapshot}/list_models.tsv"
    retries: 2
    conda:
        "../../envs/phylohub.yaml"
    resources:
        hub_requests=1,
        runtime=120,
    params:
        endpoint=config["hub"]["endpoint"],
        token_env=config["hub"].get("token_env", ""),
        page_size=config["hub"]["page_size"],
        pages_per_part=config["hub"].get("pages_per_part", 20),
    script:
        "../scripts/list_models.py"


rule fetch_cards:
    input:
        manifest="results/{snapshot}/crawl/listing/manifest.json",
    output:
        cards="results/{snapshot}/crawl/cards/{shard}.parquet",
        stats="results/{snapshot}/crawl/cards/{shard}.stats.json",
    log:
        "logs/{snapshot}/fetch_cards/{shard}.log",
    benchmark:
        "benchmarks/{snapshot}/fetch_cards/{shard}.tsv"
    retries: 2
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        hub_requests=1,
        mem_mb=3000,
        runtime=fetch_cards_runtime,
    params:
        endpoint=config["hub"]["endpoint"],
        token_env=config["hub"].get("token_env", ""),
        shards=config["crawl"]["shards"],
        threads=config["crawl"]["threads"],
        max_bytes=config["crawl"]["max_card_bytes"],
        max_error_share=config["crawl"].get("max_error_share", 0.01),
        quota=shard_budget,
        window_s=config["crawl"]["rate_limit"]["window_s"],
        previous=previous_card_files,
    script:
        "../scripts/fetch_cards.py"
