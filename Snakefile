# phylohub: the Hugging Face Hub studied as a population of models.
# Settings, includes and targets only; the rules live in workflow/rules/, their logic in
# src/phylohub/.
from snakemake.utils import min_version

min_version("9.0")


# A config given on the command line (--configfile, one or several stacked) stands on
# its own; without one, config/config.yaml (the real Hub). The schema's defaults fill
# what a config leaves out, but not where requests go (hub, arxiv.endpoint).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


wildcard_constraints:
    snapshot=r"[A-Za-z0-9._-]+",
    shard=r"\d+",


include: "workflow/rules/common.smk"
include: "workflow/rules/crawl.smk"
include: "workflow/rules/snapshot.smk"
include: "workflow/rules/inference.smk"
include: "workflow/rules/genealogy.smk"
include: "workflow/rules/similarity.smk"
include: "workflow/rules/traits.smk"
include: "workflow/rules/licenses.smk"
include: "workflow/rules/ecology.smk"
include: "workflow/rules/merges.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/findings.smk"
include: "workflow/rules/diff.smk"


rule all:
    default_target: True
    input:
        results("hub.duckdb", config["snapshot"]),
        results("crawl/arxiv.parquet", config["snapshot"]),
        inference_targets(config["snapshot"]),
        genealogy_targets(config["snapshot"]),
        results("similarity/similarity_tests.tsv", config["snapshot"]),
        results("figures/similarity_by_relation.png", config["snapshot"]),
        results("figures/similarity_measures.png", config["snapshot"]),
        traits_targets(config["snapshot"]),
        licenses_targets(config["snapshot"]),
        ecology_targets(config["snapshot"]),
        merges_targets(config["snapshot"]),
        summary_targets(config["snapshot"]),
        # only when an earlier snapshot exists (diff.previous): docs/diff.md
        diff_targets(config["snapshot"]),
