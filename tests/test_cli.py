"""The command line: one clear error line for user mistakes, and the serve-while-running mode."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
