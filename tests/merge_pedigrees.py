"""The merges stage's inputs for a planted ecosystem, as the workflow makes them: the
snapshot, its genealogy with every relation (``all``) and without merge edges
(``no_merge``), and the pedigrees traced from the two (shared by tests/merges)."""

from __future__ import annotations

from pathlib import Path

from phylohub.genealogy.tables import build_genealogy
from phylohub.genealogy.tables import paths_in as genealogy_paths
from phylohub.hub.synth import SynthConfig
from phylohub.merges.pedigree import Pedigrees
from phylohub.merges.stage import pedigrees
from tests.pipeline import snapshot_of

NO_MERGE = ["finetune", "adapter", "quantized", "unknown"]
ALL = [*NO_MERGE, "merge"]
#: Relation sets the genealogy's fast-path tests build graphs of: the workflow's three and
#: one that mixes adapters with merges.
SETS = {
    "finetune": ["finetune"],
    "no_merge": NO_MERGE,
    "all": ALL,
    "adapter_merge": ["adapter", "merge"],
}


def merge_ecosystem(n_models: int, seed: int) -> SynthConfig:
    """A planted ecosystem rich in merges (nearly a third of the edges), no malformed tags."""
    return SynthConfig(
        n_models=n_models, seed=seed, malformed_share=0.0, merge_plant=True,
        relation_mix=dict(adapter=0.3, finetune=0.3, quantized=0.1, merge=0.3),
    )  # fmt: skip


def traced(cfg: SynthConfig, folder: Path) -> tuple[Path, Pedigrees]:
    """The snapshot of ``cfg`` in ``folder`` and its pedigrees; the two genealogies are
    written to ``folder/all`` and ``folder/no_merge``."""
    db = snapshot_of(cfg, folder)
    for name, relations in (("all", ALL), ("no_merge", NO_MERGE)):
        build_genealogy(db, relations, genealogy_paths(folder / name), top=5)
    found = pedigrees(
        folder / "all" / "nodes.parquet",
        folder / "all" / "edges.parquet",
        folder / "no_merge" / "nodes.parquet",
    )
    return db, found
