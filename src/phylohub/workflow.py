"""Helpers for the thin scripts under workflow/scripts/."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from phylohub.errors import PhylohubError, damaged_files, described, unreadable

#: Loggers kept at WARNING in the rules' logs: the HTTP client's per-request lines.
QUIET_LOGGERS = ("httpx2", "httpx", "httpcore")

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class OneLineFormatter(logging.Formatter):
    """A record as one line: no traceback, no stack; where the traceback went instead.

    The console of a workflow run is read by people watching many jobs; the traceback
    of a failed rule belongs in its log, which this line points to.

    Parameters
    ----------
    traceback_in
        The log file that holds the tracebacks left out here (None: say nothing).
    """

    def __init__(self, fmt: str, traceback_in: Path | None = None) -> None:
        super().__init__(fmt)
        self.traceback_in = traceback_in

    def format(self, record: logging.LogRecord) -> str:
        # A copy: the file handler formats the same record, traceback included.
        had_traceback = bool(record.exc_info or record.exc_text)
        line = logging.makeLogRecord(
            {**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None}
        )
        text = super().format(line)
        if had_traceback and self.traceback_in is not None:
            text += f" (traceback in {self.traceback_in})"
        return text


def log_level(level: int | str) -> int:
    """A level number from a number or a name (``logging.level`` of the config).

    >>> log_level("DEBUG"), log_level("info"), log_level(30)
    (10, 20, 30)
    """
    if isinstance(level, int):
        return level
    names = logging.getLevelNamesMapping()
    try:
        return names[level.upper()]
    except KeyError:
        known = ", ".join(n for n in names if n not in ("NOTSET", "WARN", "FATAL"))
        raise PhylohubError(f"unknown log level {level!r} (known: {known})") from None


def configure_logging(log_file: str | Path | None = None, level: int | str = logging.INFO) -> None:
    """Log to the rule's log file (and stderr), with timestamps; uncaught errors too.

    Parameters
    ----------
    log_file
        The rule's log (``snakemake.log[0]``); None: stderr only.
    level
        The least severe level logged, a number or a name (the config's
        ``logging.level``).

    The log file gets every record whole, tracebacks included; stderr gets one line per
    record (pointing at the log file for a traceback), as PyPSA-Eur logs uncaught
    exceptions with ``exc_info``. An uncaught :class:`~phylohub.errors.PhylohubError`
    (a user's problem: bad input, an unreachable endpoint) is one line in both, without
    its traceback (nor those of the errors it was raised from); any other uncaught
    exception is a bug and its traceback lands in the log file (on stderr when there is
    no log file, so that it is never lost). A file DuckDB, polars or Arrow cannot read
    (:func:`~phylohub.errors.unreadable`) is one line too, naming the job's damaged input
    files (:func:`~phylohub.errors.damaged_files`), with the traceback in the log file.
    """
    number = log_level(level)
    console = logging.StreamHandler(sys.stderr)
    handlers: list[logging.Handler] = [console]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
        console.setFormatter(OneLineFormatter(_FORMAT, Path(log_file)))
    logging.basicConfig(level=number, format=_FORMAT, handlers=handlers, force=True)
    # The HTTP client logs every request at INFO: two lines per card, millions in a
    # crawl, formatted and written twice. Its warnings and errors still come through.
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(number, logging.WARNING))
    drop_library_consoles()

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        bug = not isinstance(value, PhylohubError)
        log = logging.getLogger("phylohub")
        if unreadable(value):
            log.error("%s", _unreadable_line(value), exc_info=(kind, value, tb))
            return
        log.error("%s: %s", kind.__name__, value, exc_info=(kind, value, tb) if bug else None)

    sys.excepthook = excepthook


def _unreadable_line(exc: BaseException) -> str:
    """One line for a file DuckDB, polars or Arrow could not read in a rule's job: the
    library's first line and, where the job runs under Snakemake, which of its files are
    damaged (the libraries do not always say): its inputs, which the workflow makes
    again, and the files its params name (an earlier snapshot's, read as they are)."""
    line = f"cannot read a file: {described(exc)}"
    job = getattr(sys.modules.get("__main__"), "snakemake", None)
    damaged = damaged_files(getattr(job, "input", ()))
    if damaged:
        names = ", ".join(str(p) for p in damaged)
        line += f"; damaged: {names} (once it is deleted, the workflow's next run makes it again)"
    earlier = damaged_files(_strings(list(getattr(job, "params", ()))))
    if earlier:
        names = ", ".join(str(p) for p in earlier)
        line += (
            f"; damaged: {names} (an earlier snapshot's, read as it is: make it again with "
            "that snapshot's own config files)"
        )
    return line


def _strings(value: object) -> list[str]:
    """Every string in ``value`` and the lists and mappings it nests (a rule's params).

    >>> _strings([1, "a", {"name": "demo", "db": "results/demo/hub.duckdb"}, ["b"]])
    ['a', 'demo', 'results/demo/hub.duckdb', 'b']
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


#: Libraries that give their own logger a console handler when imported.
LIBRARY_CONSOLES = ("huggingface_hub",)


def drop_library_consoles() -> None:
    """Remove the console handler huggingface_hub gives its logger on import.

    Its records also reach the root logger's handlers (the rule's log and the one-line
    console), so with its own handler every retry warning was on stderr twice, once
    bare. Called by :func:`configure_logging`, after a script's imports (the crawl
    modules import huggingface_hub at their top; a library imported later adds its
    handler then). Every plain stream handler goes, whatever stream it holds (one made
    while stderr was redirected holds that stream).
    """
    for name in LIBRARY_CONSOLES:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if type(handler) is logging.StreamHandler:
                logger.removeHandler(handler)


def named_paths(files: Iterable[tuple[str, str]]) -> dict[str, Path]:
    """A rule's named inputs or outputs (``snakemake.output.items()``) as paths by name,
    the form a stage's writer takes them in (``phylohub.io.check_outputs``).

    >>> named_paths([("summary", "results/s/diff/summary.json")])
    {'summary': PosixPath('results/s/diff/summary.json')}
    """
    return {name: Path(path) for name, path in files}
