"""The traits stage's figures: one job draws every trait's drift diagram and the
thinning panels, and each file is the one drawn alone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from matplotlib.figure import Figure

from phylohub.traits.drift import DriftSettings, write_orderings, write_transitions
from phylohub.traits.plots import plot_drift, plot_drifts, plot_thinning
from phylohub.traits.thinning import write_thinning
from phylohub.vocabulary import TRAITS
from tests.pipeline import snakemake, workflow_config


@pytest.fixture(scope="module")
def drift(snapshot20k: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("drift")
    tables = [out / f"{name}.parquet" for name in ("transitions", "exposures", "values")]
    write_transitions(snapshot20k, *tables)
    write_orderings(*tables, out / "orderings.json", out / "pairs.parquet",
                    DriftSettings(null_replicates=5, seed=3))  # fmt: skip
    return out


def test_one_process_draws_every_figure_as_drawn_alone(
    drift: Path, snapshot20k: Path, tmp_path: Path
) -> None:
    """The drift diagrams drawn together, then the thinning panels in the same process
    (as rule plot_traits draws them), are the files each drawn alone: the diagrams one
    by one, the panels in a fresh interpreter."""
    orderings = json.loads((drift / "orderings.json").read_text())
    pairs = pl.read_parquet(drift / "pairs.parquet")
    thinning = tmp_path / "thinning.parquet"
    write_thinning(snapshot20k, thinning, tmp_path / "availability.tsv", replicates=50)
    together = {trait: tmp_path / "together" / f"{trait}.png" for trait in TRAITS}
    plot_drifts(orderings, pairs, together, ordering="weighted")
    plot_thinning(pl.read_parquet(thinning), tmp_path / "together" / "thinning.png")
    for trait, png in together.items():
        alone = tmp_path / "alone" / f"{trait}.png"
        plot_drift(orderings, pairs, trait, alone, ordering="weighted")
        assert png.read_bytes() == alone.read_bytes(), trait
        assert png.with_suffix(".svg").read_bytes() == alone.with_suffix(".svg").read_bytes()
    alone = tmp_path / "alone" / "thinning.png"
    draw = (
        "import sys; from pathlib import Path; import polars as pl\n"
        "from phylohub.traits.plots import plot_thinning\n"
        "plot_thinning(pl.read_parquet(sys.argv[1]), Path(sys.argv[2]))\n"
    )
    subprocess.run([sys.executable, "-c", draw, str(thinning), str(alone)], check=True)
    png = tmp_path / "together" / "thinning.png"
    assert png.read_bytes() == alone.read_bytes()
    assert png.with_suffix(".svg").read_bytes() == alone.with_suffix(".svg").read_bytes()


def test_one_job_writes_every_traits_figure(tmp_path: Path) -> None:
    """Asked for every trait's diagram and the thinning panels, the workflow plans one
    drawing job, not one per figure (each paid for its own interpreter and matplotlib)."""
    config = workflow_config(tmp_path, "http://127.0.0.1:9")
    figures = [f"results/tiny/figures/traits_drift_{trait}.png" for trait in TRAITS]
    figures.append("results/tiny/figures/traits_documentation_thinning.png")
    run = snakemake(tmp_path, config, "--dry-run", "--cores", "1", *figures)
    assert run.returncode == 0, run.stderr[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", run.stdout, flags=re.MULTILINE))
    assert counts.get("solve_orderings") == "1"  # the plan was read
    assert counts.get("measure_thinning") == "1"
    assert counts.get("plot_traits") == "1"
    assert not [r for r in counts if r.startswith("plot_") and r != "plot_traits"], counts
    assert counts.get("total") == str(sum(int(n) for k, n in counts.items() if k != "total"))


def test_each_file_is_drawn_once_with_the_pixels_of_the_extra_draw(
    drift: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The diagram leaves no layout engine behind after tight_layout, so savefig draws it
    once per file (PNG, SVG), not twice; the files are those drawn with tight_layout's
    placeholder engine left in place (savefig's extra draw), byte for byte."""
    orderings = json.loads((drift / "orderings.json").read_text())
    pairs = pl.read_parquet(drift / "pairs.parquet")
    draws: list[str] = []
    draw = Figure.draw

    def counted(self: Figure, renderer: Any) -> None:
        draws.append(type(renderer).__name__)
        draw(self, renderer)

    monkeypatch.setattr(Figure, "draw", counted)
    for trait in TRAITS:
        plot_drift(orderings, pairs, trait, tmp_path / "once" / f"{trait}.png")
    assert len(draws) == 2 * len(TRAITS)

    set_engine = Figure.set_layout_engine

    def keep_placeholder(self: Figure, layout: Any = None, **kwargs: Any) -> None:
        if layout is not None:  # tight_layout's own calls; the diagram's None is ignored
            set_engine(self, layout, **kwargs)

    monkeypatch.setattr(Figure, "set_layout_engine", keep_placeholder)
    draws.clear()
    for trait in TRAITS:
        once = tmp_path / "once" / f"{trait}.png"
        twice = tmp_path / "twice" / f"{trait}.png"
        plot_drift(orderings, pairs, trait, twice)
        assert once.read_bytes() == twice.read_bytes(), trait
        assert once.with_suffix(".svg").read_bytes() == twice.with_suffix(".svg").read_bytes()
    assert len(draws) == 4 * len(TRAITS)  # the plain path: savefig drew each file twice
