# Trait evolution: mutation rates, drift graphs and their exact optimal orderings, and
# documentation thinning, with their figures (logic: src/phylohub/traits/).


rule measure_mutation_rates:
    input:
        unpack(inferred_input),
        db=results("hub.duckdb"),
    output:
        rates=results("traits/mutation_rates.parquet"),
        both=results("traits/mutation_rates_flagged.parquet"),
    log:
        "logs/{snapshot}/measure_mutation_rates.log",
    benchmark:
        "benchmarks/{snapshot}/measure_mutation_rates.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=narrow_read_mem_mb,
        runtime=20,
    params:
        inferred=config["genealogy"]["inferred"],
        parents=config["traits"]["parents"],
        level=config["traits"]["level"],
        exclude_flagged=config["traits"]["exclude_flagged"],
    script:
        "../scripts/measure_mutation_rates.py"


rule count_transitions:
    input:
        unpack(inferred_input),
        db=results("hub.duckdb"),
    output:
        transitions=results("traits/transitions.parquet"),
        exposures=results("traits/exposures.parquet"),
        values=results("traits/trait_values.parquet"),
        blocks=results("traits/transition_blocks.parquet"),
    log:
        "logs/{snapshot}/count_transitions.log",
    benchmark:
        "benchmarks/{snapshot}/count_transitions.tsv"
    priority: LONG_CHAIN
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=narrow_read_mem_mb,
        runtime=20,
    params:
        inferred=config["genealogy"]["inferred"],
        parents=config["traits"]["parents"],
        exclude_flagged=config["traits"]["exclude_flagged"],
    script:
        "../scripts/count_transitions.py"


rule solve_orderings:
    input:
        transitions=results("traits/transitions.parquet"),
        exposures=results("traits/exposures.parquet"),
        values=results("traits/trait_values.parquet"),
        blocks=results("traits/transition_blocks.parquet"),
    output:
        orderings=results("traits/orderings.json"),
        pairs=results("traits/drift_pairs.parquet"),
    log:
        "logs/{snapshot}/solve_orderings.log",
    benchmark:
        "benchmarks/{snapshot}/solve_orderings.tsv"
    priority: LONG_CHAIN
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    params:
        drift=config["traits"]["drift"],
        seed=config["seed"],
    script:
        "../scripts/solve_orderings.py"


rule measure_thinning:
    input:
        unpack(inferred_input),
        db=results("hub.duckdb"),
    output:
        thinning=results("traits/thinning.parquet"),
        availability=results("traits/card_availability.parquet"),
    log:
        "logs/{snapshot}/measure_thinning.log",
    benchmark:
        "benchmarks/{snapshot}/measure_thinning.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=narrow_read_mem_mb,
        runtime=20,
    params:
        inferred=config["genealogy"]["inferred"],
        parents=config["traits"]["parents"],
        level=config["traits"]["level"],
        replicates=config["traits"]["thinning_bootstrap"],
        seed=config["seed"],
    script:
        "../scripts/measure_thinning.py"


rule measure_parameters_by_generation:
    input:
        db=results("hub.duckdb"),
    output:
        table=results("traits/parameters_by_generation.tsv"),
    log:
        "logs/{snapshot}/measure_parameters_by_generation.log",
    benchmark:
        "benchmarks/{snapshot}/measure_parameters_by_generation.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=narrow_read_mem_mb,
        runtime=20,
    script:
        "../scripts/measure_parameters_by_generation.py"


# Every figure of the stage in one job: the drift diagrams and the thinning panels are
# drawn from the stage's own tables, and a process of its own for the thinning figure
# cost more in start-up and imports (about 0.65 s at 100k models) than its drawing.


rule plot_traits:
    input:
        orderings=results("traits/orderings.json"),
        pairs=results("traits/drift_pairs.parquet"),
        thinning=results("traits/thinning.parquet"),
    output:
        **drift_figures(),
        thinning=report(
            results("figures/traits_documentation_thinning.png"),
            caption="../report/traits_documentation_thinning.rst",
            category="Traits",
            subcategory="Documentation",
        ),
        thinning_svg=results("figures/traits_documentation_thinning.svg"),
    log:
        "logs/{snapshot}/plot_traits.log",
    benchmark:
        "benchmarks/{snapshot}/plot_traits.tsv"
    priority: LONG_FIGURE
    conda:
        "../../envs/phylohub.yaml"
    params:
        ordering=config["traits"]["figure_ordering"],
        level=config["traits"]["level"],
    script:
        "../scripts/plot_traits.py"


rule compare_inferred_kin:
    input:
        unpack(kin_declared_input),
        db=results("hub.duckdb"),
        inferred=results("inference/inferred_edges.parquet"),
    output:
        table=results("traits/kin_headlines.tsv"),
    log:
        "logs/{snapshot}/compare_inferred_kin.log",
    benchmark:
        "benchmarks/{snapshot}/compare_inferred_kin.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=genealogy_mem_mb,
        runtime=20,
    params:
        relations=config["genealogy"]["relation_sets"][config["inference"]["relations"]],
        min_confidence=config["inference"]["min_confidence"],
        level=config["traits"]["level"],
    script:
        "../scripts/compare_inferred_kin.py"
