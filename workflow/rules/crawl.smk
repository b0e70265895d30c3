# Crawl: the model listing, the cards (and with crawl.configs each config.json, through
# the same sharded, paced, resumable fetcher) from the Hub or the replica; the arXiv
# categories of the papers the snapshot's models cite, from the arXiv API.


rule list_models:
    output:
        manifest=results("crawl/listing/manifest.json"),
    log:
        "logs/{snapshot}/list_models.log",
    benchmark:
        "benchmarks/{snapshot}/list_models.tsv"
    priority: TABLES_FIRST
    retries: 2
    conda:
        "../../envs/phylohub.yaml"
    resources:
        hub_requests=1,
        runtime=120,
    params:
        endpoint=config["hub"]["endpoint"],
        token_env=config["hub"]["token_env"],
        page_size=config["hub"]["page_size"],
        pages_per_part=config["hub"]["pages_per_part"],
        ecosystem=served_ecosystem,
    script:
        "../scripts/list_models.py"


rule fetch_bootstrap:
    input:
        manifest=results("crawl/listing/manifest.json"),
    output:
        dump=results("crawl/bootstrap.parquet"),
        stats=results("crawl/bootstrap.stats.json"),
    log:
        "logs/{snapshot}/fetch_bootstrap.log",
    benchmark:
        "benchmarks/{snapshot}/fetch_bootstrap.tsv"
    priority: TABLES_FIRST
    retries: 2
    conda:
        "../../envs/phylohub.yaml"
    resources:
        hub_requests=1,
    params:
        endpoint=config["hub"]["endpoint"],
        token_env=config["hub"]["token_env"],
        repo=config["crawl"]["bootstrap"],
        quota=shard_budget,
        window_s=config["crawl"]["rate_limit"]["window_s"],
    script:
        "../scripts/fetch_bootstrap.py"


rule fetch_cards:
    input:
        unpack(bootstrap_input),
        manifest=results("crawl/listing/manifest.json"),
    output:
        cards=results("crawl/cards/{shard}.parquet"),
        stats=results("crawl/cards/{shard}.stats.json"),
    log:
        "logs/{snapshot}/fetch_cards/{shard}.log",
    benchmark:
        "benchmarks/{snapshot}/fetch_cards/{shard}.tsv"
    priority: TABLES_FIRST
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
        token_env=config["hub"]["token_env"],
        shards=config["crawl"]["shards"],
        concurrency=config["crawl"]["concurrency"],
        max_bytes=config["crawl"]["max_card_bytes"],
        max_error_share=config["crawl"]["max_error_share"],
        quota=shard_budget,
        window_s=config["crawl"]["rate_limit"]["window_s"],
        previous=previous_card_files,
    script:
        "../scripts/fetch_cards.py"


rule fetch_configs:
    input:
        manifest=results("crawl/listing/manifest.json"),
    output:
        configs=results("crawl/configs/{shard}.parquet"),
        stats=results("crawl/configs/{shard}.stats.json"),
    log:
        "logs/{snapshot}/fetch_configs/{shard}.log",
    benchmark:
        "benchmarks/{snapshot}/fetch_configs/{shard}.tsv"
    priority: TABLES_FIRST
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
        token_env=config["hub"]["token_env"],
        shards=config["crawl"]["shards"],
        concurrency=config["crawl"]["concurrency"],
        max_bytes=config["crawl"]["max_card_bytes"],
        max_error_share=config["crawl"]["max_error_share"],
        quota=shard_budget,
        window_s=config["crawl"]["rate_limit"]["window_s"],
        previous=previous_config_files,
        filename="config.json",
        select=config["crawl"]["configs"],
    script:
        "../scripts/fetch_cards.py"


rule fetch_arxiv:
    input:
        hub=results("hub.duckdb"),
    output:
        papers=results("crawl/arxiv.parquet"),
        stats=results("crawl/arxiv.stats.json"),
    log:
        "logs/{snapshot}/fetch_arxiv.log",
    benchmark:
        "benchmarks/{snapshot}/fetch_arxiv.tsv"
    priority: TABLES_FIRST
    retries: 2
    conda:
        "../../envs/phylohub.yaml"
    resources:
        arxiv_requests=1,
    params:
        endpoint=config["arxiv"]["endpoint"],
        batch_size=config["arxiv"]["batch_size"],
        delay_s=config["arxiv"]["delay_s"],
        max_attempts=config["arxiv"]["max_attempts"],
        template_share=config["arxiv"]["template_share"],
        template_min_models=config["arxiv"]["template_min_models"],
        max_error_share=config["arxiv"]["max_error_share"],
        cache=config["arxiv"]["cache"],
    script:
        "../scripts/fetch_arxiv.py"
