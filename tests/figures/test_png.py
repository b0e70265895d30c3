"""write_png, the PNG half of save_figure: the pixels of a plain ``savefig`` of the same
figure, in fewer bytes to compress (RGB for an opaque figure) at a faster zlib level."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from phylohub.figures import RELATION_COLOURS, pyplot
from phylohub.figures.style import DPI, PNG_COMPRESS_LEVEL, write_png
from tests.figures.test_save_draws import _constrained


def _lines(size: tuple[float, float] = (6.4, 4.8)) -> Any:
    """Lines, a legend, a grid and a title, laid out by ``tight_layout``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=size)
    for i, (relation, colour) in enumerate(RELATION_COLOURS.items()):
        ax.plot([0, 1, 2], [i, i + 1, i], color=colour, label=relation)
    ax.scatter(np.arange(50) % 3, np.arange(50) / 10, s=4, alpha=0.35)
    ax.legend(title="relation")
    ax.grid()
    ax.set_title("lines, points and a legend")
    fig.tight_layout()
    return fig


def _odd_size() -> Any:
    """A size whose pixels are not whole at 300 dpi, over a half (the canvas truncates)."""
    return _lines((3.3355, 2.1719))


def _transparent() -> Any:
    """A figure with a see-through background: its PNG must keep the alpha channel."""
    fig = _lines()
    fig.patch.set_alpha(0.0)
    return fig


BUILDS = [_lines, _odd_size, _constrained, _transparent]


def _pixels(png: Path) -> npt.NDArray[np.uint8]:
    with Image.open(png) as image:
        return np.asarray(image.convert("RGBA"))


def _zlib_level_class(png: Path) -> int:
    """FLEVEL of the first IDAT's zlib header: 0 for levels 0-1, 1 for 2-5, 2 for 6,
    3 for 7-9."""
    data = png.read_bytes()
    at = data.index(b"IDAT")
    return data[at + 5] >> 6


def _plain(fig: Any, png: Path) -> None:
    """matplotlib's own PNG with the project's settings (what save_figure wrote before)."""
    fig.savefig(png, dpi=DPI, metadata={"Software": None})


@pytest.mark.parametrize("build", BUILDS, ids=lambda b: b.__name__.strip("_"))
def test_same_pixels_as_savefig(tmp_path: Path, build: Callable[[], Any]) -> None:
    write_png(build(), tmp_path / "new.png")
    _plain(build(), tmp_path / "plain.png")
    new, plain = _pixels(tmp_path / "new.png"), _pixels(tmp_path / "plain.png")
    assert new.shape == plain.shape and (new == plain).all()
    with Image.open(tmp_path / "new.png") as a, Image.open(tmp_path / "plain.png") as b:
        assert a.info == b.info  # the dpi, and no text chunk (no matplotlib version)
    pyplot().close("all")


def test_an_opaque_figure_is_rgb_at_the_fast_level(tmp_path: Path) -> None:
    write_png(_lines(), tmp_path / "f.png")
    with Image.open(tmp_path / "f.png") as image:
        assert image.mode == "RGB"
    assert _zlib_level_class(tmp_path / "f.png") == (1 if 2 <= PNG_COMPRESS_LEVEL <= 5 else -1)
    _plain(_lines(), tmp_path / "plain.png")
    assert _zlib_level_class(tmp_path / "plain.png") == 2  # matplotlib's default, level 6
    pyplot().close("all")


def test_a_transparent_figure_keeps_its_alpha(tmp_path: Path) -> None:
    write_png(_transparent(), tmp_path / "f.png")
    with Image.open(tmp_path / "f.png") as image:
        assert image.mode == "RGBA"
        assert image.getchannel("A").getextrema()[0] < 255
    pyplot().close("all")


def test_png_header_is_the_figure_size(tmp_path: Path) -> None:
    fig = _odd_size()
    write_png(fig, tmp_path / "f.png")
    width, height = struct.unpack(">II", (tmp_path / "f.png").read_bytes()[16:24])
    assert (width, height) == (int(3.3355 * DPI), int(2.1719 * DPI))
    pyplot().close("all")
