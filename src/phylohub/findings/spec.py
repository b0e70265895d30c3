"""Which numbers findings.md reports, and where each one is read from.

Every finding names its source: a table the pipeline wrote under ``results/{snapshot}/``
and one cell in it, found by a locator:

- a TSV or parquet table: ``row`` (column -> value, matching exactly one row) and
  ``column``;
- a JSON file: ``key``, the path of keys down to the value.

So nothing in findings.md is typed by hand, and a test can read every number back from
its table. A finding with ``paper`` set is printed beside the paper's figure of that id
(``phylohub/data/paper_numbers.yaml``); a *claim* also gets a verdict from its row of a
test table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from phylohub.vocabulary import CONFIG_TRAITS, TAG_TRAITS, TRAITS


@dataclass(frozen=True)
class Choices:
    """The config choices that name what the findings read: the genealogy relation sets
    (``genealogy.relation_sets``), the metadata variants the similarity stage measures
    (``similarity.metadata.variants``), the set whose families' reproductive life is
    reported (``ecology.succession_relations``), the least size of those families
    (``ecology.min_family_models``, for the label) and the set whose family deaths are
    reported (``diff.relations``), and the fewest parents a thinning claim rests on
    (``traits.min_parents``), and the fewest families an ecology number rests on
    (``ecology.min_families``). The defaults are the default config's.

    A finding that needs a set or a variant the config leaves out is printed as not
    measured, with the key to set, and its table is not asked for.
    """

    genealogy_sets: tuple[str, ...] = ("finetune", "no_merge", "all")
    variants: tuple[str, ...] = ("paper", "no_ids", "traits")
    succession: str = "no_merge"
    min_family_models: int = 50
    deaths_relations: str = "no_merge"
    min_parents: int = 10
    min_families: int = 10

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Choices:
        """The choices of a validated config (its defaults filled)."""
        return cls(
            genealogy_sets=tuple(config["genealogy"]["relation_sets"]),
            variants=tuple(config["similarity"]["metadata"]["variants"]),
            succession=str(config["ecology"]["succession_relations"]),
            min_family_models=int(config["ecology"]["min_family_models"]),
            deaths_relations=str(config["diff"]["relations"]),
            min_parents=int(config["traits"]["min_parents"]),
            min_families=int(config["ecology"]["min_families"]),
        )

    def missing(self, needs: tuple[str, ...]) -> str | None:
        """Why a finding that ``needs`` these (``set:NAME``, ``variant:NAME``) is not
        measured under these choices; None when it is.

        >>> Choices(variants=("paper",)).missing(("variant:traits",))
        "similarity.metadata.variants leaves out 'traits'"
        >>> Choices().missing(("set:finetune", "variant:paper")) is None
        True
        """
        for need in needs:
            kind, name = need.split(":", 1)
            if kind == "set" and name not in self.genealogy_sets:
                return f"genealogy.relation_sets has no set {name!r}"
            if kind == "variant" and name not in self.variants:
                return f"similarity.metadata.variants leaves out {name!r}"
        return None


#: The choices of the default config.
DEFAULT_CHOICES = Choices()


@dataclass(frozen=True)
class Source:
    """One cell of a table the pipeline wrote (path relative to ``results/{snapshot}``)."""

    file: str
    column: str | None = None
    row: dict[str, Any] = field(default_factory=dict)
    key: tuple[str, ...] = ()
    optional: bool = False  # no matching row (or key) gives no value (n/a), not an error

    def as_dict(self) -> dict[str, Any]:
        """The locator as findings.json writes it."""
        out: dict[str, Any] = {"file": self.file}
        if self.key:
            out["key"] = list(self.key)
        else:
            out["row"] = dict(self.row)
            out["column"] = self.column
        return out


@dataclass(frozen=True)
class Finding:
    """One headline number: ``id``, the section it is printed in, what it is, how to
    show it (int, float, share, ratio, text, chars), where to read it and whether the
    paper has a figure for it (its id in paper_numbers.yaml, usually the same); with
    ``status`` (and ``families``), where to read whether the data were enough to report
    it; with ``counts``, where to read the count and the whole a share is of."""

    id: str
    section: str
    label: str
    source: Source
    kind: str = "int"
    paper: str | None = None
    needs: tuple[str, ...] = ()  # the sets and variants it reads (Choices.missing)
    # Where the number's status is written (e.g. ``too few families``): printed before
    # the number unless it is ``measured``. A file written before it had one: the status
    # follows ``families`` (the families the number rests on) and ``min_families``.
    status: Source | None = None
    families: Source | None = None
    # Where the count and the whole of a share are: printed after it, "(n of N)".
    counts: tuple[Source, Source] | None = None


#: The side of 0 a claim states its difference lies on.
DIRECTIONS = ("greater", "less")


@dataclass(frozen=True)
class Claim:
    """A claim of the paper tested by the pipeline: the row of a table that holds the
    difference, its interval and (if any) p-value, in the columns ``columns`` names
    (default: similarity_tests.tsv's ``difference``, ``ci_low``, ``ci_high``,
    ``p_value``), and what it says.

    ``direction`` (required) is the side of 0 on which the claim puts that difference:
    ``greater`` or ``less``. It is stated, not inferred, because tables hold differences
    in their own sense: thinning's ``change_mean`` is child - parent, so "children's
    cards are shorter" is ``less``."""

    id: str
    section: str
    label: str
    file: str
    row: dict[str, Any]
    direction: str
    paper: str | None = None
    columns: tuple[str, str, str, str | None] = ("difference", "ci_low", "ci_high", "p_value")
    too_few: str = "too few pairs"  # the verdict's words when the row has no interval
    needs: tuple[str, ...] = ()  # the sets and variants it reads (Choices.missing)

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"claim {self.id}: direction must be greater or less")


@dataclass(frozen=True)
class NullClaim:
    """A claim tested against a null model: in a JSON table, the node at ``key`` holds
    the observed ``measure`` and ``null.<measure>`` with the null's ``mean``, ``p`` (the
    Monte Carlo p-value, (1 + replicates at least as extreme) / (1 + replicates)) and
    ``replicates``. It holds when p < ``alpha``; with so few replicates that the floor
    of p, 1 / (1 + replicates), is not below ``alpha``, the verdict is ``too few
    replicates``."""

    id: str
    section: str
    label: str
    file: str
    key: tuple[str, ...]
    measure: str
    paper: str | None = None
    alpha: float = 0.05


def _tsv(file: str, column: str, **row: Any) -> Source:
    return Source(file=file, column=column, row=row)


def _rank(panel: str, rank: int, column: str = "value") -> Source:
    """A cell of distributions.tsv: a panel may hold fewer values than ``rank``."""
    return Source(file=DIST, column=column, row={"panel": panel, "rank": rank}, optional=True)


def _json(file: str, *key: str) -> Source:
    return Source(file=file, key=key)


def _of(panel: str, rank: int) -> tuple[Source, Source]:
    """The count and the whole of a value's share in distributions.tsv."""
    return _rank(panel, rank, "count"), _rank(panel, rank, "denominator")


def _status(file: str, *key: str) -> Source:
    """A status beside a number in a JSON file; absent in files written before it."""
    return Source(file=file, key=key, optional=True)


OVERVIEW = "summary/overview.tsv"
AVAIL = "summary/availability.tsv"
DIST = "summary/distributions.tsv"
RATES = "traits/mutation_rates.parquet"
THIN = "traits/thinning.parquet"
ORDER = "traits/orderings.json"
MEANS = "similarity/similarity_means.tsv"
TESTS = "similarity/similarity_tests.tsv"
QUALITY = "data_quality.tsv"
RATES_FLAGGED = "traits/mutation_rates_flagged.parquet"

PLURAL = {
    "license": "licenses",
    "language": "languages",
    "task": "tasks",
    "library": "libraries",
    "model_type": "model types",
    "architecture": "architecture heads",
    "quantization": "quantization methods",
    "parameters": "parameter-count buckets",
}
TRANSITIONS = "traits/transitions.parquet"
PARAMS = "traits/parameters_by_generation.tsv"
#: The heads a finetune of a causal LM may move to (the architecture findings).
TASK_HEADS = ("ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering")


def _ecosystem() -> list[Finding]:
    s = "The ecosystem"
    out = [
        Finding("models", s, "models listed", _tsv(OVERVIEW, "value", metric="models"),
                paper="models"),
        Finding("edges_all", s, "edges to a listed parent, all relations",
                _tsv(OVERVIEW, "value", metric="edges.all"), paper="edges_all"),
    ]  # fmt: skip
    for rel in ("finetune", "adapter", "quantized", "merge", "unknown"):
        out.append(
            Finding(f"edges_{rel}", s, f"edges: {rel}",
                    _tsv(OVERVIEW, "value", metric=f"edges.{rel}"), paper=f"edges_{rel}")
        )  # fmt: skip
    out += [
        Finding("card_share", s, "models with a model card",
                _tsv(AVAIL, "share", metric="card"), "share", "card_share"),
        Finding("card_mean_chars", s, "card length, mean characters",
                _tsv(OVERVIEW, "value", metric="cards.mean_chars"), "chars", "card_mean_chars"),
        Finding("card_median_chars", s, "card length, median characters",
                _tsv(OVERVIEW, "value", metric="cards.median_chars"), "int",
                "card_median_chars"),
        Finding("card_max_chars", s, "longest card, characters (at most the crawl's cap)",
                _tsv(OVERVIEW, "value", metric="cards.max_chars"), "int", "card_max_chars"),
        Finding("license_share", s, "models with a license tag",
                _tsv(AVAIL, "share", metric="license"), "share", "license_share"),
        Finding("licenses_distinct", s, "distinct licenses",
                _tsv(OVERVIEW, "value", metric="licenses.distinct"), "int", "licenses_distinct"),
        Finding("top_license", s, "most common license",
                _rank("licenses", 1), "text", "top_license"),
        Finding("top_license_share", s, "its share of licensed models",
                _rank("licenses", 1, "share"), "share",
                counts=_of("licenses", 1)),
        Finding("top_task", s, "most common task",
                _rank("tasks", 1), "text", "top_task"),
        Finding("top_task_share", s, "its share of models with a task",
                _rank("tasks", 1, "share"), "share", "top_task_share",
                counts=_of("tasks", 1)),
        Finding("top_language", s, "most common language",
                _rank("languages", 1), "text", "top_language"),
        Finding("top_language_share", s, "its share of models listing a language",
                _rank("languages", 1, "share"), "share", "top_language_share",
                counts=_of("languages", 1)),
        Finding("second_language", s, "second language",
                _rank("languages", 2), "text"),
        Finding("second_language_share", s, "its share of models listing a language",
                _rank("languages", 2, "share"), "share",
                "second_language_share",
                counts=_of("languages", 2)),
        Finding("top_library", s, "most common library",
                _rank("libraries", 1), "text", "top_library"),
        Finding("top_library_share", s, "its share of models with a library",
                _rank("libraries", 1, "share"), "share", "top_library_share",
                counts=_of("libraries", 1)),
        Finding("top_parent", s, "model with the most children",
                _rank("children", 1), "text", "top_parent"),
        Finding("top_parent_children", s, "its children",
                _rank("children", 1, "count")),
        Finding("top_dataset", s, "most named dataset",
                _rank("datasets", 1), "text", "top_dataset"),
        Finding("top_arxiv_category", s, "most cited arXiv category",
                _rank("arxiv", 1), "text", "top_arxiv_category"),
        Finding("second_arxiv_category", s, "second arXiv category",
                _rank("arxiv", 2), "text"),
        Finding("top_downloaded", s, "most downloaded model (30 days)",
                _rank("downloads", 1), "text"),
        Finding("arxiv_template_ids", s, "arXiv ids flagged as template artefacts",
                _tsv("summary/arxiv_summary.tsv", "value", metric="template_ids"), "text"),
        Finding("arxiv_cy_template_only", s,
                "models counted in cs.CY only through a template artefact",
                Source("summary/arxiv_template_effect.tsv", "template_only_models",
                       {"category": "cs.CY"}, optional=True)),
        Finding("arxiv_cy_models", s, "models counted in cs.CY",
                Source("summary/arxiv_template_effect.tsv", "models", {"category": "cs.CY"},
                       optional=True)),
    ]  # fmt: skip
    return out


def _availability() -> list[Finding]:
    s = "Documentation availability"
    return [
        Finding("endpoints_share", s, "models tagged endpoints_compatible",
                _tsv(AVAIL, "share", metric="endpoints_compatible"), "share", "endpoints_share"),
        Finding("safetensors_share", s, "safetensors, of models with weight files",
                _tsv(AVAIL, "share", metric="safetensors_of_weights"), "share",
                "safetensors_share"),
        Finding("autotrain_share", s, "models tagged autotrain_compatible",
                _tsv(AVAIL, "share", metric="autotrain_compatible"), "share", "autotrain_share"),
        Finding("doi_models", s, "models with a DOI", _tsv(AVAIL, "count", metric="doi")),
        Finding("doi_download_ratio", s, "mean downloads, with a DOI / without",
                _tsv("summary/doi_ratio.tsv", "ratio", statistic="mean"), "ratio",
                "doi_download_ratio"),
        Finding("doi_download_ratio_low", s, "... interval, low (families resampled)",
                _tsv("summary/doi_ratio.tsv", "ci_low", statistic="mean"), "ratio"),
        Finding("doi_download_ratio_high", s, "... interval, high",
                _tsv("summary/doi_ratio.tsv", "ci_high", statistic="mean"), "ratio"),
        Finding("auto_generated_share", s, "carded models whose card is auto-generated",
                _tsv(AVAIL, "share", metric="card_auto_generated"), "share"),
    ]  # fmt: skip


def _genealogy() -> list[Finding]:
    s = "Genealogy"
    ft = "genealogy/finetune/summary.json"
    nm = "genealogy/no_merge/summary.json"
    f, n = ("set:finetune",), ("set:no_merge",)
    return [
        Finding("finetune_families", s, "families of the finetune graph (singletons included)",
                _json(ft, "families"), paper="finetune_families", needs=f),
        Finding("finetune_singletons", s, "of which single models", _json(ft, "singletons"),
                needs=f),
        Finding("finetune_children_with_children", s,
                "finetune children that have children of their own",
                _json(ft, "children_with_children", "share"), "share",
                "finetune_children_with_children", needs=f),
        Finding("max_depth", s, "deepest generation, all relations but merge",
                _json(nm, "max_depth"), paper="max_depth", needs=n),
        Finding("largest_family", s, "largest family (all relations but merge), its root",
                _json(nm, "largest_family", "root"), "text", needs=n),
        Finding("largest_family_size", s, "its size", _json(nm, "largest_family", "size"),
                paper="largest_family_size", needs=n),
        Finding("virality_median", s, "median structural virality, finetune families of 2+",
                _json(ft, "virality", "median"), "float", needs=f),
    ]  # fmt: skip


def _traits() -> list[Finding]:
    s = "Traits"
    out: list[Finding] = []
    for rel, name in (("finetune", "finetune edges"), ("all", "all relations")):
        for trait in ("license", "language", "task"):
            out.append(
                Finding(f"mutation_{trait}_{rel}", s, f"mutation rate of {trait}s, {name}",
                        _tsv(RATES, "rate", trait=trait, relation=rel), "float",
                        f"mutation_{trait}_{rel}")
            )  # fmt: skip
    for trait in TRAITS:
        paper = trait in TAG_TRAITS  # the paper has figures for these only
        # The paper ordered the tag traits only: the config traits' weighted ordering is
        # the paper's method, not an ordering the paper has.
        weighted = "the paper's weighted" if paper else "the weighted"
        for kind, ordering in (("weighted", weighted), ("normalised", "normalised")):
            suffix = "" if kind == "weighted" else "_normalised"
            out.append(
                Finding(f"drifts_{trait}{suffix}", s,
                        f"{trait} drifts explained by {ordering} ordering",
                        _json(ORDER, "traits", trait, "orderings", kind, "drifts_explained"),
                        "share", f"drifts_{trait}" if paper and kind == "weighted" else None)
            )  # fmt: skip
            out.append(
                Finding(f"drifts_{trait}{suffix}_null", s,
                        f"{trait} drifts explained with coin-flip directions ({kind} "
                        "ordering, null mean)",
                        _json(ORDER, "traits", trait, "orderings", kind, "null",
                              "drifts_explained", "mean"), "share")
            )  # fmt: skip
            out.append(
                Finding(f"mutations_{trait}{suffix}", s,
                        f"{trait} mutations explained by {ordering} ordering",
                        _json(ORDER, "traits", trait, "orderings", kind, "mutations_explained"),
                        "share", f"mutations_{trait}" if paper and kind == "weighted" else None)
            )  # fmt: skip
            out.append(
                Finding(f"mutations_{trait}{suffix}_null", s,
                        f"{trait} mutations explained with coin-flip directions ({kind} "
                        "ordering, null mean)",
                        _json(ORDER, "traits", trait, "orderings", kind, "null",
                              "mutations_explained", "mean"), "share")
            )  # fmt: skip
    for measure, what, kind in (
        ("card_chars", "card length (characters)", "chars"),
        ("auto_generated", "share of auto-generated cards", "float"),
        ("languages", "languages listed", "float"),
    ):
        short = {"card_chars": "chars", "auto_generated": "auto", "languages": "languages"}[measure]
        for side in ("parent", "child"):
            out.append(
                Finding(f"thinning_{short}_{side}", s,
                        f"{what}, {side} (all relations, every edge once)",
                        _tsv(THIN, f"{side}_mean", measure=measure, relation="all",
                             estimate="edges"), kind, f"thinning_{short}_{side}")
            )  # fmt: skip
        for side in ("parent", "child"):
            out.append(
                Finding(f"thinning_{short}_{side}_by_parent", s,
                        f"{what}, {side} (all relations, every parent once)",
                        _tsv(THIN, f"{side}_mean", measure=measure, relation="all",
                             estimate="parents"), kind)
            )  # fmt: skip
    return out


def _architecture() -> list[Finding]:
    """The config traits: their mutation rates with intervals, how often a quantized
    child lists another model type than its parent (an error of the metadata: a
    quantization does not change the architecture), and the heads causal LMs move to
    when fine-tuned."""
    s = "Architecture (config summary)"
    out: list[Finding] = []
    for trait in CONFIG_TRAITS:
        for rel in ("finetune", "quantized", "all"):
            for col, suffix, what in (("rate", "", ""), ("ci_low", "_low", ", interval low"),
                                      ("ci_high", "_high", ", interval high")):  # fmt: skip
                out.append(
                    Finding(f"mutation_{trait}_{rel}{suffix}", s,
                            f"mutation rate of {PLURAL[trait]}, {rel} edges{what}",
                            _tsv(RATES, col, trait=trait, relation=rel), "float")
                )  # fmt: skip
        out.append(
            Finding(f"pairs_{trait}_all", s, f"pairs compared on {PLURAL[trait]}",
                    _tsv(RATES, "pairs", trait=trait, relation="all"))
        )  # fmt: skip
    out.append(
        Finding("model_type_differs_quantized", s,
                "quantized children whose model_type differs from the parent's (share)",
                _tsv(RATES, "changed", trait="model_type", relation="quantized"), "share")
    )  # fmt: skip
    out.append(
        Finding("model_type_differs_quantized_pairs", s,
                "... of the quantized pairs compared on model_type",
                _tsv(RATES, "pairs", trait="model_type", relation="quantized"))
    )  # fmt: skip
    out += [
        Finding("parameters_root_size_kept", s,
                "descendants the size of their root (parameter counts within 10%)",
                Source(PARAMS, column="verdict", row={"generation": "descendants"}), "text"),
        Finding("parameters_root_size_share", s,
                "descendants the size of their root (share of those with both counts)",
                Source(PARAMS, column="share_same_size", row={"generation": "descendants"}),
                "share"),
        Finding("parameters_estimated", s,
                "descendants whose parameter count is the config.json estimate",
                Source(PARAMS, column="from_estimate", row={"generation": "descendants"})),
    ]  # fmt: skip
    for head in TASK_HEADS:
        out.append(
            Finding(f"head_causal_lm_to_{head}", s,
                    f"finetunes switching ForCausalLM to {head} (transitions)",
                    Source(TRANSITIONS, column="transitions", optional=True,
                           row={"trait": "architecture", "relation": "finetune",
                                "source": "ForCausalLM", "target": head}))
        )  # fmt: skip
    return out


def _quality() -> list[Finding]:
    """What the snapshot flags as a form's or a script's default (``data_quality``), and
    the headline mutation rates with those values kept as traits and left out (both are
    measured in every run, whatever ``traits.exclude_flagged`` says)."""
    s = "Data quality (defaults, not traits)"
    out = [
        Finding(f"quality_{rule}", s, f"values flagged: {what}", _tsv(QUALITY, "flags", rule=rule))
        for rule, what in (
            ("placeholder_language_run", "languages of a run of the picker's first entries"),
            ("template_dataset", "datasets named after a datasets builder (generator, ...)"),
            ("library_inconsistent", "libraries the files contradict"),
            ("empty_task", "empty tasks"),
        )
    ]
    out.append(
        Finding(
            "quality_models", s, "models with a flagged value", _tsv(QUALITY, "models", rule="all")
        )
    )
    for trait in TRAITS:
        for flagged in ("kept", "excluded"):
            out.append(
                Finding(f"mutation_{trait}_all_flags_{flagged}", s,
                        f"mutation rate of {PLURAL[trait]}, all relations, flagged values "
                        f"{flagged}",
                        _tsv(RATES_FLAGGED, "rate", flagged=flagged, trait=trait,
                             relation="all"), "float")
            )  # fmt: skip
    return out


def _similarity() -> list[Finding]:
    s = "Similarity (metadata TF-IDF, the paper's string)"
    return [
        Finding(f"similarity_{rel}", s, f"mean similarity: {label}",
                # a small snapshot may hold no pair of these kinds (no cousins): n/a
                Source(MEANS, "mean", {"relation": rel, "measure": "metadata_tfidf"},
                       optional=rel in ("siblings", "grandparent", "cousins")), "float",
                f"similarity_{rel}" if rel != "cousins" else None, needs=("variant:paper",))
        for rel, label in (
            ("random", "random pairs"),
            ("parent_child", "parent and child"),
            ("siblings", "siblings"),
            ("grandparent", "grandparent and grandchild"),
            ("cousins", "cousins"),
        )
    ]  # fmt: skip


LICENSES = "licenses/summary.json"


def _licenses() -> list[Finding]:
    """The license audit (docs/licenses.md): shares of judged license changes that
    breach the parent's terms, each with its interval (Wilson, clustered by family: none
    below 10 families) and the families it rests on."""
    s = "Licenses (an audit of declared metadata, not legal advice)"
    out: list[Finding] = []
    for key, what in (
        ("changes", "share of license changes that breach the parent's terms"),
        ("to_permissive", "share of the drift toward permissive licenses that is a breach"),
    ):
        for col, suffix, label in (("share", "", what), ("low", "_low", "... interval, low"),
                                   ("high", "_high", "... interval, high")):  # fmt: skip
            out.append(Finding(f"license_breach_{key}{suffix}", s, label,
                               _json(LICENSES, key, col), "share"))  # fmt: skip
        out.append(Finding(f"license_breach_{key}_judged", s, "... judged license changes",
                           _json(LICENSES, key, "judged"), "int"))  # fmt: skip
        out.append(Finding(f"license_breach_{key}_families", s,
                           "... their families (the interval resamples families; none below 10)",
                           _json(LICENSES, key, "families"), "int"))  # fmt: skip
    out.append(Finding("license_breach_traits_drifts", s,
                       "share of the traits stage's license drift transitions that are breaches",
                       _json(LICENSES, "traits_drifts", "share"), "share"))  # fmt: skip
    out.append(Finding("license_breach_traits_drifts_transitions", s,
                       "... of the license drift transitions",
                       _json(LICENSES, "traits_drifts", "transitions"), "int"))  # fmt: skip
    return out


ECOLOGY = "ecology/summary.json"
ECOLOGY_TESTS = "ecology/ecology_tests.tsv"
DEATHS = "ecology/deaths_summary.json"


def _ecology(choices: Choices) -> list[Finding]:
    """Population dynamics (docs/ecology.md): births with a known date, the reproductive
    life of the families of the succession set (``ecology.succession_relations``), and
    the deaths of the families of ``diff.relations``."""
    s = "Ecology (births and reproduction of families)"
    life = ("life", choices.succession)
    return [
        Finding("ecology_backfilled", s, "models with the back-filled createdAt (no known birth)",
                _json(ECOLOGY, "backfilled")),
        Finding("ecology_families", s,
                f"families measured ({choices.succession}, at least "
                f"{choices.min_family_models:,} models)",
                _json(ECOLOGY, *life, "families")),
        Finding("ecology_half_life", s, "median reproductive half-life (months)",
                _json(ECOLOGY, *life, "half_life_median"), "float",
                status=_status(ECOLOGY, *life, "half_life_status"),
                families=_json(ECOLOGY, *life, "half_life_families")),
        Finding("ecology_half_life_families", s,
                "... families it is the median of (births decaying, enough months)",
                _json(ECOLOGY, *life, "half_life_families")),
        Finding("ecology_first_child", s, "median days from a root's birth to its first child",
                _json(ECOLOGY, *life, "days_to_first_child_median"), "float",
                status=_status(ECOLOGY, *life, "first_child_status"),
                families=_json(ECOLOGY, *life, "first_child_families")),
        Finding("ecology_first_child_families", s,
                "... families it is the median of (root and first child dated)",
                _json(ECOLOGY, *life, "first_child_families")),
        Finding("ecology_still_reproducing", s, "share of families still reproducing",
                _json(ECOLOGY, *life, "still_reproducing_share"), "share",
                status=_status(ECOLOGY, *life, "still_reproducing_status"),
                families=_json(ECOLOGY, *life, "families")),
        Finding("ecology_handovers", s, "hand-overs between the top root families (all tasks)",
                _json(ECOLOGY, "handovers_all")),
        Finding("ecology_handovers_decided", s,
                "... of them, decided by more than a few births (one-sided binomial p below"
                " 0.05 in the hand-over month)", _json(ECOLOGY, "handovers_all_decided")),
        Finding("ecology_deaths", s, "models removed since the earlier snapshot (death rate,"
                " families resampled)", _json(DEATHS, "deaths", "shown"), "text"),
        Finding("ecology_family_deaths", s,
                f"families ({choices.deaths_relations}) whose every model was removed",
                _json(DEATHS, "family_deaths", "shown"), "text"),
        Finding("ecology_newly_gated", s, "models newly gated since the earlier snapshot",
                _json(DEATHS, "newly_gated", "shown"), "text"),
    ]  # fmt: skip


MERGES = "merges/summary.json"
MERGE_CLAIMS = "merges/claims.tsv"
INHERIT = "merges/inheritance.json"
INHERIT_SHARES = "merges/inheritance_shares.tsv"
INHERIT_CLAIMS = "merges/inheritance_claims.tsv"
RESEMBLE = "merges/resemblance.tsv"
RESEMBLE_CLAIMS = "merges/resemblance_claims.tsv"


def _merges() -> list[Finding]:
    """Merges as sexual reproduction (docs/merges.md): pedigrees, inbreeding, kinship."""
    s = "Merges (pedigrees of two or more parents)"
    return [
        Finding("merges", s, "merges (models with a merge edge)", _json(MERGES, "merges")),
        Finding("merges_inbred_share", s,
                "share of merges of 2+ parents whose parents are of one family (inbred)",
                _json(MERGES, "inbred_share"), "share"),
        Finding("merges_mean_inbreeding", s,
                "mean inbreeding coefficient of the merges of 2+ parents (inbred or not)",
                _json(MERGES, "mean_inbreeding"), "float"),
        Finding("merges_of_merges", s, "merges with a merge among their parents",
                _json(MERGES, "merges_of_merges")),
        Finding("merges_max_depth", s, "merges on the deepest merge lineage",
                _json(MERGES, "max_merge_depth")),
        Finding("merges_families_joined", s, "families joined to another by merges",
                _json(MERGES, "families_joined")),
        Finding("merges_largest_component", s, "families in the largest group joined by merges",
                _json(MERGES, "largest_component_families")),
        Finding("merges_families_with_merges", s,
                "families whose models are the first-listed parents of merges of 2+ parents",
                _json(MERGES, "families_with_merges")),
        Finding("merges_families_mostly_inbred", s,
                "... of them, families whose merges are mostly inbred",
                _json(MERGES, "families_mostly_inbred")),
        Finding("merges_max_inbreeding", s, "greatest inbreeding coefficient of a merge",
                _json(MERGES, "max_inbreeding"), "float"),
        Finding("merges_longest_inbred_lineage", s,
                "merges on the longest of the most inbred merge lineages",
                _json(MERGES, "longest_inbred_lineage")),
        Finding("merges_license_differ", s, "merges whose parents' licenses differ",
                _tsv(INHERIT_SHARES, "possible", trait="license", outcome="first")),
        Finding("merges_license_first", s,
                "share of merges whose parents' licenses differ showing the first-listed's",
                _tsv(INHERIT_SHARES, "given_possible", trait="license", outcome="first"),
                "share"),
        Finding("merges_license_other", s, "... showing another parent's license",
                _tsv(INHERIT_SHARES, "given_possible", trait="license", outcome="other"),
                "share"),
        Finding("merges_language_differ", s, "merges whose parents' languages differ",
                _tsv(INHERIT_SHARES, "possible", trait="language", outcome="union")),
        Finding("merges_language_union", s,
                "share of merges whose parents' languages differ showing their union",
                _tsv(INHERIT_SHARES, "given_possible", trait="language", outcome="union"),
                "share"),
        Finding("merges_license_mutation", s,
                "share of merges showing none of their parents' licenses",
                _tsv(INHERIT_SHARES, "share", trait="license", outcome="mutation"), "share"),
        Finding("merges_dominance_pairs", s,
                "license pairs (a merge's and a parent's) ranked by the drift ordering",
                _json(INHERIT, "dominance_order", "pairs")),
        Finding("merges_dominant_later", s,
                "share of license pairs where the merge's sits later in the drift ordering",
                _json(INHERIT, "dominance_order", "later_share"), "share"),
        Finding("merges_dominance_later_pairs", s, "... of the license pairs in the ordering",
                _json(INHERIT, "dominance_order", "pairs"), "int"),
        Finding("merges_first_closest", s,
                "share of merges closest to their first-listed parent (metadata TF-IDF)",
                _tsv(RESEMBLE, "first_closest", measure="metadata_tfidf"), "share",
                needs=("variant:paper",)),
        Finding("merges_first_closest_merges", s, "... of the merges compared",
                _tsv(RESEMBLE, "merges", measure="metadata_tfidf"), "int",
                needs=("variant:paper",)),
    ]  # fmt: skip


KIN = "inference/summary.json"
KIN_HEADLINES = "traits/kin_headlines.tsv"
#: Rows of kin_headlines.tsv reported, with their label and measure.
_KIN_ROWS = (
    ("families_2plus", "families of two or more models", "int"),
    ("largest_family", "largest family (models)", "int"),
    ("deepest_generation", "deepest generation", "int"),
    ("children_with_children", "children with children", "int"),
    *((f"mutation_rate_{t}", f"{t} mutation rate (typed relations pooled)", "share")
      for t in TRAITS),
)  # fmt: skip


def _kin() -> list[Finding]:
    """Undeclared kin (docs/inference.md): the inferred edges at the summary's confidence,
    and the headline numbers with declared edges only beside those with them added."""
    s = "Inferred kin (undeclared parents, calibrated on a planted ecosystem)"
    out = [
        Finding("kin_inferred_edges", s, "undeclared parents inferred at inference.min_confidence",
                _json(KIN, "new_at_min_confidence"), "int"),
        Finding("kin_inferred_children", s, "... models that gain a parent",
                _json(KIN, "children_at_min_confidence"), "int"),
    ]  # fmt: skip
    for measure, label, kind in _KIN_ROWS:
        for column, side in (("declared", "declared edges only"),
                             ("with_inferred", "with inferred edges")):  # fmt: skip
            out.append(Finding(f"kin_{measure}_{column}", s, f"{label}: {side}",
                               _tsv(KIN_HEADLINES, column, measure=measure), kind))  # fmt: skip
    return out


def findings(choices: Choices = DEFAULT_CHOICES) -> tuple[Finding, ...]:
    """Every headline number, its rows and labels following ``choices``."""
    return (
        *_ecosystem(),
        *_availability(),
        *_genealogy(),
        *_traits(),
        *_architecture(),
        *_quality(),
        *_similarity(),
        *_licenses(),
        *_ecology(choices),
        *_merges(),
        *_kin(),
    )


#: The findings under the default config.
FINDINGS: tuple[Finding, ...] = findings()

CHANGE = ("change_mean", "change_low", "change_high", None)  # child - parent in thinning

CLAIMS: tuple[Claim, ...] = (
    Claim("claim_siblings_over_parent", "Claims of the paper",
          "siblings are more alike than parent and child (metadata TF-IDF, the paper's string;"
          " paired inside the same families)",
          TESTS, {"claim": "siblings_over_parent", "comparison": "siblings > parent_child",
                  "design": "paired in cherry", "measure": "metadata_tfidf"},
          direction="greater", paper="claim_siblings_over_parent", needs=("variant:paper",)),
    Claim("claim_siblings_over_parent_traits", "Claims of the paper",
          "... the same on traits alone (no ids, lineage tags, dates or counts)",
          TESTS, {"claim": "siblings_over_parent", "comparison": "siblings > parent_child",
                  "design": "paired in cherry", "measure": "metadata_traits_tfidf"},
          direction="greater", needs=("variant:traits",)),
    Claim("claim_siblings_over_parent_families", "Claims of the paper",
          "... the same with every family once (its cherries averaged; metadata TF-IDF)",
          TESTS, {"claim": "siblings_over_parent", "comparison": "siblings > parent_child",
                  "design": "paired in cherry, each family once", "measure": "metadata_tfidf"},
          direction="greater", needs=("variant:paper",)),
    Claim("claim_siblings_over_parent_families_traits", "Claims of the paper",
          "... with every family once, on traits alone",
          TESTS, {"claim": "siblings_over_parent", "comparison": "siblings > parent_child",
                  "design": "paired in cherry, each family once",
                  "measure": "metadata_traits_tfidf"},
          direction="greater", needs=("variant:traits",)),
    Claim("claim_family_resemblance", "Claims of the paper",
          "parent and child are more alike than random pairs (metadata TF-IDF)",
          TESTS, {"claim": "family_resemblance", "comparison": "parent_child > random",
                  "design": "independent", "measure": "metadata_tfidf"},
          direction="greater", paper="claim_family_resemblance", needs=("variant:paper",)),
    Claim("claim_generational_divide", "Claims of the paper",
          "parent and child are more alike than grandparent and grandchild (metadata TF-IDF)",
          TESTS, {"claim": "generational_divide", "comparison": "parent_child > grandparent",
                  "design": "independent", "measure": "metadata_tfidf"},
          direction="greater", paper="claim_generational_divide", needs=("variant:paper",)),
    Claim("claim_cards_thin", "Claims of the paper",
          "children's cards are shorter than their parents' (all relations, both with a card;"
          " every edge once, the paper's)",
          THIN, {"measure": "card_chars", "relation": "all", "estimate": "edges"},
          direction="less", columns=CHANGE),
    Claim("claim_cards_thin_by_parent", "Claims of the paper",
          "... the same with every parent once (its children averaged)",
          THIN, {"measure": "card_chars", "relation": "all", "estimate": "parents"},
          direction="less", columns=CHANGE),
    Claim("claim_finetune_cards_auto", "Claims of the paper",
          "fine-tuned children carry more auto-generated cards than their parents"
          " (every edge once)",
          THIN, {"measure": "auto_generated", "relation": "finetune", "estimate": "edges"},
          direction="greater", columns=CHANGE),
    Claim("claim_finetune_cards_auto_by_parent", "Claims of the paper",
          "... the same with every parent once (its children averaged)",
          THIN, {"measure": "auto_generated", "relation": "finetune", "estimate": "parents"},
          direction="greater", columns=CHANGE),
    Claim("claim_families_decay", "Ecology (births and reproduction of families)",
          "a family's births fall after its peak (median fitted decay rate per month; families"
          " resampled)", ECOLOGY_TESTS, {"claim": "families_decay"},
          direction="greater", columns=("difference", "ci_low", "ci_high", None)),
    Claim("claim_merges_mostly_inbred", "Merges (pedigrees of two or more parents)",
          "merges are mostly inbred (parents of one family; share - 1/2, Wilson, families"
          " resampled)",
          MERGE_CLAIMS, {"claim": "mostly_inbred"}, direction="greater",
          columns=("difference", "ci_low", "ci_high", None), too_few="too few merges"),
    Claim("claim_merges_first_parent_license", "Merges (pedigrees of two or more parents)",
          "merges inherit the first parent's license (share showing the first-listed's, less"
          " its share were the order random; parents' licenses differ; families resampled)",
          INHERIT_CLAIMS, {"claim": "first_parent_license"}, direction="greater",
          columns=("difference", "ci_low", "ci_high", None), too_few="too few merges"),
    Claim("claim_merges_resemble_first_parent", "Merges (pedigrees of two or more parents)",
          "a merge resembles its first-listed parent more than its others (metadata TF-IDF;"
          " similarity to the first less the others' mean; families resampled)",
          RESEMBLE_CLAIMS, {"claim": "first_parent_resemblance", "measure": "metadata_tfidf"},
          direction="greater", columns=("difference", "ci_low", "ci_high", None),
          too_few="too few merges", needs=("variant:paper",)),
    Claim("claim_merges_resemble_first_parent_traits", "Merges (pedigrees of two or more parents)",
          "... the same on traits alone (no ids, lineage tags, dates or counts)",
          RESEMBLE_CLAIMS,
          {"claim": "first_parent_resemblance", "measure": "metadata_traits_tfidf"},
          direction="greater", columns=("difference", "ci_low", "ci_high", None),
          too_few="too few merges", needs=("variant:traits",)),
)  # fmt: skip

#: The orderings explain more mutations than the same traffic with coin-flip directions.
NULL_CLAIMS: tuple[NullClaim, ...] = tuple(
    NullClaim(f"claim_{trait}_drift", "Claims of the paper",
              f"{PLURAL[trait]} drift one way: the weighted ordering (the paper's method) explains"
              f" more {trait} mutations than coin-flip directions", ORDER,
              ("traits", trait, "orderings", "weighted"), "mutations_explained")
    for trait in TAG_TRAITS
)  # fmt: skip


def source_files(choices: Choices = DEFAULT_CHOICES) -> dict[str, str]:
    """Every table the findings read under ``choices``, by a name fit for a Snakemake
    input (a finding not measured under them asks for nothing).

    >>> source_files()["summary_overview"]
    'summary/overview.tsv'
    >>> "genealogy_finetune_summary" in source_files(Choices(genealogy_sets=("all",)))
    False
    """
    files = [f.source.file for f in findings(choices) if choices.missing(f.needs) is None]
    files += [c.file for c in CLAIMS if choices.missing(c.needs) is None]
    files += [c.file for c in NULL_CLAIMS]
    return {file.rsplit(".", 1)[0].replace("/", "_"): file for file in sorted(set(files))}
