"""Simulated learners answer matching items as real ones can: a well-formed match earning each of
0, 1 and 2 marks, so rehearsals give calibration every category of a two-mark item."""

import random

import pytest

from exam_engine.delivery.services.answers import validate_answer
from exam_engine.rehearsal.learners import answer_earning
from item_bank.items.models import ItemVersion
from item_bank.items.scoring import ItemType, score


@pytest.mark.parametrize("options", ["ABCD", "ABCDE"])
@pytest.mark.parametrize("marks", [0, 1, 2])
def test_a_simulated_match_earns_the_marks_drawn(options, marks):
    version = ItemVersion(type=ItemType.MATCHING, marks=2, key=["C", "A", "D", "B"],
                          premises=[{"id": f"P{n}", "text": f"s{n}"} for n in range(1, 5)],
                          options=[{"id": k, "text": k} for k in options])
    rng = random.Random(marks)
    for _ in range(20):
        answer = answer_earning(version, marks, rng)
        assert validate_answer(version, answer) == answer and score(version.type, version.key, answer) == marks
