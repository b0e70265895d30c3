"""What every figure of phylohub shares: colours, resolution and file formats."""

from phylohub.figures.style import (
    KIN_COLOURS,
    PANEL_COLOURS,
    RELATION_COLOURS,
    SET_COLOURS,
    TRAIT_COLOURS,
    pyplot,
    save_figure,
)

__all__ = [
    "KIN_COLOURS",
    "PANEL_COLOURS",
    "RELATION_COLOURS",
    "SET_COLOURS",
    "TRAIT_COLOURS",
    "pyplot",
    "save_figure",
]
