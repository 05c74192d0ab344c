"""The scoring rule of each item type."""

import pytest

from item_bank.items.scoring import ItemType, score

SBA, MR, ORDER = ItemType.SINGLE_BEST_ANSWER, ItemType.MULTIPLE_RESPONSE, ItemType.ORDERING


@pytest.mark.parametrize(("response", "marks"), [("B", 1), ("A", 0), (None, 0), (["B"], 0)])
def test_single_best_answer(response, marks):
    assert score(SBA, "B", response) == marks


@pytest.mark.parametrize(
    ("response", "marks"),
    [
        (["A", "C"], 2), (["C", "A"], 2),  # order does not matter
        (["A", "D"], 1), (["A"], 1),  # one keyed option short
        (["B", "D"], 0), ([], 0), (None, 0),
        (["A", "C", "D"], 0),  # more than asked for
        (["A", "A"], 0),  # duplicates are malformed
        ("A", 0),
    ],
)
def test_multiple_response_choose_two(response, marks):
    assert score(MR, ["A", "C"], response) == marks


def test_multiple_response_choose_three():
    key = ["A", "C", "E"]
    assert score(MR, key, ["E", "C", "A"]) == 2
    assert score(MR, key, ["A", "C", "B"]) == 1
    assert score(MR, key, ["A", "B", "D"]) == 0


@pytest.mark.parametrize(
    ("response", "marks"),
    [(["C", "A", "D", "B"], 1), (["A", "C", "D", "B"], 0), (["C", "A", "D"], 0), (None, 0)],
)
def test_ordering_scores_only_the_complete_order(response, marks):
    assert score(ORDER, ["C", "A", "D", "B"], response) == marks
