"""The Examples sections of the traits package's docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ("__init__", "drift", "mutation", "ordering", "plots", "snapshot", "sql", "stats",
           "thinning")  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_examples_hold(name: str) -> None:
    module = importlib.import_module("phylohub.traits" + ("" if name == "__init__" else f".{name}"))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
