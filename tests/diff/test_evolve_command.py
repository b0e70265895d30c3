"""`phylohub replica evolve`: the evolved store once, then nothing to do; bad input, one line."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from phylohub.hub.evolve import EvolveConfig, evolve
from phylohub.hub.store import Store
from phylohub.hub.synth import SynthConfig, generate

PHYLOHUB = [sys.executable, "-m", "phylohub.cli", "replica", "evolve"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PHYLOHUB, *args], capture_output=True, text=True, check=False)


def test_evolve_writes_the_listed_changes_once(tmp_path: Path) -> None:
    generate(SynthConfig(n_models=600, seed=3), tmp_path / "day0")
    args = ("--from", str(tmp_path / "day0"), "--out", str(tmp_path / "day30"), "--seed", "3")
    first = run(*args)
    assert first.returncode == 0, first.stderr
    changes = json.loads((tmp_path / "day30" / "changes.json").read_text())
    listed = {r["id"] for r in Store(tmp_path / "day30" / "hub.sqlite").iter_rows("private = 0")}
    before = {r["id"] for r in Store(tmp_path / "day0" / "hub.sqlite").iter_rows("private = 0")}
    assert listed == (before - set(changes["removed"])) | set(changes["added"])
    assert f"{len(changes['added'])} added, {len(changes['removed'])} removed" in first.stdout
    again = run(*args)
    assert again.returncode == 0 and "already holds" in again.stdout


def test_evolving_a_missing_store_is_one_error_line(tmp_path: Path) -> None:
    result = run("--from", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith("phylohub: error: no store to evolve at")
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_evolved_model_lists_config_json_only_where_the_store_serves_one(
    tmp_path: Path,
) -> None:
    """In a store with config files, a new model's config.json is its template's (the
    parent's, or the root it is made like): every repository listing one holds one."""
    config = SynthConfig(n_models=600, seed=3, config_plant=True, config_files_plant=True)
    generate(config, tmp_path / "day0")
    changes = evolve(tmp_path / "day0", tmp_path / "day30", EvolveConfig(seed=3))
    with sqlite3.connect(tmp_path / "day30" / "hub.sqlite") as con:
        stored = dict(con.execute("SELECT id, body FROM config_files").fetchall())
    rows = {r["id"]: r for r in Store(tmp_path / "day30" / "hub.sqlite").iter_rows()}
    listing = [i for i in changes["added"] if "config.json" in json.loads(rows[i]["siblings"])]
    assert 0 < len(listing) <= len(changes["added"])
    assert all(i in stored for i in listing)
    assert not [i for i in changes["added"] if i in stored and i not in listing]
    parents = {child: parent for parent, child, _ in changes["new_edges"]}
    assert all(stored[i] == stored[parents[i]] for i in listing if i in parents)
    # the children of this period's new roots too (the new families)
    new_roots = set(changes["new_families"])
    young = [i for i in changes["added"] if parents.get(i) in new_roots]
    assert young and all(i in listing for i in young if parents[i] in listing)


def test_an_evolved_store_evolves_again_with_new_ids_and_keeps_the_dump(tmp_path: Path) -> None:
    """Day 0 -> 30 -> 60, each by 30 days with the same seed: the second evolution's new
    models and commits are its own (it once failed on the ids of the first), its changes
    are exactly the difference of the two stores, and the card dump of day 0 is served
    by both (the Hub's dump stays where it was)."""
    generate(SynthConfig(n_models=600, seed=3, dump_days=30, dump_coverage=0.5), tmp_path / "d0")
    first = evolve(tmp_path / "d0", tmp_path / "d30", EvolveConfig(days=30, seed=3))
    second = evolve(tmp_path / "d30", tmp_path / "d60", EvolveConfig(days=30, seed=3))
    assert second["added"] and not set(second["added"]) & set(first["added"])
    assert all("-d60-" in m for m in second["added"])
    rows = {
        d: {r["id"]: r["sha"] for r in Store(tmp_path / d / "hub.sqlite").iter_rows("private = 0")}
        for d in ("d30", "d60")
    }
    assert set(rows["d60"]) == (set(rows["d30"]) - set(second["removed"])) | set(second["added"])
    resha = {m for m in rows["d30"].keys() & rows["d60"].keys() if rows["d30"][m] != rows["d60"][m]}
    assert resha == set(second["edited"])
    assert Store(tmp_path / "d60" / "hub.sqlite").meta["evolved_days"] == 60
    dumps = [sorted(p.relative_to(tmp_path / d) for p in (tmp_path / d / "datasets").rglob("*"))
             for d in ("d0", "d30", "d60")]  # fmt: skip
    assert dumps[0] and dumps[0] == dumps[1] == dumps[2]


def test_evolving_a_store_into_its_own_folder_is_one_error_line(tmp_path: Path) -> None:
    generate(SynthConfig(n_models=300, seed=3), tmp_path / "d0")
    result = run("--from", str(tmp_path / "d0"), "--out", str(tmp_path / "d0" / "."))
    assert result.returncode == 2
    assert result.stderr.startswith("phylohub: error: evolve:")
    assert "is the store evolved" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
