"""The crawl's job locks: one job at a time on the listing or a card shard, and a probe
that tells a live job from a dead one without disturbing it.

A job holds an exclusive ``flock`` on its lock file (``crawl/listing/lock``,
``crawl/cards/{shard}.partial.lock``) for as long as it runs; the kernel releases it
when the job dies, kill -9 included, and the file names the holder (``PID n on host``).
``phylohub crawl status`` asks whether a lock is held with :func:`probe_lock`: a
*shared*, non-blocking ``flock`` that fails at once while the job holds its exclusive
one, and is let go at once otherwise. It never waits and never blocks the holder; a job
that starts in the microseconds a probe holds the file retries for a moment (see
:data:`START_TRIES`) rather than take the probe for a rival job.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from phylohub.errors import PhylohubError

log = logging.getLogger(__name__)

#: flock errors of a file system that has no locks: the job goes on unlocked.
NO_LOCKS = frozenset({errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL})
#: Tries, 0.1 s apart, before a job takes a held lock for a rival job's: a status probe
#: holds a shared lock for microseconds.
START_TRIES = 5


@contextlib.contextmanager
def hold_lock(path: Path, what: str) -> Iterator[None]:
    """Hold the exclusive lock ``path`` while ``what`` (``shard 3``, ``the listing``) runs.

    A second job fails at once (after :data:`START_TRIES`) with one line naming the
    holder, rather than wait: its wall time would run out while the holder spends the
    rate budget. Where the file system has no locks the job logs a warning and goes on
    unlocked. The holder removes the file before it lets go, so a job that opened the
    old file checks that it locked the file that is there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tries = 0
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            tries += 1
            if tries < START_TRIES:  # a status probe, or a holder on its way out
                os.close(fd)
                time.sleep(0.1)
                continue
            holder = os.pread(fd, 256, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise PhylohubError(
                f"{what} is being fetched by {holder} (lock {path}): a job of an "
                "earlier run still running? Let it finish or stop it, then rerun"
            ) from None
        except OSError as exc:
            if exc.errno not in NO_LOCKS:
                os.close(fd)
                raise
            log.warning("%s: %s cannot be locked here (%s): going on unlocked", what, path,
                        exc.strerror)  # fmt: skip
            break
        try:
            if os.path.samestat(os.fstat(fd), path.stat()):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"PID {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # while holding it: see the check above
        os.close(fd)


@dataclass(frozen=True)
class LockState:
    """What a probe found: ``held`` (a live job holds it: ``holder`` names it), ``free``
    (a file a dead job left), ``absent`` (no file), ``unknown`` (no locks here)."""

    state: str
    holder: str = ""


def probe_lock(path: Path) -> LockState:
    """Whether a live job holds the lock ``path``; changes nothing and never waits.

    The file is opened read-only (never created); a shared lock is tried without
    blocking and, if granted, let go at once.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return LockState("absent")
    try:
        holder = os.pread(fd, 256, 0).decode(errors="replace").strip()
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return LockState("held", holder)
        except OSError as exc:
            if exc.errno in NO_LOCKS:
                return LockState("unknown", holder)
            raise
        fcntl.flock(fd, fcntl.LOCK_UN)
        return LockState("free", holder)
    finally:
        os.close(fd)
