# Merges as sexual reproduction: pedigrees of two or more parents, inbreeding and
# kinship (logic: src/phylohub/merges/).


rule trace_merges:
    input:
        unpack(merges_genealogy_tables),
    output:
        merges=results("merges/merges.parquet"),
        pairs=results("merges/parent_pairs.parquet"),
        by_parents=results("merges/by_parents.tsv"),
        components=results("merges/components.tsv"),
        lineage=results("merges/lineage.tsv"),
        claims=results("merges/claims.tsv"),
        summary=results("merges/summary.json"),
    log:
        "logs/{snapshot}/trace_merges.log",
    benchmark:
        "benchmarks/{snapshot}/trace_merges.tsv"
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=genealogy_mem_mb,
        runtime=20,
    script:
        "../scripts/trace_merges.py"
