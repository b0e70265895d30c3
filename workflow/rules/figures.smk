# Figures of the summary stage, each written as PNG (300 dpi) and SVG
# (logic: src/phylohub/summary/plots.py; shared style: src/phylohub/figures/).


rule plot_ecosystem:
    input:
        distributions="results/{snapshot}/summary/distributions.tsv",
        arxiv_template_effect="results/{snapshot}/summary/arxiv_template_effect.tsv",
        arxiv_summary="results/{snapshot}/summary/arxiv_summary.tsv",
    output:
        png=report(
            "results/{snapshot}/figures/ecosystem_distributions.png",
            caption="../report/ecosystem_distributions.rst",
            category="Ecosystem",
        ),
        svg="results/{snapshot}/figures/ecosystem_distributions.svg",
    log:
        "logs/{snapshot}/plot_ecosystem.log",
    benchmark:
        "benchmarks/{snapshot}/plot_ecosystem.tsv"
    conda:
        "../../envs/phylohub.yaml"
    params:
        top=config["summary"]["figure_top"],
    script:
        "../scripts/plot_ecosystem.py"


rule plot_documentation_availability:
    input:
        availability="results/{snapshot}/summary/availability.tsv",
        doi_downloads="results/{snapshot}/summary/doi_downloads.tsv",
    output:
        png=report(
            "results/{snapshot}/figures/documentation_availability.png",
            caption="../report/documentation_availability.rst",
            category="Ecosystem",
        ),
        svg="results/{snapshot}/figures/documentation_availability.svg",
    log:
        "logs/{snapshot}/plot_documentation_availability.log",
    benchmark:
        "benchmarks/{snapshot}/plot_documentation_availability.tsv"
    conda:
        "../../envs/phylohub.yaml"
    script:
        "../scripts/plot_documentation_availability.py"


rule plot_crawl_health:
    input:
        health="results/{snapshot}/summary/crawl_health.tsv",
    output:
        png=report(
            "results/{snapshot}/figures/crawl_health.png",
            caption="../report/crawl_health.rst",
            category="Crawl",
        ),
        svg="results/{snapshot}/figures/crawl_health.svg",
    log:
        "logs/{snapshot}/plot_crawl_health.log",
    benchmark:
        "benchmarks/{snapshot}/plot_crawl_health.tsv"
    conda:
        "../../envs/phylohub.yaml"
    script:
        "../scripts/plot_crawl_health.py"
