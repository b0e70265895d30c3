"""save_figure skips the throw-away draw that ``tight_layout()`` leaves savefig to do,
and writes the same pixels and SVG bytes as a plain ``savefig`` of the same figure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
from PIL import Image

from phylohub.figures import RELATION_COLOURS, pyplot, save_figure
from phylohub.figures.style import DPI


def _tight() -> Any:
    """Two panels, a legend and a suptitle, laid out once by ``tight_layout(rect=...)``
    as most stages do."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(7, 3))
    for i, (relation, colour) in enumerate(RELATION_COLOURS.items()):
        axes[0].plot([0, 1, 2], [i, i + 1, i], color=colour, label=relation)
        axes[1].bar(relation, i + 1, color=colour)
    axes[0].legend(title="relation")
    axes[1].tick_params(axis="x", rotation=45)
    fig.suptitle("a suptitle the layout has to leave room for")
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    return fig


def _constrained() -> Any:
    """A figure whose constrained layout still works at every draw (summary, diff)."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(7, 3), layout="constrained")
    axes[0].barh(list(RELATION_COLOURS), range(1, len(RELATION_COLOURS) + 1))
    axes[1].set_title("a long title on the right-hand panel")
    return fig


def _plain(fig: Any, png: Path) -> None:
    """The two plain savefig calls save_figure stands for, with its settings."""
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=DPI, metadata={"Software": None})
    with matplotlib.rc_context({"svg.hashsalt": "phylohub", "svg.fonttype": "none"}):
        fig.savefig(png.with_suffix(".svg"), metadata={"Date": None, "Creator": None})
    pyplot().close(fig)


def _draws(fig: Any) -> list[int]:
    """Count the figure's draws (each savefig draws once, twice with a layout engine)."""
    calls: list[int] = []
    draw = fig.draw

    def counted(renderer: Any) -> None:
        calls.append(1)
        draw(renderer)

    fig.draw = counted
    return calls


@pytest.mark.parametrize("build", [_tight, _constrained], ids=["tight", "constrained"])
def test_same_pixels_and_svg_as_plain_savefig(tmp_path: Path, build: Callable[[], Any]) -> None:
    save_figure(build(), tmp_path / "new" / "f.png")
    _plain(build(), tmp_path / "plain" / "f.png")
    new, plain = (  # RGBA: save_figure writes an opaque figure as RGB
        np.asarray(Image.open(tmp_path / d / "f.png").convert("RGBA")) for d in ("new", "plain")
    )
    assert new.shape == plain.shape and (new == plain).all()
    svg = [(tmp_path / d / "f.svg").read_bytes() for d in ("new", "plain")]
    assert svg[0] == svg[1]


def test_a_tight_layout_figure_is_drawn_once_per_file(tmp_path: Path) -> None:
    fig = _tight()
    calls = _draws(fig)
    save_figure(fig, tmp_path / "f.png")
    assert len(calls) == 2  # PNG and SVG; the layout pass of each is skipped


def test_a_constrained_figure_keeps_its_layout_pass(tmp_path: Path) -> None:
    fig = _constrained()
    calls = _draws(fig)
    save_figure(fig, tmp_path / "f.png")
    assert len(calls) == 4  # the engine lays the figure out before each file's draw
