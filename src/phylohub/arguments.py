"""Argument types of the command line's parsers: a bad value is argparse's one error line."""

from __future__ import annotations

import argparse


def _whole(text: str, low: int, high: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < low or (high is not None and value > high):
        span = f"{low} or more" if high is None else f"{low} to {high}"
        raise argparse.ArgumentTypeError(f"must be {span}, not {value}")
    return value


def non_negative(text: str) -> int:
    """An argument that is a whole number, 0 or more (seeds, days)."""
    return _whole(text, 0)


def positive(text: str) -> int:
    """An argument that is a whole number, 1 or more (models, shards)."""
    return _whole(text, 1)


def port_number(text: str) -> int:
    """A TCP port argument, 0 (any free port) to 65535."""
    return _whole(text, 0, 65535)
