# Similarity: kin pairs sampled by shape from the family forest, six measures of how alike
# each pair is, means with bootstrap intervals, the paper's claims tested, Figure 7
# (logic: src/phylohub/kinship/ and src/phylohub/similarity/).


rule sample_kin_pairs:
    input:
        unpack(inferred_input),
        db=results("hub.duckdb"),
    output:
        pairs=results("similarity/kin_pairs.parquet"),
        shapes=results("similarity/kin_shapes.tsv"),
        forest=results("similarity/kin_forest.json"),
    log:
        "logs/{snapshot}/sample_kin_pairs.log",
    benchmark:
        "benchmarks/{snapshot}/sample_kin_pairs.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    resources:
        mem_mb=similarity_mem_mb,
        runtime=20,
    params:
        inferred=config["genealogy"]["inferred"],
        relations=config["similarity"]["relations"],
        draws=config["similarity"]["draws"],
        seed=config["seed"],
    script:
        "../scripts/sample_kin_pairs.py"


rule fit_similarity_vocabulary:
    input:
        db=results("hub.duckdb"),
        texts=results("parquet"),  # cards.parquet: the card texts' one home
    output:
        vocabulary=results("similarity/vocabulary.parquet"),
        fit=results("similarity/vocabulary_fit.json"),
        card_texts=results("similarity/card_texts.parquet"),
    log:
        "logs/{snapshot}/fit_similarity_vocabulary.log",
    benchmark:
        "benchmarks/{snapshot}/fit_similarity_vocabulary.tsv"
    priority: LONG_CHAIN
    conda:
        "../../envs/phylohub.yaml"
    resources:
        mem_mb=similarity_mem_mb,
        runtime=30,
    params:
        options=similarity_options(measure=False),
        seed=config["seed"],
    script:
        "../scripts/fit_similarity_vocabulary.py"


rule compute_similarity:
    input:
        db=results("hub.duckdb"),
        pairs=results("similarity/kin_pairs.parquet"),
        vocabulary=results("similarity/vocabulary.parquet"),
        fit=results("similarity/vocabulary_fit.json"),
        card_texts=results("similarity/card_texts.parquet"),
    output:
        similarity=results("similarity/pair_similarity.parquet"),
        stats=results("similarity/similarity_stats.json"),
    log:
        "logs/{snapshot}/compute_similarity.log",
    benchmark:
        "benchmarks/{snapshot}/compute_similarity.tsv"
    priority: LONG_CHAIN
    conda:
        "../../envs/phylohub.yaml"
    threads: 1
    resources:
        mem_mb=similarity_mem_mb,
        runtime=30,
    params:
        options=similarity_options(),
        seed=config["seed"],
    script:
        "../scripts/compute_similarity.py"


rule summarize_similarity:
    input:
        pairs=results("similarity/kin_pairs.parquet"),
        shapes=results("similarity/kin_shapes.tsv"),
        similarity=results("similarity/pair_similarity.parquet"),
    output:
        means=results("similarity/similarity_means.tsv"),
        shape_means=results("similarity/similarity_shape_means.tsv"),
        tests=results("similarity/similarity_tests.tsv"),
    log:
        "logs/{snapshot}/summarize_similarity.log",
    benchmark:
        "benchmarks/{snapshot}/summarize_similarity.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        measures=similarity_measures,
        bootstrap=config["similarity"]["bootstrap"],
        confidence=config["similarity"]["confidence"],
        min_families=config["similarity"]["min_families"],
        seed=config["seed"],
    script:
        "../scripts/summarize_similarity.py"


# Both figures in one job: a process per figure cost about 1-2 s of start-up and
# imports each, about what the drawing takes.


rule plot_similarity_figures:
    input:
        means=results("similarity/similarity_means.tsv"),
        shape_means=results("similarity/similarity_shape_means.tsv"),
        tests=results("similarity/similarity_tests.tsv"),
    output:
        by_relation=report(
            results("figures/similarity_by_relation.png"),
            caption="../report/similarity_by_relation.rst",
            category="Similarity",
        ),
        by_relation_svg=results("figures/similarity_by_relation.svg"),
        measures=report(
            results("figures/similarity_measures.png"),
            caption="../report/similarity_measures.rst",
            category="Similarity",
        ),
        measures_svg=results("figures/similarity_measures.svg"),
    log:
        "logs/{snapshot}/plot_similarity_figures.log",
    benchmark:
        "benchmarks/{snapshot}/plot_similarity_figures.tsv"
    priority: LONG_FIGURE
    conda:
        "../../envs/phylohub.yaml"
    params:
        variants=similarity_variants,
        texts=similarity_texts,
    script:
        "../scripts/plot_similarity_figures.py"
