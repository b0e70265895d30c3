# The license audit: every edge's declared license change judged against the parent's
# terms, per family and ecosystem-wide, and its figures (logic: src/phylohub/licenses/).


rule audit_licenses:
    input:
        db=results("hub.duckdb"),
        nodes=licenses_nodes,
        drift_pairs=results("traits/drift_pairs.parquet"),
    output:
        edges=results("licenses/edges.parquet"),
        families=results("licenses/families.parquet"),
        rates=results("licenses/breach_rates.tsv"),
        pairs=results("licenses/license_pairs.tsv"),
        drifts=results("licenses/drifts.tsv"),
        summary=results("licenses/summary.json"),
    log:
        "logs/{snapshot}/audit_licenses.log",
    benchmark:
        "benchmarks/{snapshot}/audit_licenses.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=narrow_read_mem_mb,
        runtime=20,
    params:
        level=config["licenses"]["level"],
    script:
        "../scripts/audit_licenses.py"


rule plot_license_breaches:
    input:
        pairs=results("licenses/license_pairs.tsv"),
        rates=results("licenses/breach_rates.tsv"),
    output:
        matrix=report(
            results("figures/licenses_breach_matrix.png"),
            caption="../report/licenses_breach_matrix.rst",
            category="Licenses",
        ),
        rates=report(
            results("figures/licenses_breach_rates.png"),
            caption="../report/licenses_breach_rates.rst",
            category="Licenses",
        ),
    log:
        "logs/{snapshot}/plot_license_breaches.log",
    benchmark:
        "benchmarks/{snapshot}/plot_license_breaches.tsv"
    conda:
        "../../envs/phylohub.yaml"
    params:
        top=config["licenses"]["matrix_top"],
    script:
        "../scripts/plot_license_breaches.py"
