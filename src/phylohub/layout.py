"""Where a snapshot's results live: the one description of ``results/{snapshot}/``.

The rules name every file they write (``workflow/rules/common.smk`` spells the folder
with its ``results()`` helper, the twin of :func:`Snapshot.file`); the package needs the
layout only where it looks *across* snapshots, for the earlier snapshot whose cards a
crawl reuses, the snapshot a diff compares with and the snapshots of a time series, and
where a command outside the workflow reads a stage's tables (``phylohub family``).

>>> s = Snapshot.named(Path("results"), "2026-11-01")
>>> str(s.db), str(s.manifest)
('results/2026-11-01/hub.duckdb', 'results/2026-11-01/crawl/listing/manifest.json')
>>> str(s.genealogy("finetune"))
'results/2026-11-01/genealogy/finetune'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RESULTS", "Snapshot", "snapshots_under"]

#: The folder that holds one folder per snapshot (relative to the working directory,
#: as the rules' paths are).
RESULTS = Path("results")


@dataclass(frozen=True)
class Snapshot:
    """The files of one snapshot that other snapshots and commands read."""

    folder: Path

    @classmethod
    def named(cls, results: Path, name: str) -> Snapshot:
        """The snapshot ``name`` under ``results``."""
        return cls(Path(results) / name)

    @property
    def name(self) -> str:
        return self.folder.name

    def file(self, path: str) -> Path:
        """A file of the snapshot, by its path inside the snapshot's folder."""
        return self.folder / path

    @property
    def db(self) -> Path:
        """The DuckDB snapshot (``hub.duckdb``)."""
        return self.file("hub.duckdb")

    @property
    def manifest(self) -> Path:
        """The listing's manifest, written when the listing finished."""
        return self.file("crawl/listing/manifest.json")

    def card_shards(self, kind: str = "cards") -> list[Path]:
        """The card shards the crawl wrote (``crawl/cards/{shard}.parquet``), in order;
        with ``kind="configs"`` its ``config.json`` shards (``crawl/configs/``)."""
        return sorted(self.file(f"crawl/{kind}").glob("[0-9]*.parquet"))

    def genealogy(self, relations: str) -> Path:
        """The folder of one relation set's genealogy tables."""
        return self.file(f"genealogy/{relations}")

    def listed_at(self) -> float:
        """When the listing finished (the manifest's mtime); infinity before it has."""
        return self.manifest.stat().st_mtime if self.manifest.is_file() else float("inf")


def snapshots_under(results: Path) -> Iterator[Snapshot]:
    """Every folder under ``results`` that holds a snapshot's listing or database."""
    seen = set()
    for marker in ("*/crawl/listing/manifest.json", "*/hub.duckdb"):
        for path in Path(results).glob(marker):
            folder = path.parents[2] if path.name == "manifest.json" else path.parent
            if folder not in seen:
                seen.add(folder)
                yield Snapshot(folder)
