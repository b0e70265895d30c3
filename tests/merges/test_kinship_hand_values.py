"""The coancestry recursion against values computed by hand on small pedigrees."""

from __future__ import annotations

import numpy as np
import pytest

from phylohub.merges.kinship import Coancestry, dag_generation


def pedigree(parents: list[tuple[int, ...]]) -> Coancestry:
    """A pedigree from parent tuples (nodes numbered parents first), ranked by generation."""
    child = np.array([c for c, ps in enumerate(parents) for _ in ps], dtype=np.int64)
    parent = np.array([p for ps in parents for p in ps], dtype=np.int64)
    return Coancestry(parents, dag_generation(len(parents), child, parent))


def test_full_sibs_are_a_quarter_kin() -> None:
    # 0, 1 founders; 2 and 3 their children
    kin = pedigree([(), (), (0, 1), (0, 1)])
    assert kin.kinship(2, 3) == pytest.approx(0.25)


def test_half_sibs_are_an_eighth_kin() -> None:
    # 0, 1, 2 founders; 3 = (0, 1), 4 = (0, 2)
    kin = pedigree([(), (), (), (0, 1), (0, 2)])
    assert kin.kinship(3, 4) == pytest.approx(0.125)


def test_parent_and_offspring_are_a_quarter_kin() -> None:
    kin = pedigree([(), (), (0, 1)])
    assert kin.kinship(0, 2) == pytest.approx(0.25)
    assert kin.kinship(2, 1) == pytest.approx(0.25)
    assert kin.kinship(0, 1) == 0.0


def test_offspring_of_half_sibs_is_inbred_one_eighth() -> None:
    kin = pedigree([(), (), (), (0, 1), (0, 2), (3, 4)])
    assert kin.inbreeding(5) == pytest.approx(0.125)
    assert kin.kinship(5, 5) == pytest.approx(0.5625)


def test_offspring_of_full_sibs_is_inbred_a_quarter() -> None:
    kin = pedigree([(), (), (0, 1), (0, 1), (2, 3)])
    assert kin.inbreeding(4) == pytest.approx(0.25)
    # its child with its own parent (0): kinship of 0 and 4 = (f(0,2)+f(0,3))/2 = 1/4
    kin2 = pedigree([(), (), (0, 1), (0, 1), (2, 3), (0, 4)])
    assert kin2.inbreeding(5) == pytest.approx(0.25)


def test_a_single_parent_child_has_an_unknown_founder_mate() -> None:
    # 1 fine-tuned from 0; 2 and 3 fine-tuned from 1 (one declared parent each)
    kin = pedigree([(), (0,), (1,), (1,)])
    assert kin.kinship(1, 1) == pytest.approx(0.5)
    assert kin.inbreeding(1) == 0.0
    assert kin.kinship(0, 1) == pytest.approx(0.25)  # parent-offspring, as with two parents
    assert kin.kinship(2, 3) == pytest.approx(0.125)  # half sibs through the known parent
    assert kin.kinship(0, 2) == pytest.approx(0.125)  # grandparent


def test_a_merge_of_two_fine_tunes_of_one_base_is_inbred() -> None:
    # 0 base; 1, 2 fine-tunes of 0; 3 = merge(1, 2): its parents are half sibs
    kin = pedigree([(), (0,), (0,), (1, 2)])
    assert kin.inbreeding(3) == pytest.approx(0.125)


def test_n_parents_take_the_mean_over_parents_and_over_pairs() -> None:
    # 0, 1 founders; 2, 3 full sibs; 4 = merge(2, 3, 0)
    kin = pedigree([(), (), (0, 1), (0, 1), (2, 3, 0)])
    # pairs (2,3) 1/4, (2,0) 1/4, (3,0) 1/4
    assert kin.inbreeding(4) == pytest.approx(0.25)
    # f(1, 4) = (f(1,2) + f(1,3) + f(1,0)) / 3 = (1/4 + 1/4 + 0) / 3
    assert kin.kinship(1, 4) == pytest.approx(1 / 6)
    # a merge of three unrelated founders is not inbred
    assert pedigree([(), (), (), (0, 1, 2)]).inbreeding(3) == 0.0


def test_components_short_cut_to_zero_and_visit_few_pairs() -> None:
    parents: list[tuple[int, ...]] = [(), (), (0,), (1,)]
    kin = Coancestry(parents, [0, 0, 1, 1], component=[0, 1, 0, 1])
    assert kin.kinship(2, 3) == 0.0
    assert kin.pairs_visited == 0


def test_dag_generation_is_one_more_than_the_deepest_parent() -> None:
    child = np.array([1, 2, 3, 3], dtype=np.int64)
    parent = np.array([0, 1, 0, 2], dtype=np.int64)
    assert dag_generation(4, child, parent).tolist() == [0, 1, 2, 3]
