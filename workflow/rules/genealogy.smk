# Genealogy: families, generations, kin-shape counts and structural virality of each
# relation set of a snapshot, and their figures (logic: src/phylohub/genealogy/).


wildcard_constraints:
    relations=genealogy_relations_pattern(),


rule build_genealogy:
    input:
        unpack(inferred_input),
        db=results("hub.duckdb"),
    output:
        nodes=results("genealogy/{relations}/nodes.parquet"),
        edges=results("genealogy/{relations}/edges.parquet"),
        families=results("genealogy/{relations}/families.parquet"),
        cycles=results("genealogy/{relations}/cycles.parquet"),
        largest=results("genealogy/{relations}/largest_families.tsv"),
        top_parents=results("genealogy/{relations}/top_parents.tsv"),
        sizes=results("genealogy/{relations}/family_sizes.tsv"),
        depths=results("genealogy/{relations}/depths.tsv"),
        virality=results("genealogy/{relations}/virality_by_size.tsv"),
        summary=results("genealogy/{relations}/summary.json"),
    log:
        "logs/{snapshot}/build_genealogy/{relations}.log",
    benchmark:
        "benchmarks/{snapshot}/build_genealogy/{relations}.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=genealogy_mem_mb,
        runtime=20,
    params:
        relations=genealogy_relations,
        top=config["genealogy"]["top"],
        inferred=config["genealogy"]["inferred"],
    script:
        "../scripts/build_genealogy.py"


rule count_family_shapes:
    input:
        nodes=genealogy_set_files("nodes.parquet"),
    output:
        shapes=results("genealogy/shapes.tsv"),
    log:
        "logs/{snapshot}/count_family_shapes.log",
    benchmark:
        "benchmarks/{snapshot}/count_family_shapes.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    resources:
        mem_mb=genealogy_mem_mb,
        runtime=20,
    params:
        names=genealogy_set_names(),
    script:
        "../scripts/count_family_shapes.py"


rule plot_family_trees:
    input:
        unpack(genealogy_drawn_tables),
    output:
        png=report(
            results("figures/family_trees.png"),
            caption="../report/family_trees.rst",
            category="Genealogy",
        ),
        svg=results("figures/family_trees.svg"),
    log:
        "logs/{snapshot}/plot_family_trees.log",
    benchmark:
        "benchmarks/{snapshot}/plot_family_trees.tsv"
    priority: LONG_FIGURE
    conda:
        "../../envs/phylohub.yaml"
    params:
        relations=config["genealogy"]["figures"]["draw_relations"],
        min_size=config["genealogy"]["figures"]["draw_min_size"],
        max_size=config["genealogy"]["figures"]["draw_max_size"],
        seed=config["seed"],
    script:
        "../scripts/plot_family_trees.py"


# The family figures drawn from the sets' own tables, in one job: a process per figure
# cost about 1-2 s of start-up and imports each, more than the drawing.


rule plot_family_figures:
    input:
        families=genealogy_set_files("families.parquet"),
        depths=genealogy_set_files("depths.tsv"),
        viral=genealogy_set_files(
            "families.parquet", config["genealogy"]["figures"]["virality_relations"]
        ),
    output:
        sizes=report(
            results("figures/family_sizes.png"),
            caption="../report/family_sizes.rst",
            category="Genealogy",
        ),
        sizes_svg=results("figures/family_sizes.svg"),
        depths=report(
            results("figures/family_depths.png"),
            caption="../report/family_depths.rst",
            category="Genealogy",
        ),
        depths_svg=results("figures/family_depths.svg"),
        virality=report(
            results("figures/family_virality.png"),
            caption="../report/family_virality.rst",
            category="Genealogy",
        ),
        virality_svg=results("figures/family_virality.svg"),
    log:
        "logs/{snapshot}/plot_family_figures.log",
    benchmark:
        "benchmarks/{snapshot}/plot_family_figures.tsv"
    priority: LONG_FIGURE
    conda:
        "../../envs/phylohub.yaml"
    params:
        names=genealogy_set_names(),
        viral_names=config["genealogy"]["figures"]["virality_relations"],
    script:
        "../scripts/plot_family_figures.py"
