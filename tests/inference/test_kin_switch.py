"""genealogy.inferred: the switch's values, the genealogy with inferred edges added, and
the stage's rules in the whole-workflow run."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from phylohub.errors import PhylohubError
from phylohub.genealogy.tables import build_genealogy
from phylohub.genealogy.tables import paths_in as genealogy_paths
from phylohub.hub.synth import SynthConfig
from phylohub.inference.stage import infer_kin, paths_in
from phylohub.inference.switch import edges_for, min_confidence
from phylohub.io import read_tsv
from phylohub.traits.kin import kin_headlines
from tests.pipeline import snapshot_of

ALL = ["finetune", "adapter", "quantized", "merge", "unknown"]


def test_switch_values() -> None:
    assert min_confidence("exclude") is None
    assert min_confidence("include:0.85") == 0.85 and min_confidence("include:1") == 1.0
    for bad in ("include", "include:1.5", "yes", "include:-0.1"):
        with pytest.raises(PhylohubError):
            min_confidence(bad)
    assert edges_for("exclude", None) is None
    with pytest.raises(PhylohubError):
        edges_for("include:0.5", None)


@pytest.fixture(scope="module")
def hidden(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """A 2,500-model ecosystem with half its declared relations hidden, and its inference."""
    folder = tmp_path_factory.mktemp("kin_switch")
    db = snapshot_of(SynthConfig(n_models=2500, seed=31, kin_hidden_share=0.5), folder)
    out = paths_in(folder / "inference")
    infer_kin(db, out, 0.8)
    return db, out


def test_include_adds_the_confident_new_edges_to_the_genealogy(
    hidden: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    db, out = hidden
    declared = build_genealogy(db, ALL, genealogy_paths(tmp_path / "declared"))
    extra = edges_for("include:0.8", out["edges"])
    assert extra is not None and extra.height > 0
    assert (extra["confidence"] >= 0.8).all()
    both = build_genealogy(db, ALL, genealogy_paths(tmp_path / "both"), extra=extra)
    assert both["edges"] == declared["edges"] + extra.height
    assert both["families"] < declared["families"]  # hidden children rejoin their families
    edges = pl.read_parquet(tmp_path / "both" / "edges.parquet")
    got = edges.join(extra.select("child", "parent"), on=["child", "parent"])
    assert got.height == extra.height
    # a stricter threshold adds fewer edges
    strict = edges_for("include:0.99", out["edges"])
    assert strict is not None and strict.height < extra.height


def test_include_reaches_traits_and_similarity(
    hidden: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    """Under include the traits stage compares the inferred pairs too, and the similarity
    stage's forest holds their parent links."""
    from phylohub.kinship.forest import load_forest
    from phylohub.traits.mutation import write_mutation_rates

    db, out = hidden
    extra = edges_for("include:0.8", out["edges"])
    assert extra is not None
    plain = write_mutation_rates(db, tmp_path / "a.parquet")
    more = write_mutation_rates(db, tmp_path / "b.parquet", extra_edges=extra)
    task = {t: f.filter(trait="task", relation="all")["pairs"][0] for t, f in
            (("plain", plain), ("more", more))}  # fmt: skip
    assert task["more"] > task["plain"]
    forest = load_forest(db, ["finetune"]).stats
    grown = load_forest(db, ["finetune"], extra).stats
    n_finetune = extra.filter(pl.col("relation") == "finetune").height
    assert grown["edges"] == forest["edges"] + n_finetune > forest["edges"]


def test_headlines_side_by_side(hidden: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    db, out = hidden
    table = kin_headlines(db, out["edges"], ALL, 0.8, 0.95, tmp_path / "kin.tsv")
    written = read_tsv(tmp_path / "kin.tsv")
    assert written["measure"].equals(table["measure"])
    assert (written["change"] - table["change"]).abs().max() < 1e-5  # type: ignore[operator]
    row = {r["measure"]: r for r in table.iter_rows(named=True)}
    assert row["edges"]["change"] > 0 and row["largest_family"]["change"] >= 0
    assert row["families_2plus"]["declared"] > 0
    assert row["mutation_pairs_task"]["with_inferred"] > row["mutation_pairs_task"]["declared"]


def test_rules_write_the_inference_and_the_headlines(tiny_workflow: Path) -> None:
    res = tiny_workflow / "results" / "tiny"
    edges = pl.read_parquet(res / "inference" / "inferred_edges.parquet")
    summary = json.loads((res / "inference" / "summary.json").read_text())
    assert summary["pairs"] == edges.height
    assert summary["config_signal"] in ("used",) or summary["config_signal"].startswith("skipped")
    assert read_tsv(res / "inference" / "precision_recall.tsv")["signal"].to_list()[-1] == (
        "combined"
    )
    table = read_tsv(res / "traits" / "kin_headlines.tsv")
    assert {"families_2plus", "largest_family", "deepest_generation"} <= set(table["measure"])
    for fig in ("inferred_edges", "inference_precision_recall"):
        assert (res / "figures" / f"{fig}.png").stat().st_size > 0
    findings = json.loads((res / "findings.json").read_text())
    text = json.dumps(findings)
    assert "kin_largest_family_with_inferred" in text


def test_rules_under_include_read_the_inferred_edges(
    hidden: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    """genealogy.inferred: include:0.8 through Snakemake: infer_kin runs first and the
    genealogy, traits and similarity rules read its edges."""
    import shutil
    import subprocess
    import sys

    import yaml

    root = Path(__file__).resolve().parents[2]
    db, _ = hidden
    (tmp_path / "results" / "mini").mkdir(parents=True)
    shutil.copy(db, tmp_path / "results" / "mini" / "hub.duckdb")
    # the card texts' home beside it (the whole parquet folder: build_snapshot's output)
    shutil.copytree(Path(db).parent / "parquet", tmp_path / "results" / "mini" / "parquet")
    cfg = yaml.safe_load((root / "config" / "demo.yaml").read_text())
    cfg["snapshot"] = "mini"
    cfg["genealogy"]["inferred"] = "include:0.8"
    cfg["similarity"]["draws"] = 200
    (tmp_path / "mini.yaml").write_text(yaml.safe_dump(cfg))
    rules = root / "workflow" / "rules"
    (tmp_path / "Snakefile").write_text(
        f'configfile: "{tmp_path / "mini.yaml"}"\n'
        + "".join(f'include: "{rules / f}.smk"\n'
                  for f in ("common", "inference", "genealogy", "traits", "similarity"))
    )  # fmt: skip
    targets = [
        "results/mini/genealogy/all/summary.json",
        "results/mini/traits/mutation_rates.parquet",
        "results/mini/similarity/kin_pairs.parquet",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(tmp_path / "Snakefile"),
         "--directory", str(tmp_path), "--configfile", str(tmp_path / "mini.yaml"),
         "--cores", "2", *targets],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    extra = edges_for("include:0.8", tmp_path / "results/mini/inference/inferred_edges.parquet")
    assert extra is not None and extra.height > 0
    summary = json.loads((tmp_path / "results/mini/genealogy/all/summary.json").read_text())
    declared = build_genealogy(db, ALL, genealogy_paths(tmp_path / "declared"))
    assert summary["edges"] == declared["edges"] + extra.height
    for rule in ("measure_mutation_rates", "sample_kin_pairs", "build_genealogy/all"):
        log = (tmp_path / "logs" / "mini" / f"{rule}.log").read_text()
        assert f"{extra.height} inferred edges" in log, rule
