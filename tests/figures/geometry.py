"""Where a drawn figure put its texts, legends and bars, in display pixels.

Each helper draws the figure once with the Agg renderer (as ``savefig`` does, layout
included) and reads the artists' window extents, so tests can check what a reader
sees: no two texts on top of each other, no legend over a bar, nothing outside the
figure.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox


def draw(fig: Figure) -> Any:
    """Draw ``fig`` (layout engines run) and return its renderer."""
    fig.canvas.draw()
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]


def texts(fig: Figure) -> list[Text]:
    """Every text ``fig`` draws: titles, labels, annotations, legends, and the tick
    labels of the ticks in view (Matplotlib keeps label objects of ticks it does not
    draw; those are left out)."""
    every_tick_label: set[int] = set()
    drawn: list[Text] = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                every_tick_label.update((id(tick.label1), id(tick.label2)))
            for tick in axis._update_ticks():
                drawn += [label for label in (tick.label1, tick.label2) if label.get_visible()]
    others = [t for t in fig.findobj(Text) if id(t) not in every_tick_label and t.get_visible()]
    return [t for t in [*others, *drawn] if t.get_text().strip()]


def extent(artist: Any, renderer: Any) -> Bbox:
    """The artist's box on the canvas, in pixels."""
    box: Bbox = artist.get_window_extent(renderer)
    return box


def overlap(a: Bbox, b: Bbox, margin: float = 0.5) -> bool:
    """Whether two boxes share more than ``margin`` pixels in both directions."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > margin and height > margin


def bars(ax: Any) -> list[Rectangle]:
    """The bars of ``ax`` (rectangles of its bar containers)."""
    return [patch for container in ax.containers for patch in container]
