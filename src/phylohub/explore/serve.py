"""``phylohub explore --snapshot results/NAME [--port P]``: serve the app on 127.0.0.1.

Wiring (in :func:`phylohub.cli.build_parser`)::

    from phylohub.explore.serve import add_explore_parser
    add_explore_parser(sub)
"""

from __future__ import annotations

import argparse
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from phylohub.arguments import port_number
from phylohub.errors import PhylohubError

HOST = "127.0.0.1"


def make_server(snapshot: Path, port: int = 0, genealogy: Path | None = None) -> Any:
    """A WSGI server of the app on 127.0.0.1 (``port`` 0: any free port); its URL is
    ``http://127.0.0.1:{server.server_port}/``."""
    from werkzeug.serving import make_server as wsgi_server

    from phylohub.explore.app import create_app
    from phylohub.explore.data import Explorer

    app = create_app(Explorer(snapshot, genealogy))
    try:
        if port:  # werkzeug prints its own lines and exits when the port is taken
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's
                probe.bind((HOST, port))
        return wsgi_server(HOST, port, app.server, threaded=True)
    except OSError as exc:
        raise PhylohubError(f"cannot serve on {HOST}:{port}: {exc} (give another --port)") from exc


@contextmanager
def running(snapshot: Path, genealogy: Path | None = None) -> Iterator[str]:
    """The app served in a thread for the duration of the block; yields its URL."""
    server = make_server(snapshot, 0, genealogy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join()


def main_explore(args: argparse.Namespace) -> int:
    """Entry of ``phylohub explore``: serve until interrupted."""
    server = make_server(args.snapshot, args.port, args.genealogy)
    print(f"phylohub: exploring {args.snapshot} at http://{HOST}:{server.server_port}/ "
          "(Ctrl-C stops)", flush=True)  # fmt: skip
    with suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def add_explore_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``explore`` to the command line's subcommands."""
    cmd: argparse.ArgumentParser = sub.add_parser(
        "explore",
        help="browse a snapshot in a local web app (search, lineages, families)",
        description="Serve a local web app on 127.0.0.1 to search a snapshot's models, "
        "walk their lineages and see what mutated on each edge (docs/explore.md).",
    )
    cmd.add_argument("--snapshot", type=Path, required=True, help="snapshot folder results/NAME")
    cmd.add_argument(
        "--port", type=port_number, default=8050, help="port (default 8050; 0: any free)"
    )
    cmd.add_argument(
        "--genealogy",
        type=Path,
        help="folder of the genealogy tables to use (default SNAPSHOT/genealogy/no_merge; "
        "computed in memory when missing)",
    )
    cmd.set_defaults(func=main_explore)
    return cmd
