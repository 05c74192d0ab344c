"""How each item type is scored: defined once, here, and used everywhere.

A response is what the learner chose: one option id (single best answer), a list of
option ids (multiple response, order ignored), or all option ids in the learner's order
(ordering). Responses that are malformed for their type score 0; validity is checked
where responses are accepted, not here.
"""

from collections.abc import Sequence
from enum import StrEnum


class ItemType(StrEnum):
    SINGLE_BEST_ANSWER = "single_best_answer"
    MULTIPLE_RESPONSE = "multiple_response"
    ORDERING = "ordering"


MARKS: dict[ItemType, int] = {
    ItemType.SINGLE_BEST_ANSWER: 1,
    ItemType.MULTIPLE_RESPONSE: 2,
    ItemType.ORDERING: 1,
}

Response = str | Sequence[str]
Key = str | Sequence[str]


def score(item_type: ItemType, key: Key, response: Response | None) -> int:
    """Marks earned by `response` to an item of `item_type` with answer `key`.

    - single best answer (1 mark): 1 when the chosen option is the key.
    - multiple response (2 marks, choose k = len(key)): 2 when every chosen option is
      keyed; 1 when exactly k - 1 keyed options are among the choices; otherwise 0.
      Choosing more than k options scores 0 (the page does not allow it).
    - ordering (1 mark): 1 only for the complete correct order.
    """
    if response is None:
        return 0
    if item_type is ItemType.SINGLE_BEST_ANSWER:
        return int(isinstance(response, str) and response == key)
    if isinstance(response, str):
        return 0
    if item_type is ItemType.MULTIPLE_RESPONSE:
        keyed, chosen = set(key), set(response)
        if len(chosen) != len(response) or len(chosen) > len(keyed):
            return 0
        hits = len(chosen & keyed)
        if hits == len(keyed):
            return 2
        return 1 if hits == len(keyed) - 1 else 0
    if item_type is ItemType.ORDERING:
        return int(list(response) == list(key))
    raise ValueError(f"unknown item type {item_type!r}")
