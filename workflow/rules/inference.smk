# Kin nobody declared: undeclared parents inferred from names, cards and configs, with a
# calibrated confidence, and their figures (logic: src/phylohub/inference/).


rule infer_kin:
    input:
        db=results("hub.duckdb"),
        texts=results("parquet"),  # cards.parquet: the card texts' one home
    output:
        edges=results("inference/inferred_edges.parquet"),
        precision_recall=results("inference/precision_recall.tsv"),
        summary=results("inference/summary.json"),
    log:
        "logs/{snapshot}/infer_kin.log",
    benchmark:
        "benchmarks/{snapshot}/infer_kin.tsv"
    priority: 10
    conda:
        "../../envs/phylohub.yaml"
    threads: infer_kin_threads()
    resources:
        mem_mb=inference_mem_mb,
        runtime=20,
    params:
        min_confidence=config["inference"]["min_confidence"],
    script:
        "../scripts/infer_kin.py"


rule plot_inference:
    input:
        edges=results("inference/inferred_edges.parquet"),
        precision_recall=results("inference/precision_recall.tsv"),
    output:
        edges=report(
            results("figures/inferred_edges.png"),
            caption="../report/inferred_edges.rst",
            category="Inferred kin",
        ),
        precision_recall=report(
            results("figures/inference_precision_recall.png"),
            caption="../report/inference_precision_recall.rst",
            category="Inferred kin",
        ),
    log:
        "logs/{snapshot}/plot_inference.log",
    benchmark:
        "benchmarks/{snapshot}/plot_inference.tsv"
    conda:
        "../../envs/phylohub.yaml"
    params:
        min_confidence=config["inference"]["min_confidence"],
    script:
        "../scripts/plot_inference.py"
