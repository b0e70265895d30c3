# Merges as sexual reproduction: pedigrees of two or more parents, inbreeding and
# kinship (logic: src/phylohub/merges/).


rule trace_merges:
    input:
        unpack(merges_genealogy_tables),
        families=results(f"genealogy/{config['merges']['families']}/families.parquet"),
    output:
        merges=results("merges/merges.parquet"),
        pairs=results("merges/parent_pairs.parquet"),
        by_parents=results("merges/by_parents.tsv"),
        components=results("merges/components.tsv"),
        lineage=results("merges/lineage.tsv"),
        claims=results("merges/claims.tsv"),
        families=results("merges/inbreeding_families.tsv"),
        inbred_lineages=results("merges/inbred_lineages.tsv"),
        summary=results("merges/summary.json"),
    log:
        "logs/{snapshot}/trace_merges.log",
    benchmark:
        "benchmarks/{snapshot}/trace_merges.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=genealogy_mem_mb,
        runtime=20,
    params:
        level=config["merges"]["level"],
    script:
        "../scripts/trace_merges.py"


rule measure_merge_inheritance:
    input:
        db=results("hub.duckdb"),
        merges=results("merges/merges.parquet"),
        orderings=results("traits/orderings.json"),
        rates=results("traits/mutation_rates.parquet"),
    output:
        classes=results("merges/inheritance.parquet"),
        shares=results("merges/inheritance_shares.tsv"),
        dominance=results("merges/license_dominance.tsv"),
        mutation=results("merges/mutation_rates.tsv"),
        claims=results("merges/inheritance_claims.tsv"),
        summary=results("merges/inheritance.json"),
    log:
        "logs/{snapshot}/measure_merge_inheritance.log",
    benchmark:
        "benchmarks/{snapshot}/measure_merge_inheritance.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=narrow_read_mem_mb,
        runtime=20,
    params:
        seed=config["seed"],
        replicates=config["merges"]["bootstrap"],
        level=config["merges"]["level"],
    script:
        "../scripts/measure_merge_inheritance.py"


rule measure_merge_resemblance:
    input:
        unpack(merges_dag_tables),
        db=results("hub.duckdb"),
        merges=results("merges/merges.parquet"),
        vocabulary=results("similarity/vocabulary.parquet"),
        fit=results("similarity/vocabulary_fit.json"),
        card_texts=results("similarity/card_texts.parquet"),
    output:
        pairs=results("merges/resemblance.parquet"),
        summary=results("merges/resemblance.tsv"),
        claims=results("merges/resemblance_claims.tsv"),
    log:
        "logs/{snapshot}/measure_merge_resemblance.log",
    benchmark:
        "benchmarks/{snapshot}/measure_merge_resemblance.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=similarity_mem_mb,
        runtime=30,
    params:
        options=similarity_options(),
        control=config["merges"]["resemblance_control"],
        seed=config["seed"],
        replicates=config["merges"]["bootstrap"],
        level=config["merges"]["level"],
    script:
        "../scripts/measure_merge_resemblance.py"


# Every figure of the stage in one job (the resemblance figure too): a process per figure
# cost about 1-2 s of start-up and imports, about what the resemblance figure takes.


rule plot_merges:
    input:
        lineage=results("merges/lineage.tsv"),
        edges=results(f"genealogy/{config['merges']['relations']}/edges.parquet"),
        shares=results("merges/inheritance_shares.tsv"),
        dominance=results("merges/license_dominance.tsv"),
        merges=results("merges/merges.parquet"),
        families=results("merges/inbreeding_families.tsv"),
        resemblance=results("merges/resemblance.tsv"),
        resemblance_claims=results("merges/resemblance_claims.tsv"),
    output:
        pedigree=report(
            results("figures/merges_pedigree.png"),
            caption="../report/merges_pedigree.rst",
            category="Merges",
        ),
        shares=report(
            results("figures/merges_inheritance.png"),
            caption="../report/merges_inheritance.rst",
            category="Merges",
        ),
        dominance=report(
            results("figures/merges_license_dominance.png"),
            caption="../report/merges_license_dominance.rst",
            category="Merges",
        ),
        inbreeding=report(
            results("figures/merges_inbreeding.png"),
            caption="../report/merges_inbreeding.rst",
            category="Merges",
        ),
        resemblance=report(
            results("figures/merges_resemblance.png"),
            caption="../report/merges_resemblance.rst",
            category="Merges",
        ),
    log:
        "logs/{snapshot}/plot_merges.log",
    benchmark:
        "benchmarks/{snapshot}/plot_merges.tsv"
    priority: LONG_FIGURE
    conda:
        "../../envs/phylohub.yaml"
    params:
        top=config["merges"]["matrix_top"],
    script:
        "../scripts/plot_merges.py"
