"""The scoring rule of each item type."""

import pytest

from item_bank.items.scoring import ItemType, guessing_share, score

SBA, MR, ORDER = ItemType.SINGLE_BEST_ANSWER, ItemType.MULTIPLE_RESPONSE, ItemType.ORDERING
MATCH = ItemType.MATCHING


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


@pytest.mark.parametrize(
    ("response", "marks"),
    [
        (["C", "A", "B", "D"], 2),  # every premise matched to its key
        (["C", "A", "D", "B"], 1), (["C", "A", None, None], 1),  # half of the four
        (["C", "B", "A", "D"], 1),
        (["A", "C", "D", "B"], 0), (["C", None, None, None], 0), ([None] * 4, 0), (None, 0),
        (["C", "A", "B"], 0),  # one premise short: malformed
        ("C", 0),
    ],
)
def test_matching_four_premises(response, marks):
    assert score(MATCH, ["C", "A", "B", "D"], response) == marks


def test_matching_three_premises_needs_two_for_a_mark():
    assert score(MATCH, ["B", "C", "A"], ["B", "C", None]) == 1
    assert score(MATCH, ["B", "C", "A"], ["B", "A", "C"]) == 0


@pytest.mark.parametrize(("premises", "options"), [(n, m) for n in range(3, 6) for m in range(n, 7)])
def test_random_matching_earns_less_than_random_single_best_answer(premises, options):
    """Guessing every premise at random earns at most a sixth of a matching item's marks, below
    the quarter a four-option single best answer gives (and the 40% of choose-2-of-5)."""
    ids = "ABCDEF"[:options]
    share = guessing_share(MATCH, list(ids[:premises]), ids)
    assert share <= 1 / 6 + 1e-12
    assert guessing_share(SBA, "A", "ABCD") == 0.25 and guessing_share(MR, ["A", "B"], "ABCDE") == 0.4
