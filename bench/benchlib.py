"""What the benchmark scripts share: a generated ecosystem served from its own process."""

from __future__ import annotations

import contextlib
import multiprocessing
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from phylohub.hub.synth import SynthConfig, is_current

ROOT = Path(__file__).resolve().parents[1]
PHYLOHUB = [sys.executable, "-m", "phylohub.cli"]


def exit_on_help(doc: str | None) -> None:
    """For the scripts that read ``sys.argv`` by hand: ``-h`` or ``--help`` prints the
    script's docstring (its usage) and exits, rather than starting a benchmark."""
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        print((doc or "").strip())
        sys.exit(0)


def ensure_store(n: int, seed: int = 0) -> Path:
    """The store of an n-model ecosystem under results/bench/, generated again only when
    missing or made by another generator version (``replica generate`` checks)."""
    name = f"replica-{n}" if seed == 0 else f"replica-{n}-s{seed}"
    store_dir = ROOT / "results" / "bench" / name
    if not is_current(SynthConfig(n_models=n, seed=seed), store_dir):
        subprocess.run(
            [*PHYLOHUB, "replica", "generate", "--models", str(n), "--seed", str(seed),
             "--out", str(store_dir)],
            check=True,
        )  # fmt: skip
    return store_dir / "hub.sqlite"


@contextlib.contextmanager
def serving(
    n: int, *options: str, seed: int = 0, port: int = 0, store: Path | None = None
) -> Iterator[tuple[str, int]]:
    """Serve an n-model ecosystem (or the given store) from a separate process (port 0: a
    free one); yields its endpoint and the server's process id."""
    store = store or ensure_store(n, seed)
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
    command = [*PHYLOHUB, "replica", "serve", "--store", str(store), "--port", str(port)]
    server = subprocess.Popen([*command, *options], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        server.stdout.readline()  # "phylohub: replica serving at ..."
        yield f"http://127.0.0.1:{port}", server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextlib.contextmanager
def served(n: int, *options: str) -> Iterator[str]:
    """Serve an n-model ecosystem (seed 0) from a separate process; yields its endpoint."""
    with serving(n, *options) as (endpoint, _):
        yield endpoint


def _build_genealogy(db: Path, relation_set: str, folder: Path) -> None:
    from phylohub.genealogy.graphs import RELATION_SETS
    from phylohub.genealogy.tables import build_genealogy, paths_in

    build_genealogy(db, RELATION_SETS[relation_set], paths_in(folder))


def genealogy_elsewhere(db: Path, relation_set: str, folder: Path) -> None:
    """Write the genealogy stage's tables of ``relation_set`` (a name of
    ``phylohub.genealogy.graphs.RELATION_SETS``) into ``folder`` from another process,
    so that neither its time nor its memory counts in the stage being measured."""
    build = multiprocessing.get_context("spawn").Process(
        target=_build_genealogy, args=(db, relation_set, folder)
    )
    build.start()
    build.join()
