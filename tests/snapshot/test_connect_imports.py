"""Opening a built snapshot imports DuckDB, not the build: ``phylohub.snapshot.connect``
(and the package's names from it) load neither pyarrow nor numpy, so a rule that only
reads the snapshot does not pay for them at start (bench/startup.py); the build's names
are still the package's, imported when first asked for."""

from __future__ import annotations

from tests.imports import loaded_by_source

HEAVY = ("pyarrow", "numpy", "phylohub.snapshot.build")


def test_opening_a_snapshot_imports_no_build() -> None:
    modules = loaded_by_source(
        "from phylohub.snapshot import CARDS_WITH_TEXT, cards_parquet, connect_snapshot\n"
        "import phylohub.io, phylohub.crawl.values"
    )
    assert "duckdb" in modules  # the probe ran
    assert [m for m in HEAVY if m in modules] == []


def test_the_package_still_gives_the_builds_names() -> None:
    import phylohub.snapshot as snapshot
    from phylohub.snapshot import build, connect

    for name in snapshot.__all__:
        assert getattr(snapshot, name) is getattr(build, name, None) or getattr(connect, name)
    assert snapshot.build_snapshot is build.build_snapshot
    assert snapshot.connect_snapshot is connect.connect_snapshot
