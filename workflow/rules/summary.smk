# Summary: the ecosystem's distributions (the paper's Figure 2), documentation
# availability (its 9.2) and crawl health (logic: src/phylohub/summary/).


rule summarize_ecosystem:
    input:
        db="results/{snapshot}/hub.duckdb",
        arxiv="results/{snapshot}/crawl/arxiv.parquet",
    output:
        distributions="results/{snapshot}/summary/distributions.tsv",
        arxiv_ids="results/{snapshot}/summary/arxiv_ids.tsv",
        arxiv_summary="results/{snapshot}/summary/arxiv_summary.tsv",
        arxiv_template_effect="results/{snapshot}/summary/arxiv_template_effect.tsv",
        availability="results/{snapshot}/summary/availability.tsv",
        doi_downloads="results/{snapshot}/summary/doi_downloads.tsv",
        doi_ratio="results/{snapshot}/summary/doi_ratio.tsv",
        overview="results/{snapshot}/summary/overview.tsv",
    log:
        "logs/{snapshot}/summarize_ecosystem.log",
    benchmark:
        "benchmarks/{snapshot}/summarize_ecosystem.tsv"
    conda:
        "../../envs/phylohub.yaml"
    threads: 2
    resources:
        mem_mb=traits_mem_mb,
    params:
        top=config["summary"]["top"],
    script:
        "../scripts/summarize_ecosystem.py"


rule summarize_crawl:
    input:
        manifest="results/{snapshot}/crawl/listing/manifest.json",
        shards=card_stats_files,
        arxiv="results/{snapshot}/crawl/arxiv.stats.json",
    output:
        health="results/{snapshot}/summary/crawl_health.tsv",
    log:
        "logs/{snapshot}/summarize_crawl.log",
    benchmark:
        "benchmarks/{snapshot}/summarize_crawl.tsv"
    conda:
        "../../envs/phylohub.yaml"
    script:
        "../scripts/summarize_crawl.py"
