# Findings (every headline number beside the paper's) and the report's own pages
# (logic: src/phylohub/findings/). The HTML report itself:
#   snakemake --configfile CONFIG --report results/{snapshot}/report.html


rule write_findings:
    input:
        unpack(findings_tables),
    output:
        json=results("findings.json"),
        md=results("findings.md"),
        html=report(
            results("findings.html"),
            caption="../report/findings.rst",
            category="Findings",
        ),
    log:
        "logs/{snapshot}/write_findings.log",
    benchmark:
        "benchmarks/{snapshot}/write_findings.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    params:
        # read through phylohub.findings.spec.Choices; here so that a change reruns it
        min_parents=config["traits"]["min_parents"],
    script:
        "../scripts/write_findings.py"
