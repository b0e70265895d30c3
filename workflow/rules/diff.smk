# Snapshots over time: the diff of a snapshot against an earlier one and the time series
# of every snapshot up to it, with their figures (logic: src/phylohub/diff/, reference:
# docs/diff.md). Which snapshots exist is read when the DAG is built (common.smk); the
# earlier snapshots' files are params, read as they are and never rebuilt.


rule compare_snapshots:
    input:
        unpack(diff_inputs),
    output:
        summary=results("diff/summary.json"),
        models=results("diff/models.parquet"),
        edges=results("diff/edges.parquet"),
        changed=results("diff/changed.parquet"),
        families=results("diff/families.parquet"),
        edge_counts=results("diff/edge_counts.tsv"),
        field_changes=results("diff/field_changes.tsv"),
        traits=results("diff/traits.tsv"),
        requests=results("diff/requests.tsv"),
    log:
        "logs/{snapshot}/compare_snapshots.log",
    benchmark:
        "benchmarks/{snapshot}/compare_snapshots.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    resources:
        mem_mb=narrow_read_mem_mb,
    params:
        previous=diff_previous_files,
        top=config["diff"]["top"],
    script:
        "../scripts/compare_snapshots.py"


rule plot_family_growth:
    input:
        families=results("diff/families.parquet"),
    output:
        png=report(
            results("figures/diff_family_growth.png"),
            caption="../report/diff_family_growth.rst",
            category="Diff",
        ),
        svg=results("figures/diff_family_growth.svg"),
    log:
        "logs/{snapshot}/plot_family_growth.log",
    benchmark:
        "benchmarks/{snapshot}/plot_family_growth.tsv"
    conda:
        "../../envs/phylohub.yaml"
    params:
        previous=diff_previous_name,
        top=config["diff"]["top"],
    script:
        "../scripts/plot_family_growth.py"


rule plot_new_generation:
    input:
        traits=results("diff/traits.tsv"),
    output:
        png=report(
            results("figures/diff_new_generation.png"),
            caption="../report/diff_new_generation.rst",
            category="Diff",
        ),
        svg=results("figures/diff_new_generation.svg"),
    log:
        "logs/{snapshot}/plot_new_generation.log",
    benchmark:
        "benchmarks/{snapshot}/plot_new_generation.tsv"
    conda:
        "../../envs/phylohub.yaml"
    params:
        previous=diff_previous_name,
    script:
        "../scripts/plot_new_generation.py"


rule collect_time_series:
    input:
        unpack(series_inputs),
    output:
        series=results("timeseries/series.tsv"),
        licenses=results("timeseries/licenses.tsv"),
        tasks=results("timeseries/tasks.tsv"),
    log:
        "logs/{snapshot}/collect_time_series.log",
    benchmark:
        "benchmarks/{snapshot}/collect_time_series.tsv"
    priority: TABLES_FIRST
    conda:
        "../../envs/phylohub.yaml"
    params:
        earlier=series_earlier_files,
        top=config["diff"]["shares_top"],
    script:
        "../scripts/collect_time_series.py"


rule plot_growth_over_time:
    input:
        series=results("timeseries/series.tsv"),
    output:
        png=report(
            results("figures/time_growth.png"),
            caption="../report/time_growth.rst",
            category="Time",
        ),
        svg=results("figures/time_growth.svg"),
    log:
        "logs/{snapshot}/plot_growth_over_time.log",
    benchmark:
        "benchmarks/{snapshot}/plot_growth_over_time.tsv"
    conda:
        "../../envs/phylohub.yaml"
    script:
        "../scripts/plot_growth_over_time.py"


rule plot_shares_over_time:
    input:
        series=results("timeseries/series.tsv"),
        licenses=results("timeseries/licenses.tsv"),
        tasks=results("timeseries/tasks.tsv"),
    output:
        png=report(
            results("figures/time_shares.png"),
            caption="../report/time_shares.rst",
            category="Time",
        ),
        svg=results("figures/time_shares.svg"),
    log:
        "logs/{snapshot}/plot_shares_over_time.log",
    benchmark:
        "benchmarks/{snapshot}/plot_shares_over_time.tsv"
    conda:
        "../../envs/phylohub.yaml"
    script:
        "../scripts/plot_shares_over_time.py"
