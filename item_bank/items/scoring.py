"""How each item type is scored: defined once, here, and used everywhere.

A response is what the learner chose: one option id (single best answer), a list of
option ids (multiple response, order ignored), all option ids in the learner's order
(ordering), or for each premise in turn the option matched to it, None where none is
(matching). Responses that are malformed for their type score 0; validity is checked
where responses are accepted, not here.
"""

from collections.abc import Sequence
from enum import StrEnum
from itertools import combinations, permutations


class ItemType(StrEnum):
    SINGLE_BEST_ANSWER = "single_best_answer"
    MULTIPLE_RESPONSE = "multiple_response"
    ORDERING = "ordering"
    MATCHING = "matching"


MARKS: dict[ItemType, int] = {
    ItemType.SINGLE_BEST_ANSWER: 1,
    ItemType.MULTIPLE_RESPONSE: 2,
    ItemType.ORDERING: 1,
    ItemType.MATCHING: 2,
}

Response = str | Sequence[str | None]
Key = str | Sequence[str]


def score(item_type: ItemType, key: Key, response: Response | None) -> int:
    """Marks earned by `response` to an item of `item_type` with answer `key`.

    - single best answer (1 mark): 1 when the chosen option is the key.
    - multiple response (2 marks, choose k = len(key)): 2 when every chosen option is
      keyed; 1 when exactly k - 1 keyed options are among the choices; otherwise 0.
      Choosing more than k options scores 0 (the page does not allow it). This partial
      credit is kept on evidence (`benchmarks/multiple_response_scoring.py`): under an
      option-knowledge model it carries 7-21% more information about ability than scoring
      all or nothing, and the most per minute of the rules compared; its cost, the marks a
      random choice earns, is held down by the number of options instead: 2 of 6 earn a
      third, 3 of 6 0.275 (2 of 5 earn 0.4, 2 of 4 a half), so the bank's items have six
      options (the bank check flags fewer).
    - ordering (1 mark): 1 only for the complete correct order.
    - matching (2 marks; n premises, each matched to a different one of at least n options;
      the key lists each premise's option): 2 when every premise is matched to its key; 1 when
      at least half of them are (n/2 rounded up); otherwise 0. Random matching earns at most
      a sixth of the marks on average (3-5 premises; see `guessing_share`), below the quarter
      a four-option single best answer gives.
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
    if item_type is ItemType.MATCHING:
        if len(response) != len(key):
            return 0
        right = sum(given == keyed for given, keyed in zip(response, key))
        if right == len(key):
            return 2
        return 1 if 2 * right >= len(key) else 0
    raise ValueError(f"unknown item type {item_type!r}")


def guessing_share(item_type: ItemType, key: Key, options: Sequence[str]) -> float:
    """The expected share of an item's marks earned by answering at random: one of `options`
    (single best answer), k of them (multiple response, k keyed), an order (ordering), or a
    different option for each premise (matching); every well-formed answer equally likely."""
    if item_type is ItemType.SINGLE_BEST_ANSWER:
        answers: list[Response] = list(options)
    elif item_type is ItemType.MULTIPLE_RESPONSE:
        answers = [list(chosen) for chosen in combinations(options, len(key))]
    else:
        answers = [list(chosen) for chosen in permutations(options, len(key))]
    earned = sum(score(item_type, key, answer) for answer in answers)
    return earned / (len(answers) * MARKS[item_type])
