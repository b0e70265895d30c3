"""One style for every figure: colours that mean the same thing in every figure,
print resolution, and each figure written as PNG and SVG.

Colours are Okabe and Ito's colour-blind-safe palette. A relation (finetune, adapter,
...), a trait (license, language, ...) and a kin relation (parent/child, siblings, ...)
keep their colour across the genealogy, similarity, traits and summary figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Resolution of the PNG files (print quality).
DPI = 300
#: zlib level of the PNG files. With the alpha channel dropped from opaque figures and the
#: rows left unfiltered (see :func:`write_png`, :func:`encode_png`), level 3 writes files
#: about as big as matplotlib's RGBA at its level 6 did (1.3% smaller on the 100k
#: snapshot's figures, 6% smaller at 1.86M) in a fifth of the encoding time; level 1 is
#: no faster unfiltered, level 6 2.5 times slower.
PNG_COMPRESS_LEVEL = 3

#: Edge relations of the genealogy.
RELATION_COLOURS: dict[str, str] = {
    "finetune": "#0072B2",
    "adapter": "#E69F00",
    "quantized": "#009E73",
    "merge": "#D55E00",
    "unknown": "#999999",
    "all": "#000000",
}
#: The traits whose mutation and drift the traits stage measures.
TRAIT_COLOURS: dict[str, str] = {
    "license": "#CC79A7",
    "language": "#56B4E9",
    "task": "#E69F00",
    "library": "#009E73",
}
#: Pairs of relatives of the similarity stage (closer kin, darker blue; siblings and
#: cousins, vermilion; random pairs, grey).
KIN_COLOURS: dict[str, str] = {
    "parent_child": "#0072B2",
    "grandparent": "#4C9BD0",
    "great_grandparent": "#A6CDE8",
    "siblings": "#D55E00",
    "uncle_nephew": "#CC79A7",
    "cousins": "#F0A77A",
    "random": "#999999",
}
#: The panels of the ecosystem summary (the paper's Figure 2).
PANEL_COLOURS: dict[str, str] = {
    "licenses": TRAIT_COLOURS["license"],
    "tasks": TRAIT_COLOURS["task"],
    "languages": TRAIT_COLOURS["language"],
    "libraries": TRAIT_COLOURS["library"],
    "children": RELATION_COLOURS["finetune"],
    "datasets": "#F0E442",
    "arxiv": "#56B4E9",
    "downloads": "#666666",
}
#: Line colours of series drawn side by side with no fixed meaning (the genealogy's
#: relation sets, the snapshot comparison's counts).
SET_COLOURS: tuple[str, ...] = ("#0072B2", "#E69F00", "#CC79A7", "#009E73", "#56B4E9")


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (no display), with the project's defaults."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def drop_spent_layout(fig: Any) -> None:
    """Forget the placeholder layout engine that ``fig.tight_layout()`` leaves behind.

    ``tight_layout()`` lays the figure out once and then leaves a layout engine that does
    nothing; but ``savefig`` sees an engine and draws the whole figure once more, with
    rendering switched off, before the real draw, so that a working engine could lay it
    out. With the placeholder that draw is thrown away: dropping it cuts the SVG file's
    save by about 40% and the 300-dpi PNG's by about 10% (the 100k snapshot's figures),
    and changes no PNG pixel and no SVG byte. A constrained engine, which lays the figure
    out at every draw, is kept.
    """
    import matplotlib
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        # None means "no engine" only while the rc settings ask for none by default.
        with matplotlib.rc_context(
            {"figure.autolayout": False, "figure.constrained_layout.use": False}
        ):
            fig.set_layout_engine(None)


class _Written:
    """A file for ``savefig``'s ``rgba`` format that keeps what is written rather than
    copying it: matplotlib writes the renderer's whole pixel buffer in one ``write``
    (a memoryview, which keeps the buffer alive), and a ``BytesIO`` copied it (70 MB
    for a 4140 x 4320 figure, about 50 ms). Several writes are joined.
    """

    def __init__(self) -> None:
        self.parts: list[memoryview] = []

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.parts.append(view)
        return len(view)

    def seek(self, *args: Any) -> int:
        """Never called; matplotlib takes an object with ``seek`` for a file."""
        raise OSError("not seekable")

    def data(self) -> Any:
        """What was written: the one buffer itself, or the writes joined."""
        return self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)


def write_png(fig: Any, png: Path) -> None:
    """Write ``fig`` to ``png`` at :data:`DPI`: the pixels ``fig.savefig(png)`` writes.

    matplotlib renders the figure (its ``rgba`` format: the Agg buffer a PNG is encoded
    from) and :func:`encode_png` writes it, with three differences from ``savefig`` that
    change the file's bytes but not its pixels: an opaque figure (every alpha 255, as all
    of the project's are) is written as RGB rather than RGBA, a quarter fewer bytes to
    compress; zlib runs at :data:`PNG_COMPRESS_LEVEL` rather than 6; and every row is
    stored unfiltered. A figure with any transparent pixel keeps its alpha channel. Like
    ``savefig`` with ``metadata={"Software": None}``, no text chunk (no version), a
    ``pHYs`` chunk of :data:`DPI`. ``tests/figures/test_png.py`` holds the pixels to
    ``savefig``'s.
    """
    import numpy as np

    raw = _Written()
    fig.savefig(raw, format="rgba", dpi=DPI)
    # Agg's canvas is the figure's size in inches times the dpi, truncated.
    width = int(fig.get_figwidth() * DPI)
    height = int(fig.get_figheight() * DPI)
    pixels = np.frombuffer(raw.data(), dtype=np.uint8)  # no copy
    if len(pixels) != width * height * 4:
        raise ValueError(f"the figure's pixels are not {width} x {height} RGBA")
    rgba = pixels.reshape(height, width, 4)
    opaque = bool(rgba[:, :, 3].min() == 255) if rgba.size else True
    Path(png).write_bytes(encode_png(rgba[:, :, :3] if opaque else rgba, DPI))


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC of type and data."""
    import struct
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def unfiltered_rows(pixels: Any) -> Any:
    """The rows of a PNG's image data before deflating: for each row of ``pixels``
    (height x width x channels, uint8) the filter byte 0 (none), then the row's bytes.

    The pixels are copied one channel at a time: ``write_png`` passes the RGB of
    matplotlib's RGBA buffer, a view that skips every fourth byte, and numpy copies such
    a view into the rows three bytes (one pixel) per inner loop, about 12 ns a pixel;
    a channel at a time it copies whole rows per inner loop, about 4.5 ns a pixel
    (0.22 -> 0.08 s for a 4140 x 4320 figure). The same bytes as the plain
    ``rows[:, 1:].reshape(height, width, channels)[:] = pixels``
    (``tests/figures/test_png.py``).
    """
    import numpy as np

    height, width, channels = pixels.shape
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # column 0: filter 0
    body = rows[:, 1:].reshape(height, width, channels)
    for channel in range(channels):
        body[:, :, channel] = pixels[:, :, channel]
    return rows


def encode_png(pixels: Any, dpi: int, level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """The PNG file of ``pixels`` (height x width x 3 RGB or 4 RGBA, uint8) at ``dpi``.

    Every row is stored with filter type 0 (none) and the rows are deflated by zlib at
    ``level``. Pillow's encoder (and matplotlib's) tries the five row filters on every
    row and keeps the best: on the project's figures (large flat areas, thin lines) that
    search took about two thirds of the encoding and its files were no smaller (the 17
    PNGs of the five largest figure rules at 100,000 models, RGB at level 3: Pillow 2.3
    s of CPU and 7.9 MB, unfiltered 0.9 s and 7.6 MB). The header, the ``pHYs`` chunk
    (``dpi`` in pixels per metre, rounded as Pillow rounds it) and the pixels read back
    are those of Pillow's file; no text chunk.
    """
    import struct
    import zlib

    height, width, channels = pixels.shape
    colour_type = {3: 2, 4: 6}[channels]  # truecolour, truecolour with alpha
    rows = unfiltered_rows(pixels)
    ppm = int(dpi / 0.0254 + 0.5)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)),
            _chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
            _chunk(b"IDAT", zlib.compress(rows.data, level)),
            _chunk(b"IEND", b""),
        ]
    )


def save_figure(fig: Any, png: Path) -> None:
    """Write ``fig`` to ``png`` at :data:`DPI` and beside it as ``.svg``; close it.

    Both files are the same for the same figure: no dates or versions in their metadata,
    and the SVG's element ids salted with a constant (matplotlib's are random otherwise).
    The PNG is written by :func:`write_png` (RGB for an opaque figure, unfiltered rows,
    zlib level :data:`PNG_COMPRESS_LEVEL`): the pixels of ``savefig``'s RGBA at level 6
    in about a fifth of the encoding time.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    drop_spent_layout(fig)
    write_png(fig, png)
    with matplotlib.rc_context({"svg.hashsalt": "phylohub", "svg.fonttype": "none"}):
        fig.savefig(png.with_suffix(".svg"), metadata={"Date": None, "Creator": None})
    plt.close(fig)
