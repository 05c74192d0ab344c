"""Qualification achievement from the rules of combination the five documents state.

For each qualification, a learner who meets the rules and one who misses by a unit or by
credits, with the missing part named; the document's own unit codes; barred combinations;
the import report; `exam-engine qualification check` and the centres' API.
"""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.cli import cli
from exam_engine.core.extensions import db
from item_bank.taxonomy.combination import UnitFacts, check_combination
from item_bank.taxonomy.models import CombinationRule, Qualification, UnitCode
from item_bank.taxonomy.services import check_qualification, combination_rules, import_specification
from item_bank.taxonomy.specification import DATA_DIR, parse_specification
from item_bank.taxonomy.specification.model import BarredCombination, ParseWarning, UnitGroup
from item_bank.taxonomy.specification.model import Qualification as RulesOfCombination
from item_bank.taxonomy.specification.rules import drop_shared_codes, read_rules
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in

from .specification_counts import BIIAB, GQA, HIGHFIELD, PEARSON, SFJ

PEARSON_NUMBER = "Pearson BTEC Level 3 Diploma in Customer Service"


def imported(*documents: str) -> None:
    for document in documents:
        import_specification(parse_specification(DATA_DIR / document))
    db.session.commit()


def check(number: str, *codes: str) -> dict[str, Any]:
    return check_qualification(number, codes).as_json()


def missing(result: dict[str, Any]) -> list[tuple[str, str | None, str | None, int | None]]:
    return [(part["rule"], part["group"], part["unit"], part["credits_short"]) for part in result["missing"]]


HIGHFIELD_MANDATORY = ("A/506/2130", "F/506/2131", "J/506/2132", "A/506/1964", "L/506/1788")  # 19 credits
HIGHFIELD_LEARNER = (*HIGHFIELD_MANDATORY, "D/506/2119",  # group A: 3
                     "H/506/2154", "K/506/2155", "L/506/2133", "R/506/2134", "Y/506/2135", "T/506/2143",
                     "A/506/2158")  # group B: 3 + 3 + 2 + 3 + 3 + 4 + 5 = 23; 45 in all


def test_highfield_a_learner_who_meets_the_rules_and_one_short_of_the_total(app):
    imported(HIGHFIELD)
    result = check("601/4026/4", *HIGHFIELD_LEARNER)
    assert result["achieved"] is True and result["missing"] == [] and result["credits"] == 45
    short = check("601/4026/4", *(unit for unit in HIGHFIELD_LEARNER if unit != "L/506/2133"))
    assert short["achieved"] is False
    assert missing(short) == [("total", None, None, 2)]
    assert short["missing"][0]["credits_needed"] == 45 and short["missing"][0]["credits_achieved"] == 43


def test_highfield_a_missing_mandatory_unit_is_named_and_group_c_counts_at_most_7_credits(app):
    imported(HIGHFIELD)
    without = check("601/4026/4", *(unit for unit in HIGHFIELD_LEARNER if unit != "F/506/2131"))
    assert missing(without) == [("unit", "Mandatory", "F/506/2131", 2), ("total", None, None, 2)]
    # 19 + 3 + 16 from group B, and 10 credits of group C of which only 7 count: 45
    capped = check("601/4026/4", *HIGHFIELD_MANDATORY, "D/506/2119", "H/506/2154", "K/506/2155", "R/506/2134",
                   "T/506/2143", "Y/506/2135", "K/503/0421", "L/503/0394")
    assert capped["achieved"] is True and capped["credits"] == 45


PEARSON_LEARNER = ("Unit 1", "Unit 2", "Unit 3", "Unit 4", "Unit 5", "Unit 6",  # group A: 31 credits at level 3
                   "Y/506/2166", "D/506/2167", "R/506/2151", "D/506/2170", "K/506/2172",  # group B: 22 at level 3
                   "L/506/2133")  # group B: 2 at level 2; 55 in all


def test_pearson_a_learner_who_meets_the_rules_and_one_without_unit_2(app):
    imported(PEARSON)
    result = check(PEARSON_NUMBER, *PEARSON_LEARNER)
    assert result["achieved"] is True and result["credits"] == 55
    assert result["units"][1] == {"given": "Unit 2", "unit": "Y/506/2152", "credits": 5, "level": 3,
                                  "title": "Understand the Customer Service Environment"}
    without = check(PEARSON_NUMBER, *(unit for unit in PEARSON_LEARNER if unit != "Unit 2"))
    assert without["achieved"] is False
    assert missing(without)[0] == ("unit", "Group A", "Y/506/2152", 5)
    assert ("total", None, None, 5) in missing(without)


def test_pearson_credits_at_level_3_or_above_and_the_group_c_maximum(app):
    imported(PEARSON)
    # 31 at level 3, then 15 of group B and 11 of group C (9 count), all at level 2: 55, but only 31 at level 3+
    result = check(PEARSON_NUMBER, *PEARSON_LEARNER[:6], "D/506/2119", "T/506/2126", "L/506/2133", "Y/506/2135",
                   "T/506/2143", "L/506/1807", "L/506/1869", "H/506/1814", "M/506/1895")
    assert result["credits"] == 55
    assert missing(result) == [("credits", None, None, 9)]
    assert "level 3 or above" in result["missing"][0]["detail"]


SFJ_LEARNER = ("K/601/1622", "J/601/1627",  # group A: 12
               "D/601/1228", "H/601/1229", "D/601/1522", "D/601/1553",  # groups B, C, D, E: 8 + 6 + 6 + 8 at level 3
               "A/601/1530")  # group E: 5 at level 2; 45 in all


def test_sfj_a_learner_who_meets_the_rules_and_one_without_group_d(app):
    imported(SFJ)
    result = check("601/1109/4", *SFJ_LEARNER)
    assert result["achieved"] is True and result["credits"] == 45
    without = check("601/1109/4", *(unit for unit in SFJ_LEARNER if unit != "D/601/1522"))
    assert missing(without) == [("group", "Group D (optional group 3)", None, 6), ("credits", (
        "Group B (optional group 1), Group C (optional group 2), Group D (optional group 3), "
        "Group E (optional group 4)"), None, 3), ("total", None, None, 3)]


def test_sfj_ten_credits_of_groups_b_to_e_at_level_3(app):
    imported(SFJ)
    result = check("601/1109/4", "K/601/1622", "J/601/1627", "D/601/0936", "A/601/1219", "M/601/1511",
                   "R/601/1534", "T/601/1526")  # 6 + 8 + 6 + 6 + 6 at level 2
    assert result["credits"] == 44
    assert [(part["rule"], part["credits_short"]) for part in result["missing"]] == [("credits", 10)]
    assert result["missing"][0]["detail"] == "A minimum of 10 of the credits from Groups B to E must be at Level 3."


BIIAB_MANDATORY = HIGHFIELD_MANDATORY  # the checklist marks the same five units mandatory


def test_biiab_states_no_optional_requirement_so_it_is_named_as_missing(app):
    imported(HIGHFIELD, BIIAB)
    every_stated_rule = check("601/3734/4", *BIIAB_MANDATORY, "D/506/2119", "H/506/2154")
    assert every_stated_rule["achieved"] is False
    assert missing(every_stated_rule) == [("unstated", "Optional", None, None)]
    assert every_stated_rule["missing"][0]["detail"].startswith("the document does not state how many")
    # the checklist prints no credits: a unit's credit comes from another document's statement of it
    without = check("601/3734/4", *BIIAB_MANDATORY[1:], "D/506/2119")
    assert missing(without)[0] == ("unit", "Mandatory", "A/506/2130", 5)


def test_biiab_rules_with_the_optional_requirement_given_as_data_are_met():
    """Once reviewed data gives the optional group a minimum, a learner can be shown to meet it."""
    parsed = parse_specification(DATA_DIR / BIIAB).qualification
    rules = replace(parsed, unstated_groups=[], groups=[parsed.groups[0], replace(parsed.groups[1], min_credits=3)])
    units = {reference: UnitFacts("", 3, 2) for group in rules.groups for reference in group.unit_references}
    assert check_combination(rules, units, [*BIIAB_MANDATORY, "D/506/2119"]).achieved
    short = check_combination(rules, units, BIIAB_MANDATORY)
    assert [(part.rule, part.group, part.credits_short) for part in short.missing] == [("group", "Optional", 3)]


GQA_LEARNER = ("CS1", "CS2", "CS3", "CS4", "CS5", "CS6",  # mandatory: 31
               "Y/618/0471", "D/618/0472", "H/618/0473", "K/618/0474", "M/618/0475",  # group 1: 15
               "F/618/0481", "M/618/0489", "K/618/0491")  # group 2: 9


def test_gqa_a_learner_who_meets_the_rules_and_one_two_credits_short_in_group_2(app):
    imported(GQA)
    result = check("603/5637/6", *GQA_LEARNER)
    assert result["achieved"] is True and result["credits"] == 55
    short = check("603/5637/6", *GQA_LEARNER[:-1])
    assert missing(short) == [("group", "Optional Group 2", None, 2)]
    assert short["missing"][0]["detail"] == "at least 9 credits from Optional Group 2"
    without = check("603/5637/6", *GQA_LEARNER[1:])
    assert missing(without) == [("unit", "Mandatory", "H/618/0196", 5)]


def test_codes_are_accepted_in_any_case_and_spacing_and_other_documents_units_are_not_counted(app):
    imported(PEARSON, GQA)
    result = check("603/5637/6", "cs1", " h/618/0196 ", "Y/506/2152")
    assert [unit["unit"] for unit in result["units"]] == ["H/618/0196", "H/618/0196"]
    assert result["not_in_qualification"] == ["Y/506/2152"]  # Pearson's unit; GQA's re-coded one is L/618/0466


def test_a_new_edition_that_renumbers_units_replaces_their_codes(app):
    imported(GQA)
    edition = parse_specification(DATA_DIR / GQA)
    edition.units[0].codes, edition.units[1].codes = ["CS2"], ["CS1"]
    import_specification(edition)
    db.session.commit()
    assert [unit["unit"] for unit in check("603/5637/6", "CS1", "CS2")["units"]] == ["L/618/0466", "H/618/0196"]


def test_a_code_printed_for_two_units_is_used_for_neither():
    specification = parse_specification(DATA_DIR / GQA)
    specification.units[1].codes = ["CS1"]
    drop_shared_codes(specification)
    assert (specification.units[0].codes, specification.units[1].codes) == ([], [])
    assert str(specification.warnings[-1]).endswith("code 'CS1' is printed for H/618/0196, L/618/0466; used for none")


def test_a_barred_combination_counts_only_one_of_its_units():
    rules = RulesOfCombination("Q", "Q", "AB", total_credits=6,
                               groups=[UnitGroup("Optional", False, ["A/000/0001", "B/000/0002", "C/000/0003"])],
                               barred=[BarredCombination(("A/000/0001", "B/000/0002"), "A is barred with B")])
    units = {"A/000/0001": UnitFacts("A", 4, 2), "B/000/0002": UnitFacts("B", 3, 2), "C/000/0003": UnitFacts("C", 2, 2)}
    result = check_combination(rules, units, ["A/000/0001", "B/000/0002", "C/000/0003"])
    assert [(bar.counted, bar.not_counted) for bar in result.barred] == [("A/000/0001", ("B/000/0002",))]
    assert result.credits == 6 and result.achieved
    short = check_combination(rules, units, ["A/000/0001", "B/000/0002"])
    assert [(part.rule, part.credits_short) for part in short.missing] == [("total", 2)]


def test_rules_are_read_by_phrasing_and_a_sentence_that_cannot_be_read_is_reported():
    qualification = RulesOfCombination("Q", "Q", "AB", total_credits=20,
                                       groups=[UnitGroup("Group A", True), UnitGroup("Group B", False)])
    warnings: list[ParseWarning] = []
    read_rules([(1, "Unit K/503/0418 is barred with unit L/503/0394."),
                (2, "A minimum of 8 credits must be achieved at level 3 or above."),
                (3, "Learners must take 12 credits from a list agreed with the centre."),
                (4, "A total of 6 credits from Groups A to C.")], qualification, "doc.txt", warnings)
    assert [bar.unit_references for bar in qualification.barred] == [("K/503/0418", "L/503/0394")]
    assert [(rule.min_credits, rule.min_level, rule.max_level, rule.line) for rule in qualification.credit_rules] == [
        (8, 3, None, 2)]
    assert [(warning.line, warning.message[:32]) for warning in warnings] == [
        (3, "rule of combination not read: 'L"), (4, "rule of combination not read: na")]


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(cli, list(args))


def test_the_import_report_lists_each_rule_and_the_rules_are_stored(run):
    result = run("import-spec", str(DATA_DIR / PEARSON), str(DATA_DIR / BIIAB))
    assert result.exit_code == 0, result.output
    for line in ("rule Group B: optional, 22 units, at least 15 credits",
                 "rule Group C: optional, 17 units, at most 9 credits count",
                 "rule total: 55 credits",
                 "rule at least 40 credits at level 3 or above from all groups (line 292)",
                 "rule at least 24 credits from Group B, Group C (line 294)",
                 "rule not stated: how many units or credits of Optional are needed",
                 "unit codes: 45 units also known by the document's own codes (Unit 1 = L/506/2150, ...)"):
        assert line in result.output
    pearson = db.session.scalar(select(Qualification).where(Qualification.number == PEARSON_NUMBER))
    assert [(rule.kind, rule.min_credits, rule.min_level) for rule in pearson.rules] == [
        ("credits", 40, 3), ("credits", 24, None)]
    parsed, stored = parse_specification(DATA_DIR / PEARSON).qualification, combination_rules(pearson)
    assert (stored.groups, stored.total_credits) == (parsed.groups, parsed.total_credits)
    assert stored.credit_rules == [replace(rule, line=0) for rule in parsed.credit_rules]
    assert db.session.scalar(select(UnitCode.unit_reference).where(UnitCode.code == "Unit 2")) == "Y/506/2152"
    assert db.session.scalar(select(CombinationRule.group_names).where(CombinationRule.kind == "unstated")) == \
        "Optional"


def test_the_command_prints_one_json_object(run):
    imported(GQA)
    result = run("qualification", "check", "--qualification", "603/5637/6", "--units", ",".join(GQA_LEARNER[:-1]))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["achieved"] is False and answer["qualification"]["number"] == "603/5637/6"
    assert answer["missing"][0]["group"] == "Optional Group 2" and answer["missing"][0]["credits_short"] == 2


@pytest.mark.parametrize(("number", "units", "message"), [
    ("601/0000/0", "CS1", "no qualification '601/0000/0' (imported: 603/5637/6)"),
    ("603/5637/6", "CS1,CS99", "unknown unit 'CS99'"),
])
def test_the_command_refuses_an_unknown_qualification_or_unit(run, number, units, message):
    imported(GQA)
    result = run("qualification", "check", "--qualification", number, "--units", units)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_the_api_answers_centre_and_awarding_body_staff(app, client, make_user):
    imported(GQA)
    sign_in(client, make_user(Role.CENTRE_ADMIN).username, TEST_PASSWORD)
    response = client.get("/api/qualifications/603/5637/6/check", query_string={"units": ",".join(GQA_LEARNER)})
    assert response.status_code == 200 and response.get_json()["achieved"] is True
    assert client.get("/api/qualifications/603/5637/6/check").status_code == 400
    unknown_unit = client.get("/api/qualifications/603/5637/6/check?units=CS1,XYZ")
    assert unknown_unit.status_code == 422 and "unknown unit 'XYZ'" in unknown_unit.get_json()["message"]
    unknown = client.get("/api/qualifications/999/9999/9/check?units=CS1")
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "unknown_qualification"


@pytest.mark.parametrize("role", [Role.LEARNER, Role.ITEM_WRITER])
def test_the_api_refuses_other_roles_and_anonymous_callers(app, client, make_user, role):
    imported(GQA)
    url = "/api/qualifications/603/5637/6/check?units=CS1"
    assert client.get(url, headers={"Accept": "application/json"}).status_code == 401
    sign_in(client, make_user(role).username, TEST_PASSWORD)
    assert client.get(url).status_code == 403
