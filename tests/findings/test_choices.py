"""The findings follow the config's choices: the genealogy sets, the similarity variants,
the succession set and the deaths' relation set it names (phylohub.findings.spec.Choices).
A finding a choice leaves out says so; it neither stops the run nor reads another set."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from phylohub.findings.build import collect
from phylohub.findings.spec import Choices, source_files
from tests.pipeline import snakemake

ROOT = Path(__file__).resolve().parents[2]


def test_choices_of_the_default_config_are_the_defaults() -> None:
    """config/config.yaml, its defaults filled by the schema as the Snakefile fills them."""
    from snakemake.utils import validate

    from phylohub.config import read_config

    config = read_config(ROOT / "config" / "config.yaml")
    validate(config, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"), set_default=True)
    assert Choices.of(config) == Choices()


def test_the_findings_follow_the_sets_and_variants_chosen(tiny_workflow: Path) -> None:
    root = tiny_workflow / "results" / "tiny"
    choices = Choices(
        genealogy_sets=("no_merge", "all"),
        variants=("paper", "no_lineage"),
        succession="finetune",
        deaths_relations="all",
    )
    files = source_files(choices)
    assert "genealogy/finetune/summary.json" not in files.values()
    by_id = {f["id"]: f for f in collect(root, "tiny", choices)["findings"]}
    for fid in ("finetune_families", "virality_median"):
        assert by_id[fid]["value"] is None
        assert by_id[fid]["shown"] == "not measured: genealogy.relation_sets has no set 'finetune'"
    assert by_id["max_depth"]["value"] is not None  # no_merge is still there
    for fid in ("claim_siblings_over_parent_traits", "claim_merges_resemble_first_parent_traits"):
        assert by_id[fid]["shown"] == (
            "not measured: similarity.metadata.variants leaves out 'traits'"
        )
    assert by_id["claim_siblings_over_parent"]["verdict"] != "not measured"
    ecology = json.loads((root / "ecology" / "summary.json").read_text())
    assert by_id["ecology_families"]["value"] == ecology["life"]["finetune"]["families"]
    assert ecology["life"]["finetune"] != ecology["life"]["no_merge"]
    assert "(finetune," in by_id["ecology_families"]["label"]
    assert "families (all)" in by_id["ecology_family_deaths"]["label"]


def rerun_findings(
    tiny_workflow: Path, tmp_path: Path, change: Callable[[dict[str, Any]], None]
) -> tuple[Path, str]:
    """On a copy of the tiny workflow's results, ``build_ecology`` and ``write_findings``
    run again under its config changed by ``change`` (no other rule rerun): the copy's
    folder and Snakemake's stderr."""
    shutil.copytree(tiny_workflow / "results" / "tiny", tmp_path / "results" / "tiny")
    config = yaml.safe_load((tiny_workflow / "tiny.yaml").read_text())
    change(config)
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, path, "--cores", "1", "--rerun-triggers", "mtime",
                       "--forcerun", "build_ecology", "write_findings",
                       "--", "results/tiny/findings.md")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rule write_findings" in result.stderr
    return tmp_path / "results" / "tiny", result.stderr


def findings_of(root: Path) -> dict[str, dict[str, Any]]:
    """findings.json's rows by id."""
    return {f["id"]: f for f in json.loads((root / "findings.json").read_text())["findings"]}


def test_the_rule_takes_the_choices_from_the_config(tiny_workflow: Path, tmp_path: Path) -> None:
    """write_findings under a config without the finetune set (its tables gone too),
    without the traits variant and with another succession set: its input function asks
    for no finetune table (else Snakemake would have to make one, or fail) and its script
    reads the choices."""

    def change(config: dict[str, Any]) -> None:
        shutil.rmtree(tmp_path / "results" / "tiny" / "genealogy" / "finetune")
        del config["genealogy"]["relation_sets"]["finetune"]
        config["genealogy"]["figures"]["virality_relations"] = ["no_merge"]
        config["similarity"]["metadata"]["variants"] = ["paper", "no_ids"]
        config.setdefault("ecology", {}).update(relation_sets=["no_merge", "all"],
                                                succession_relations="all",
                                                min_family_models=7)  # fmt: skip

    root, stderr = rerun_findings(tiny_workflow, tmp_path, change)
    assert "rule build_genealogy" not in stderr, stderr[-3000:]
    by_id = findings_of(root)
    assert by_id["finetune_families"]["shown"].startswith("not measured: genealogy")
    assert by_id["claim_siblings_over_parent_traits"]["verdict"] == "not measured"
    assert "(all, at least 7 models)" in by_id["ecology_families"]["label"]


def test_a_set_without_a_family_large_enough_is_zero_families(
    tiny_workflow: Path, tmp_path: Path
) -> None:
    """ecology.min_family_models above every family: the ecology summary still has the
    succession set's entry (0 families, no medians), and the findings print it."""

    def change(config: dict[str, Any]) -> None:
        config.setdefault("ecology", {})["min_family_models"] = 10**9

    root, _ = rerun_findings(tiny_workflow, tmp_path, change)
    life = json.loads((root / "ecology" / "summary.json").read_text())["life"]
    assert set(life) == {"finetune", "no_merge"}  # ecology.relation_sets' default
    assert life["no_merge"]["families"] == 0 and life["no_merge"]["half_life_median"] is None
    by_id = findings_of(root)
    assert by_id["ecology_families"]["shown"] == "0"
    assert by_id["ecology_half_life"]["shown"] == "too few families"  # of none
