"""How should a multiple-response item ("Select k of n options", 2 marks) be scored?

Compares four rules, the learner always choosing exactly k options (the page enforces it):

* ``partial``       - the current rule, `item_bank.items.scoring.score`: 2 marks when every
                      chosen option is keyed, 1 when exactly k - 1 are, otherwise 0;
* ``dichotomous-2`` - 2 marks only when all k chosen options are keyed, otherwise 0;
* ``dichotomous-1`` - 1 mark only when all k chosen options are keyed, otherwise 0;
* ``per-option``    - 2 * hits / k marks, hits being the keyed options chosen (the same as
                      ``partial`` when k = 2);

for k = 2 of 4, 5 or 6 options and k = 3 of 5 or 6, against a four-option single best answer
(1 mark: `score` for single best answer) as the reference.

Chance.  The share of an item's marks earned by choosing at random, every set of k options
equally likely: `item_bank.items.scoring.guessing_share` for the rules scoring.py defines
(``partial``, single best answer), exact enumeration of the C(n, k) choices for the others.

Knowledge model.  Each option's status (keyed or distractor) is known independently with
probability p(theta) = 1 / (1 + exp(-1.7 (theta - b))), b = 0. The learner chooses every
option known to be keyed, avoids every option known to be a distractor and fills the
remaining places at random among the options whose status is unknown. With a of the k keyed
and d of the n - k distractors known,

    P(hits = h | p) = sum_{a,d} C(k,a) C(n-k,d) p^(a+d) (1-p)^(n-a-d)
                      * C(k-a, h-a) C(n-k-d, k-h) / C(n-a-d, k-a)      (hypergeometric fill),

a polynomial in p, so the score-category probabilities P_s(theta) and their derivatives
dP_s/dtheta = P_s'(p) * 1.7 p (1 - p) are exact. At theta -> -inf (p = 0) the model is the
random chooser, which the script asserts. The same option-level model at k = 1 of 4 is the
single best answer: the learner who does not know the key guesses among the options not
known to be distractors.

Information.  The Fisher information about theta carried by the item's score category,

    I(theta) = sum_s (dP_s/dtheta)^2 / P_s(theta),

is the item information of a polytomous item (Samejima 1969, Psychometrika Monograph 17, the
graded-response item information; Bock 1972, Psychometrika 37:29-51, for nominal categories;
for one mark it reduces to Birnbaum's P'^2 / PQ, Lord 1980, Applications of IRT, ch. 5).
It depends only on which responses a rule puts in the same category, not on the marks given
to them, so ``dichotomous-1`` and ``dichotomous-2`` carry the same information; they differ
in information per mark. The integral of I over theta in [-3, 3] (trapezoid, step 0.05) sums
the information over the ability range; per mark divides it by the item's marks and per
minute by its time, taken as 1 minute for a single best answer and 1.5 for a multiple
response item. Options share one difficulty and slope here, so the comparison is of formats
and rules under equal option knowledge, not of any real item.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/multiple_response_scoring.py [--distributions]

``--distributions`` also prints each score distribution at theta = -3, -2, ..., 3.
"""

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb, isclose
from pathlib import Path

import numpy as np
from numpy.polynomial import Polynomial

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from item_bank.items.scoring import MARKS, ItemType, guessing_share, score

SLOPE, DIFFICULTY = 1.7, 0.0
GRID = np.linspace(-3.0, 3.0, 121)
REPORTED_THETAS = (-2.0, -1.0, 0.0, 1.0, 2.0)
DISTRIBUTION_THETAS = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
MINUTES = {ItemType.SINGLE_BEST_ANSWER: 1.0, ItemType.MULTIPLE_RESPONSE: 1.5}

Marks = Callable[[Sequence[str], Sequence[str]], float]


@dataclass(frozen=True)
class Design:
    """Choose `keyed` of `options` options; all of them keyed earns full marks."""

    options: int
    keyed: int
    item_type: ItemType

    @property
    def option_ids(self) -> list[str]:
        return [chr(ord("A") + i) for i in range(self.options)]

    @property
    def key(self) -> list[str]:
        return self.option_ids[: self.keyed]

    @property
    def label(self) -> str:
        if self.item_type is ItemType.SINGLE_BEST_ANSWER:
            return f"SBA 1 of {self.options}"
        return f"MR {self.keyed} of {self.options}"


@dataclass(frozen=True)
class Rule:
    """A scoring rule: marks for a choice given the key; `defined_by` names the scoring.py rule it is."""

    name: str
    max_marks: int
    marks: Marks
    defined_by: ItemType | None = None


def hits(key: Sequence[str], chosen: Sequence[str]) -> int:
    return len(set(key) & set(chosen))


def all_keyed(key: Sequence[str], chosen: Sequence[str]) -> bool:
    return hits(key, chosen) == len(key)


SINGLE_BEST_ANSWER = Rule("single best", MARKS[ItemType.SINGLE_BEST_ANSWER],
                          lambda key, chosen: score(ItemType.SINGLE_BEST_ANSWER, key[0], chosen[0]),
                          ItemType.SINGLE_BEST_ANSWER)
MULTIPLE_RESPONSE_RULES = (
    Rule("partial", MARKS[ItemType.MULTIPLE_RESPONSE],
         lambda key, chosen: score(ItemType.MULTIPLE_RESPONSE, key, chosen), ItemType.MULTIPLE_RESPONSE),
    Rule("dichotomous-2", 2, lambda key, chosen: 2.0 * all_keyed(key, chosen)),
    Rule("dichotomous-1", 1, lambda key, chosen: 1.0 * all_keyed(key, chosen)),
    Rule("per-option", 2, lambda key, chosen: 2.0 * hits(key, chosen) / len(key)),
)
REFERENCE = Design(4, 1, ItemType.SINGLE_BEST_ANSWER)
DESIGNS = [Design(n, k, ItemType.MULTIPLE_RESPONSE) for k, n in ((2, 4), (2, 5), (2, 6), (3, 5), (3, 6))]


def cases() -> list[tuple[Design, Rule]]:
    return [(REFERENCE, SINGLE_BEST_ANSWER)] + [(d, r) for d in DESIGNS for r in MULTIPLE_RESPONSE_RULES]


def chance_share(design: Design, rule: Rule) -> float:
    """Expected share of the marks for k options chosen at random."""
    if rule.defined_by is not None:
        key: Sequence[str] = design.key[0] if rule.defined_by is ItemType.SINGLE_BEST_ANSWER else design.key
        return guessing_share(rule.defined_by, key, design.option_ids)
    choices = list(combinations(design.option_ids, design.keyed))
    return sum(rule.marks(design.key, chosen) for chosen in choices) / (len(choices) * rule.max_marks)


def marks_for_hits(design: Design, rule: Rule, hit_count: int) -> float:
    """Marks under `rule` for a choice of k options of which `hit_count` are keyed."""
    distractors = design.option_ids[design.keyed:]
    return rule.marks(design.key, design.key[:hit_count] + distractors[: design.keyed - hit_count])


def hit_polynomials(design: Design) -> dict[int, Polynomial]:
    """P(hits = h) for each possible h (max(0, 2k - n)..k) as polynomials in p under the knowledge
    model (see the docstring)."""
    n, k = design.options, design.keyed
    p = Polynomial([0.0, 1.0])
    result = {h: Polynomial([0.0]) for h in range(max(0, 2 * k - n), k + 1)}
    for a in range(k + 1):
        for d in range(n - k + 1):
            known = comb(k, a) * comb(n - k, d) * p ** (a + d) * (1 - p) ** (n - a - d)
            unknown = n - a - d
            for guessed in range(max(0, (k - a) - (n - k - d)), k - a + 1):  # keyed among the k - a guesses
                fill = comb(k - a, guessed) * comb(n - k - d, k - a - guessed) / comb(unknown, k - a)
                result[a + guessed] = result[a + guessed] + fill * known
    return result


def category_polynomials(design: Design, rule: Rule) -> dict[float, Polynomial]:
    """P(score = s) as polynomials in p: hit counts the rule gives the same marks share a category."""
    categories: dict[float, Polynomial] = {}
    for hit_count, probability in hit_polynomials(design).items():
        marks = marks_for_hits(design, rule, hit_count)
        categories[marks] = categories.get(marks, Polynomial([0.0])) + probability
    return dict(sorted(categories.items()))


def knowing(theta: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-SLOPE * (theta - DIFFICULTY)))


def expected_share(categories: dict[float, Polynomial], max_marks: int, theta: np.ndarray) -> np.ndarray:
    p = knowing(theta)
    return sum((marks * poly(p) for marks, poly in categories.items()), np.zeros_like(theta)) / max_marks


def information(categories: dict[float, Polynomial], theta: np.ndarray) -> np.ndarray:
    """I(theta) = sum_s (dP_s/dtheta)^2 / P_s, with dP_s/dtheta = P_s'(p) * 1.7 p (1 - p)."""
    p = knowing(theta)
    dp = SLOPE * p * (1.0 - p)
    return sum(((poly.deriv()(p) * dp) ** 2 / poly(p) for poly in categories.values()), np.zeros_like(theta))


def check_model_at_chance(design: Design, rule: Rule, chance: float) -> None:
    """At p = 0 the knowledge model is the random chooser: its share must equal the enumerated one."""
    at_zero = sum(marks * poly(0.0) for marks, poly in category_polynomials(design, rule).items()) / rule.max_marks
    assert isclose(at_zero, chance, abs_tol=1e-12), (design, rule.name, at_zero, chance)


def row_label(design: Design, rule: Rule) -> str:
    return f"{design.label:<10} {rule.name:<14} {rule.max_marks:>5}"


def print_chance_table() -> None:
    thetas = np.array(REPORTED_THETAS)
    print("Table 1. Expected share of the marks: choosing at random (exact) and under the knowledge model")
    print(f"{'design':<10} {'rule':<14} {'marks':>5} {'random':>7}  " + " ".join(f"th={t:+.0f}" for t in thetas))
    for design, rule in cases():
        chance = chance_share(design, rule)
        check_model_at_chance(design, rule, chance)
        shares = expected_share(category_polynomials(design, rule), rule.max_marks, thetas)
        print(f"{row_label(design, rule)} {chance:>7.3f}  " + " ".join(f"{s:>5.3f}" for s in shares))


def integrated_information(design: Design, rule: Rule) -> float:
    """The integral of I(theta) over the grid (trapezoid rule)."""
    return float(np.trapezoid(information(category_polynomials(design, rule), GRID), GRID))


def print_information_table() -> None:
    thetas = np.array(REPORTED_THETAS)
    reference_per_minute = integrated_information(REFERENCE, SINGLE_BEST_ANSWER) / MINUTES[REFERENCE.item_type]
    print("Table 2. Fisher information about theta in the item score; integral over theta in [-3, 3]")
    print(f"{'design':<10} {'rule':<14} {'marks':>5} {'min':>4}  " + " ".join(f"I({t:+.0f})" for t in thetas)
          + f"  {'sum I':>6} {'/mark':>6} {'/min':>6} {'/min vs SBA':>11}")
    for design, rule in cases():
        total, minutes = integrated_information(design, rule), MINUTES[design.item_type]
        print(f"{row_label(design, rule)} {minutes:>4.1f}  "
              + " ".join(f"{i:>5.3f}" for i in information(category_polynomials(design, rule), thetas))
              + f"  {total:>6.3f} {total / rule.max_marks:>6.3f} {total / minutes:>6.3f}"
              + f" {total / minutes / reference_per_minute:>11.2f}")


def print_distributions() -> None:
    thetas = np.array(DISTRIBUTION_THETAS)
    print("Score distributions P(score = s | theta), theta = " + ", ".join(f"{t:+.0f}" for t in thetas))
    for design, rule in cases():
        print(row_label(design, rule))
        for marks, poly in category_polynomials(design, rule).items():
            print(f"    score {marks:>4.2f}: " + " ".join(f"{q:.3f}" for q in poly(knowing(thetas))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distributions", action="store_true", help="also print each score distribution")
    arguments = parser.parse_args()
    print(f"Knowledge model: each option's status known with p = 1/(1+exp(-{SLOPE}(theta-{DIFFICULTY:g}))); "
          f"grid {GRID[0]:g}..{GRID[-1]:g} step {GRID[1] - GRID[0]:g}\n")
    print_chance_table()
    print()
    print_information_table()
    if arguments.distributions:
        print()
        print_distributions()


if __name__ == "__main__":
    main()
