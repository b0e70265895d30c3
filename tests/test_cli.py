"""The command line: one clear error line for user mistakes, and the serve-while-running mode."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PHYLOHUB = [sys.executable, "-m", "phylohub.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PHYLOHUB, *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=120
    )


def test_missing_config_is_one_error_line(tmp_path: Path) -> None:
    result = run("replica", "generate", "--config", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert result.stderr.startswith("phylohub: error: cannot read config")
    assert len(result.stderr.strip().splitlines()) == 1  # no traceback


def test_unknown_knob_is_one_error_line(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "replica:\n  store_dir: s\n  host: 127.0.0.1\n  port: 0\n"
        "  synth: {n_models: 100, seed: 1, fanciness: 3}\n"
    )
    result = run("replica", "generate", "--config", str(cfg))
    assert result.returncode == 2
    assert "unknown synthetic-ecosystem setting(s): fanciness" in result.stderr


def test_missing_store_is_one_error_line(tmp_path: Path) -> None:
    result = run("replica", "serve", "--store", str(tmp_path / "hub.sqlite"), "--", "true")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "phylohub: error:" in result.stderr


def test_generate_is_idempotent_and_serve_runs_a_command_against_the_replica(
    tmp_path: Path,
) -> None:
    cfg = tmp_path / "demo.yaml"
    cfg.write_text(
        f"replica:\n  store_dir: {tmp_path / 'store'}\n  host: 127.0.0.1\n  port: 0\n"
        "  synth: {n_models: 300, seed: 5}\n"
    )
    first = run("replica", "generate", "--config", str(cfg))
    assert first.returncode == 0 and "generated 300 models" in first.stdout
    again = run("replica", "generate", "--config", str(cfg))
    assert again.returncode == 0 and "already holds" in again.stdout
    # The command sees HF_ENDPOINT and lists the replica with the real client.
    probe = (
        "import os; from huggingface_hub import HfApi; "
        "n = sum(1 for _ in HfApi(endpoint=os.environ['HF_ENDPOINT'], token=False)"
        ".list_models(full=True)); print('listed', n); raise SystemExit(3)"
    )
    result = run("replica", "serve", "--config", str(cfg), "--", sys.executable, "-c", probe)
    assert result.returncode == 3  # the command's own exit status
    import sqlite3

    (listed,) = (
        sqlite3.connect(tmp_path / "store" / "hub.sqlite")
        .execute("SELECT count(*) FROM models WHERE private = 0")
        .fetchone()
    )
    assert f"listed {listed}" in result.stdout


REPLICA_ERRORS = {
    "port": ("  store_dir: s\n  port: 'abc'\n", "replica.port: 'abc' is not of type 'integer'"),
    "window": (
        "  store_dir: s\n  rate_limit: {window_s: x}\n",
        "replica.rate_limit.window_s: 'x' is not of type 'number'",
    ),
    "no_store_dir": ("  host: 127.0.0.1\n", "replica.store_dir is missing"),
    "empty": ("", "replica: empty"),
}


@pytest.mark.parametrize("command", ["serve", "generate"])
@pytest.mark.parametrize("name", sorted(REPLICA_ERRORS))
def test_a_bad_replica_section_is_one_line_naming_the_key(
    command: str, name: str, tmp_path: Path
) -> None:
    section, message = REPLICA_ERRORS[name]
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"replica:\n{section}")
    args = ["--", "true"] if command == "serve" else []
    result = run("replica", command, "--config", str(cfg), *args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"phylohub: error: {cfg}: {message}")
    assert len(result.stderr.splitlines()) == 1


def test_generate_without_synth_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"replica:\n  store_dir: {tmp_path / 'store'}\n")
    result = run("replica", "generate", "--config", str(cfg))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"phylohub: error: {cfg}: replica.synth is missing (generate needs it)"
    ]
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "--models", "100", "--out", "OUT", "--seed", "-1"],
        ["evolve", "--from", "OUT", "--out", "OUT2", "--seed", "-1"],
        ["evolve", "--from", "OUT", "--out", "OUT2", "--days", "-30"],
    ],
)
def test_a_negative_seed_or_days_is_one_line(args: list[str], tmp_path: Path) -> None:
    args = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    result = run("replica", *args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"phylohub: error: argument {args[-2]}: must be 0 or more")
    assert len(result.stderr.splitlines()) == 1
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["crawl", "status", "--snapshot", "OUT", "--shards", "0"],
         "argument --shards: must be 1 or more, not 0"),
        (["replica", "generate", "--models", "0", "--out", "OUT"],
         "argument --models: must be 1 or more, not 0"),
        (["explore", "--snapshot", "OUT", "--port", "-5"],
         "argument --port: must be 0 to 65535, not -5"),
        (["replica", "serve", "--store", "OUT/hub.sqlite", "--port", "70000"],
         "argument --port: must be 0 to 65535, not 70000"),
        (["replica", "serve", "--store", "OUT/hub.sqlite", "other.yaml"],
         "unexpected argument 'other.yaml': a command to run goes after --"),
        (["replica", "serve", "--store", "OUT/hub.sqlite", "other.yaml", "--", "true"],
         "unexpected argument 'other.yaml': a command to run goes after --"),
        (["replica", "generate", "--models", "60", "--out", "FILE"],
         "FILE is a file: give a folder for the ecosystem"),
    ],
)  # fmt: skip
def test_a_bad_argument_is_one_line(args: list[str], line: str, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    paths = {"OUT": str(tmp_path / "out"), "FILE": str(tmp_path / "file")}
    for name, path in paths.items():
        args = [a.replace(name, path) for a in args]
        line = line.replace(name, path)
    result = run(*args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"phylohub: error: {line}"), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing written


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "store"
    assert run("replica", "generate", "--models", "100", "--out", str(out)).returncode == 0
    return out


def test_a_failed_evolve_leaves_no_temporary_store(small_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "evolved"
    (out / "hub.sqlite").mkdir(parents=True)  # the evolved store cannot be moved in place
    result = run("replica", "evolve", "--from", str(small_store), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith(f"phylohub: error: evolve: cannot write {out}: ")
    assert len(result.stderr.splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == ["hub.sqlite"]  # no hub.tmp


def test_evolving_a_file_that_is_no_store_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "hub.sqlite").write_text("not a database")
    result = run("replica", "evolve", "--from", str(tmp_path / "bad"), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"phylohub: error: {tmp_path / 'bad' / 'hub.sqlite'} is not")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_crawl_status_reads_the_snapshot_and_shards_of_a_config(tmp_path: Path) -> None:
    """Before any card job ran: every shard waits, its total counted from the listing."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from phylohub.crawl.cards import shard_of
    from phylohub.crawl.schema import LISTING_SCHEMA

    ids = [f"org/model-{i}" for i in range(40)]
    listing = tmp_path / "results" / "snap" / "crawl" / "listing"
    listing.mkdir(parents=True)
    rows = [{"page": 0, "position": i, "id": m, "entry": "{}"} for i, m in enumerate(ids)]
    pq.write_table(
        pa.Table.from_pylist(rows, schema=LISTING_SCHEMA), listing / "part-00000.parquet"
    )
    manifest = {"models": len(ids), "pages": 1, "parts": ["part-00000.parquet"]}
    (listing / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "mine.yaml").write_text("snapshot: snap\ncrawl:\n  shards: 3\n")
    result = run("crawl", "status", "--config", "mine.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    table = [line.split() for line in result.stdout.splitlines()[2:]]
    totals = [sum(shard_of(m, 3) == s for m in ids) for s in range(3)]
    assert [row[:4] for row in table] == [
        ["listing", "finished", "40", "40"],
        *(["cards/" + str(s), "waiting", "0", str(totals[s])] for s in range(3)),
        ["cards", "waiting", "0", "40"],
    ]


def test_crawl_status_of_a_folder_without_a_crawl_is_one_line(tmp_path: Path) -> None:
    result = run("crawl", "status", "--snapshot", str(tmp_path / "results" / "nothing"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "holds no crawl" in result.stderr


def test_only_a_file_that_cannot_be_read_loses_its_traceback() -> None:
    """A damaged file is one line; a mistake in a query or a frame keeps its traceback."""
    import duckdb
    import polars as pl
    import pyarrow as pa

    from phylohub.errors import unreadable

    for error in (duckdb.Error("Corrupt database file"), duckdb.IOException("lock"),
                  pl.exceptions.ComputeError("parquet: out of specification"),
                  pa.ArrowInvalid("not a parquet file")):  # fmt: skip
        assert unreadable(error), error
    for error in (duckdb.BinderException("no column"), duckdb.CatalogException("no table"),
                  pl.exceptions.ColumnNotFoundError("x"), ValueError("x")):  # fmt: skip
        assert not unreadable(error), error
