"""The rules' logs: phylohub's progress lines, not one line per HTTP request."""

from __future__ import annotations

import http.server
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from phylohub.workflow import QUIET_LOGGERS, configure_logging


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
