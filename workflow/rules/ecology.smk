# Ecology: births, reproductive life and succession of the families of the genealogy
# stage (logic: src/phylohub/ecology/).


rule build_ecology:
    input:
        db=results("hub.duckdb"),
        nodes=ecology_set_files("nodes.parquet"),
        families=ecology_set_files("families.parquet"),
    output:
        monthly=results("ecology/births_monthly.tsv"),
        births=results("ecology/births.parquet"),
        family_months=results("ecology/family_months.parquet"),
        life=results("ecology/life.parquet"),
        life_summary=results("ecology/life_summary.tsv"),
        top_families=results("ecology/top_families.tsv"),
        shares=results("ecology/succession_shares.parquet"),
        handovers=results("ecology/handovers.tsv"),
        niches=results("ecology/niches.tsv"),
        spread=results("ecology/niche_spread.parquet"),
        entries=results("ecology/niche_entries.parquet"),
        tests=results("ecology/ecology_tests.tsv"),
        summary=results("ecology/summary.json"),
    log:
        "logs/{snapshot}/build_ecology.log",
    benchmark:
        "benchmarks/{snapshot}/build_ecology.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=ecology_mem_mb,
        runtime=20,
    params:
        sets=config["ecology"]["relation_sets"],
        succession=config["ecology"]["succession_relations"],
        settings=ecology_settings,
    script:
        "../scripts/build_ecology.py"


# Every figure of the stage in one job (the deaths' too): a process per figure cost about
# 1-2 s of start-up and imports, more than the deaths figure takes to draw.


rule plot_ecology:
    input:
        monthly=results("ecology/births_monthly.tsv"),
        shares=results("ecology/succession_shares.parquet"),
        handovers=results("ecology/handovers.tsv"),
        life=results("ecology/life.parquet"),
        deaths_monthly=results("ecology/deaths_monthly.tsv"),
        deaths_summary=results("ecology/deaths_summary.json"),
    output:
        births=report(
            results("figures/ecology_births.png"),
            caption="../report/ecology_births.rst",
            category="Ecology",
        ),
        succession=report(
            results("figures/ecology_succession.png"),
            caption="../report/ecology_succession.rst",
            category="Ecology",
        ),
        half_lives=report(
            results("figures/ecology_half_lives.png"),
            caption="../report/ecology_half_lives.rst",
            category="Ecology",
        ),
        deaths=report(
            results("figures/ecology_deaths.png"),
            caption="../report/ecology_deaths.rst",
            category="Ecology",
        ),
    log:
        "logs/{snapshot}/plot_ecology.log",
    benchmark:
        "benchmarks/{snapshot}/plot_ecology.tsv"
    conda:
        "../../envs/phylohub.yaml"
    script:
        "../scripts/plot_ecology.py"


rule measure_ecology_deaths:
    input:
        unpack(ecology_death_inputs),
    output:
        events=results("ecology/deaths.parquet"),
        monthly=results("ecology/deaths_monthly.tsv"),
        families=results("ecology/death_families.parquet"),
        tests=results("ecology/death_tests.tsv"),
        summary=results("ecology/deaths_summary.json"),
    log:
        "logs/{snapshot}/measure_ecology_deaths.log",
    benchmark:
        "benchmarks/{snapshot}/measure_ecology_deaths.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    resources:
        mem_mb=narrow_read_mem_mb,
    params:
        previous=ecology_previous_files,
        relations=config["diff"]["relations"],
        settings=ecology_settings,
    script:
        "../scripts/measure_ecology_deaths.py"
