"""The specification parser against the five documents as they are."""
from __future__ import annotations

from pathlib import Path

import pytest

from item_bank.taxonomy.specification import CORRECTIONS_FILE, DATA_DIR, NotASpecificationError, parse_specification
from item_bank.taxonomy.specification.corrections import Correction, load_corrections
from item_bank.taxonomy.specification.export import unit_dict
from item_bank.taxonomy.specification.model import Specification

from .specification_counts import BIIAB, EXPECTED, GQA, HIGHFIELD, PEARSON, SFJ


@pytest.fixture(scope="module")
def specifications() -> dict[str, Specification]:
    return {document: parse_specification(DATA_DIR / document) for document in EXPECTED}


def criterion_text(specification: Specification, reference: str, number: str) -> str:
    unit = specification.unit(reference)
    return next(ac.text for lo in unit.learning_outcomes for ac in lo.criteria if ac.number == number)


def amplification(specification: Specification, reference: str, number: str) -> list[dict]:
    unit = unit_dict(specification.unit(reference))
    return next(ac["amplification"] for lo in unit["learning_outcomes"] for ac in lo["criteria"]
                if ac["number"] == number)


@pytest.mark.parametrize("document", sorted(EXPECTED))
def test_every_unit_of_the_document_is_found(specifications: dict[str, Specification], document: str) -> None:
    found = [unit.reference for unit in specifications[document].units]
    assert sorted(found) == sorted(EXPECTED[document])
    assert len(found) == len(set(found))


@pytest.mark.parametrize(("document", "reference"),
                         [(document, reference) for document in sorted(EXPECTED) for reference in EXPECTED[document]])
def test_learning_outcomes_and_criteria_per_unit(specifications: dict[str, Specification],
                                                  document: str, reference: str) -> None:
    unit = specifications[document].unit(reference)
    assert [len(lo.criteria) for lo in unit.learning_outcomes] == EXPECTED[document][reference]
    for position, outcome in enumerate(unit.learning_outcomes, start=1):
        assert outcome.number == str(position)
        assert [ac.number for ac in outcome.criteria] == [f"{position}.{k}" for k in range(1, len(outcome.criteria) + 1)]
        assert all(ac.text for ac in outcome.criteria)


@pytest.mark.parametrize(("document", "reference", "number", "text"), [
    (HIGHFIELD, "J/506/2132", "1.2", 'Define the term "service offer"'),
    (HIGHFIELD, "A/506/1964", "1.2", "Explain the functions of different organisational structures"),
    (HIGHFIELD, "Y/506/2135", "2.1", "Identify differences between customers' expectations and needs and the service offer"),
    (HIGHFIELD, "T/505/4673", "1.2", "Describe two health and safety laws affecting the workplace."),
    (PEARSON, "Y/506/2152", "1.1", "Explain the value of customer service as a competitive tool"),
    (PEARSON, "D/506/2119", "1.1", "Explain the importance of effective communication in customer service"),
    (PEARSON, "J/506/2910", "2.1", "Explain the term 'customer retention'"),
    (PEARSON, "T/506/2952", "1.1", "Compare sources of information on professional development trends and their validity"),
    (SFJ, "K/601/1622", "3.15", "Outline the service offer of competitors of their organisation or any organisations offering similar services or products."),
    (SFJ, "H/601/1215", "2.2", "Select and retrieve relevant information for customers or colleagues following the organisation's guidelines."),
    (SFJ, "K/601/1524", "4.4", "Describe the types of complaints that could have wider implications for their organisation."),
    (SFJ, "J/601/1627", "3.3", "State the limits of their own authority and who else in the organisation needs to be involved if they cannot authorise improvements alone."),
    (SFJ, "D/601/1228", "3.1", "Identify the factors that lead to customers' belief that they are enjoying value for money."),
    (BIIAB, "L/506/1807", "1.3", "Explain any constraints relating to making bookings for people or facilities"),
    (BIIAB, "H/506/1814", "1.1", "Explain the receptionist's role in representing an organisation"),
    (GQA, "D/618/0469", "1.1", "Compare sources of information on professional development trends and their validity"),
    (GQA, "M/618/0489", "1.1", "Explain the difference between equality, diversity and inclusion") ,
])
def test_criterion_text_as_printed(specifications: dict[str, Specification], document: str,
                                   reference: str, number: str, text: str) -> None:
    assert criterion_text(specifications[document], reference, number) == text


def test_pearson_amplification_sample(specifications: dict[str, Specification]) -> None:
    pearson = specifications[PEARSON]
    ac13 = amplification(pearson, "Y/506/2152", "1.3")
    assert [point["id"] for point in ac13] == ["AC1.3/1"]
    assert ac13[0]["text"] == "Techniques for identifying service failures:"
    assert ac13[0]["children"][0] == {
        "id": "AC1.3/1/1",
        "text": "analysis of customer feedback negative feedback, specific issues where poor service cited",
        "children": []}
    ac41 = amplification(pearson, "Y/506/2152", "4.1")
    assert [point["text"] for point in ac41] == [
        "Consumer-related legislation:",
        "Implications of consumer-related legislation on customer service delivery:"]
    assert ac41[0]["children"][0]["text"] == "Consumer Rights Act 2015"
    assert len(ac41[0]["children"][0]["children"]) == 5
    assert ac41[0]["children"][2]["id"] == "AC4.1/1/3"
    assert ac41[0]["children"][2]["text"].startswith("Consumer Credit Act 1974 credit agreements")
    ac11 = amplification(pearson, "J/506/2910", "1.1")
    assert len(ac11) == 1 and ac11[0]["id"] == "AC1.1/1" and ac11[0]["text"].startswith("Customer experience: sum of")
    ac24 = amplification(pearson, "D/506/1942", "2.4")
    assert ac24[0]["text"] == "Eight stage process for new product development"
    assert len(ac24[0]["children"]) == 8
    assert ac24[0]["children"][6]["text"].endswith("advertising activities, distribution pipeline, critical path analysis")
    ac31 = amplification(pearson, "J/506/2910", "3.1")
    assert [point["text"] for point in ac31] == ["Performance data:", "Analysis techniques:"]
    assert ac31[1]["children"][2] == {"id": "AC3.1/2/3", "text": "performance measured matched to bench mark (meeting, exceeding)",
                                      "children": []}


def test_every_pearson_knowledge_criterion_has_amplification(specifications: dict[str, Specification]) -> None:
    for unit in specifications[PEARSON].units:
        if unit.unit_type != "knowledge":
            continue
        for outcome in unit.learning_outcomes:
            for criterion in outcome.criteria:
                assert criterion.amplification, f"{unit.reference} AC {criterion.number}"


def test_onscreen_tests(specifications: dict[str, Specification]) -> None:
    tests = {unit.reference: (unit.onscreen_test.minutes, unit.onscreen_test.marks)
             for unit in specifications[PEARSON].units if unit.onscreen_test}
    assert tests == {"Y/506/2152": (45, 30), "D/506/1942": (45, 30), "J/506/2910": (35, 25)}


def test_qualifications_and_rules(specifications: dict[str, Specification]) -> None:
    numbers = {document: spec.qualification.number for document, spec in specifications.items()}
    assert numbers == {HIGHFIELD: "601/4026/4", PEARSON: "Pearson BTEC Level 3 Diploma in Customer Service",
                       SFJ: "601/1109/4", BIIAB: "601/3734/4", GQA: "603/5637/6"}
    highfield = {group.name: (group.min_credits, group.max_credits, len(group.unit_references))
                 for group in specifications[HIGHFIELD].qualification.groups}
    assert highfield == {"Mandatory": (None, None, 5), "Group A": (3, None, 2), "Group B": (16, None, 17),
                         "Group C": (None, 7, 15)}
    pearson = {group.name: (group.mandatory, group.min_credits, group.max_credits, len(group.unit_references))
               for group in specifications[PEARSON].qualification.groups}
    assert pearson == {"Group A": (True, 31, None, 6), "Group B": (False, 15, None, 22), "Group C": (False, None, 9, 17)}


def test_unit_details(specifications: dict[str, Specification]) -> None:
    unit = specifications[PEARSON].unit("D/506/1942")
    assert (unit.title, unit.level, unit.credit, unit.glh, unit.unit_type) == (
        "Principles of Business", 3, 10, 74, "knowledge")
    sfj_unit = specifications[SFJ].unit("K/601/1622")
    assert (sfj_unit.title, sfj_unit.level, sfj_unit.credit, sfj_unit.glh) == (
        "Demonstrate understanding of customer service", 3, 6, 40)


def test_corrections_are_applied_and_listed(specifications: dict[str, Specification]) -> None:
    pearson = specifications[PEARSON]
    anchors = [correction.anchor for correction in pearson.corrections]
    assert "T/506/2952 ac 1.1 text (line 1757)" in anchors
    assert pearson.unit("H/506/2977").learning_outcomes[0].text == "Understand how to support customers using self-service equipment"
    assert not [w for spec in specifications.values() for w in spec.warnings if "no longer matches" in w.message]


def test_a_stale_correction_is_reported() -> None:
    stale = Correction(PEARSON, "Y/506/2152", "ac 1.1", "text", "some text the parser no longer reads",
                       "replacement", "problem", "why", 956)
    specification = parse_specification(DATA_DIR / PEARSON, corrections=[stale])
    assert criterion_text(specification, "Y/506/2152", "1.1") == "Explain the value of customer service as a competitive tool"
    assert any("no longer matches" in warning.message for warning in specification.warnings)
    assert not specification.corrections


def test_parser_warnings_name_file_and_line(specifications: dict[str, Specification]) -> None:
    warnings = [str(w) for w in specifications[PEARSON].warnings]
    assert "001_104cb6e23c3ebe91.txt:956: AC number lost; read as AC 1.1, the first of LO 1" in warnings


@pytest.mark.parametrize("content", ["just some notes\nnothing to see\n", "Unit 1: A title\n1.1 Explain things\n"])
def test_a_file_that_is_not_a_specification_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NotASpecificationError, match="notes.txt: not a qualification specification"):
        parse_specification(path)


def test_a_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(NotASpecificationError, match="not a text document"):
        parse_specification(path)


def test_interleaved_sfj_learning_outcome_is_corrected(specifications: dict[str, Specification]) -> None:
    unit = specifications[SFJ].unit("D/601/1228")
    assert unit.learning_outcomes[2].text == "Understand how to use customer service as a competitive tool."
    assert any(c.anchor == "D/601/1228 lo 3 text (line 494)" for c in specifications[SFJ].corrections)


def test_every_correction_is_reasoned_and_changes_something() -> None:
    corrections = load_corrections(CORRECTIONS_FILE)
    assert corrections
    for correction in corrections:
        assert correction.problem and correction.why, correction.anchor
        assert correction.found != correction.correct, correction.anchor
        assert correction.document in EXPECTED, correction.anchor
