"""The synthetic ecosystem: a Hub-like population of models with a planted truth.

``generate(SynthConfig(...), out_dir)`` writes ``out_dir/hub.sqlite`` (the store the
replica serves, see :mod:`phylohub.hub.store`, plus ``truth_*`` tables) and
``out_dir/truth.json`` (the planted parameters and what was realised). Deterministic for
a seed: the same config gives a byte-identical store and truth.

How the population is made
==========================
1. **Genealogy.** Models are created in time order (exponential growth, ``growth_per_year``).
   A model declares a parent with probability ``child_share``; its relation is drawn from
   ``relation_mix``. Parents are drawn from an urn (preferential attachment: every child
   puts its parent back once more), which gives the heavy-tailed family sizes of the Hub.
   Only some models ever enter the urn: roots with probability ``base_share``, children
   with ``parent_propensity[relation]`` (quantized models and adapters are mostly
   leaves). Deep lineages come from authors who iterate on their own last fine-tune:
   each author has a propensity, drawn from Beta(``chain_alpha``, ``chain_beta``), to
   take it as the parent. Merges draw 2 + Geometric(``merge_extra_parent_p``) parents.
   A share ``untyped_share`` of children carries only the plain ``base_model:`` tag, and
   a share ``missing_parent_share`` of parents is private, so their children point
   outside the listing.
2. **Traits** (license, languages, task, library) are latent values inherited along the
   first parent. On each edge a trait mutates with probability
   ``mutation[trait][relation]``. A mutation moves forward in the trait's planted drift
   order (:mod:`phylohub.hub.vocab`) with probability ``drift_forward`` (0.5 = no drift)
   and backward otherwise; where no value lies in the drawn direction the trait does not
   mutate. A mutating child takes its parent's *cohort* target with probability
   ``sibling_correlation`` (one target per parent, shared by all its children), else a
   target of its own: siblings then resemble each other more than their parent.
   Languages are sets: a mutation replaces the set by one language outside it.
   Whether a trait is *shown* (tag/card) is drawn independently of its value.
3. **Cards.** Declared children always have a card (the ``base_model`` tags come from
   it); roots get one so that ``card_share`` of all models do. Card kinds follow
   ``card_kinds[relation]`` (auto-generated Trainer/Hub templates, quantizer and
   mergekit cards, written cards). A written child card keeps each of its parent's
   paragraphs with probability ``card_keep`` (thinning), carries its parent's cohort
   paragraphs with probability ``sibling_correlation``, and adds a few of its own.
   ``huge_cards`` cards are padded to between 1 MB and ``huge_card_chars``.
   ``child_card_length`` plants the direction of card length from parent to child
   outright, for testing the thinning claim both ways: ``mixed`` (the default) is the
   mix above, whose direction the card kinds decide; with ``shorter``, ``equal`` or
   ``longer`` every card is written (kind ``human``) and a child's paragraphs are the
   first half of its first parent's (``shorter``: never longer than the parent's),
   its own, as many as a root draws (``equal``: parent and child lengths are drawn
   alike, so no change is planted beyond the child's ``base_model`` lines), or all of
   its parent's plus as many of its own (``longer``). ``truth.json["card_thinning"]``
   records it.
4. **The rest**: ids that look like the Hub's, authors drawn from a Zipf law, downloads
   (``downloads_share`` > 0, heavy-tailed, larger for parents), likes, gated
   (``gated_share``), disabled, ``createdAt`` back-filled to 2022-03-02T23:29:04.000Z
   before that date, siblings, safetensors, datasets and arXiv tags (the Hub template's
   arXiv:1910.09700 included), availability tags (``endpoints_compatible``,
   ``autotrain_compatible``, ``doi:`` tags more likely on much-downloaded models), and
   ``malformed_share`` models with a malformed tag.

The planted truth
=================
``truth.json`` holds the config, the drift orders, the mutation parameters and, per trait
and relation, the *expected* mutation rate (Definition 7.1) over the edges where both
sides show the trait and the parent is listed: the parameter times the chance that a
move in the drawn direction exists, averaged over those edges' parent values. The
``truth_edges`` and ``truth_models`` tables hold every edge and every latent value.

arXiv papers
============
The store's ``arxiv_papers`` table (served by the replica's arXiv API) holds every paper
models may cite: the real ones of :data:`~phylohub.hub.vocab.ARXIV_PAPERS` (their real
titles, days and categories; 1910.09700, the Hub template's, is cs.CY) and
``arxiv_pool`` synthetic ones whose id, day, title, primary category and cross-lists are
drawn. Versions and times of day are drawn for all. These draws come from a stream of
their own (seeded by ``seed``), so they leave every other draw as it was: with
``arxiv_pool = 0`` the models are byte for byte those of an ecosystem without papers.
``truth.json["arxiv"]`` lists every paper with the number of listed models citing it.

Card files as the Hub holds them
================================
Real README files are messier than their text. Among the listed models whose card is
served (not gated, disabled or huge), the generator plants, from a stream of its own
(so every other draw keeps its value):

* ``leading_blank``: a share ``leading_blank_share`` of the cards starts with an empty
  line (now and then two, a space or a CRLF) before its front matter, as the cards
  written by diffusers' DreamBooth scripts do (6-7% of the Hub's cards);
* ``bom``: a share ``bom_share`` (at least one) is saved with a UTF-8 byte order mark,
  most of them just before the front matter;
* ``invalid_utf8``: a share ``invalid_utf8_share`` (at least one) is saved in cp1252,
  with a credit line of accented letters: bytes that are not UTF-8;
* ``many_files``: one repository (when ``big_repo_files`` > 0) with that many more files
  in its siblings (over 6,000 by default);
* ``readme_404``: ``readme_not_found`` models without a card whose siblings list
  ``README.md`` all the same: the README answers 404 ``EntryNotFound``.

The ``truth_card_shapes`` table names every planted model (``key``, ``id``, ``shape``,
``front_matter``: whether its card has a YAML front matter), ``truth.json["card_shapes"]``
counts them and ``truth.json["many_files"]`` gives the big repository's id and files.

Defaults, not traits
====================
Real metadata holds what a form or a training script filled in. Among the listed models
with a card the generator plants, from a stream of its own (every other draw keeps its
value, and the latent traits of ``truth_models`` are untouched):

* ``placeholder_language_run``: a share ``placeholder_language_share`` gets the first 3
  to 6 entries of the Hub's language picker (``aa``, ``ab``, ``ae``, ``af``, ``ak``,
  ``am``) besides the languages it shows;
* ``template_dataset``: a share ``template_dataset_share`` of the fine-tunes also names
  ``dataset:generator``, as TRL's trainers write it; ``imagefolder`` of the dataset
  vocabulary is a builder's name as well (:data:`~phylohub.hub.vocab.TEMPLATE_DATASETS`);
* ``library_inconsistent``: a share ``foreign_library_share`` of the transformers
  checkpoints (``config.json`` and weights: roots, fine-tunes, merges) is tagged with
  asteroid, fastai or allennlp;
* ``empty_task``: a share ``empty_task_share`` has an empty ``pipeline_tag``.

License audit
=============
With ``license_plant_share`` > 0 (0 by default: names and licenses stay as they were),
from a stream of its own: every child of a Llama 3.x parent is named "Llama-3-..." (unless
its author is the licensor), and a share of the eligible children (typed, not merges,
leaves, listed, first parent listed and showing its license) gets a case by its first
parent's latent license: ``nc_to_permissive`` (CC BY-NC -> mit/apache-2.0),
``rail_dropped`` (RAIL -> mit/apache-2.0), ``naming_dropped`` (a Llama 3.x child named
without "Llama"), ``compatible_change`` (mit <-> apache-2.0). The ``truth_licenses``
table names each planted edge, ``truth.json["licenses"]`` counts them.

Population dynamics
===================
With ``ecology_plant`` on (off by default: every date stays as it was), from a stream of
its own, :mod:`phylohub.hub.plant_ecology` re-dates three families of the first 20 roots
(the root and its whole kept tree) to planted monthly reproduction curves (a rise, a
peak, an exponential decay of known half-life) and a succession in a task niche. The
``truth_ecology`` table and ``truth.json["ecology"]`` hold them.

Card dump
=========
With ``dump_days`` > 0 (0 by default: no dump, the store and truth as they were), from a
stream of its own, :mod:`phylohub.hub.plant_dump` writes beside the store, under
``datasets/{dump_repo}/``, a parquet dump of the cards as they were ``dump_days`` earlier
(the columns of the Hub's public dump): ``dump_coverage`` of the carded models then
created, stale rows (models modified since, and ``dump_stale_share`` more) with an older
``last_modified`` and text, ``dump_deleted_share`` rows of models since deleted. The
``truth_dump`` table and ``truth.json["dump"]`` hold them.

The shares are 0 by default, so the listed traits are the latent ones that the truth
tests recount; ``config/demo.yaml`` plants them at rates of the order of the Hub's. The
``truth_quality`` table (``key``, ``id``, ``trait``, ``value`` as listed, ``rule``) names
every such value of a listed model, ``truth.json["data_quality"]`` counts them.

Config summary
==============
With ``config_plant`` on (off by default), from a stream of its own: each model of
transformers or peft gets the config summary the Hub lists with ``config=true``
(``architectures``, ``model_type``, ``quantization_config``), families inherited along
the first parent, heads switching along a planted drift order at ``head_mutation``,
quantized children quantized (``quantization_share``) and a share
``model_type_error_share`` of them listing another family's type
(:mod:`phylohub.hub.plant_config`; truth in ``truth_config`` and
``truth.json["architecture"]``).

With ``config_files_plant`` on as well (off by default), from a stream of its own: the
store's ``config_files`` holds each model's ``config.json`` (the replica serves it where
the ``siblings`` list it), sizes drawn per family by roots, inherited along the first
parent and changed at ``size_change`` per relation (:mod:`phylohub.hub.plant_config_files`;
truth in ``truth_config_files`` and ``truth.json["config_files"]``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from phylohub.errors import PhylohubError
from phylohub.hub import plant_dump, plant_ecology, plant_merges, vocab
from phylohub.hub.plant_config import ConfigKnobs, ConfigPlan, plan_configs
from phylohub.hub.plant_config_files import (
    ConfigFilesPlan,
    plan_config_files,
    write_config_files,
)
from phylohub.hub.plant_kin import KinPlan, kin_plan, kin_summary, kin_truth
from phylohub.hub.store import ModelRecord, StoreWriter
from phylohub.vocabulary import TAG_RELATIONS
from phylohub.vocabulary import TAG_TRAITS as TRAITS

Array = npt.NDArray[Any]

RELATIONS = TAG_RELATIONS
BACKFILL = "2022-03-02T23:29:04.000Z"
_BACKFILL_DT = datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC)
GENERATOR_VERSION = 5
#: Planted directions of card length from parent to child (``child_card_length``).
CHILD_CARD_LENGTHS = ("mixed", "shorter", "equal", "longer")


#: Plants added after the store format, each by its switch and the knobs it reads: with
#: the switch off, ``SynthConfig.knobs`` leaves them out of the digest and the truth's
#: config, so an ecosystem made without them keeps both byte for byte.
LATE_PLANTS: dict[str, tuple[str, ...]] = {
    "ecology_plant": ("ecology_plant",),
    "niche_plant": ("niche_plant",),
    "config_plant": (
        "config_plant",
        "head_mutation",
        "head_drift_forward",
        "quantization_share",
        "model_type_error_share",
    ),
    "dump_days": (
        "dump_days",
        "dump_coverage",
        "dump_stale_share",
        "dump_deleted_share",
        "dump_repo",
    ),
    "merge_plant": ("merge_plant", "merge_inbred_share"),
    "merge_license_dominant_share": ("merge_license_dominant_share",),
    "merge_language_union_share": ("merge_language_union_share",),
    "kin_hidden_share": ("kin_hidden_share",),
    "kin_decoy_share": ("kin_decoy_share",),
    "config_files_plant": ("config_files_plant", "size_change"),
}


@dataclass(frozen=True)
class SynthConfig:
    """Every knob of the synthetic ecosystem (defaults calibrated to the anchor numbers)."""

    n_models: int = 20_000  # models generated (private ones included)
    seed: int = 0  # the same seed and knobs give a byte-identical ecosystem
    start: str = "2020-01-01"  # first createdAt
    end: str = "2025-07-12"  # snapshot date (the paper's)
    growth_per_year: float = 1.3  # exponential growth rate of model creation
    child_share: float = 0.281  # models declaring a base model (Oct-2025 snapshot)
    relation_mix: dict[str, float] = field(
        default_factory=lambda: dict(adapter=0.426, finetune=0.359, quantized=0.192, merge=0.023)
    )
    untyped_share: float = 0.002  # children with only the plain base_model: tag
    missing_parent_share: float = 0.03  # parents with children that are private (unlisted)
    merge_extra_parent_p: float = 0.6  # merges have 2 + Geometric(p) - 1 parents
    base_share: float = 0.06  # roots that ever become parents (enter the urn)
    parent_propensity: dict[str, float] = field(
        default_factory=lambda: dict(finetune=0.15, adapter=0.004, quantized=0.004, merge=0.15)
    )
    chain_alpha: float = 0.5  # author's propensity to fine-tune their own last model:
    chain_beta: float = 1.2  # Beta(alpha, beta)
    authors_per_model: float = 0.12  # size of the author pool relative to n_models
    zipf_exponent: float = 1.1  # author activity
    card_share: float = 0.6704  # models with a README (67.04% on the Hub)
    # card templates by relation ("root" = no declared parent), as shares
    card_kinds: dict[str, dict[str, float]] = field(
        default_factory=lambda: dict(
            root={"human": 0.86, "hub_default": 0.10, "trainer": 0.04},
            finetune={"trainer": 0.45, "hub_default": 0.06, "human": 0.49},
            adapter={"hub_default": 0.40, "human": 0.60},
            quantized={"quantized": 1.0},
            merge={"mergekit": 0.8, "human": 0.2},
            unknown={"human": 1.0},
        )
    )
    card_median_paragraphs: float = 5.0  # written root cards: lognormal paragraphs
    card_sigma: float = 1.0  # lognormal sigma of the paragraphs of written root cards
    card_keep: float = 0.35  # thinning: a child keeps each parent paragraph with this chance
    quantized_copy_card: float = 0.5  # quantizer cards that copy the original card
    huge_cards: int = 2  # cards padded to between 1 MB and huge_card_chars
    huge_card_chars: int = 4_000_000
    # the planted direction of card length, parent to child: mixed (the card kinds above
    # decide), shorter, equal or longer (every card written; module docs)
    child_card_length: str = "mixed"
    # trait shown, for roots with a card / children whose parent shows it / does not
    shown: dict[str, tuple[float, float, float]] = field(
        default_factory=lambda: dict(
            license=(0.33, 0.8, 0.2),
            language=(0.13, 0.75, 0.05),
            task=(0.55, 0.9, 0.4),
            library=(0.62, 0.92, 0.5),
        )
    )
    multilingual_share: float = 0.08  # roots whose language set has several languages
    # chance that a trait mutates on an edge of each relation
    mutation: dict[str, dict[str, float]] = field(
        default_factory=lambda: dict(
            license={
                "finetune": 0.22,
                "adapter": 0.15,
                "quantized": 0.06,
                "merge": 0.3,
                "unknown": 0.2,
            },
            language={
                "finetune": 0.35,
                "adapter": 0.15,
                "quantized": 0.05,
                "merge": 0.25,
                "unknown": 0.2,
            },
            task={
                "finetune": 0.40,
                "adapter": 0.25,
                "quantized": 0.05,
                "merge": 0.2,
                "unknown": 0.3,
            },
            library={
                "finetune": 0.10,
                "adapter": 0.85,
                "quantized": 0.6,
                "merge": 0.1,
                "unknown": 0.1,
            },
        )
    )
    drift_forward: float = 0.9  # share of mutations along the drift order; 0.5 = no drift
    drift_decay: float = 0.6  # preference for near targets (per step along the order)
    sibling_correlation: float = 0.8  # mutating children taking the parent's cohort target
    dataset_share: float = 0.12  # carded models naming a dataset (finetunes also via cohort)
    arxiv_share: float = 0.03  # carded models citing a paper (besides the Hub template's)
    # synthetic arXiv papers besides the real ones of vocab.ARXIV_PAPERS (categories drawn);
    # 0 leaves every model as it is without them
    arxiv_pool: int = 0
    arxiv_pool_share: float = 0.05  # carded models also citing a synthetic paper (Zipf)
    gated_share: float = 0.012  # gated models (popular bases: 30%)
    disabled_share: float = 0.0005  # listed models whose files answer "disabled"
    downloads_share: float = 0.355  # models with downloads > 0 (heavy-tailed, more for parents)
    safetensors_share: float = 0.234  # models with safetensors parameter counts
    # Availability tags (the paper's 9.2), drawn from a stream of their own.
    endpoints_share: float = 0.06  # models tagged endpoints_compatible
    autotrain_share: float = 0.24  # models tagged autotrain_compatible
    doi_share: float = 0.002  # models with a doi: tag, drawn in proportion to sqrt(downloads)
    malformed_share: float = 0.001  # carded models with one malformed tag (kinds in truth.json)
    hostile_ids: int = 5  # legal but awkward ids (dots, underscores, 96 characters)
    # Card files as the Hub holds them, drawn from a stream of their own (module docs).
    leading_blank_share: float = 0.065  # served cards with an empty line before "---"
    bom_share: float = 0.002  # served cards saved with a UTF-8 byte order mark (at least 1)
    invalid_utf8_share: float = 0.001  # served cards saved in cp1252 (at least 1)
    big_repo_files: int = 6_100  # files added to one served repository (0: none)
    readme_not_found: int = 3  # models listing README.md whose README answers 404
    # Metadata that is a form's or a script's default, drawn from a stream of its own
    # (module docs, "Defaults, not traits"); shares of the listed models with a card.
    # 0 plants none, so the listed traits are the latent ones (the demo plants them).
    placeholder_language_share: float = 0.0  # + the picker's first 3-6 languages (aa, ab...)
    template_dataset_share: float = 0.0  # fine-tunes also naming dataset:generator (TRL)
    foreign_library_share: float = 0.0  # transformers checkpoints tagged asteroid/fastai/...
    empty_task_share: float = 0.0  # pipeline_tag left empty ("")
    # License breaches and compatible changes, from a stream of their own (module docs,
    # "License audit"); 0 plants none and leaves every name and license as it was.
    license_plant_share: float = 0.0  # eligible leaf children given a planted case
    # Reproduction curves and a succession, planted by re-dating three families, from a
    # stream of its own (phylohub.hub.plant_ecology); off leaves every date as it was.
    ecology_plant: bool = False
    # A family whose descendants enter a new task niche at a known month, planted by
    # re-dating it, from a stream of its own (plant_ecology.plant_niche); off: no date moves.
    niche_plant: bool = False
    # The config summary (architectures, model_type, quantization_config), from a stream
    # of its own (phylohub.hub.plant_config); off leaves every summary as it was.
    config_plant: bool = False
    head_mutation: dict[str, float] = field(
        default_factory=lambda: dict(
            finetune=0.3, adapter=0.02, quantized=0.0, merge=0.1, unknown=0.1
        )
    )
    head_drift_forward: float = 0.9  # head switches along plant_config.HEADS
    quantization_share: float = 0.85  # quantized children (with a config) given one
    model_type_error_share: float = 0.1  # quantized children listing another model_type
    # A public card dump as it was dump_days earlier, beside the store, from a stream of its
    # own (phylohub.hub.plant_dump); 0 writes none and leaves the store as it was.
    dump_days: int = 0
    dump_coverage: float = 0.5  # share of the carded models then listed with a row
    dump_stale_share: float = 0.05  # rows of unchanged models made stale all the same
    dump_deleted_share: float = 0.02  # rows (as a share) for models since deleted
    dump_repo: str = "librarian-bots/model_cards_with_metadata"  # the dataset repository
    # Merge pedigrees (hub/plant_merges.py): off leaves every merge's parents as drawn.
    merge_plant: bool = False
    merge_inbred_share: float = 0.5  # merges whose parents come from one family
    merge_license_dominant_share: float = 0.0  # merges taking the most-downloaded's license
    merge_language_union_share: float = 0.0  # merges whose languages are their parents' union
    # Undeclared kin, from a stream of their own (phylohub.hub.plant_kin); 0 plants none.
    kin_hidden_share: float = 0.0  # eligible declared children whose base_model tags go
    kin_decoy_share: float = 0.0  # listed leaf roots made decoys (name, suffix, link)
    # config.json files with sizes that lineages inherit (phylohub.hub.plant_config_files),
    # from a stream of their own; needs config_plant; off writes no file.
    config_files_plant: bool = False
    size_change: dict[str, float] = field(
        default_factory=lambda: dict(finetune=0.05, adapter=0.0, quantized=0.0, merge=0.2)
    )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> SynthConfig:
        """Build from a config mapping, rejecting unknown knobs with one clear error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise PhylohubError(f"unknown synthetic-ecosystem setting(s): {', '.join(unknown)}")
        cfg = cls(**values)
        if cfg.n_models < 50:
            raise PhylohubError("synthetic ecosystem: n_models must be at least 50")
        if not 0 <= cfg.drift_forward <= 1 or not 0 <= cfg.sibling_correlation <= 1:
            raise PhylohubError("drift_forward and sibling_correlation must lie in [0, 1]")
        if cfg.child_card_length not in CHILD_CARD_LENGTHS:
            raise PhylohubError(
                f"child_card_length must be one of {', '.join(CHILD_CARD_LENGTHS)}"
                f" (got {cfg.child_card_length!r})"
            )
        return cfg

    def knobs(self) -> dict[str, Any]:
        """Every knob, less those of plants left off that came after the store format
        (so an ecosystem without them keeps its digest and truth byte for byte)."""
        out = asdict(self)
        for switch, knobs in LATE_PLANTS.items():
            if not out[switch]:
                for knob in knobs:
                    del out[knob]
        return out

    def dump_knobs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`phylohub.hub.plant_dump.write_dump`."""
        return {
            "seed": self.seed, "days": self.dump_days, "coverage": self.dump_coverage,
            "stale_share": self.dump_stale_share, "deleted_share": self.dump_deleted_share,
            "repo": self.dump_repo,
        }  # fmt: skip

    def digest(self) -> str:
        """A short hash of every knob (and the generator version), to detect stale stores."""
        blob = json.dumps([GENERATOR_VERSION, self.knobs()], sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


# --------------------------------------------------------------------------- genealogy


@dataclass
class _Population:
    n: int
    created: Array  # datetime64[ms]
    author: Array  # author index
    parents: list[tuple[int, ...]]  # declared parents (first = primary), () for roots
    relation: Array  # 0..3 RELATIONS, -1 root
    untyped: Array  # bool: only plain base_model tags
    depth: Array
    children: Array  # number of children (all relations)


def _creation_times(cfg: SynthConfig, rng: np.random.Generator) -> Array:
    t0 = np.datetime64(cfg.start, "ms")
    span_ms = (np.datetime64(cfg.end, "ms") - t0).astype(np.int64)
    years = span_ms / (365.25 * 86400e3)
    g = cfg.growth_per_year
    u = np.sort(rng.random(cfg.n_models))
    frac = np.log1p(u * np.expm1(g * years)) / (g * years)
    times: Array = t0 + (frac * span_ms).astype(np.int64).astype("timedelta64[ms]")
    return times


def _genealogy(cfg: SynthConfig, rng: np.random.Generator) -> _Population:
    n = cfg.n_models
    created = _creation_times(cfg, rng)
    n_authors = max(50, int(n * cfg.authors_per_model))
    zipf = 1.0 / np.arange(1, n_authors + 1) ** cfg.zipf_exponent
    author = rng.choice(n_authors, size=n, p=zipf / zipf.sum())
    chain_prop = rng.beta(cfg.chain_alpha, cfg.chain_beta, size=n_authors)
    mix = np.array([cfg.relation_mix[r] for r in RELATIONS], dtype=float)
    rel_draw = rng.choice(4, size=n, p=mix / mix.sum())
    is_child = rng.random(n) < cfg.child_share
    is_child[: min(20, n)] = False  # the first models are bases
    u_pick = rng.random(n)
    u_chain = rng.random(n)
    u_enter = rng.random(n)
    n_extra = rng.geometric(cfg.merge_extra_parent_p, size=n) - 1
    propensity = [cfg.parent_propensity[r] for r in RELATIONS]

    urn: list[int] = []
    last_ft: dict[int, int] = {}
    parents: list[tuple[int, ...]] = []
    relation = np.full(n, -1, dtype=np.int8)
    depth = np.zeros(n, dtype=np.int32)
    children = np.zeros(n, dtype=np.int32)
    for i in range(n):
        a = int(author[i])
        if not is_child[i] or not urn:
            parents.append(())
            if i < 20 or u_enter[i] < cfg.base_share:
                urn.append(i)
            continue
        r = int(rel_draw[i])
        if r == 3:  # merge: several distinct parents
            chosen: list[int] = []
            k = 2 + int(n_extra[i])
            draw = u_pick[i]
            for _ in range(4 * k):
                p = urn[int(draw * len(urn))]
                if p not in chosen:
                    chosen.append(p)
                if len(chosen) == k:
                    break
                draw = (draw * 7919.0 + 0.61803398875) % 1.0
            ps: tuple[int, ...] = tuple(chosen)
        elif r == 0 and a in last_ft and u_chain[i] < chain_prop[a]:
            ps = (last_ft[a],)
        else:
            ps = (urn[int(u_pick[i] * len(urn))],)
        parents.append(ps)
        relation[i] = r
        depth[i] = depth[ps[0]] + 1
        for p in ps:
            children[p] += 1
            urn.append(p)
        if r == 0:
            last_ft[a] = i
        if u_enter[i] < propensity[r]:
            urn.append(i)
    untyped = (relation >= 0) & (rng.random(n) < cfg.untyped_share)
    return _Population(n, created, author, parents, relation, untyped, depth, children)


# --------------------------------------------------------------------------- traits


@dataclass
class _Trait:
    name: str
    values: list[str]
    weights: Array
    # cdf[rel, cur, dir] over target positions; rel 0..3 RELATIONS, 4 unknown; dir 0 back 1 fwd
    cdf: Array


def _trait_tables(name: str, pairs: list[tuple[str, float]], decay: float) -> _Trait:
    values = [v for v, _ in pairs]
    w = np.array([x for _, x in pairs], dtype=float)
    k = len(values)
    aff = np.ones((5, k))
    for rel, targets in vocab.RELATION_AFFINITY.get(name, {}).items():
        for v, mult in targets.items():
            aff[RELATIONS.index(rel), values.index(v)] = mult
    pos = np.arange(k)
    cdf = np.zeros((5, k, 2, k))
    for c in range(k):
        dist = np.abs(pos - c)
        base = np.sqrt(w) * decay ** np.maximum(dist - 1, 0)
        for r in range(5):
            weight = base * aff[r]
            cdf[r, c, 0] = np.cumsum(np.where(pos < c, weight, 0.0))
            cdf[r, c, 1] = np.cumsum(np.where(pos > c, weight, 0.0))
    return _Trait(name, values, w / w.sum(), cdf)


def _draw_targets(t: _Trait, rel: Array, cur: Array, fwd: Array, u: Array) -> Array:
    """Target positions (or -1 where no value lies in the drawn direction)."""
    rows = t.cdf[rel, cur, fwd.astype(np.int64)]
    total = rows[:, -1]
    idx = (rows < (u * total)[:, None]).sum(axis=1)
    return np.where(total > 0, idx, -1)


@dataclass
class _Traits:
    single: dict[str, Array]  # license/task/library: value index per model
    lang_sets: list[tuple[int, ...]]  # language set id -> language indexes
    lang: Array  # language set id per model
    shown: dict[str, Array]  # bool per trait
    distance: dict[str, Array]  # realised Jaccard distance on the primary edge
    expected: dict[str, Array]  # expected Jaccard distance on the primary edge


def _traits(cfg: SynthConfig, rng: np.random.Generator, pop: _Population) -> _Traits:
    n = pop.n
    tables = {
        "license": _trait_tables("license", vocab.LICENSES, cfg.drift_decay),
        "language": _trait_tables("language", vocab.LANGUAGES, cfg.drift_decay),
        "task": _trait_tables("task", vocab.TASKS, cfg.drift_decay),
        "library": _trait_tables("library", vocab.LIBRARIES, cfg.drift_decay),
    }
    primary = np.array([ps[0] if ps else -1 for ps in pop.parents], dtype=np.int64)
    rel = np.where(pop.untyped, 4, pop.relation).astype(np.int64)
    is_child = primary >= 0
    f = cfg.drift_forward
    s = cfg.sibling_correlation

    # Language sets: singletons first, then the roots' multilingual sets.
    langs = tables["language"]
    k_lang = len(langs.values)
    lang_sets: list[tuple[int, ...]] = [(j,) for j in range(k_lang)]
    set_max = list(range(k_lang))

    single: dict[str, Array] = {}
    lang = np.zeros(n, dtype=np.int64)
    distance = {name: np.zeros(n) for name in TRAITS}
    expected = {name: np.zeros(n) for name in TRAITS}
    for name in TRAITS:
        t = tables[name]
        roots = ~is_child
        vals = np.zeros(n, dtype=np.int64)
        vals[roots] = rng.choice(len(t.values), size=int(roots.sum()), p=t.weights)
        if name == "language":
            multi = np.flatnonzero(roots & (rng.random(n) < cfg.multilingual_share))
            sizes = np.minimum(2 + rng.geometric(0.12, size=len(multi)), k_lang)
            for i, size in zip(multi, sizes, strict=True):
                members = rng.choice(k_lang, size=int(size), replace=False, p=t.weights)
                lang_sets.append(tuple(sorted(int(m) for m in members)))
                set_max.append(max(lang_sets[-1]))
                vals[i] = len(lang_sets) - 1
        u = rng.random((n, 6))  # per model: mutate, cohort?, own dir, own pick, cohort dir/pick
        rate = np.array([[cfg.mutation[name][r] for r in (*RELATIONS, "unknown")]])[0]
        max_depth = int(pop.depth.max())
        for d in range(1, max_depth + 1):
            kids = np.flatnonzero(pop.depth == d)
            if len(kids) == 0:
                continue
            par = primary[kids]
            pv = vals[par]
            cur = np.asarray(set_max)[pv] if name == "language" else pv
            r = rel[kids]
            cohort = u[kids, 1] < s
            fwd = np.where(cohort, u[par, 4] < f, u[kids, 2] < f)
            pick = np.where(cohort, u[par, 5], u[kids, 3])
            target = _draw_targets(t, r, cur, fwd, pick)
            # where a move in each direction exists, and how far it moves (Jaccard distance)
            has_fwd = t.cdf[r, cur, 1][:, -1] > 0
            has_back = t.cdf[r, cur, 0][:, -1] > 0
            dist_fwd = np.ones(len(kids))
            if name == "language":
                size = np.array([len(lang_sets[v]) for v in pv])
                multi_set: Array = size > 1
                # forward from a multilingual set: keep only its last language (d = 1 - 1/|P|)
                target = np.where(multi_set & fwd, cur, target)
                has_fwd = has_fwd | multi_set
                dist_fwd = np.where(multi_set, 1 - 1 / size, 1.0)
                # backward: one language outside the set, before its last one
                for j in np.flatnonzero(multi_set & ~fwd & (target >= 0)):
                    members = lang_sets[pv[j]]
                    if int(target[j]) in members:
                        outside = [m for m in range(int(cur[j])) if m not in members]
                        target[j] = outside[int(pick[j] * len(outside))] if outside else -1
                has_back = has_back & np.array(
                    [len(lang_sets[v]) < int(c) + 1 for v, c in zip(pv, cur, strict=True)]
                )
            mut = (u[kids, 0] < rate[r]) & (target >= 0)
            vals[kids] = np.where(mut, target, pv)  # a language target is a singleton set id
            distance[name][kids] = np.where(mut, np.where(fwd, dist_fwd, 1.0), 0.0)
            expected[name][kids] = rate[r] * (f * has_fwd * dist_fwd + (1 - f) * has_back)
        if name == "language":
            lang = vals
        else:
            single[name] = vals

    # Shown or not: children inherit showing from their primary parent (value-blind).
    shown: dict[str, Array] = {}
    has_card = _has_card(cfg, rng, pop)
    for name in TRAITS:
        p_root, p_inherit, p_fresh = cfg.shown[name]
        u = rng.random(n)
        sh = np.zeros(n, dtype=bool)
        sh[~is_child] = u[~is_child] < p_root
        order = np.argsort(pop.depth, kind="stable")
        kids = order[is_child[order]]
        for d in range(1, int(pop.depth.max()) + 1):
            lvl = kids[pop.depth[kids] == d]
            sh[lvl] = u[lvl] < np.where(sh[primary[lvl]], p_inherit, p_fresh)
        if name in ("license", "language"):  # these live in the card's front matter
            sh &= has_card
        shown[name] = sh
    shown["card"] = has_card
    return _Traits(single, lang_sets, lang, shown, distance, expected)


def _has_card(cfg: SynthConfig, rng: np.random.Generator, pop: _Population) -> Array:
    child = pop.relation >= 0
    child_frac = child.mean()
    p_root = min(1.0, max(0.0, (cfg.card_share - child_frac) / max(1e-9, 1 - child_frac)))
    has_card: Array = child | (rng.random(pop.n) < p_root)
    return has_card


# --------------------------------------------------------------------------- ids and records


def _name_for(
    i: int, pop: _Population, names: list[str], rng_u: Array, hostile: bool, base: bool
) -> str:
    u = rng_u[i]
    ps = pop.parents[i]

    def pick(seq: list[str], j: int) -> str:
        return seq[int(u[j] * len(seq))]

    if hostile:
        return pick(["a.b.c", "__init__", "1", "x" * 96, "Model.V1.0-final_FINAL", "-._-"], 0)
    if not ps:
        stem = pick(vocab.STEMS, 0)
        if base or u[5] < 0.3:
            return f"{stem}-{pick(vocab.SIZES, 1)}{pick(vocab.VARIANTS, 2)}"
        word = pick(vocab.WORDS[:60], 3)
        return f"{stem.lower()}-{word}-{int(u[4] * 1000)}"
    parent = names[ps[0]].split("/")[-1]
    rel = int(pop.relation[i])
    if rel == 2:
        name = f"{parent}-{pick(vocab.QUANT_SUFFIXES, 1)}"
    elif rel == 1:
        name = f"{parent}-lora-{pick(vocab.WORDS[:60], 3)}"
    elif rel == 3:
        other = names[ps[1]].split("/")[-1][:30]
        name = f"{parent[:30]}-{other}-{pick(vocab.MERGE_METHODS, 1)}"
    else:
        name = f"{parent}-{pick(vocab.FINETUNE_SUFFIXES, 1)}"
    return name[:90]


def _author_names(n_authors: int, rng: np.random.Generator) -> list[str]:
    out = list(vocab.LABS)
    seen = set(out)
    syl = vocab.SYLLABLES
    while len(out) < n_authors:
        k = int(rng.integers(2, 5))
        name = "".join(syl[int(j)] for j in rng.integers(0, len(syl), size=k))
        if rng.random() < 0.4:
            name += str(int(rng.integers(1, 100)))
        if rng.random() < 0.2:
            name = name.capitalize()
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def _iso(ms: np.datetime64) -> str:
    return str(ms.astype("datetime64[ms]")) + "Z"


def _hex(seed: int, *parts: int, length: int = 40) -> str:
    h = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=20).hexdigest()
    return h[:length]


def generate(cfg: SynthConfig, out_dir: Path) -> dict[str, Any]:
    """Generate the ecosystem into ``out_dir`` (``hub.sqlite`` and ``truth.json``).

    The steps: the genealogy and the latent traits (:func:`_genealogy`, :func:`_traits`),
    every other per-model draw (:func:`_draw_models`), the planted messes
    (:class:`_Plants`), then one listing row per model (:meth:`_Models.record`) streamed
    into the store, and last the truth beside it.

    Returns the truth dictionary that was written.
    """
    rng = np.random.default_rng(cfg.seed)
    pop = _genealogy(cfg, rng)
    plant_merges.plant_parents(cfg, pop)
    tr = _traits(cfg, rng, pop)
    tasks = [t for t, _ in vocab.TASKS]
    eco = plant_ecology.plant(cfg.ecology_plant, cfg.seed, cfg.end, pop, tr.single["task"], tasks)
    taken = {int(f.root) for f in eco or []}
    niche = plant_ecology.plant_niche(
        cfg.niche_plant, cfg.seed, cfg.end, pop, tr.single["task"], tasks, taken
    )
    draws = _draw_models(cfg, rng, pop, tr)
    plant_merges.plant_traits(cfg, pop, tr, draws.downloads)
    models = _Models(cfg, pop, tr, draws, _Plants.of(cfg, pop, tr, draws))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"seed": cfg.seed, "digest": cfg.digest()}
    with StoreWriter(out_dir / "hub.sqlite", meta=meta) as writer:
        rows: list[tuple[Any, ...]] = []
        for i in range(pop.n):
            rows.append(models.record(i).as_row())
            if len(rows) >= 20_000:
                writer.add_rows(rows)
                rows.clear()
        writer.add_rows(rows)
        models.write_truth_tables(writer)
        eco_truth = plant_ecology.write_truth(writer.conn, eco, models.names)
        dump = plant_dump.write_dump(writer.conn, out_dir, **cfg.dump_knobs())
    truth = models.truth() | ({"ecology": eco_truth} if eco_truth else {})
    niche_truth = plant_ecology.niche_truth(niche, models.names)
    truth |= {"niche": niche_truth} if niche_truth else {}
    truth |= {"dump": dump} if dump else {}
    (out_dir / "truth.json").write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
    return truth


#: Malformed ``base_model`` tags (and an empty license) the generator plants.
MALFORMED_KINDS = ("empty", "no_name", "bad_relation", "self_loop", "extra_path", "license_empty")


@dataclass(frozen=True)
class _Draws:
    """Every per-model random draw after the genealogy and the traits, made once in one
    fixed order: the order is part of what a seed means (moving one draw changes every
    store), so :func:`_draw_models` is the only place that draws from the main stream."""

    authors: list[str]
    author_idx: Array  # index into authors
    popular: Array  # popular bases (some get a lab as author, more are gated)
    private: Array  # parents missing from the listing
    gated: Array
    gated_kind: Array
    disabled: Array
    name_u: Array  # (n, 6) uniforms of the name and of a few per-model choices
    hostile_idx: set[int]  # ids at the Hub's limits
    downloads: Array
    downloads_all: Array
    likes: Array
    trending: Array
    has_st: Array  # safetensors
    params: Array
    endpoints: Array
    autotrain: Array
    has_doi: Array
    backfilled: Array
    modified: Array
    kinds_by_rel: dict[str, tuple[list[str], Array]]  # card kinds and their cumulative mix
    u_card: Array  # (n, 4) uniforms of the card
    n_paras_root: Array
    huge: set[int]
    huge_len: dict[int, int]
    dataset_draw: Array
    arxiv_draw: Array
    hp_draw: Array  # (n, 6) hyperparameters of a card
    malformed: set[int]


def _draw_models(
    cfg: SynthConfig, rng: np.random.Generator, pop: _Population, tr: _Traits
) -> _Draws:
    """Names, authors, visibility, numbers and card draws of every model (see
    :class:`_Draws`)."""
    n = pop.n
    n_authors = int(pop.author.max()) + 1
    authors = _author_names(max(n_authors, len(vocab.LABS)), rng)

    # Lab authors for a share of the popular bases.
    is_root = pop.relation < 0
    popular = is_root & (pop.children >= max(3, np.percentile(pop.children, 99.5)))
    lab_pick = rng.integers(0, len(vocab.LABS), size=n)
    author_idx = np.where(popular & (rng.random(n) < 0.6), lab_pick, pop.author)

    # Which parents are private (missing from the listing) and which models are gated etc.
    private = (pop.children > 0) & (rng.random(n) < cfg.missing_parent_share)
    private[: min(20, n)] = False
    gated_p = np.where(popular, 0.3, cfg.gated_share)
    gated = (rng.random(n) < gated_p) & tr.shown["card"]
    gated_kind = np.where(rng.random(n) < 0.5, "auto", "manual")
    disabled = rng.random(n) < cfg.disabled_share
    name_u = rng.random((n, 6))
    spare_roots = np.flatnonzero(is_root)[20:]
    hostile_idx = set(
        rng.choice(spare_roots, size=min(cfg.hostile_ids, len(spare_roots)), replace=False).tolist()
    )

    # Numbers.
    has_dl = rng.random(n) < cfg.downloads_share
    downloads = np.where(
        has_dl,
        np.floor(rng.lognormal(2.5, 2.2, size=n) * (1 + pop.children) ** 1.3) + 1,
        0,
    ).astype(np.int64)
    downloads_all = downloads + np.floor(rng.lognormal(1.5, 2.0, size=n) * has_dl).astype(np.int64)
    likes = np.floor(rng.pareto(1.6, size=n) * (1 + pop.children) ** 0.8 * 0.5).astype(np.int64)
    trending = np.where(rng.random(n) < 0.05, rng.integers(1, 50, size=n), 0) * (1 + pop.children)
    has_st = rng.random(n) < cfg.safetensors_share
    params = np.floor(10 ** rng.uniform(6, 10.8, size=n)).astype(np.int64)
    # Availability tags from a stream of their own: the draws above keep their values.
    avail = np.random.default_rng([cfg.seed, 92])
    endpoints = avail.random(n) < cfg.endpoints_share
    autotrain = avail.random(n) < cfg.autotrain_share
    doi_w = np.sqrt(1.0 + downloads)
    has_doi = avail.random(n) < np.minimum(1.0, cfg.doi_share * n * doi_w / doi_w.sum())
    backfilled = pop.created < np.datetime64(_BACKFILL_DT.replace(tzinfo=None), "ms")
    modified = pop.created + (rng.exponential(30, size=n) * 86400e3).astype("timedelta64[ms]")

    # Card kinds, paragraphs and the sibling cohort.
    kinds_by_rel: dict[str, tuple[list[str], Array]] = {}
    for key, mix in cfg.card_kinds.items():
        kinds_by_rel[key] = (list(mix), np.cumsum(list(mix.values())) / sum(mix.values()))
    u_card = rng.random((n, 4))
    n_paras_root = np.maximum(
        1, np.round(rng.lognormal(math.log(cfg.card_median_paragraphs), cfg.card_sigma, n))
    ).astype(np.int64)
    carded_roots = np.flatnonzero(tr.shown["card"] & is_root)
    huge = set(
        rng.choice(
            carded_roots, size=min(cfg.huge_cards, len(carded_roots)), replace=False
        ).tolist()
        if cfg.huge_cards
        else []
    )
    huge_len = {
        int(i): int(10 ** rng.uniform(6, math.log10(max(cfg.huge_card_chars, 1_000_001))))
        for i in sorted(huge)
    }
    ds_w = np.array([w for _, w in vocab.DATASETS])
    dataset_draw = rng.choice(len(vocab.DATASETS), size=n, p=ds_w / ds_w.sum())
    ax_w = np.array([w for _, w in vocab.ARXIV])
    arxiv_draw = rng.choice(len(vocab.ARXIV), size=n, p=ax_w / ax_w.sum())
    hp_draw = rng.random((n, 6))
    malformed = set(
        rng.choice(n, size=max(1, int(n * cfg.malformed_share)), replace=False).tolist()
    )
    return _Draws(
        authors, author_idx, popular, private, gated, gated_kind, disabled, name_u,
        hostile_idx, downloads, downloads_all, likes, trending, has_st, params, endpoints,
        autotrain, has_doi, backfilled, modified, kinds_by_rel, u_card, n_paras_root, huge,
        huge_len, dataset_draw, arxiv_draw, hp_draw, malformed,
    )  # fmt: skip


@dataclass(frozen=True)
class _Plants:
    """What the generator plants beyond the paper's ecosystem, each from a stream of its
    own: card file shapes, a form's defaults (data quality), license cases, and the
    synthetic arXiv papers cited."""

    shapes: dict[int, str]
    quality: dict[int, list[tuple[str, str]]]
    licenses: dict[int, tuple[str, str | None, int]]
    papers: list[dict[str, Any]]
    pool_cites: Array
    configs: ConfigPlan | None
    kin: KinPlan
    config_files: ConfigFilesPlan | None = None

    @classmethod
    def of(cls, cfg: SynthConfig, pop: _Population, tr: _Traits, d: _Draws) -> _Plants:
        served = tr.shown["card"] & ~d.private & ~d.gated & ~d.disabled
        served[sorted(d.huge)] = False
        shapes = _card_shapes(cfg, served, ~tr.shown["card"] & ~d.private & ~d.disabled)
        quality = _quality_plants(cfg, tr.shown["card"] & ~d.private, pop.relation)
        authors = [d.authors[int(a)] for a in d.author_idx]
        licenses = _license_plan(cfg, pop, tr, d.private, authors)
        papers, pool_cites = _arxiv_papers(cfg, tr.shown["card"])
        libs = [vocab.LIBRARIES[int(x)][0] for x in tr.single["library"]]
        knobs = ConfigKnobs(cfg.config_plant, cfg.head_mutation, cfg.head_drift_forward,
                            cfg.quantization_share, cfg.model_type_error_share)  # fmt: skip
        configs = plan_configs(knobs, cfg.seed, pop.parents, pop.relation, pop.untyped, libs)
        kin = _kin_plan(cfg, pop, tr, d, set(licenses) | d.malformed | d.hostile_idx)
        files = plan_config_files(cfg.config_files_plant, cfg.size_change, cfg.seed, configs,
                                  pop.parents, pop.relation, pop.untyped)  # fmt: skip
        return cls(shapes, quality, licenses, papers, pool_cites, configs, kin, files)


class _Models:
    """The listing rows of the models, made one by one in id order (a model's card and
    name may follow its parents'), and the truth gathered on the way."""

    def __init__(
        self, cfg: SynthConfig, pop: _Population, tr: _Traits, d: _Draws, plants: _Plants
    ) -> None:
        self.cfg, self.pop, self.tr, self.d, self.plants = cfg, pop, tr, d, plants
        self.listed_children = np.zeros(pop.n, dtype=np.int64)
        for i, ps in enumerate(pop.parents):
            if not d.private[i] and i not in plants.kin.hidden:
                for p in ps:
                    self.listed_children[p] += 1
        self.object_ids = [
            f"{int(c.astype('datetime64[s]').astype(np.int64)):08x}"
            f"{_hex(cfg.seed, i, 1, length=16)}"
            for i, c in enumerate(pop.created)
        ]
        self.lang_codes = [v for v, _ in vocab.LANGUAGES]
        self.names: list[str] = []  # model ids so far, by index
        self.used: set[str] = set()  # lower-cased ids so far (the Hub's ids are unique so)
        self.paras_of: dict[int, list[int]] = {}  # a parent's card paragraphs
        self.cited: dict[str, int] = {}
        self.truth_edges: list[tuple[int, int, str, int]] = []
        self.truth_models: list[tuple[Any, ...]] = []
        self.truth_shapes: list[tuple[int, str, str, int]] = []
        self.truth_quality: list[tuple[int, str, str, str, str]] = []
        self.truth_licenses: list[tuple[Any, ...]] = []
        self.truth_malformed: list[dict[str, Any]] = []
        self.big_repos: list[dict[str, Any]] = []
        self.merge_truth: dict[str, Any] = {}
        self.decoy_type: dict[int, str] = {}  # a decoy's model_type, from its drawn name

    def _model_id(self, i: int) -> tuple[str, str, str]:
        """Author, name and id of model ``i`` (the id made unique case-insensitively)."""
        d = self.d
        author = d.authors[int(d.author_idx[i])]
        name = _name_for(i, self.pop, self.names, d.name_u, i in d.hostile_idx, bool(d.popular[i]))
        name = _planted_name(name, self.plants.licenses.get(i, ("", None, 0))[0])
        if i in self.plants.kin.decoys:  # a renamed decoy keeps its own architecture
            self.decoy_type[i] = _model_type(name)
        name = self.plants.kin.name(i, name, self.names)
        model_id = f"{author}/{name}"
        k = 2
        while model_id.lower() in self.used:
            model_id = f"{author}/{name[:86]}-{k}"
            k += 1
        self.used.add(model_id.lower())
        self.names.append(model_id)
        return author, name, model_id

    def _card(
        self, i: int, author: str, model_id: str, rel_name: str, has_card: bool
    ) -> tuple[str, dict[str, Any] | None, list[str], list[str]]:
        """The card of model ``i``: its kind, recipe (None without a card), datasets and
        cited arXiv ids."""
        cfg, pop, d, plants = self.cfg, self.pop, self.d, self.plants
        ps = pop.parents[i]
        rel = int(pop.relation[i])
        # sibling cohort (keyed by the primary parent): shared dataset and hyperparameters
        p0 = ps[0] if ps else i
        cohort = bool(ps) and d.u_card[i, 3] < cfg.sibling_correlation
        hp_src = p0 if cohort else i
        datasets: list[str] = []
        if has_card and (d.u_card[i, 2] < cfg.dataset_share or (cohort and rel == 0)):
            datasets = [vocab.DATASETS[int(d.dataset_draw[hp_src])][0]]
        arxiv: list[str] = []
        if has_card and d.name_u[i, 4] < cfg.arxiv_share:
            arxiv.append(vocab.ARXIV[int(d.arxiv_draw[i])][0])
        kind = "none"
        recipe: dict[str, Any] | None = None
        if has_card:
            kinds, cum = d.kinds_by_rel["unknown" if pop.untyped[i] else rel_name]
            kind = kinds[int(np.searchsorted(cum, d.u_card[i, 0], side="right"))]
            if cfg.child_card_length != "mixed":
                kind = "human"  # a planted direction: every card written
            recipe, paras = _recipe(
                kind, i, model_id, ps, self.names, pop, cfg, d.u_card, d.hp_draw[hp_src],
                self.paras_of, d.n_paras_root[i], cohort, datasets,
            )  # fmt: skip
            if i in d.huge:
                recipe = {"kind": "human", "name": model_id, "paras": paras or [i << 6]}
                recipe["pad"] = d.huge_len[i]
                kind = "huge"
            if pop.children[i] > 0:
                self.paras_of[i] = paras
            if kind == "hub_default":
                arxiv.append(vocab.TEMPLATE_ARXIV)
            if plants.pool_cites[i] >= 0:
                arxiv.append(str(plants.papers[int(plants.pool_cites[i])]["id"]))
            if i in plants.shapes:
                _shape_recipe(recipe, plants.shapes[i], i, author, pop.created[i])
            if (mention := plants.kin.mention(i, self.names)) is not None:
                recipe["mention"] = mention
        if not d.private[i]:
            for a in dict.fromkeys(arxiv):
                self.cited[a] = self.cited.get(a, 0) + 1
        return kind, recipe, datasets, arxiv

    def _malformed_tag(self, i: int, model_id: str, parent_ids: list[str]) -> str:
        """The malformed tag planted on model ``i`` (recorded in the truth)."""
        mk = MALFORMED_KINDS[int(self.d.name_u[i, 2] * len(MALFORMED_KINDS))]
        bad = {
            "empty": "base_model:",
            "no_name": "base_model:finetune:",
            "bad_relation": f"base_model:derived:{parent_ids[0] if parent_ids else 'org/x'}",
            "self_loop": f"base_model:finetune:{model_id}",
            "extra_path": f"base_model:adapter:{model_id}/extra/path",
            "license_empty": "license:",
        }[mk]
        self.truth_malformed.append({"id": model_id, "kind": mk, "tag": bad})
        return bad

    def _files(self, i: int, model_id: str, name: str, has_card: bool) -> list[str]:
        """The repository's file list (``siblings``), with a planted shape's files."""
        rel = int(self.pop.relation[i])
        files = [".gitattributes"]
        if has_card:
            files.append("README.md")
        if rel == 1:
            files += ["adapter_config.json", "adapter_model.safetensors"]
        elif rel == 2 and "GGUF" in model_id:
            files += [f"{name}.Q4_K_M.gguf"]
        else:
            files += [
                "config.json",
                "model.safetensors" if self.d.has_st[i] else "pytorch_model.bin",
            ]
        shape = self.plants.shapes.get(i)
        if shape == "readme_404":
            files.insert(1, "README.md")
        elif shape == "many_files":
            files += [f"samples/{j:05d}.png" for j in range(self.cfg.big_repo_files)]
            self.big_repos.append({"id": model_id, "siblings": len(files)})
        return files

    def record(self, i: int) -> ModelRecord:
        """Model ``i``'s listing row and card recipe; its truth rows on the way."""
        cfg, pop, tr, d, plants = self.cfg, self.pop, self.tr, self.d, self.plants
        author, name, model_id = self._model_id(i)
        ps = pop.parents[i]
        rel = int(pop.relation[i])
        rel_name = RELATIONS[rel] if rel >= 0 else "root"
        untyped = bool(pop.untyped[i])
        has_card = bool(tr.shown["card"][i])

        lic = vocab.LICENSES[int(tr.single["license"][i])][0]
        task = vocab.TASKS[int(tr.single["task"][i])][0]
        lib = vocab.LIBRARIES[int(tr.single["library"][i])][0]
        lang_set = [self.lang_codes[j] for j in tr.lang_sets[int(tr.lang[i])]]
        show = {t: bool(tr.shown[t][i]) for t in TRAITS}
        if i in plants.licenses:
            kind_l, new_lic, p_l = plants.licenses[i]
            if new_lic is not None:
                lic = new_lic
                show["license"] = True
            if kind_l != "naming_kept" and not d.private[p_l]:
                self.truth_licenses.append(
                    (i, model_id, p_l, self.names[p_l], rel_name, kind_l,
                     vocab.LICENSES[int(tr.single["license"][p_l])][0], lic)
                )  # fmt: skip

        kind, recipe, datasets, arxiv = self._card(i, author, model_id, rel_name, has_card)

        parent_ids = [self.names[p] for p in ps]
        hidden = i in plants.kin.hidden  # undeclared kin: no base_model tag or baseModels
        shown_lib = lib if show["library"] else None
        shown_task: str | None = task if show["task"] else None
        shown_langs = lang_set if show["language"] else []
        shown_datasets = list(datasets)
        planted = plants.quality.get(i, [])
        for rule, value in planted:
            if rule == "placeholder_language_run":
                shown_langs = [*value.split(","), *shown_langs]
            elif rule == "template_dataset":
                shown_datasets.append(value)
            elif rule == "library_inconsistent":
                shown_lib = value
            else:  # empty_task: no task tag, an empty pipeline_tag
                shown_task = None
        if not d.private[i]:
            self.truth_quality += _quality_truth(i, model_id, planted, shown_datasets)
        tags, card_data = _tags_and_card_data(
            shown_lib,
            shown_task,
            shown_langs,
            lic if show["license"] else None,
            shown_datasets,
            arxiv,
            [] if hidden else parent_ids,
            "unknown" if untyped else rel_name,
            bool(d.has_st[i]),
            has_card,
            [f"doi:10.57967/hf/{i:07d}"] if d.has_doi[i] else [],
            ["autotrain_compatible"] * bool(d.autotrain[i])
            + ["endpoints_compatible"] * bool(d.endpoints[i]),
        )
        empty_task = any(rule == "empty_task" for rule, _ in planted)
        if empty_task and card_data is not None:
            card_data["pipeline_tag"] = ""
        if i in d.malformed and has_card:
            tags.append(self._malformed_tag(i, model_id, parent_ids))
        files = self._files(i, model_id, name, has_card)
        if i in plants.shapes:
            self.truth_shapes.append((i, model_id, plants.shapes[i], int(bool(card_data))))

        relation = "unknown" if untyped else rel_name
        for p in ps:
            self.truth_edges.append((i, p, relation, int(not d.private[p])))
        self.truth_models.append(
            (
                i, model_id, int(pop.depth[i]), rel_name, int(d.private[i]), kind,
                lic, ",".join(lang_set), task, lib,
                int(show["license"]), int(show["language"]), int(show["task"]),
                int(show["library"]),
                *(float(tr.distance[t][i]) for t in TRAITS),
                *(float(tr.expected[t][i]) for t in TRAITS),
            )
        )  # fmt: skip
        params = int(d.params[i])
        return ModelRecord(
            key=i,
            _id=self.object_ids[i],
            id=model_id,
            author=author,
            sha=_hex(cfg.seed, i, 0),
            created_at=BACKFILL if d.backfilled[i] else _iso(pop.created[i]),
            last_modified=_iso(d.modified[i]),
            downloads=int(d.downloads[i]),
            downloads_all_time=int(d.downloads_all[i]),
            likes=int(d.likes[i]),
            trending_score=int(d.trending[i]),
            private=bool(d.private[i]),
            gated=str(d.gated_kind[i]) if d.gated[i] else None,
            disabled=bool(d.disabled[i]) and not d.private[i],
            pipeline_tag="" if empty_task else shown_task,
            library_name=shown_lib,
            tags=tags,
            siblings=files,
            card_data=card_data,
            base_models=(
                {
                    "relation": relation,
                    "models": [{"_id": self.object_ids[p], "id": self.names[p]} for p in ps],
                }
                if ps and not hidden
                else None
            ),
            children_count=int(self.listed_children[i]),
            safetensors=(
                {"parameters": {"BF16": params}, "total": params} if d.has_st[i] else None
            ),
            config=plants.configs.summary(i)
            if plants.configs
            else {"model_type": self.decoy_type.get(i, _model_type(model_id))}
            if lib == "transformers"
            else None,
            used_storage=params * 2,
            card=recipe,
        )

    def write_truth_tables(self, writer: StoreWriter) -> None:
        """The truth tables beside the listing in the store, and the arXiv papers."""
        _write_truth_tables(writer, self.truth_edges, self.truth_models)
        con = writer.conn
        con.execute(
            "CREATE TABLE truth_card_shapes (key INTEGER PRIMARY KEY, id TEXT, shape TEXT, "
            "front_matter INTEGER)"
        )
        con.executemany("INSERT INTO truth_card_shapes VALUES (?,?,?,?)", self.truth_shapes)
        con.execute(
            "CREATE TABLE truth_quality (key INTEGER, id TEXT, trait TEXT, value TEXT, rule TEXT)"
        )
        con.executemany("INSERT INTO truth_quality VALUES (?,?,?,?,?)", self.truth_quality)
        con.execute(
            "CREATE TABLE truth_licenses (child INTEGER, child_id TEXT, parent INTEGER, "
            "parent_id TEXT, relation TEXT, kind TEXT, parent_license TEXT, child_license TEXT)"
        )
        con.executemany("INSERT INTO truth_licenses VALUES (?,?,?,?,?,?,?,?)", self.truth_licenses)
        if self.plants.configs:
            con.execute(
                "CREATE TABLE truth_config (key INTEGER PRIMARY KEY, id TEXT, family TEXT, "
                "model_type TEXT, head TEXT, quantization TEXT, bits INTEGER, type_error INTEGER)"
            )
            rows = self.plants.configs.truth_rows(self.names)
            con.executemany("INSERT INTO truth_config VALUES (?,?,?,?,?,?,?,?)", rows)
        if self.plants.config_files:
            write_config_files(con, self.plants.config_files, self.names)
        writer.add_arxiv_papers(self.plants.papers)
        merge_rows, self.merge_truth = plant_merges.merge_truth(
            self.cfg, self.pop, self.d.private, self.names
        )
        plant_merges.write_truth(con, merge_rows)
        con.execute(
            "CREATE TABLE truth_kin (key INTEGER, id TEXT, kind TEXT, other TEXT, relation TEXT)"
        )
        con.executemany("INSERT INTO truth_kin VALUES (?,?,?,?,?)", self._kin_rows())

    def _kin_rows(self) -> list[tuple[int, str, str, str, str]]:
        rels = [RELATIONS[r] if r >= 0 else "root" for r in self.pop.relation.tolist()]
        return kin_truth(self.plants.kin, self.names, self.pop.parents, rels)

    def truth(self) -> dict[str, Any]:
        """``truth.json``: what the analyses must recover."""
        truth = _truth(
            self.cfg, self.pop, self.tr, self.truth_edges, self.truth_malformed, self.d.private
        )
        truth["arxiv"] = _arxiv_truth(self.plants.papers, self.cited)
        truth["card_shapes"] = {
            shape: sum(1 for *_, s, _ in self.truth_shapes if s == shape) for shape in CARD_SHAPES
        }
        truth["many_files"] = self.big_repos
        truth["data_quality"] = {
            rule: sum(1 for *_, r in self.truth_quality if r == rule) for rule in QUALITY_RULES
        }
        truth["licenses"] = {
            "share": self.cfg.license_plant_share,
            "planted": {
                kind: sum(1 for r in self.truth_licenses if r[5] == kind) for kind in LICENSE_PLANTS
            },
            "naming_kept": sum(1 for v in self.plants.licenses.values() if v[0] == "naming_kept"),
        }
        if self.plants.configs:
            pop = self.pop
            truth["architecture"] = self.plants.configs.truth(
                pop.parents, pop.relation, pop.untyped, self.d.private
            )
        if self.merge_truth:
            truth["merges"] = self.merge_truth
        cfg = self.cfg
        truth["kin"] = kin_summary(cfg.kin_hidden_share, cfg.kin_decoy_share, self._kin_rows())
        if self.plants.config_files:
            truth["config_files"] = self.plants.config_files.truth(self.d.private)
        return truth


def _model_type(model_id: str) -> str:
    """The config's ``model_type``: the first word of the name (an architecture's name)."""
    return model_id.split("/")[-1].split("-")[0].lower()


def _kin_plan(
    cfg: SynthConfig, pop: _Population, tr: _Traits, d: _Draws, excluded: set[int]
) -> KinPlan:
    """The undeclared kin planted (:mod:`phylohub.hub.plant_kin`); decoy links go on
    written root cards only."""
    human = np.zeros(pop.n, dtype=bool)
    if cfg.kin_decoy_share > 0:
        kinds, cum = d.kinds_by_rel["root"]
        pick = np.searchsorted(cum, d.u_card[:, 0], side="right").clip(0, len(kinds) - 1)
        human = (
            tr.shown["card"]
            & (np.array(kinds)[pick] == "human")
            & ~np.isin(np.arange(pop.n), sorted(d.huge))
        )
    return kin_plan(
        cfg.kin_hidden_share, cfg.kin_decoy_share, cfg.seed, parents=pop.parents,
        relation=pop.relation, untyped=pop.untyped, children=pop.children, private=d.private,
        author=d.author_idx, human_card=human, excluded=excluded,
    )  # fmt: skip


_LICENSE_STREAM = 0x6C696365  # "lice": the planted license cases' own stream
#: Planted license cases (module docs, "License audit"): what the audit must find.
LICENSE_PLANTS = ("nc_to_permissive", "rail_dropped", "naming_dropped", "compatible_change")
#: What a planted case does, by the first parent's latent license.
_NC = ("cc-by-nc-4.0", "cc-by-nc-sa-4.0")
_RAIL = ("openrail", "openrail++", "creativeml-openrail-m", "bigscience-bloom-rail-1.0")
_PERMISSIVE = ("mit", "apache-2.0")
_LLAMA3 = ("llama3", "llama3.1", "llama3.2", "llama3.3")
#: The start of a name that satisfies every Llama 3.x naming rule ("Llama 3", "Llama").
LLAMA3_NAME = r"llama[-_ .]?3"
_LICENSORS = ("meta-llama", "google")


def _license_plan(
    cfg: SynthConfig, pop: _Population, tr: _Traits, private: Array, authors: list[str]
) -> dict[int, tuple[str, str | None, int]]:
    """Per child, the planted license case: (kind, new license or None, the parent).

    With ``license_plant_share`` > 0, every child of a Llama 3.x parent (latent license)
    gets a name that begins "Llama-3" (``naming_kept``), unless its author is the
    licensor; then a share ``license_plant_share`` of the *eligible* children (typed,
    not merges, leaves, listed, their first parent listed and showing its license) gets
    a case by its first parent's license: NC -> mit/apache-2.0 (``nc_to_permissive``),
    RAIL -> mit/apache-2.0 (``rail_dropped``), Llama 3.x -> a name without "Llama"
    (``naming_dropped``), mit <-> apache-2.0 (``compatible_change``). Leaves only, so no
    planted license is inherited further down."""
    plan: dict[int, tuple[str, str | None, int]] = {}
    if cfg.license_plant_share <= 0:
        return plan
    rng = np.random.default_rng([cfg.seed, _LICENSE_STREAM])
    u = rng.random((pop.n, 2))
    lic_of = [v for v, _ in vocab.LICENSES]
    latent = tr.single["license"]
    for i, ps in enumerate(pop.parents):
        if not ps or authors[i].lower() in _LICENSORS:
            continue
        llama = [p for p in ps if lic_of[int(latent[p])] in _LLAMA3]
        if llama:
            plan[i] = ("naming_kept", None, llama[0])
        p = ps[0]
        eligible = (
            0 <= pop.relation[i] <= 2 and not pop.untyped[i] and pop.children[i] == 0
            and not private[i] and not private[p] and bool(tr.shown["license"][p])
        )  # fmt: skip
        if not eligible or u[i, 0] >= cfg.license_plant_share:
            continue
        parent_lic = lic_of[int(latent[p])]
        swap = _PERMISSIVE[int(u[i, 1] * 2)]
        if parent_lic in _NC:
            plan[i] = ("nc_to_permissive", swap, p)
        elif parent_lic in _RAIL:
            plan[i] = ("rail_dropped", swap, p)
        elif parent_lic in _LLAMA3 and llama[0] == p:
            plan[i] = ("naming_dropped", None, p)
        elif parent_lic in _PERMISSIVE:
            plan[i] = ("compatible_change", _PERMISSIVE[1 - _PERMISSIVE.index(parent_lic)], p)
    return plan


def _planted_name(name: str, kind: str) -> str:
    """A child's name under its planted case: "Llama-3-" in front for ``naming_kept``,
    any leading "llama" hidden for ``naming_dropped``."""
    if kind == "naming_kept" and not re.match(LLAMA3_NAME, name, re.I):
        return f"Llama-3-{name}"[:96]
    if kind == "naming_dropped" and name.lower().startswith("llama"):
        return f"ft-{name}"[:96]
    return name


_ARXIV_STREAM = 0x61727869  # "arxi": the papers' own stream, beside the seed
_QUALITY_STREAM = 0x71756C74  # "qult": the planted defaults' own stream

#: What the generator plants as a form's or a script's default (module docs).
QUALITY_RULES = (
    "placeholder_language_run",
    "template_dataset",
    "library_inconsistent",
    "empty_task",
)
#: The Hub's language picker lists ISO 639-1 codes in code order: its first entries.
PICKER_FIRST = ("aa", "ab", "ae", "af", "ak", "am")
#: Libraries with files of their own, planted on transformers checkpoints.
FOREIGN_LIBRARIES = ("asteroid", "fastai", "allennlp")


def _quality_plants(
    cfg: SynthConfig, carded_listed: Array, relation: Array
) -> dict[int, list[tuple[str, str]]]:
    """The planted defaults of each chosen model: (rule, value) pairs; a language run's
    value is its codes joined by commas."""
    rng = np.random.default_rng([cfg.seed, _QUALITY_STREAM])
    plants: dict[int, list[tuple[str, str]]] = {}

    def draw(pool: Array, share: float) -> list[int]:
        idx = np.flatnonzero(pool)
        k = min(len(idx), round(share * int(carded_listed.sum())))
        return sorted(int(i) for i in rng.choice(idx, size=k, replace=False)) if k else []

    for i in draw(carded_listed, cfg.placeholder_language_share):
        run = PICKER_FIRST[: int(rng.integers(3, len(PICKER_FIRST) + 1))]
        plants.setdefault(i, []).append(("placeholder_language_run", ",".join(run)))
    for i in draw(carded_listed & (relation == 0), cfg.template_dataset_share):
        plants.setdefault(i, []).append(("template_dataset", "generator"))
    checkpoints = carded_listed & np.isin(relation, (-1, 0, 3))  # config.json + weights
    for i in draw(checkpoints, cfg.foreign_library_share):
        lib = FOREIGN_LIBRARIES[int(rng.integers(len(FOREIGN_LIBRARIES)))]
        plants.setdefault(i, []).append(("library_inconsistent", lib))
    for i in draw(carded_listed, cfg.empty_task_share):
        plants.setdefault(i, []).append(("empty_task", ""))
    return plants


def _quality_truth(
    key: int, model_id: str, plants: list[tuple[str, str]], datasets: list[str]
) -> list[tuple[int, str, str, str, str]]:
    """The truth rows of one listed model: its planted defaults, one row per value, and
    the datasets of the vocabulary that are a builder's name."""
    trait = {
        "placeholder_language_run": "language",
        "template_dataset": "dataset",
        "library_inconsistent": "library",
        "empty_task": "task",
    }
    rows = {
        (key, model_id, trait[rule], v, rule)
        for rule, value in plants
        for v in (value.split(",") if rule == "placeholder_language_run" else [value])
    }
    rows |= {
        (key, model_id, "dataset", d, "template_dataset")
        for d in datasets
        if d in vocab.TEMPLATE_DATASETS
    }
    return sorted(rows)


_SHAPES_STREAM = 0x63617264  # "card": the planted card files' own stream

#: The planted card shapes (module docs, "Card files as the Hub holds them").
CARD_SHAPES = ("leading_blank", "bom", "invalid_utf8", "many_files", "readme_404")
#: What comes before the front matter of a ``leading_blank`` card (mostly one line break).
_LEADS = ("\n",) * 7 + ("\n\n", " \n", "\r\n")


def _card_shapes(cfg: SynthConfig, served: Array, bare: Array) -> dict[int, str]:
    """The planted shape of each chosen model: ``many_files``, ``bom``, ``invalid_utf8``
    and ``leading_blank`` among ``served`` (listed models whose card is served), in that
    order and without overlap; ``readme_404`` among ``bare`` (listed, without a card)."""
    rng = np.random.default_rng([cfg.seed, _SHAPES_STREAM])
    shapes: dict[int, str] = {}

    def draw(pool: Array, k: int, shape: str) -> None:
        free = pool[~np.isin(pool, list(shapes))]
        for i in rng.choice(free, size=min(k, len(free)), replace=False).tolist():
            shapes[int(i)] = shape

    cards = np.flatnonzero(served)

    def at_least_one(share: float) -> int:
        return max(1, round(share * len(cards))) if share > 0 else 0

    draw(cards, int(cfg.big_repo_files > 0), "many_files")
    draw(cards, at_least_one(cfg.bom_share), "bom")
    draw(cards, at_least_one(cfg.invalid_utf8_share), "invalid_utf8")
    draw(cards, round(cfg.leading_blank_share * len(cards)), "leading_blank")
    draw(np.flatnonzero(bare), cfg.readme_not_found, "readme_404")
    return shapes


def _shape_recipe(
    recipe: dict[str, Any], shape: str, i: int, author: str, created: np.datetime64
) -> None:
    """Add to a card recipe how its file is written (see :mod:`phylohub.hub.cards`)."""
    if shape == "leading_blank":
        recipe["lead"] = _LEADS[i % len(_LEADS)]
    elif shape == "bom":
        recipe["encoding"] = "utf-8-sig"
    elif shape == "invalid_utf8":
        year = str(created.astype("datetime64[Y]"))
        recipe["note"] = f"Entraîné et évalué par {author} — © {year}, données réservées."
        recipe["encoding"] = "cp1252"


def _arxiv_papers(cfg: SynthConfig, has_card: Array) -> tuple[list[dict[str, Any]], Array]:
    """Every paper of the ecosystem, and the pool paper each model cites (-1: none).

    Real papers first (vocabulary order), then ``arxiv_pool`` synthetic ones, most cited
    first. Everything is drawn from the papers' own stream.
    """
    rng = np.random.default_rng([cfg.seed, _ARXIV_STREAM])
    papers: list[dict[str, Any]] = []
    for aid, (title, day, primary, known) in vocab.ARXIV_PAPERS.items():
        papers.append(_paper(rng, aid, title, day, primary, list(known)))
    n_real = len(papers)
    taken = set(vocab.ARXIV_PAPERS)
    cats = [c for c, _ in vocab.ARXIV_CATEGORIES]
    w = np.array([x for _, x in vocab.ARXIV_CATEGORIES])
    t0 = np.datetime64("2018-01-01", "D")
    span = int((np.datetime64(cfg.end, "D") - t0).astype(np.int64))
    while len(papers) < n_real + cfg.arxiv_pool:
        drawn = str(t0 + np.timedelta64(int(span * rng.random() ** 0.6), "D"))  # recent more
        aid = f"{drawn[2:4]}{drawn[5:7]}.{int(rng.integers(1, 30_000)):05d}"
        primary = cats[int(rng.choice(len(cats), p=w / w.sum()))]
        cross = [c for c in vocab.ARXIV_CROSS_LISTS[primary] if rng.random() < 0.35]
        words = rng.choice(60, size=int(rng.integers(3, 9)))
        title = " ".join(vocab.WORDS[int(j)] for j in words).capitalize()
        if aid not in taken:
            taken.add(aid)
            papers.append(_paper(rng, aid, title, drawn, primary, [primary, *cross]))
    cites = np.full(len(has_card), -1, dtype=np.int64)
    if cfg.arxiv_pool:
        cite_u = rng.random(len(has_card))
        zipf = 1.0 / np.arange(1, cfg.arxiv_pool + 1) ** 1.1
        pick = rng.choice(cfg.arxiv_pool, size=len(has_card), p=zipf / zipf.sum())
        cites = np.where(has_card & (cite_u < cfg.arxiv_pool_share), n_real + pick, -1)
    return papers, cites


def _paper(
    rng: np.random.Generator, aid: str, title: str, day: str, primary: str, cats: list[str]
) -> dict[str, Any]:
    """One paper, with its version (1 to 4, mostly 1) and times drawn."""
    version = min(4, int(rng.geometric(0.55))) if rng.random() < 0.45 else 1
    published = np.datetime64(day, "s") + np.timedelta64(int(rng.integers(0, 86_400)), "s")
    revised = int(rng.integers(1, 400)) * 86_400 if version > 1 else 0
    updated = published + np.timedelta64(revised, "s")
    return {
        "id": aid,
        "version": version,
        "title": title,
        "published": f"{published}Z",
        "updated": f"{updated}Z",
        "primary_category": primary,
        "categories": cats,
    }


def _arxiv_truth(papers: list[dict[str, Any]], cited: dict[str, int]) -> dict[str, Any]:
    """The papers with the listed models citing each, and cited ids that are no paper."""
    return {
        "template": vocab.TEMPLATE_ARXIV,
        "papers": [{**p, "models": cited.get(str(p["id"]), 0)} for p in papers],
        "cited_unknown": sorted(set(cited) - {str(p["id"]) for p in papers}),
    }


def _recipe(
    kind: str,
    i: int,
    model_id: str,
    ps: tuple[int, ...],
    names: list[str],
    pop: _Population,
    cfg: SynthConfig,
    u_card: Array,
    hp: Array,
    paras_of: dict[int, list[int]],
    n_root: int,
    cohort: bool,
    datasets: list[str],
) -> tuple[dict[str, Any], list[int]]:
    """A card recipe and the paragraph ids it carries (what its children may inherit)."""
    parent = names[ps[0]] if ps else f"{model_id.split('/')[0]}/base"
    if kind == "trainer":
        recipe: dict[str, Any] = {
            "kind": "trainer",
            "name": model_id.split("/")[-1],
            "parent": parent,
            "dataset": datasets[0] if datasets else None,
            "hp": {
                "loss": round(0.2 + 2 * float(hp[0]), 4),
                "lr": [2e-05, 5e-05, 1e-04, 2e-04, 3e-05][int(hp[1] * 5)],
                "bs": [8, 16, 32, 64][int(hp[2] * 4)],
                "seed": 42,
                "epochs": 1 + int(hp[3] * 5),
                "tf": 30 + int(hp[4] * 17),
                "pt": int(hp[5] * 6),
                "ds": int(hp[4] * 6),
                "tok": 19 + int(hp[5] * 3),
            },
        }
        return recipe, []
    if kind == "hub_default":
        return {
            "kind": "hub_default",
            "peft": 7 + int(hp[0] * 9) if pop.relation[i] == 1 else 0,
        }, []
    if kind == "mergekit":
        method = vocab.MERGE_METHODS[int(hp[0] * len(vocab.MERGE_METHODS))]
        merged = [names[p] for p in ps] or [parent]
        name = model_id.split("/")[-1]
        return {"kind": "mergekit", "name": name, "method": method, "parents": merged}, []
    inherited = paras_of.get(ps[0], []) if ps else []
    keep = [
        p
        for j, p in enumerate(inherited)
        if ((p * 2654435761 + i * 40503) % 10007) / 10007 < cfg.card_keep
    ]
    if kind == "quantized":
        copy = u_card[i, 1] < cfg.quantized_copy_card
        sizes = [round(float(hp[j]) * 8 + j, 2) for j in range(4)]
        carried = inherited if copy else []
        recipe = {"kind": "quantized", "name": model_id, "parent": parent}
        recipe["sizes"] = sizes
        return {**recipe, "paras": carried}, carried
    # human
    if ps and cfg.child_card_length != "mixed":
        paras = _planted_length(cfg.child_card_length, i, inherited, int(n_root))
        return {"kind": "human", "name": model_id, "paras": paras}, paras
    own = [(i << 6) + j for j in range(int(n_root) if not ps else 1 + int(u_card[i, 1] * 3))]
    shared = [(ps[0] << 6) + 60 + j for j in range(3)] if cohort else []
    paras = keep + shared + own
    return {"kind": "human", "name": model_id, "paras": paras}, paras


def _planted_length(mode: str, i: int, inherited: list[int], n_own: int) -> list[int]:
    """A child's paragraphs under a planted ``child_card_length`` (module docs): half its
    parent's, its own (drawn as a root's), or its parent's and its own.

    >>> _planted_length("shorter", 1, [5, 6, 7], 2), _planted_length("longer", 1, [5], 2)
    ([5], [5, 64, 65])
    >>> _planted_length("equal", 1, [5, 6, 7], 2)
    [64, 65]
    """
    own = [(i << 6) + j for j in range(n_own)]
    if mode == "shorter":
        return inherited[: len(inherited) // 2]
    if mode == "equal":
        return own
    return inherited + own


def _tags_and_card_data(
    lib: str | None,
    task: str | None,
    langs: list[str],
    lic: str | None,
    datasets: list[str],
    arxiv: list[str],
    parent_ids: list[str],
    relation: str,
    safetensors: bool,
    has_card: bool,
    dois: list[str],
    availability: list[str],
) -> tuple[list[str], dict[str, Any] | None]:
    """Tags in the Hub's order, and the card's front matter they come from."""
    tags: list[str] = []
    if lib:
        tags.append(lib)
    if safetensors:
        tags.append("safetensors")
    if task:
        tags.append(task)
    tags += langs
    tags += [f"dataset:{d}" for d in datasets]
    tags += [f"arxiv:{a}" for a in arxiv]
    tags += dois
    for p in parent_ids:
        tags.append(f"base_model:{p}")
        if relation != "unknown":
            tags.append(f"base_model:{relation}:{p}")
    if lic:
        tags.append(f"license:{lic}")
    tags += [*availability, "region:us"]
    if not has_card:
        return tags, None
    card: dict[str, Any] = {}
    if lib:
        card["library_name"] = lib
    if lic:
        card["license"] = lic
    if langs:
        card["language"] = langs
    if datasets:
        card["datasets"] = datasets
    if parent_ids:
        card["base_model"] = parent_ids[0] if len(parent_ids) == 1 else parent_ids
        if relation != "unknown" and len(parent_ids) == 1:
            card["base_model_relation"] = relation
    if task:
        card["pipeline_tag"] = task
    return tags, card


def _write_truth_tables(
    writer: StoreWriter,
    edges: list[tuple[int, int, str, int]],
    models: list[tuple[Any, ...]],
) -> None:
    c = writer.conn
    c.execute(
        "CREATE TABLE truth_edges (child INTEGER, parent INTEGER, relation TEXT, "
        "parent_listed INTEGER)"
    )
    c.executemany("INSERT INTO truth_edges VALUES (?,?,?,?)", edges)
    cols = (
        "key INTEGER PRIMARY KEY, id TEXT, depth INTEGER, relation TEXT, private INTEGER, "
        "card_kind TEXT, license TEXT, languages TEXT, task TEXT, library TEXT, "
        "shown_license INTEGER, shown_language INTEGER, shown_task INTEGER, "
        "shown_library INTEGER, distance_license REAL, distance_language REAL, "
        "distance_task REAL, distance_library REAL, expected_license REAL, "
        "expected_language REAL, expected_task REAL, expected_library REAL"
    )
    c.execute(f"CREATE TABLE truth_models ({cols})")
    c.executemany(f"INSERT INTO truth_models VALUES ({','.join('?' * 22)})", models)


def _truth(
    cfg: SynthConfig,
    pop: _Population,
    tr: _Traits,
    edges: list[tuple[int, int, str, int]],
    malformed: list[dict[str, Any]],
    private: Array,
) -> dict[str, Any]:
    listed = ~private
    rel_counts: dict[str, int] = {}
    for child, parent, rel, _ in edges:
        if listed[child] and listed[parent]:
            rel_counts[rel] = rel_counts.get(rel, 0) + 1
    primary = np.array([ps[0] if ps else -1 for ps in pop.parents])
    kids = np.flatnonzero(primary >= 0)
    par = primary[kids]
    expected: dict[str, dict[str, Any]] = {}
    for t in TRAITS:
        both = tr.shown[t][kids] & tr.shown[t][par] & listed[kids] & listed[par]
        expected[t] = {}
        for r_i, r in enumerate((*RELATIONS, "unknown")):
            rel_mask = (pop.relation[kids] == r_i) & ~pop.untyped[kids]
            if r == "unknown":
                rel_mask = pop.untyped[kids]
            m = both & rel_mask
            expected[t][r] = {
                "expected": float(tr.expected[t][kids[m]].mean()) if m.any() else None,
                "realised": float(tr.distance[t][kids[m]].mean()) if m.any() else None,
                "edges": int(m.sum()),
            }
        m = both & ~pop.untyped[kids]
        expected[t]["all"] = {
            "expected": float(tr.expected[t][kids[m]].mean()) if m.any() else None,
            "realised": float(tr.distance[t][kids[m]].mean()) if m.any() else None,
            "edges": int(m.sum()),
        }
    orders = {
        "license": [v for v, _ in vocab.LICENSES],
        "language": [v for v, _ in vocab.LANGUAGES],
        "task": [v for v, _ in vocab.TASKS],
        "library": [v for v, _ in vocab.LIBRARIES],
    }
    return {
        "generator_version": GENERATOR_VERSION,
        "digest": cfg.digest(),
        "config": cfg.knobs(),
        "models": int(pop.n),
        "listed": int(listed.sum()),
        "edges_by_relation": dict(sorted(rel_counts.items())),
        "max_depth": int(pop.depth.max()),
        "drift_orders": orders,
        "drift_forward": cfg.drift_forward,
        "sibling_correlation": cfg.sibling_correlation,
        "mutation_parameters": cfg.mutation,
        "mutation_rates": expected,
        "card_thinning": {
            "card_keep": cfg.card_keep,
            "card_kinds": cfg.card_kinds,
            "child_card_length": cfg.child_card_length,
        },
        "malformed_tags": malformed,
        "notes": (
            "mutation_rates[trait][relation].expected is the planted expectation of "
            "Definition 7.1 over primary-parent edges where both sides show the trait and "
            "both are listed; merges are measured against their first parent."
        ),
    }


def load_config(path: Path) -> tuple[SynthConfig, Path]:
    """Read ``replica.synth`` and ``replica.store_dir`` from a workflow config file."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise PhylohubError(f"cannot read config {path}: {exc}") from exc
    replica = (data or {}).get("replica")
    if not replica or "synth" not in replica:
        raise PhylohubError(f"{path} has no replica.synth section (only demo configs do)")
    return SynthConfig.from_mapping(replica["synth"]), Path(replica["store_dir"])


def is_current(cfg: SynthConfig, out_dir: Path) -> bool:
    """True when ``out_dir`` already holds the ecosystem of exactly this config."""
    truth = Path(out_dir) / "truth.json"
    if not truth.is_file() or not (Path(out_dir) / "hub.sqlite").is_file():
        return False
    try:
        return bool(json.loads(truth.read_text()).get("digest") == cfg.digest())
    except json.JSONDecodeError:
        return False
