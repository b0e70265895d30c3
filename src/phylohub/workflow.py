"""Helpers for the thin scripts under workflow/scripts/."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from phylohub.errors import PhylohubError

#: Loggers kept at WARNING in the rules' logs: the HTTP client's per-request lines.
QUIET_LOGGERS = ("httpx2", "httpx", "httpcore")


def configure_logging(log_file: str | Path | None = None, level: int = logging.INFO) -> None:
    """Log to the rule's log file (and stderr), with timestamps; uncaught errors too.

    An uncaught :class:`~phylohub.errors.PhylohubError` is logged as one line, without
    its traceback (nor those of the errors it was raised from).
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    # The HTTP client logs every request at INFO: two lines per card, millions in a
    # crawl, formatted and written twice. Its warnings and errors still come through.
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))

    def excepthook(kind: type[BaseException], value: BaseException, tb: object) -> None:
        # A user's problem (bad input, an unreachable endpoint) is one line; a bug keeps
        # its traceback.
        logging.getLogger("phylohub").error("%s: %s", kind.__name__, value)
        if not isinstance(value, PhylohubError):
            sys.__excepthook__(kind, value, tb)  # type: ignore[arg-type]

    sys.excepthook = excepthook
