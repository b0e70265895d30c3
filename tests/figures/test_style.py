"""Every figure is written twice, PNG and SVG, and the same figure gives the same files."""

from __future__ import annotations

import ast
from pathlib import Path

import phylohub
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


def _pyplot_imports(source: str) -> list[str]:
    """The lines of ``source`` that pick matplotlib's backend or import pyplot."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and ast.unparse(node.func) == "matplotlib.use":
            names = ["matplotlib.use"]
        else:
            continue
        found += [f"line {node.lineno}: {n}" for n in names if n.startswith("matplotlib.pyplot")]
        found += [f"line {node.lineno}: {n}" for n in names if n == "matplotlib.use"]
    return found


def test_every_figure_starts_from_phylohub_figures() -> None:
    """Only ``phylohub.figures`` picks the backend and sets the defaults (font and title
    sizes, spines): a stage that imports pyplot itself draws in other defaults."""
    package = Path(phylohub.__file__).parent
    offenders = {
        str(path.relative_to(package)): lines
        for path in sorted(package.rglob("*.py"))
        if path.parent.name != "figures"
        and (lines := _pyplot_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
