# Helpers for every stage: config validation and input/param functions.
import json
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

from phylohub.config import exit_on_bad_names, exit_on_invalid, real_hub_notice
from phylohub.layout import RESULTS
from phylohub.vocabulary import TRAITS

# The schema fills every default (its one home); a config that breaks it ends in one
# line naming the key, and exit status 2.
try:
    validate(config, "../schemas/config.schema.yaml", set_default=True)
except WorkflowError as error:
    exit_on_invalid(error)
exit_on_bad_names(config, RESULTS)  # relation sets and earlier snapshots named

# Which ready job the scheduler starts first when cores free up (docs/architecture.md,
# checklist item 2). Figures come last: nothing reads them, and they are short, so drawn
# last they fill both cores to the end rather than leave one job of a long chain running
# alone; among them the long ones (LONG_FIGURE: 1.8 s or more at 100k models) first, so
# that the last to start are the short ones (0, the default). Every rule whose output
# another rule reads comes before them (TABLES_FIRST); the heads of the longest chains
# before those (LONG_CHAIN); `infer_kin`'s 10, the longest job at the Hub's size, beats
# any two other jobs' together, so it starts first.
LONG_FIGURE = 1
TABLES_FIRST = 2
LONG_CHAIN = 3


def results(path, snapshot="{snapshot}"):
    """A file of a snapshot's results, results/{snapshot}/<path> (the one spelling of the
    layout, phylohub.layout.Snapshot.file's twin): with the wildcard in a rule, with a
    snapshot's name in a function."""
    return f"{RESULTS}/{snapshot}/{path}"


def announce_real_hub():
    """Say in one line, before any job runs, that requests go to the real Hub."""
    notice = real_hub_notice(config["hub"]["endpoint"], config["hub"]["token_env"])
    if notice and workflow.is_main_process:
        logger.warning(notice)


announce_real_hub()


def announce_skipped_previous():
    """Say in one line when diff.previous auto passes over an incomplete earlier
    snapshot (it compares with an older one, or makes no diff)."""
    from phylohub.diff.snapshots import skipped_previous

    if config["diff"]["previous"] != "auto" or not workflow.is_main_process:
        return
    notice = skipped_previous(
        RESULTS,
        config["snapshot"],
        config["hub"]["endpoint"],
        config["diff"]["relations"],
    )
    if notice:
        logger.warning(notice)


announce_skipped_previous()


def cap_hub_requests():
    """Let at most crawl.parallel_shards crawl jobs run at once, wherever they run.

    Each card shard job paces itself at 1/parallel_shards of crawl.rate_limit
    (shard_budget, computed from the config alone: a job gets the same share on any
    node). Together they keep the budget only while no more than parallel_shards run at
    once, so the global resource hub_requests (every crawl job takes 1) is lowered to
    parallel_shards, or set where neither --resources nor a profile gives it. The
    Snakemake process that submits the jobs counts it, for local and cluster jobs alike.
    """
    cap = config["crawl"]["parallel_shards"]
    given = workflow.global_resources.get("hub_requests")
    given = getattr(given, "value", given)  # a Resource in Snakemake 9
    if isinstance(given, int) and given <= cap:
        return
    if isinstance(given, int) and workflow.is_main_process:
        logger.info(
            f"hub_requests lowered from {given} to crawl.parallel_shards={cap}: "
            "the shard jobs share crawl.rate_limit by that number"
        )
    workflow.register_resource("hub_requests", cap)


cap_hub_requests()


def card_shard_files(wildcards):
    """Every card shard of a snapshot."""
    return expand(
        results("crawl/cards/{shard}.parquet"),
        snapshot=wildcards.snapshot,
        shard=range(config["crawl"]["shards"]),
    )


def previous_card_files(wildcards):
    """Card shards of the snapshot whose unchanged cards this shard reuses ([] if none);
    a finished shard keeps the choice it was crawled with."""
    from phylohub.crawl.previous import shard_previous

    return shard_previous(
        RESULTS,
        wildcards.snapshot,
        wildcards.shard,
        config["crawl"]["previous"],
        endpoint=config["hub"]["endpoint"],
    )


def bootstrap_input(wildcards):
    """Input of fetch_cards: the card dump's rows, unless crawl.bootstrap is none."""
    if config["crawl"]["bootstrap"] == "none":
        return {}
    return {"bootstrap": results("crawl/bootstrap.parquet", wildcards.snapshot)}


def bootstrap_stats_input(wildcards):
    """Input of summarize_crawl: the card dump's download stats, unless crawl.bootstrap is
    none."""
    if config["crawl"]["bootstrap"] == "none":
        return {}
    return {"bootstrap": results("crawl/bootstrap.stats.json", wildcards.snapshot)}


def config_shard_files(wildcards):
    """Every config.json shard of a snapshot ([] with crawl.configs: none)."""
    if config["crawl"]["configs"] == "none":
        return []
    return expand(
        results("crawl/configs/{shard}.parquet"),
        snapshot=wildcards.snapshot,
        shard=range(config["crawl"]["shards"]),
    )


def config_stats_files(wildcards):
    """The crawl statistics of every config.json shard ([] with crawl.configs: none)."""
    return [f.replace(".parquet", ".stats.json") for f in config_shard_files(wildcards)]


def previous_config_files(wildcards):
    """config.json shards of the snapshot whose unchanged files this shard reuses; a
    finished shard keeps the choice it was crawled with."""
    from phylohub.crawl.previous import shard_previous

    return shard_previous(
        RESULTS,
        wildcards.snapshot,
        wildcards.shard,
        config["crawl"]["previous"],
        "configs",
        endpoint=config["hub"]["endpoint"],
    )


def served_ecosystem(wildcards):
    """Param of list_models: which synthetic ecosystem the replica serves (config
    `replica`, demo and tests), so a regenerated or evolved one is crawled again; empty
    for the real Hub."""
    import json

    if "replica" not in config:
        return ""
    store_dir = Path(config["replica"]["store_dir"])
    for name, key in (("changes.json", "config"), ("truth.json", "digest")):
        path = store_dir / name
        if path.is_file():
            return json.dumps(json.loads(path.read_text()).get(key), sort_keys=True)
    return ""


def shard_budget(wildcards):
    """This shard job's share of the global request budget (None: unpaced)."""
    limit = config["crawl"]["rate_limit"]
    if not limit["requests"]:
        return None
    return max(1, limit["requests"] // config["crawl"]["parallel_shards"])


def fetch_cards_runtime(wildcards, input, attempt):
    """Wall time of one card shard job (minutes), for cluster executors.

    Paced, a shard's requests (at most two a model: the Hub answers /resolve/ with a 307)
    take requests / shard_budget windows; the job asks for twice that plus 10 minutes,
    and each retry for as much again (a shard stopped at its wall time resumes from its
    last batch). Unpaced, or before the listing exists (the first DAG pass), 60 minutes.
    """
    quota = shard_budget(wildcards)
    manifest = Path(input.manifest)
    if quota is None or not manifest.exists():
        return 60 * attempt
    models = json.loads(manifest.read_text())["models"]
    requests = 2 * models / config["crawl"]["shards"]
    minutes = requests / quota * config["crawl"]["rate_limit"]["window_s"] / 60
    return int(2 * minutes + 10) * attempt


def snapshot_input_mb(input):
    """The inputs' size in MB, a snapshot's card texts counted in: ``cards.parquet`` beside
    each ``hub.duckdb`` among them (the texts' one home; ``hub.duckdb`` held them too when
    the memory below was measured against its size)."""
    texts = [
        Path(f).parent / "parquet" / "cards.parquet"
        for f in input
        if Path(f).name == "hub.duckdb"
    ]
    return int(input.size_mb) + sum(
        int(t.stat().st_size / 1024**2) for t in texts if t.is_file()
    )


def snapshot_mem_mb(wildcards, input):
    """Memory for build_snapshot (MB): 2 GB plus 3x its inputs, at most 16 GB.

    Measured: 1.86M models with 1.4 GB of card shards build in ~2 min with 6 GB (and
    still finish with 3 GB, DuckDB spilling to disk).
    """
    return min(16000, 2000 + 3 * int(input.size_mb))


def narrow_read_mem_mb(wildcards, input):
    """Memory for a rule that reads a few narrow columns of the snapshot, no card text
    (traits, summary, diff; MB): 1.5 GB plus the snapshot's size, at most 8 GB."""
    return min(8000, 1500 + snapshot_input_mb(input))


# --------------------------------------------------------------------------- genealogy


def genealogy_set_names():
    """Names of the genealogy relation sets, in config order."""
    return list(config["genealogy"]["relation_sets"])


def genealogy_relations_pattern():
    """Regex of the {relations} wildcard: one of the configured relation-set names."""
    import re

    return "|".join(re.escape(name) for name in genealogy_set_names())


def genealogy_relations(wildcards):
    """The relations of the set named by the {relations} wildcard."""
    return config["genealogy"]["relation_sets"][wildcards.relations]


def genealogy_set_files(name, sets=None):
    """Input function: the table `name` of each relation set (default: every set)."""

    def files(wildcards):
        return expand(
            results("genealogy/{relations}/{name}"),
            snapshot=wildcards.snapshot,
            relations=sets if sets is not None else genealogy_set_names(),
            name=name,
        )

    return files


def genealogy_drawn_tables(wildcards):
    """Families, nodes and edges of the relation set whose families are drawn."""
    folder = results("genealogy/{relations}").format(
        snapshot=wildcards.snapshot,
        relations=config["genealogy"]["figures"]["draw_relations"],
    )
    return {t: f"{folder}/{t}.parquet" for t in ("families", "nodes", "edges")}


def genealogy_mem_mb(wildcards, input):
    """Memory for the genealogy rules (MB): 2 GB plus their inputs, at most 8 GB.

    Measured: a genealogy job peaks at about 1.1 GB at 1.86M models and 1.7 GB at 3M
    (docs/genealogy.md), below the 2 GB plus a 1.4-2.3 GB snapshot it reserves there.
    """
    return min(8000, 2000 + snapshot_input_mb(input))


def genealogy_targets(snapshot):
    """Every final output of the genealogy stage of a snapshot (for rule all)."""
    return [
        *expand(
            results("genealogy/{relations}/summary.json"),
            snapshot=snapshot,
            relations=genealogy_set_names(),
        ),
        results("genealogy/shapes.tsv", snapshot),
        *expand(
            results("figures/family_{figure}.png"),
            snapshot=snapshot,
            figure=["trees", "sizes", "depths", "virality"],
        ),
    ]


# --------------------------------------------------------------------------- similarity


def similarity_variants(wildcards):
    """Metadata variants the similarity stage computes (paper, no_ids, traits, ...)."""
    return config["similarity"]["metadata"]["variants"]


def similarity_texts(wildcards):
    """Texts whose measures are plotted: each metadata variant, then the card."""
    from phylohub.similarity.names import text_names

    return text_names(similarity_variants(wildcards))


def similarity_measures(wildcards):
    """Every measure column the similarity stage writes."""
    from phylohub.similarity.names import measure_names

    return measure_names(similarity_variants(wildcards))


#: The similarity options that decide the vocabularies (rule fit_similarity_vocabulary's
#: params): not the kin pairs' draws or relations, nor the summary's, so changing those
#: refits nothing.
SIMILARITY_FIT_KEYS = (
    "vocabulary_size",
    "ngram_max",
    "vocabulary_sample",
    "metadata",
    "cards",
)


def similarity_options(measure=True):
    """The similarity section's options that a fit (measure=False) or a measurement of
    pairs (measure=True: also levenshtein_max_chars) depends on, as params."""
    keys = SIMILARITY_FIT_KEYS + (("levenshtein_max_chars",) if measure else ())
    return {key: config["similarity"][key] for key in keys}


def similarity_mem_mb(wildcards, input):
    """Memory for the similarity rules (MB): 2 GB plus 2.5x the snapshot, at most 12 GB.

    Measured: compute_similarity on a 1.86M-model snapshot (1.3 GB) peaks at 4.1 GB
    (docs/similarity.md).
    """
    return min(12000, 2000 + 5 * snapshot_input_mb(input) // 2)


# --------------------------------------------------------------------------- traits


def traits_targets(snapshot):
    """Every final output of the traits stage of a snapshot (tables and figures)."""
    return [
        results("traits/mutation_rates.parquet", snapshot),
        results("traits/orderings.json", snapshot),
        results("traits/thinning.parquet", snapshot),
        results("traits/parameters_by_generation.tsv", snapshot),
        *expand(
            results("figures/traits_drift_{trait}.png"),
            snapshot=snapshot,
            trait=TRAITS,
        ),
        results("figures/traits_documentation_thinning.png", snapshot),
    ]


def drift_figures():
    """The drift outputs of plot_traits: every trait's diagram (in the report, labelled
    by its trait) and its SVG twin, one job for all (they read the same two files)."""
    out = {}
    for trait in TRAITS:
        out[trait] = report(
            results(f"figures/traits_drift_{trait}.png"),
            caption="../report/traits_drift.rst",
            category="Traits",
            subcategory="Drift",
            labels={"trait": trait},
        )
        out[f"{trait}_svg"] = results(f"figures/traits_drift_{trait}.svg")
    return out


# --------------------------------------------------------------------------- inference


def infer_kin_threads():
    """Threads of infer_kin: 2 when the genealogy reads its edges (genealogy.inferred:
    include:...), where every later stage waits for it; else 1, beside another job.

    On 2 threads it ran 1.15 times as fast as on one at 100k models, 1.75 times at 500k
    and 1.7 times at 1.86M (in process: 1.72-1.78 s against 1.99-2.07 s, 5.3-5.5 s
    against 9.5-9.6 s, 25.8 s against 44.5 s), with about the same CPU time and the
    same tables; the default config waits on it for its own figure and kin table only.
    Whole runs on 2 cores, the code before (2 threads) and this alternately: 100k 29.9
    and 29.5 s against 30.6 and 30.6 s; 1.86M 146.7 and 155.7 s against 147.1 and
    149.3 s; 3M 236.5 s against 235.2 s (docs/performance.md)."""
    return 1 if config["genealogy"]["inferred"] == "exclude" else 2


def inference_mem_mb(wildcards, input):
    """Memory for infer_kin (MB), 2 GB plus twice the snapshot, at most 4.5 GB; DuckDB
    gets all but 1.5 GB of it (phylohub.inference.stage.duckdb_memory_mb) and spills past it.

    Measured at 3M models (bench/inference.py, DuckDB limited to 3,000 MB, 2 threads):
    a 4.21 GB peak, DuckDB's limit plus the kept pairs in Python (docs/inference.md)."""
    return min(4500, 2000 + 2 * snapshot_input_mb(input))


def inference_targets(snapshot):
    """Every final output of the kin inference of a snapshot (tables and figures)."""
    return [
        results("inference/summary.json", snapshot),
        results("figures/inferred_edges.png", snapshot),
        results("figures/inference_precision_recall.png", snapshot),
    ]


def inferred_input(wildcards):
    """The inferred edges, as an input, when genealogy.inferred includes them."""
    if config["genealogy"]["inferred"] == "exclude":
        return {}
    return {"inferred": results("inference/inferred_edges.parquet", wildcards.snapshot)}


def kin_declared_input(wildcards):
    """The genealogy summary of the relation set inference.relations, as the kin table's
    declared side, when the genealogy is built from the declared edges only
    (genealogy.inferred: exclude), and the mutation rates of both ways of handling
    flagged values, as that side's rates, when they are also measured on each child's
    first parent (traits.parents: first); otherwise the kin table measures that side
    itself."""
    if config["genealogy"]["inferred"] != "exclude":
        return {}
    name = config["inference"]["relations"]
    summary = results(f"genealogy/{name}/summary.json", wildcards.snapshot)
    if config["traits"]["parents"] != "first":
        return {"declared": summary}
    rates = results("traits/mutation_rates_flagged.parquet", wildcards.snapshot)
    return {"declared": summary, "declared_rates": rates}


# --------------------------------------------------------------------------- licenses


def licenses_nodes(wildcards):
    """The genealogy nodes (families) of the relation set licenses.relations."""
    return results(
        f"genealogy/{config['licenses']['relations']}/nodes.parquet", wildcards.snapshot
    )


def licenses_targets(snapshot):
    """Every final output of the license audit of a snapshot (tables and figures)."""
    return [
        results("licenses/summary.json", snapshot),
        results("figures/licenses_breach_matrix.png", snapshot),
        results("figures/licenses_breach_rates.png", snapshot),
    ]


# --------------------------------------------------------------------------- ecology


def ecology_set_files(name):
    """Input function: the table `name` of each genealogy set that ecology measures."""
    return genealogy_set_files(name, config["ecology"]["relation_sets"])


def ecology_settings(wildcards):
    """The ecology: section and the top-level seed, as the package's Settings fields."""
    section = dict(config["ecology"])
    section.pop("relation_sets")
    section.pop("succession_relations")
    return {**section, "seed": config["seed"]}


def ecology_mem_mb(wildcards, input):
    """Memory for build_ecology (MB): 2 GB plus the snapshot, at most 8 GB.

    Measured at 1.86M models: see docs/ecology.md (bench/ecology.py).
    """
    return min(8000, 2000 + snapshot_input_mb(input))


def ecology_targets(snapshot):
    """Every final output of the ecology stage of a snapshot (tables and figures)."""
    return [
        results("ecology/summary.json", snapshot),
        *expand(
            results("figures/ecology_{figure}.png"),
            snapshot=snapshot,
            figure=["births", "succession", "half_lives", "deaths"],
        ),
    ]


def ecology_death_inputs(wildcards):
    """Input function of measure_ecology_deaths: this snapshot's hub.duckdb (for sizing)
    and, when an earlier snapshot exists (diff.previous), the diff's models and changed
    tables; without one the rule writes tables that say "needs two snapshots"."""
    snapshot = wildcards.snapshot
    inputs = {"db": results("hub.duckdb", snapshot)}
    if diff_previous(snapshot) is not None:
        inputs["diff_models"] = results("diff/models.parquet", snapshot)
        inputs["diff_changed"] = results("diff/changed.parquet", snapshot)
    return inputs


def ecology_previous_files(wildcards):
    """Param: the earlier snapshot's name, hub.duckdb and genealogy/{diff.relations}/
    nodes and families (read as they are, as the diff reads them); {} without one."""
    if diff_previous(wildcards.snapshot) is None:
        return {}
    return diff_previous_files(wildcards)


# --------------------------------------------------------------------------- merges


def merges_dag_tables(wildcards):
    """The nodes and edges of merges.relations (the merges' pedigrees)."""
    dag = config["merges"]["relations"]
    return {
        "nodes": results(f"genealogy/{dag}/nodes.parquet", wildcards.snapshot),
        "edges": results(f"genealogy/{dag}/edges.parquet", wildcards.snapshot),
    }


def merges_genealogy_tables(wildcards):
    """The genealogy tables trace_merges reads: nodes and edges of merges.relations,
    nodes of merges.families."""
    families = config["merges"]["families"]
    return {
        **merges_dag_tables(wildcards),
        "family_nodes": results(
            f"genealogy/{families}/nodes.parquet", wildcards.snapshot
        ),
    }


def merges_targets(snapshot):
    """Every final output of the merges stage of a snapshot."""
    return [
        results("merges/summary.json", snapshot),
        results("merges/inheritance.json", snapshot),
        results("figures/merges_pedigree.png", snapshot),
        results("merges/resemblance.tsv", snapshot),
        results("figures/merges_resemblance.png", snapshot),
    ]


def card_stats_files(wildcards):
    """The crawl statistics of every card shard of a snapshot."""
    return expand(
        results("crawl/cards/{shard}.stats.json"),
        snapshot=wildcards.snapshot,
        shard=range(config["crawl"]["shards"]),
    )


def findings_tables(wildcards):
    """Every table findings.md reads a number from under this config
    (phylohub.findings.spec), by name."""
    from phylohub.findings.spec import Choices, source_files

    files = source_files(Choices.of(config))
    return {name: results(file, wildcards.snapshot) for name, file in files.items()}


def summary_targets(snapshot):
    """The summary stage's figures, the findings and the report's pages of a snapshot."""
    return [
        results("figures/ecosystem_distributions.png", snapshot),
        results("figures/documentation_availability.png", snapshot),
        results("figures/crawl_health.png", snapshot),
        results("findings.md", snapshot),
    ]


# --------------------------------------------------------------------------- diff


def diff_previous(snapshot):
    """The snapshot `snapshot` is compared with (diff.previous), None when there is none.

    Read when the DAG is built: rerun Snakemake to include a snapshot made since.
    """
    from phylohub.diff.snapshots import previous_snapshot

    return previous_snapshot(
        RESULTS,
        snapshot,
        config["diff"]["previous"],
        config["hub"]["endpoint"],
        config["diff"]["relations"],
    )


def diff_previous_name(wildcards):
    """Param: the name of the snapshot compared with."""
    return diff_previous(wildcards.snapshot)


def diff_inputs(wildcards):
    """Input function: what compare_snapshots reads of this snapshot."""
    from phylohub.diff.snapshots import diff_reads

    reads = diff_reads(config["diff"]["relations"])
    return {key: results(path, wildcards.snapshot) for key, path in reads.items()}


def diff_previous_files(wildcards):
    """Param: the same files of the earlier snapshot (checked before the DAG is built:
    phylohub.config.previous_error).

    A param, not an input: an earlier snapshot is read as it is and never rebuilt (as an
    input, a changed crawl setting would re-crawl it against today's Hub).
    """
    from phylohub.diff.snapshots import diff_reads

    previous = diff_previous(wildcards.snapshot)
    if previous is None:
        raise ValueError(
            f"snapshot {wildcards.snapshot!r} has no earlier snapshot under results/ to "
            f"compare with (diff.previous: {config['diff']['previous']})"
        )
    reads = diff_reads(config["diff"]["relations"])
    return {"name": previous, **{k: results(p, previous) for k, p in reads.items()}}


def series_snapshots(wildcards):
    """Param: the snapshots of a time series, every one listed before this one and it.

    Only snapshots that have a hub.duckdb when the DAG is built count: rerun Snakemake
    to include one made since.
    """
    from phylohub.diff.snapshots import earlier_snapshots

    earlier = earlier_snapshots(RESULTS, wildcards.snapshot, config["hub"]["endpoint"])
    return [*earlier, wildcards.snapshot]


def series_inputs(wildcards):
    """Input function: this snapshot's hub.duckdb and genealogy summary."""
    relations = config["diff"]["relations"]
    return {
        "db": results("hub.duckdb", wildcards.snapshot),
        "genealogy": results(f"genealogy/{relations}/summary.json", wildcards.snapshot),
    }


def series_earlier_files(wildcards):
    """Param: [name, hub.duckdb, genealogy summary] of every earlier snapshot of the series
    (read as they are, never rebuilt; a missing genealogy summary leaves families empty).
    """
    relations = config["diff"]["relations"]
    return [
        [
            name,
            results("hub.duckdb", name),
            results(f"genealogy/{relations}/summary.json", name),
        ]
        for name in series_snapshots(wildcards)[:-1]
    ]


def diff_targets(snapshot):
    """The diff and time-series outputs for rule all; none without an earlier snapshot."""
    if diff_previous(snapshot) is None:
        return []
    return [
        results("diff/summary.json", snapshot),
        results("timeseries/series.tsv", snapshot),
        *expand(
            results("figures/{figure}.{ext}"),
            snapshot=snapshot,
            figure=[
                "diff_family_growth",
                "diff_new_generation",
                "time_growth",
                "time_shares",
            ],
            ext=["png", "svg"],
        ),
    ]
