"""Every figure is written twice, PNG and SVG, and the same figure gives the same files."""

from __future__ import annotations

from pathlib import Path

from phylohub.figures import RELATION_COLOURS, pyplot, save_figure


def _draw(out: Path) -> tuple[bytes, bytes]:
    plt = pyplot()
    fig, ax = plt.subplots()
    for i, (relation, colour) in enumerate(RELATION_COLOURS.items()):
        ax.plot([0, 1, 2], [i, i + 1, i], color=colour, label=relation)
    ax.legend()
    ax.grid()
    save_figure(fig, out)
    return out.read_bytes(), out.with_suffix(".svg").read_bytes()


def test_the_same_figure_gives_the_same_png_and_svg(tmp_path: Path) -> None:
    first = _draw(tmp_path / "a" / "figure.png")
    second = _draw(tmp_path / "b" / "figure.png")
    assert first[0].startswith(b"\x89PNG") and first[1].lstrip().startswith(b"<?xml")
    assert first == second  # no dates, versions or random element ids
    assert b">finetune<" in first[1]  # text stays text in the SVG
