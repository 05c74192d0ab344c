"""Highfield qualification specification (document 000).

Appendix 1 holds the rules of combination (a mandatory group, optional groups A-C with
minimum/maximum credits); Appendix 2 holds one page per unit: `Unit 1: Title`, `Unit number:`,
`Credit:`, `GLH:`, `Level:`, then rows `1. LO text<TAB>1.1 AC text 1.2 AC text ...` where all
of an LO's criteria share one cell (sometimes wrapped in HTML `<p>`/`<ul>` tags, sometimes
with no space before the next number). Appendix 3 (sample assessment) is not unit content.
"""
from __future__ import annotations

import re

from .model import AssessmentCriterion, LearningOutcome, ParseWarning, Qualification, Specification, Unit, UnitGroup
from .rules import read_rules, section
from .text import clean, join

AWARDING_BODY = "Highfield Qualifications"
_UNIT_START = re.compile(r"^Unit (\d+): (.*\S)\s*$")
_FIELD = re.compile(r"^(Unit number|Credit|GLH|Level):\s*(\S+)")
_TAG = re.compile(r"<[^>]+>")
_LO_CELL = re.compile(r"^(\d{1,2})\.?\s+(\S.*)$")
_AC_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.?\s*(?=[A-Z])")
_GROUP = re.compile(r"^(Mandatory Units|Optional Group ([A-Z]))\s*$")
_STRUCTURE_ROW = re.compile(r"^([A-Z]/\d{3}/\d{4})\t")
_STRUCTURE = "Appendix 1: Qualification structure"
_CONTENT = "Appendix 2: Qualification content"


def is_highfield(text: str) -> bool:
    return "Highfield" in text[:3000] and "Unit number:" in text


def split_criteria(cell: str) -> list[tuple[str, str]]:
    """`1.1 Explain a 1.2 Describe b` -> [("1.1", "Explain a"), ("1.2", "Describe b")]."""
    matches = list(_AC_NUMBER.finditer(cell))
    result = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(cell)
        result.append((f"{match.group(1)}.{match.group(2)}", clean(cell[match.end():end])))
    return result


def _groups(lines: list[str]) -> list[UnitGroup]:
    groups: list[UnitGroup] = []
    for line in lines:
        if line.strip() == _CONTENT:
            break
        if match := _GROUP.match(line.strip()):
            mandatory = match.group(2) is None
            groups.append(UnitGroup("Mandatory" if mandatory else f"Group {match.group(2)}", mandatory))
        elif groups and (credits := re.search(r"(\d+) credits\*\* from this group", line)):
            amount = int(credits.group(1))
            if "minimum" in line:
                groups[-1].min_credits = amount
            else:
                groups[-1].max_credits = amount
        elif groups and (match := _STRUCTURE_ROW.match(line)):
            groups[-1].unit_references.append(match.group(1))
    return groups


def _read_row(unit: Unit, number: int, line: str, document: str, warnings: list[ParseWarning]) -> None:
    cells = [clean(_TAG.sub(" ", cell)) for cell in line.split("\t")]
    lo_cell, rest = cells[0], " ".join(cells[1:])
    if lo_cell and (match := _LO_CELL.match(lo_cell)):
        unit.learning_outcomes.append(LearningOutcome(match.group(1), clean(match.group(2)), number))
    elif lo_cell:
        warnings.append(ParseWarning(document, number, f"row without an LO number ignored: {lo_cell[:40]!r}"))
        return
    criteria = split_criteria(rest)
    if not criteria:
        if unit.learning_outcomes and unit.learning_outcomes[-1].criteria and rest:
            last = unit.learning_outcomes[-1].criteria[-1]
            last.text = join(last.text, rest)
            warnings.append(ParseWarning(document, number, f"wrapped text joined to AC {last.number}"))
        return
    for ac_number, text in criteria:
        lo_number = ac_number.split(".")[0]
        previous = unit.learning_outcomes[-1] if unit.learning_outcomes else None
        lost_outcome_row = previous is None or (
            not lo_cell and previous.number != lo_number and bool(previous.criteria))
        if lost_outcome_row and not any(lo.number == lo_number for lo in unit.learning_outcomes):
            unit.learning_outcomes.append(LearningOutcome(lo_number, "", number))
            warnings.append(ParseWarning(document, number,
                                         f"LO {lo_number} has no row of its own (LO number and text lost)"))
        outcome = unit.learning_outcomes[-1]
        if lo_number != outcome.number:
            position = len(outcome.criteria) + 1
            warnings.append(ParseWarning(document, number, f"AC {ac_number} printed under LO {outcome.number}; "
                                                           f"read as {outcome.number}.{position}"))
            ac_number = f"{outcome.number}.{position}"
        outcome.criteria.append(AssessmentCriterion(ac_number, text, number))


def parse(text: str, document: str) -> Specification:
    lines = text.splitlines()
    warnings: list[ParseWarning] = []
    units: list[Unit] = []
    content = False
    for index, line in enumerate(lines):
        number = index + 1
        if line.strip() == _CONTENT:
            content = True
            continue
        if line.strip() == "Appendix 3: Sample assessment material":
            break
        if not content:
            continue
        if match := _UNIT_START.match(line):
            units.append(Unit("", clean(match.group(2)), number, codes=[f"Unit {match.group(1)}"]))
        elif not units:
            continue
        elif match := _FIELD.match(line):
            name, value = match.groups()
            if name == "Unit number":
                units[-1].reference = value
            else:
                setattr(units[-1], {"Credit": "credit", "GLH": "glh", "Level": "level"}[name], int(value))
        elif "\t" in line and not line.startswith(("Learning Outcomes", "<i>")):
            _read_row(units[-1], number, line, document, warnings)
    for unit in units:
        unit.unit_type = infer_unit_type(unit)
    title = re.search(r"Highfield Level 2 Diploma in Customer Service \(RQF\)", text)
    number_match = re.search(r"Qualification Number:\s*(\d{3}/\d{4}/\d)", text)
    credits = re.search(r"^Credit value:\s*(\d+)", text, re.MULTILINE)
    qualification = Qualification(number_match.group(1) if number_match else "",
                                  title.group(0) if title else "Highfield Level 2 Diploma in Customer Service",
                                  AWARDING_BODY, level=2, total_credits=int(credits.group(1)) if credits else None,
                                  groups=_groups(lines))
    structure = section(lines, lambda line: line.strip() == _STRUCTURE, lambda line: line.strip() == _CONTENT)
    read_rules(structure, qualification, document, warnings)
    return Specification(document, qualification, units, warnings)


def infer_unit_type(unit: Unit) -> str:
    """Knowledge where every LO is to understand or know, competence otherwise (RQF convention)."""
    knowledge = all(lo.text.startswith(("Understand", "Know")) for lo in unit.learning_outcomes if lo.text)
    return "knowledge" if knowledge and unit.learning_outcomes else "competence"
