"""What the runner accepts as an answer to a matching item: for each premise in turn an option or
null, no option twice; anything else is refused with a clear 422 naming the options."""

import pytest

from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.services.answers import validate_answer
from item_bank.items.models import ItemVersion
from item_bank.items.scoring import ItemType

VERSION = ItemVersion(type=ItemType.MATCHING, premises=[{"id": f"P{n}", "text": f"s{n}"} for n in (1, 2, 3)],
                      options=[{"id": k, "text": k} for k in "ABCD"], key=["C", "A", "D"])


@pytest.mark.parametrize(("answer", "stored"), [
    (["C", "A", "D"], ["C", "A", "D"]), (["B", None, "D"], ["B", None, "D"]),
    ([None, None, None], None), (None, None),  # nothing matched clears the answer
])
def test_partial_and_whole_matches_are_accepted(answer, stored):
    assert validate_answer(VERSION, answer) == stored


@pytest.mark.parametrize("answer", [["C", "C", "D"], ["C", "A"], ["C", "A", "D", "B"], ["C", "A", "E"], "C",
                                    {"P1": "C"}, ["C", "A", 3]])
def test_malformed_matches_are_refused_saying_what_is_expected(answer):
    with pytest.raises(DeliveryError) as refused:
        validate_answer(VERSION, answer)
    assert refused.value.status == 422 and "for each of the 3 statements in turn, one of the options A, B, C, D" \
        in str(refused.value)
