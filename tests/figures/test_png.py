"""write_png, the PNG half of save_figure: the pixels of a plain ``savefig`` of the same
figure, in fewer bytes to compress (RGB for an opaque figure), unfiltered rows, at a
faster zlib level; and encode_png, its writer, read back by Pillow."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from phylohub.figures import RELATION_COLOURS, pyplot
from phylohub.figures.style import (
    DPI,
    PNG_COMPRESS_LEVEL,
    encode_png,
    unfiltered_rows,
    write_png,
)
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


def _row_filters(png: Path, row_bytes: int) -> set[int]:
    """The filter types of a PNG's rows (the first byte of each row of its IDAT data)."""
    data = png.read_bytes()
    at, idat = 8, b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        if data[at + 4 : at + 8] == b"IDAT":
            idat += data[at + 8 : at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(idat)
    assert len(raw) % (row_bytes + 1) == 0
    return set(raw[:: row_bytes + 1])


def test_rows_are_stored_unfiltered(tmp_path: Path) -> None:
    """The fast path: no filter search, every row stored as it is (filter type 0)."""
    fig = _lines()
    write_png(fig, tmp_path / "f.png")
    assert _row_filters(tmp_path / "f.png", int(6.4 * DPI) * 3) == {0}
    pyplot().close("all")


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (120, 333)])
def test_encode_png_reads_back(tmp_path: Path, shape: tuple[int, int], channels: int) -> None:
    """Pillow reads back the very pixels, the mode and the dpi (checking every CRC)."""
    rng = np.random.default_rng(shape[0] * 10 + channels)
    pixels = rng.integers(0, 256, (*shape, channels), dtype=np.uint8)
    pixels[: shape[0] // 2] = 255  # flat rows too, as a figure's margins
    (tmp_path / "f.png").write_bytes(encode_png(pixels, DPI))
    with Image.open(tmp_path / "f.png") as image:
        image.verify()
    with Image.open(tmp_path / "f.png") as image:
        assert image.mode == ("RGB" if channels == 3 else "RGBA")
        assert image.size == (shape[1], shape[0])
        assert (np.asarray(image) == pixels).all()
        plain = tmp_path / "plain.png"
        image.save(plain, format="png", dpi=(DPI, DPI))
        with Image.open(plain) as pillow:
            assert image.info == pillow.info


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (120, 333)])
def test_unfiltered_rows_are_the_plain_copy(shape: tuple[int, int], channels: int) -> None:
    """The rows copied a channel at a time, from the RGB view of an RGBA buffer (what
    write_png passes) and from a contiguous array, are the plain copy's bytes."""
    rng = np.random.default_rng(shape[1] * 10 + channels)
    rgba = rng.integers(0, 256, (*shape, 4), dtype=np.uint8)
    for pixels in (rgba[:, :, :channels], np.ascontiguousarray(rgba[:, :, :channels])):
        height, width = shape
        plain = np.zeros((height, 1 + width * channels), dtype=np.uint8)
        plain[:, 1:].reshape(height, width, channels)[:] = pixels
        rows = unfiltered_rows(pixels)
        assert rows.dtype == np.uint8 and rows.shape == plain.shape
        assert rows.tobytes() == plain.tobytes()


def test_written_keeps_what_savefig_writes() -> None:
    """write_png's sink holds the bytes a BytesIO would (the plain form), one write or
    several joined."""
    import io

    from phylohub.figures.style import _Written

    fig = _odd_size()
    plain, kept = io.BytesIO(), _Written()
    fig.savefig(plain, format="rgba", dpi=DPI)
    fig.savefig(kept, format="rgba", dpi=DPI)
    assert bytes(kept.data()) == plain.getvalue()
    several = _Written()
    for part in (b"ab", bytearray(b"cd"), memoryview(np.arange(3, dtype=np.uint8))):
        several.write(part)
    assert bytes(several.data()) == b"abcd\x00\x01\x02"
    pyplot().close("all")
