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

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "RESULTS",
    "Snapshot",
    "earlier_listed",
    "hub_host",
    "listing_time",
    "snapshots_under",
]

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
        """When the listing finished, in seconds since the epoch: the time its manifest
        records (``listed_at``, :func:`listing_time`), which a copy or a restore of the
        folder keeps; the manifest's mtime for a manifest written before manifests
        recorded it (or one that cannot be read); infinity before the listing has
        finished."""
        if not self.manifest.is_file():
            return float("inf")
        try:
            recorded = json.loads(self.manifest.read_text()).get("listed_at")
        except (OSError, ValueError, AttributeError):
            recorded = None
        if isinstance(recorded, str):
            try:
                when = datetime.fromisoformat(recorded)
            except ValueError:
                pass  # not a time: as if not recorded
            else:
                return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
        return self.manifest.stat().st_mtime

    def listed_from(self) -> str | None:
        """The host the listing was crawled from (:func:`hub_host` of the endpoint its
        manifest records); None before the listing has finished, or for a manifest
        written before manifests recorded it."""
        try:
            endpoint = json.loads(self.manifest.read_text()).get("endpoint")
        except (OSError, ValueError, AttributeError):
            return None
        return hub_host(endpoint) if isinstance(endpoint, str) else None


def listing_time(when: datetime) -> str:
    """A listing's ``listed_at``, as its manifest records it: UTC, to the millisecond (two
    listings of a small hub can finish within a second of each other).

    >>> listing_time(datetime(2026, 12, 7, 22, 10, 3, 123456, tzinfo=UTC))
    '2026-12-07T22:10:03.123Z'
    """
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def hub_host(endpoint: str) -> str:
    """Which hub an endpoint is, for telling snapshots of different hubs apart: its host
    name, without scheme or port (the replica on this machine answers on a port of its
    own each time it is started, and stays the same hub).

    >>> hub_host("https://huggingface.co/"), hub_host("http://127.0.0.1:18089")
    ('huggingface.co', '127.0.0.1')
    """
    return (urlsplit(endpoint).hostname or endpoint).lower()


def snapshots_under(results: Path) -> Iterator[Snapshot]:
    """Every folder under ``results`` that holds a snapshot's listing or database."""
    seen = set()
    for marker in ("*/crawl/listing/manifest.json", "*/hub.duckdb"):
        for path in Path(results).glob(marker):
            folder = path.parents[2] if path.name == "manifest.json" else path.parent
            if folder not in seen:
                seen.add(folder)
                yield Snapshot(folder)


def earlier_listed(results: Path, snapshot: str, endpoint: str | None) -> list[Snapshot]:
    """The other snapshots under ``results`` listed before ``snapshot``, from the same
    hub, oldest first: what a crawl reuses cards from, a diff compares with and a time
    series runs over (each keeps those holding what it reads).

    Before ``snapshot``'s own listing has finished every other listed snapshot is earlier;
    after, one made later never is, so what an existing snapshot took stays the same. The
    hub is the one ``snapshot``'s manifest records, else ``endpoint``'s (the config's):
    a snapshot of the real Hub is never paired with the demo's replica. A snapshot whose
    manifest predates the record, or an ``endpoint`` of None, matches any hub.
    """
    this = Snapshot.named(results, snapshot)
    before = this.listed_at()
    host = this.listed_from() or (hub_host(endpoint) if endpoint else None)
    found = []
    for other in snapshots_under(results):
        listed_at = other.listed_at()
        if other.name == snapshot or not listed_at < before:
            continue
        other_host = other.listed_from()
        if host is None or other_host is None or other_host == host:
            found.append((listed_at, other.name, other))
    return [other for _, _, other in sorted(found)]
