"""The reviewed bank for Pearson's three onscreen units meets its content targets.

The assessment criteria of each unit are written down here from the specification
(document 001), not taken from the parser, so a missing criterion fails the test.
"""

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from item_bank.items.checks import sound
from item_bank.items.files import ItemSpec, read_bank
from item_bank.items.scoring import ItemType
from item_bank.items.services import BANK_FOLDER
from item_bank.items.text import blocks, plain

CRITERIA_BY_UNIT: dict[str, list[str]] = {
    "Y/506/2152": ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3",
                   "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "4.1", "4.2"],
    "D/506/1942": ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5",
                   "3.1", "3.2", "3.3", "4.1", "4.2", "5.1", "5.2", "5.3", "5.4", "5.5"],
    "J/506/2910": ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6",
                   "3.1", "3.2", "3.3"],
}
# Every unit has been through the cueing review and an audit of its result (item_bank/data/items/README.md):
# only sound items an assessment editor would defend are live, far fewer than the target where the
# specification's content is everyday knowledge. A criterion's floor is the most items of one criterion a
# test may hold (the blueprint's max_items_per_criterion); the bank check reports each criterion against
# the target of 14 (`item_bank.items.checks.SOUND_PER_CRITERION`) until it is met.
MIN_SOUND_ITEMS_PER_CRITERION = 3
# Where the bank falls short of that and of the rules below, item by item retired by the review and the
# audit (each unit's review report gives the reasons and puts the gaps to the awarding body). Each list is
# exact: a gap that widens, or closes without its list being updated, fails the test.
# Criteria below the floor, with their number of sound items.
BELOW_FLOOR = {"Y/506/2152 AC1.1": 1, "Y/506/2152 AC1.3": 2, "Y/506/2152 AC2.1": 2, "Y/506/2152 AC2.3": 2,
               "Y/506/2152 AC3.2": 2, "Y/506/2152 AC3.3": 0, "D/506/1942 AC2.1": 1, "J/506/2910 AC2.3": 2,
               "J/506/2910 AC2.6": 0, "J/506/2910 AC3.1": 1}
# Top-level amplification points that no sound item tests.
UNTESTED_POINTS = ["Y/506/2152 AC1.2/3", "Y/506/2152 AC3.2/1", "Y/506/2152 AC3.2/2", "Y/506/2152 AC3.3/1",
                   "Y/506/2152 AC3.3/2", "J/506/2910 AC2.6/1", "J/506/2910 AC2.6/2", "J/506/2910 AC2.6/3",
                   "J/506/2910 AC3.2/3"]
# Learning outcomes with no live item at a difficulty (easy items are the hardest to keep: everyday sense answers most).
MISSING_DIFFICULTIES: dict[str, list[str]] = {"D/506/1942 LO4": ["easy"], "J/506/2910 LO3": ["easy"],
                                            "Y/506/2152 LO2": ["easy"], "Y/506/2152 LO3": ["easy"]}
# Learning outcomes with no two-mark item (multiple response or matching) for a test's two-mark places.
NO_TWO_MARK_ITEM: list[str] = ["J/506/2910 LO2"]
# Laws in the register whose last live item was retired: the register keeps them, as retired items name them.
UNTESTED_LAWS = ["consumer-protection-act-1987", "equality-act-2010", "trade-marks-act-1994"]
MAX_STEM_WORDS = 60  # a table of figures in the stem is stimulus, like a scenario, and is not counted
# Units whose specification sets no sequence to put in order: their ordering items were put in
# order by everyday logic and retired (Unit 5's review report says so), so they have no live ordering item.
NO_SEQUENCE = ("J/506/2910",)
# The criteria of reviewed units that test the law: each live item there names the laws it tests.
LAW_CRITERIA = {"Y/506/2152": ("AC4.1", "AC4.2"), "D/506/1942": ("AC1.4",)}


@pytest.fixture(scope="module")
def bank_items() -> list[ItemSpec]:
    return read_bank(BANK_FOLDER).items


def live(items: list[ItemSpec]) -> list[ItemSpec]:
    return [item for item in items if item.status == "live" and item.review is not None]


def test_the_bank_folder_is_in_the_repository():
    assert Path(__file__).resolve().parents[2] / "item_bank" / "data" / "items" == BANK_FOLDER


def test_every_criterion_has_enough_live_items_across_difficulties(bank_items):
    counts: Counter[str] = Counter()
    by_outcome: dict[str, set[str]] = defaultdict(set)  # two raters' ratings
    for item in live(bank_items):
        counts[f"{item.unit} {item.criterion}"] += 1
        by_outcome[f"{item.unit} LO{item.criterion[2:].split('.')[0]}"].add(item.difficulty_rating)
    criteria = [f"{unit} AC{number}" for unit, numbers in CRITERIA_BY_UNIT.items() for number in numbers]
    assert set(counts) <= set(criteria)
    assert {criterion: counts[criterion] for criterion in criteria
            if counts[criterion] < MIN_SOUND_ITEMS_PER_CRITERION} == BELOW_FLOOR
    outcomes = {f"{unit} LO{number.split('.')[0]}" for unit, numbers in CRITERIA_BY_UNIT.items() for number in numbers}
    missing = {outcome: sorted({"easy", "medium", "hard"} - by_outcome[outcome]) for outcome in sorted(outcomes)}
    assert {outcome: found for outcome, found in missing.items() if found} == MISSING_DIFFICULTIES


@pytest.mark.parametrize("unit", sorted(CRITERIA_BY_UNIT))
def test_every_learning_outcome_has_single_best_answer_and_two_mark_items(bank_items, unit):
    """Every outcome has single best answer items and two-mark items (multiple response or matching) for a
    test's two-mark places, and every type is in the unit: an ordering item survives the review only where
    the unit has a true sequence (blind reviewers put self-contained steps in order by everyday logic, and
    `NO_SEQUENCE` names the units without one), a matching item only where a list is two-way."""
    outcomes = {number.split(".")[0] for number in CRITERIA_BY_UNIT[unit]}
    types: dict[str, set[ItemType]] = defaultdict(set)
    for item in live(bank_items):
        if item.unit == unit:
            types[item.criterion[2:].split(".")[0]].add(item.type)
    every_type = set(ItemType) - ({ItemType.ORDERING} if unit in NO_SEQUENCE else set())
    assert set().union(*types.values()) == every_type
    assert all(ItemType.SINGLE_BEST_ANSWER in types[outcome] for outcome in outcomes)
    no_two_mark = [f"{unit} LO{outcome}" for outcome in sorted(outcomes)
                   if not types[outcome] & {ItemType.MULTIPLE_RESPONSE, ItemType.MATCHING}]
    assert no_two_mark == [outcome for outcome in NO_TWO_MARK_ITEM if outcome.startswith(unit)]


def test_every_item_is_reviewed_by_someone_else(bank_items):
    assert bank_items, "the bank is empty"
    for item in bank_items:
        assert item.review is not None and item.review.reviewer != item.writer, item.id


def test_items_follow_the_writing_rules(bank_items):
    banned = ("all of the above", "none of the above")
    for item in bank_items:
        text = " ".join([item.stem, *(option.text for option in item.options)]).lower()
        assert not any(phrase in text for phrase in banned), item.id
        words = len(plain(item.stem).split()) - len(" ".join(
            span[0] for block in blocks(item.stem) if block["kind"] == "table"
            for row in block["head"] + block["body"] for cell in row for span in cell).split())
        assert words <= MAX_STEM_WORDS, f"{item.id} stem has {words} words outside its table"
        if item.type is ItemType.MULTIPLE_RESPONSE:
            wanted = {2: "TWO", 3: "THREE"}[len(item.key)]
            assert f"Select {wanted}" in item.stem, f"{item.id} must say 'Select {wanted}'"


def test_replaced_laws_are_tested_as_they_stand_now(bank_items):
    """The specification names the Data Protection Act 1998; items must test today's law."""
    for item in bank_items:
        text = " ".join([item.stem, *(option.text for option in item.options)])
        if "Data Protection Act 1998" in text or "1998 Act" in text:
            assert item.notes and "UK GDPR" in item.notes, f"{item.id} tests the 1998 Act without saying so"


def test_data_protection_items_test_the_uk_gdpr(bank_items):
    data_protection = [item for item in bank_items if item.unit == "Y/506/2152" and item.criterion == "AC4.2"]
    assert any("UK GDPR" in (item.notes or "") for item in data_protection)


@pytest.fixture(scope="module")
def pearson_amplification() -> dict[tuple[str, str], list[str]]:
    """Every amplification id of the three units, as the taxonomy importer parses them,
    keyed by (unit, criterion); top-level ids have one '/'."""
    from item_bank.taxonomy.specification import DATA_DIR, parse_specification

    parsed = parse_specification(DATA_DIR / "001_104cb6e23c3ebe91.txt")
    ids: dict[tuple[str, str], list[str]] = {}

    def walk(prefix: str, points: list) -> list[str]:
        found = []
        for position, point in enumerate(points, start=1):
            identifier = f"{prefix}/{position}"
            found += [identifier, *walk(identifier, point.children)]
        return found

    for unit in parsed.units:
        if unit.reference in CRITERIA_BY_UNIT:
            for outcome in unit.learning_outcomes:
                for criterion in outcome.criteria:
                    identifier = f"AC{criterion.number}"
                    ids[(unit.reference, identifier)] = walk(identifier, criterion.amplification)
    return ids


def test_every_tag_names_a_real_criterion_and_amplification_point(bank_items, pearson_amplification):
    assert sorted(pearson_amplification) == sorted(
        (unit, f"AC{number}") for unit, numbers in CRITERIA_BY_UNIT.items() for number in numbers
    )
    for item in bank_items:
        for criterion in item.criteria:
            assert (item.unit, criterion) in pearson_amplification, f"{item.id}: no {criterion} in {item.unit}"
        for point in item.amplification:
            criterion = point.split("/")[0]
            assert point in pearson_amplification[(item.unit, criterion)], f"{item.id}: no amplification point {point}"


def test_every_top_level_amplification_point_is_tested(bank_items, pearson_amplification):
    tested = {(item.unit, point.split("/")[0] + "/" + point.split("/")[1])
              for item in live(bank_items) for point in item.amplification}
    untested = [f"{unit} {point}" for (unit, _), points in pearson_amplification.items()
                for point in points if point.count("/") == 1 and (unit, point) not in tested]
    assert untested == UNTESTED_POINTS


@pytest.mark.parametrize("unit", sorted(CRITERIA_BY_UNIT))
def test_every_item_of_a_reviewed_unit_has_its_cueing_review_and_only_sound_items_are_live(bank_items, unit):
    items = [item for item in bank_items if item.unit == unit]
    assert items and all(item.cueing_review is not None for item in items), "an item has no cueing review"
    unsound = [item.id for item in items if item.status == "live" and not sound(item)]
    assert unsound == [], f"live items not sound: {unsound}"
    assert all(item.difficulty_ratings is not None for item in items if item.status == "live")
    assert all(not item.cueing_review.test_wise[-1].fell for item in items if item.status == "live")


def test_laws_in_the_register_have_live_items_and_law_items_name_their_law(bank_items):
    laws = read_bank(BANK_FOLDER).laws
    tested = {law for item in bank_items if item.status == "live" for law in item.legislation}
    assert laws and sorted({law.id for law in laws} - tested) == UNTESTED_LAWS
    for item in bank_items:
        if item.criterion in LAW_CRITERIA.get(item.unit, ()) and item.status == "live":
            assert item.legislation, f"{item.id} tests a law without naming it"
