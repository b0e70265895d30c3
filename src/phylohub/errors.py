"""The one error type for what a user can get wrong; the CLI prints it as one line. And
which library errors mean a file could not be read (a damaged or half-written file, not a
bug), and which of a job's files are damaged."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path


class PhylohubError(Exception):
    """A problem the user can fix (bad config, missing file, unreachable endpoint).

    The command line prints ``phylohub: error: <message>`` and exits with status 2,
    never a traceback.
    """


def unreadable(exc: BaseException) -> bool:
    """Whether DuckDB, polars or Arrow failed to read a file (a damaged, half-written or
    locked file of a snapshot), not a mistake in a query: those keep their traceback."""
    kinds: list[type[BaseException]] = []
    duckdb, polars, arrow = (sys.modules.get(m) for m in ("duckdb", "polars", "pyarrow"))
    if duckdb is not None:
        if type(exc) is duckdb.Error:  # a corrupt database file says no more than this
            return True
        kinds += [duckdb.IOException, duckdb.SerializationException, duckdb.InvalidInputException]
    if polars is not None:
        kinds.append(polars.exceptions.ComputeError)
    if arrow is not None:
        kinds += [arrow.ArrowInvalid, arrow.ArrowIOError]
    return isinstance(exc, tuple(kinds))


def described(exc: BaseException) -> str:
    """An error as one line: its type and the first line of its message.

    >>> described(ValueError("bad\\nmore"))
    'ValueError: bad'
    """
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


#: Magic bytes: (offset, bytes) at the start of a file of each suffix, and at its end.
_MAGIC = {".parquet": ((0, b"PAR1"), b"PAR1"), ".duckdb": ((8, b"DUCK"), b"")}


def damaged_files(paths: Iterable[str | Path]) -> list[Path]:
    """The Parquet and DuckDB files among ``paths`` whose magic bytes are not where the
    format puts them (cut short, overwritten, not that format at all); other files and
    folders are not judged.

    The libraries' own errors do not always name the file (polars: "File out of
    specification"), so a failed job looks at its inputs with this.
    """
    out = []
    for path in map(Path, paths):
        if path.suffix not in _MAGIC or not path.is_file():
            continue
        (at, head), tail = _MAGIC[path.suffix]
        with path.open("rb") as f:
            f.seek(at)
            good = f.read(len(head)) == head
            if good and tail:
                size = f.seek(0, 2)
                f.seek(max(0, size - len(tail)))
                good = size >= at + len(head) + len(tail) and f.read() == tail
        if not good:
            out.append(path)
    return out
