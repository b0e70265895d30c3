"""The rules' logs: phylohub's progress lines, not one line per HTTP request."""

from __future__ import annotations

import http.server
import json
import logging
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from phylohub.errors import PhylohubError
from phylohub.workflow import QUIET_LOGGERS, configure_logging

ROOT = Path(__file__).resolve().parents[1]


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_rule_log_keeps_progress_and_drops_per_request_lines(tmp_path: Path, endpoint: str) -> None:
    log_file = tmp_path / "rule.log"
    try:
        configure_logging(log_file)
        with httpx2.Client() as client:
            for _ in range(3):
                assert client.get(f"{endpoint}/a/resolve/main/README.md").status_code == 200
        logging.getLogger("phylohub.crawl.cards").info("shard 0: 3 of 3 fetched")
        logging.getLogger("httpx2").warning("connection pool is full")
    finally:
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    lines = log_file.read_text().splitlines()
    assert not [line for line in lines if "HTTP Request" in line]
    assert [line for line in lines if "shard 0: 3 of 3 fetched" in line]
    assert [line for line in lines if "WARNING httpx2: connection pool is full" in line]


def _list_models(tmp_path: Path, endpoint: str, listing: Path) -> tuple[str, str]:
    """stderr and log of a rule's script (configure_logging, then the listing)."""
    script = (
        "import sys; from pathlib import Path\n"
        "from phylohub.workflow import configure_logging\n"
        "from phylohub.crawl.listing import crawl_listing\n"
        "configure_logging(sys.argv[1])\n"
        "crawl_listing(sys.argv[2], Path(sys.argv[3]), max_retries=1, base_wait_s=0.01)\n"
    )
    log_file = tmp_path / f"{listing.name}.log"
    result = subprocess.run(
        [sys.executable, "-c", script, str(log_file), endpoint, str(listing)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    return result.stderr, log_file.read_text()


def test_an_unreachable_hub_is_one_error_line_not_a_traceback(tmp_path: Path) -> None:
    # The listing against a port nobody serves: a fresh one fails at once (nothing has
    # ever answered there), a resumed one (a page answered before its checkpoint) after
    # the client's retries.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    (resumed / "checkpoint.json").write_text(
        json.dumps({"next": "limit=1&cursor=x", "parts": 1, "pages": 1, "models": 1,
                    "done": False})
    )  # fmt: skip
    runs = {
        "fresh": (f"PhylohubError: nothing answers at {endpoint} (", 0),
        "resumed": (f"PhylohubError: listing {endpoint} failed on page 1", 2),
    }
    for name, (error, attempts) in runs.items():
        retries = []
        for text in _list_models(tmp_path, endpoint, tmp_path / name):
            assert "Traceback" not in text
            errors = [line for line in text.splitlines() if " ERROR " in line]
            assert len(errors) == 1
            assert error in errors[0]
            retries.append(
                [line for line in text.splitlines() if "thrown while requesting" in line]
            )
        # huggingface_hub's warnings of its attempts, on stderr as in the log, formatted as
        # ours: its own console handler printed each one a second time, bare
        on_stderr, in_log = retries
        assert len(on_stderr) == len(in_log) == attempts  # resumed: the first try and its one retry
        assert all(" WARNING huggingface_hub" in line for line in on_stderr)


def _run_failing_script(tmp_path: Path, *log_args: str) -> subprocess.CompletedProcess[str]:
    # A rule's script: configure_logging, then a bug (a KeyError nobody catches).
    script = (
        "import sys\nfrom phylohub.workflow import configure_logging\n"
        "configure_logging(*sys.argv[1:])\n"
        "def lookup(table):\n    return table['missing']\n"
        "lookup({})\n"
    )
    return subprocess.run([sys.executable, "-c", script, *log_args],
                          capture_output=True, text=True, check=False, timeout=120)  # fmt: skip


def test_a_bug_leaves_its_traceback_in_the_log_and_one_line_on_stderr(tmp_path: Path) -> None:
    log_file = tmp_path / "rule.log"
    result = _run_failing_script(tmp_path, str(log_file))
    assert result.returncode == 1
    log = log_file.read_text()
    assert "ERROR phylohub: KeyError: 'missing'" in log
    assert "Traceback (most recent call last):" in log
    assert "line 5, in lookup" in log  # the frame that raised
    stderr = result.stderr.strip().splitlines()
    assert len(stderr) == 1, result.stderr
    assert "ERROR phylohub: KeyError: 'missing'" in stderr[0]
    assert f"traceback in {log_file}" in stderr[0]


def test_without_a_log_file_a_bug_keeps_its_traceback_on_stderr(tmp_path: Path) -> None:
    result = _run_failing_script(tmp_path)
    assert result.returncode == 1
    assert "ERROR phylohub: KeyError: 'missing'" in result.stderr
    assert "Traceback" in result.stderr and "in lookup" in result.stderr


def test_a_damaged_input_is_one_line_that_names_the_file(tmp_path: Path) -> None:
    """polars says only "File out of specification"; the line names the job's damaged
    input (a Parquet file cut short), not its good one, and the log keeps the traceback."""
    import polars as pl

    good, cut = tmp_path / "good.parquet", tmp_path / "cut.parquet"
    pl.DataFrame({"a": range(1000)}).write_parquet(good)
    cut.write_bytes(good.read_bytes()[:-100])
    log_file = tmp_path / "rule.log"
    # a rule's script as Snakemake runs it: its job's object in __main__
    script = (
        "import sys, types\nimport polars as pl\n"
        "from phylohub.workflow import configure_logging\n"
        "snakemake = types.SimpleNamespace(input=sys.argv[2:])\n"
        "configure_logging(sys.argv[1])\n"
        "pl.read_parquet(sys.argv[3])\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(log_file), str(good), str(cut)],
                            capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "cannot read a file: ComputeError: parquet: File out of specification" in line
    assert f"damaged: {cut} (once it is deleted," in line and str(good) not in line
    assert "Traceback (most recent call last):" in log_file.read_text()


def test_a_damaged_earlier_snapshot_is_named_as_one_not_to_delete(tmp_path: Path) -> None:
    """A file a rule's params name (the diff's earlier snapshot: read as it is, never
    remade) overwritten: the line names it, and says how it is made again."""
    db = tmp_path / "early" / "hub.duckdb"
    db.parent.mkdir()
    db.write_bytes(bytes(20_000))
    log_file = tmp_path / "rule.log"
    script = (
        "import sys, types\nimport duckdb\n"
        "from phylohub.workflow import configure_logging\n"
        "params = [{'name': 'early', 'db': sys.argv[2]}]\n"
        "snakemake = types.SimpleNamespace(input=[], params=params)\n"
        "configure_logging(sys.argv[1])\n"
        "duckdb.connect(sys.argv[2], read_only=True)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(log_file), str(db)],
                            capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "ERROR phylohub: cannot read a file:" in line
    assert f"damaged: {db} (an earlier snapshot's, read as it is: make it again with" in line
    assert "once it is deleted" not in line


def test_damaged_files_judges_parquet_and_duckdb_by_their_magic(tmp_path: Path) -> None:
    import duckdb
    import polars as pl

    from phylohub.errors import damaged_files

    parquet, db = tmp_path / "t.parquet", tmp_path / "t.duckdb"
    pl.DataFrame({"a": [1, 2]}).write_parquet(parquet)
    duckdb.connect(str(db)).close()
    other = tmp_path / "t.tsv"
    other.write_text("not judged")
    assert damaged_files([parquet, db, other, tmp_path, tmp_path / "absent.parquet"]) == []
    for path in (parquet, db):
        path.write_bytes(b"\0" * 16 + path.read_bytes()[16:])
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"PAR1")  # its head is its tail: too short to be both
    assert damaged_files([parquet, db, other, empty]) == [parquet, db, empty]


def _log_lines_at(level: str, tmp_path: Path) -> list[str]:
    log_file = tmp_path / f"{level}.log"
    try:
        configure_logging(log_file, level)
        log = logging.getLogger("phylohub.test")
        log.debug("a debug line")
        log.info("an info line")
        log.warning("a warning line")
    finally:
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    return [line.split(": ", 1)[1] for line in log_file.read_text().splitlines()]


def test_the_log_level_is_the_configs(tmp_path: Path) -> None:
    assert _log_lines_at("DEBUG", tmp_path) == ["a debug line", "an info line", "a warning line"]
    assert _log_lines_at("INFO", tmp_path) == ["an info line", "a warning line"]
    assert _log_lines_at("WARNING", tmp_path) == ["a warning line"]
    with pytest.raises(PhylohubError, match="unknown log level 'LOUD'"):
        configure_logging(tmp_path / "x.log", "LOUD")


def test_every_rule_script_logs_at_the_configs_level() -> None:
    scripts = sorted((ROOT / "workflow" / "scripts").glob("*.py"))
    assert scripts
    call = 'configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])'
    assert [s.name for s in scripts if call not in s.read_text()] == []
