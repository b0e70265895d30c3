"""``phylohub family MODEL_ID``: lineage, siblings, children and family, or one clear error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from phylohub.errors import PhylohubError
from phylohub.genealogy import graphs, query
from phylohub.genealogy.query import family_report
from phylohub.genealogy.tables import build_genealogy, paths_in
from tests.genealogy.genealogy_snapshots import tiny_snapshot

PHYLOHUB = [sys.executable, "-m", "phylohub.cli"]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("query") / "results" / "tiny"
    tiny_snapshot(
        folder,
        [
            ("org/base", []),
            ("org/other", []),
            ("a/ft1", ["base_model:finetune:org/base"]),
            ("a/ft2", ["base_model:finetune:a/ft1"]),
            ("a/ft2-gguf", ["base_model:quantized:a/ft2"]),
            ("b/sib1", ["base_model:finetune:a/ft1"]),
            ("b/sib2", ["base_model:adapter:a/ft1"]),
            ("c/merge", ["base_model:merge:a/ft2", "base_model:merge:org/other"]),
            ("d/orphan", ["base_model:finetune:Private/Base"]),
        ],
    )
    return folder


def test_the_report_shows_lineage_siblings_children_and_family(snapshot: Path) -> None:
    text = family_report(snapshot, "a/ft2", "no_merge")
    lines = text.splitlines()
    assert lines[0] == "a/ft2"
    assert "  generation     2 (the family is 3 deep)" in lines
    assert "  parents        a/ft1 (finetune)" in lines
    i = lines.index("  ancestors      up the first-declared parents to the root (step, relation):")
    assert lines[i + 1].split() == ["1", "finetune", "a/ft1"]
    assert lines[i + 2].split() == ["2", "finetune", "org/base"]
    assert "  siblings       2 (other children of its parents)" in lines
    # children by every relation, the merge child included although no_merge leaves it out
    assert "  children       2 (every relation): finetune 0, adapter 0, quantized 1, merge 1, " \
        "unknown 0" in lines  # fmt: skip
    assert "  size           6 nodes: 6 models; a tree" in lines
    assert "  depth          3 (4 generations); leaves 50.0%" in lines


def test_merges_join_families_in_the_all_set(snapshot: Path) -> None:
    text = family_report(snapshot, "c/merge", "all")
    assert "  parents        a/ft2 (merge), org/other (merge)" in text
    assert "  size           8 nodes: 8 models; 2 roots, joined by merges" in text
    assert "  virality       - (one node, or several roots)" in text
    assert "    4 ancestors in all, counting every parent of a merge" in text


def test_a_parent_missing_from_the_snapshot_can_be_asked_about(snapshot: Path) -> None:
    text = family_report(snapshot, "Private/Base", "finetune")
    assert text.splitlines()[0] == "Private/Base  (not in the snapshot: named as a base model)"
    assert "  size           2 nodes: 1 model + 1 not in the snapshot; a tree" in text
    assert "  children       1 (every relation): finetune 1," in text


def test_the_stage_tables_give_the_same_report_as_the_snapshot(snapshot: Path) -> None:
    computed = family_report(snapshot, "b/sib1", "finetune").splitlines()
    build_genealogy(
        snapshot / "hub.duckdb", ["finetune"], paths_in(snapshot / "genealogy" / "finetune")
    )
    stored = family_report(snapshot, "b/sib1", "finetune").splitlines()
    assert computed[-1].endswith("(computed; the genealogy rules write " +
                                 str(snapshot / "genealogy" / "finetune") + ")")  # fmt: skip
    assert stored[-1] == f"  source         {snapshot / 'genealogy' / 'finetune'}"
    assert computed[:-1] == stored[:-1]


def test_unknown_ids_and_sets_are_clear_errors(snapshot: Path, tmp_path: Path) -> None:
    with pytest.raises(PhylohubError, match="did you mean 'a/ft1'"):
        family_report(snapshot, "A/FT1")
    with pytest.raises(PhylohubError, match="not listed, and no listed model names it"):
        family_report(snapshot, "nobody/here")
    with pytest.raises(PhylohubError, match="unknown relation set 'cousins'"):
        family_report(snapshot, "a/ft1", "cousins")
    with pytest.raises(PhylohubError, match="no snapshot at"):
        family_report(tmp_path, "a/ft1")


def test_the_command_line_prints_the_report_or_one_error_line(snapshot: Path) -> None:
    ok = subprocess.run([*PHYLOHUB, "family", "a/ft2-gguf", "--snapshot", str(snapshot),
                         "--relations", "finetune,quantized"],
                        capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "  relation set   finetune+quantized (finetune, quantized)" in ok.stdout
    bad = subprocess.run([*PHYLOHUB, "family", "a/FT2", "--snapshot", str(snapshot)],
                         capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.startswith("phylohub: error: no model 'a/FT2'")
    assert len(bad.stderr.strip().splitlines()) == 1


def test_the_snapshot_and_relation_sets_come_from_the_config(snapshot: Path) -> None:
    cwd = snapshot.parents[1]
    config = {"snapshot": "tiny", "genealogy": {"relation_sets": {"ft": ["finetune"]}}}
    (cwd / "c.yaml").write_text(yaml.safe_dump(config))
    command = [*PHYLOHUB, "family", "a/ft1", "--config", "c.yaml", "--relations", "ft"]
    out = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "  relation set   ft (finetune)" in out.stdout


def test_a_config_that_breaks_the_schema_is_one_error_line(snapshot: Path) -> None:
    """The family command reads the config as the workflow does: checked by the schema."""
    cwd = snapshot.parents[1]
    config = {"snapshot": "tiny", "genealogy": {"relation_sets": {"ft": "finetune"}}}
    (cwd / "bad.yaml").write_text(yaml.safe_dump(config))
    command = [*PHYLOHUB, "family", "a/ft1", "--config", "bad.yaml", "--relations", "ft"]
    out = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd, timeout=120)
    assert out.returncode == 2
    assert out.stderr.startswith("phylohub: error: bad.yaml: genealogy.relation_sets.ft")
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("damaged", ["hub.duckdb", "genealogy/no_merge/nodes.parquet"])
def test_a_damaged_file_of_the_snapshot_is_one_error_line(
    snapshot: Path, damaged: str, tmp_path: Path
) -> None:
    copy = tmp_path / "results" / "tiny"
    shutil.copytree(snapshot, copy)
    build_genealogy(copy / "hub.duckdb", ("finetune", "adapter", "quantized", "unknown"),
                    paths_in(copy / "genealogy" / "no_merge"))  # fmt: skip
    target = copy / damaged
    data = bytearray(target.read_bytes())
    data[len(data) // 2 :] = bytes(len(data) - len(data) // 2)  # its second half zeroed
    target.write_bytes(bytes(data))
    command = [*PHYLOHUB, "family", "a/ft1", "--snapshot", str(copy)]
    out = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("phylohub: error: cannot read the snapshot's files: ")
    assert len(out.stderr.strip().splitlines()) == 1


def test_the_query_knows_the_relations_of_the_graphs_module() -> None:
    assert query.RELATIONS == graphs.RELATIONS
    assert query.DEFAULT_SETS == graphs.RELATION_SETS


def test_a_reader_that_goes_away_ends_the_report_quietly(snapshot: Path) -> None:
    # `phylohub family ... | head`: the pipe's reader is gone before the report is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([*PHYLOHUB, "family", "a/ft2", "--snapshot", str(snapshot)],
                                stdout=write_end, stderr=subprocess.PIPE, text=True,
                                check=False, timeout=120)  # fmt: skip
    finally:
        os.close(write_end)
    assert result.stderr == ""  # no BrokenPipeError traceback
    assert result.returncode == 141  # as a program killed by SIGPIPE
