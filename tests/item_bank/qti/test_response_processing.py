"""The exported response processing scores every possible response as our scoring rule does.

A small evaluator of the QTI expressions the export uses runs each exported item's
responseProcessing over every subset of its options and compares with
`item_bank.items.scoring.score`, so the 0/1/2 multiple-response rule survives export, and
over every way of matching a matching item's premises to different options (or leaving them
unmatched), so its rule does too; the items scored by the `match_correct` template (single
best answer, ordering) are checked to declare what that template needs for our rule.
"""

import zipfile
from collections.abc import Iterable
from io import BytesIO
from itertools import combinations, permutations, product
from xml.etree.ElementTree import Element

import pytest

from item_bank.items.scoring import ItemType, score
from item_bank.qti.safety import parse_xml
from item_bank.qti.versions import VERSIONS, QtiVersion
from tests.item_bank.qti.conftest import unit_files


class Evaluator:
    def __init__(self, item: Element, qti: QtiVersion, response: set[str]) -> None:
        self.qti, self.response = qti, response
        declaration = self.child(item, "responseDeclaration")
        self.cardinality = declaration.get("cardinality")
        self.correct = [value.text for value in self.child(declaration, "correctResponse")]
        mapping = self.child(declaration, "mapping")
        self.default = float(mapping.get(qti.attribute("defaultValue"))) if mapping is not None else 0.0
        self.mapped = {entry.get(qti.attribute("mapKey")): float(entry.get(qti.attribute("mappedValue")))
                       for entry in (mapping if mapping is not None else [])}
        self.outcome = 0.0

    def child(self, parent: Element, name: str) -> Element | None:
        return next((el for el in parent if self.qti.local(el.tag) == name), None)

    def run(self, rules: Iterable[Element]) -> None:
        for rule in rules:
            name = self.qti.local(rule.tag)
            if name == "setOutcomeValue":
                assert rule.get("identifier") == "SCORE"
                self.outcome = self.value(rule[0])
            elif name == "responseCondition":
                for branch in rule:
                    kind = self.qti.local(branch.tag)
                    if kind == "responseElse" or self.value(branch[0]):
                        self.run(branch if kind == "responseElse" else list(branch)[1:])
                        break
            else:
                raise AssertionError(f"unexpected rule {name}")

    def value(self, expression: Element) -> float | bool:
        name, args = self.qti.local(expression.tag), list(expression)
        if name == "baseValue":
            return float(expression.text)
        if name == "containerSize":
            return len(self.response)
        if name == "mapResponse":
            return sum(self.mapped.get(choice, self.default) for choice in self.response)
        if name == "gt":
            return self.value(args[0]) > self.value(args[1])
        if name == "gte":
            return self.value(args[0]) >= self.value(args[1])
        if name == "equal":
            assert expression.get(self.qti.attribute("toleranceMode")) == "exact"
            return self.value(args[0]) == self.value(args[1])
        raise AssertionError(f"unexpected expression {name}")


def items_of(package: bytes) -> list[Element]:
    with zipfile.ZipFile(BytesIO(package)) as archive:
        return [parse_xml(archive.read(name), name) for name in archive.namelist()
                if name.startswith("items/") and name.endswith(".xml")]


@pytest.mark.parametrize("version", ["2.2", "3.0"])
def test_every_response_scores_as_our_rule_says(exported, version):
    qti = VERSIONS[version]
    checked = dict.fromkeys(ItemType, 0)
    for item in items_of(exported[version]):
        body = next(el for el in item if qti.local(el.tag) == "itemBody")
        interaction = next(el for el in body.iter() if qti.local(el.tag).endswith("Interaction"))
        options = [choice.get("identifier") for choice in interaction]
        options = [option for option in options if option]
        processing = next(el for el in item if qti.local(el.tag) == "responseProcessing")
        evaluator = Evaluator(item, qti, set())
        if processing.get("template"):
            # match_correct gives SCORE 1 exactly when the response is the correct response, else 0
            assert processing.get("template") == qti.template("match_correct")
            if qti.local(interaction.tag) == "orderInteraction":  # every option, in the keyed order
                assert evaluator.cardinality == "ordered" and sorted(evaluator.correct) == sorted(options)
                for order in permutations(options):
                    matches = list(order) == evaluator.correct
                    assert int(matches) == score(ItemType.ORDERING, evaluator.correct, list(order)), order
                checked[ItemType.ORDERING] += 1
                continue
            assert evaluator.cardinality == "single"
            assert len(evaluator.correct) == 1 and set(evaluator.correct) <= set(options)
            assert interaction.get(qti.attribute("maxChoices")) == "1"
            checked[ItemType.SINGLE_BEST_ANSWER] += 1
            continue
        if qti.local(interaction.tag) == "matchInteraction":
            check_matching(item, qti, processing, interaction, evaluator.correct)
            checked[ItemType.MATCHING] += 1
            continue
        key = sorted(evaluator.correct)
        assert interaction.get(qti.attribute("maxChoices")) == str(len(key))
        for size in range(len(options) + 1):
            for chosen in combinations(options, size):
                evaluator = Evaluator(item, qti, set(chosen))
                evaluator.run(processing)
                assert evaluator.outcome == score(ItemType.MULTIPLE_RESPONSE, key, list(chosen)), (chosen, key)
        checked[ItemType.MULTIPLE_RESPONSE] += 1
    assert sum(checked.values()) == len(unit_files()[0]) and all(checked.values()), checked


def check_matching(item: Element, qti: QtiVersion, processing: Element, interaction: Element,
                   correct: list[str]) -> None:
    """Every way of giving each premise a different option or none scores as our rule says."""
    premises, options = ([choice.get("identifier") for choice in match_set] for match_set in interaction
                         if qti.local(match_set.tag) == "simpleMatchSet")
    key = [pair.split()[1] for pair in correct]
    assert [pair.split()[0] for pair in correct] == premises
    for answer in product([None, *options], repeat=len(premises)):
        given = [option for option in answer if option is not None]
        if len(set(given)) != len(given):
            continue  # an option matched twice: the player does not allow it (matchMax 1)
        pairs = {f"{premise} {option}" for premise, option in zip(premises, answer) if option is not None}
        evaluator = Evaluator(item, qti, pairs)
        evaluator.run(processing)
        assert evaluator.outcome == score(ItemType.MATCHING, key, list(answer)), (answer, key)
