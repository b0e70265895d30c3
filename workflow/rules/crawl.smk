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
    params:
        endpoint=config["hub"]["endpoint"],
        token_env=config["hub"].get("token_env", ""),
        page_size=config["hub"]["page_size"],
        pages_per_part=config["hub"].get("pages_per_part", 20),
    script:
        "../scripts/list_models.py"
