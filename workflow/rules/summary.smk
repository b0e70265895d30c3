# Summary: the ecosystem's distributions (the paper's Figure 2), documentation
# availability (its 9.2) and crawl health (logic: src/phylohub/summary/).


rule summarize_ecosystem:
    input:
        db=results("hub.duckdb"),
        arxiv=results("crawl/arxiv.parquet"),
        families=results(f"genealogy/{config['summary']['families']}/nodes.parquet"),
    output:
        distributions=results("summary/distributions.tsv"),
        arxiv_ids=results("summary/arxiv_ids.tsv"),
        arxiv_summary=results("summary/arxiv_summary.tsv"),
        arxiv_template_effect=results("summary/arxiv_template_effect.tsv"),
        availability=results("summary/availability.tsv"),
        doi_downloads=results("summary/doi_downloads.tsv"),
        doi_ratio=results("summary/doi_ratio.tsv"),
        overview=results("summary/overview.tsv"),
    log:
        "logs/{snapshot}/summarize_ecosystem.log",
    benchmark:
        "benchmarks/{snapshot}/summarize_ecosystem.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=narrow_read_mem_mb,
    params:
        top=config["summary"]["top"],
        bootstrap=config["summary"]["bootstrap"],
        level=config["summary"]["level"],
        seed=config["seed"],
    script:
        "../scripts/summarize_ecosystem.py"


rule summarize_crawl:
    input:
        unpack(bootstrap_stats_input),
        manifest=results("crawl/listing/manifest.json"),
        shards=card_stats_files,
        configs=config_stats_files,
        arxiv=results("crawl/arxiv.stats.json"),
    output:
        health=results("summary/crawl_health.tsv"),
    log:
        "logs/{snapshot}/summarize_crawl.log",
    benchmark:
        "benchmarks/{snapshot}/summarize_crawl.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    script:
        "../scripts/summarize_crawl.py"


# Its figures, each written as PNG (300 dpi) and SVG, drawn in one job: a process per
# figure cost about 1-2 s of start-up and imports each, more than the drawing (logic:
# src/phylohub/summary/plots.py).


rule plot_summary:
    input:
        distributions=results("summary/distributions.tsv"),
        arxiv_template_effect=results("summary/arxiv_template_effect.tsv"),
        arxiv_summary=results("summary/arxiv_summary.tsv"),
        availability=results("summary/availability.tsv"),
        doi_downloads=results("summary/doi_downloads.tsv"),
        health=results("summary/crawl_health.tsv"),
    output:
        ecosystem=report(
            results("figures/ecosystem_distributions.png"),
            caption="../report/ecosystem_distributions.rst",
            category="Ecosystem",
        ),
        ecosystem_svg=results("figures/ecosystem_distributions.svg"),
        availability=report(
            results("figures/documentation_availability.png"),
            caption="../report/documentation_availability.rst",
            category="Ecosystem",
        ),
        availability_svg=results("figures/documentation_availability.svg"),
        crawl_health=report(
            results("figures/crawl_health.png"),
            caption="../report/crawl_health.rst",
            category="Crawl",
        ),
        crawl_health_svg=results("figures/crawl_health.svg"),
    log:
        "logs/{snapshot}/plot_summary.log",
    benchmark:
        "benchmarks/{snapshot}/plot_summary.tsv"
    priority: LONG_FIGURE
    conda:
        "../../envs/phylohub.yaml"
    params:
        top=config["summary"]["figure_top"],
    script:
        "../scripts/plot_summary.py"
