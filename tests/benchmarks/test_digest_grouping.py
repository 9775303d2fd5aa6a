"""The grouping benchmark's scores: pairwise precision and recall, and the target's recall over
the pairs with an exact or near copy in them."""

import sys
from pathlib import Path

import pytest

from bot.digests.model import DigestEntry


@pytest.fixture(scope="module")
def bench():
    folder = str(Path(__file__).resolve().parents[2] / "benchmarks")
    sys.path.insert(0, folder)  # the benchmark imports its neighbour `common`
    try:
        import digest_grouping
    finally:
        sys.path.remove(folder)
    return digest_grouping


def posts(bench) -> list:
    kinds = ("orig", "amp", "exact", "near")
    made = [(story, kind) for story in ("a", "b") for kind in kinds] + [("a#swap", "swap")]
    return [
        bench.Post(DigestEntry("c", f"https://x/{s}/{k}", s, "", (), "u", 0.0, ""), s, k)
        for s, k in made
    ]  # a: 0-3, b: 4-7, a's name swapped: 8


def test_a_missed_near_copy_costs_its_three_pairs_of_the_five_with_a_copy(bench):
    got = bench.score(posts(bench), [[0, 1, 2], [3], [4, 5, 6, 7], [8]])
    assert got["precision"] == 1.0
    assert got["recall"] == pytest.approx(9 / 12)  # a: 3 of its 6 pairs, b: all 6
    assert got["recall_copies"] == pytest.approx(7 / 10)  # orig+amp is not a copy pair
    assert (got["recall_exact"], got["recall_near"]) == (1.0, 0.5)


def test_a_merged_name_swap_costs_precision(bench):
    got = bench.score(posts(bench), [[0, 1, 2, 3, 8], [4, 5, 6, 7]])
    assert got["precision"] == pytest.approx(12 / 16) and got["swaps_merged"] == 4
    assert got["recall"] == got["recall_copies"] == 1.0


def test_the_setting_chosen_is_the_best_copy_recall_at_the_precision_asked(bench):
    results = {
        (0, 0.9): {"precision": 0.99, "recall_copies": 0.90},
        (15, 0.9): {"precision": 0.985, "recall_copies": 0.97},
        (10, 0.8): {"precision": 0.97, "recall_copies": 0.99},
    }
    assert bench.choose(results) == (15, 0.9)
