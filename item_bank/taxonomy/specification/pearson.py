"""Pearson BTEC specification (document 001): structure tables, unit pages, amplification.

A unit page starts `Unit 2: Title` (the title may wrap), then `Unit reference number:`,
`Level:`, `Credit value:`, `Guided learning hours:`, `Unit type:`; its LO/AC table follows
`Learning outcomes and assessment criteria`; knowledge criteria are amplified under
`AC1.1:` headings; the Assessment section states an onscreen test's minutes and marks.
"""
from __future__ import annotations

import re

from .amplification import AC_HEADING, parse_amplification
from .model import OnscreenTest, ParseWarning, Qualification, Specification, Unit, UnitGroup
from .outcome_table import OutcomeTableReader
from .rules import read_rules, section
from .text import clean

TITLE = "Pearson BTEC Level 3 Diploma in Customer Service"
AWARDING_BODY = "Pearson"
_UNIT_START = re.compile(r"^Unit (\d+): (.*\S)\s*$")
_REFERENCE = re.compile(r"^Unit reference number:\s*([A-Z]/\d{3}/\d{4})")
_FIELD = re.compile(r"^(Level|Credit value|Guided learning hours|Unit type):\s*(\S.*)$"
                    r"|^(Unit type)\s+(Knowledge|Competence)\s*$")
_TEST = re.compile(r"The test lasts for (\d+) minutes and is worth (\d+) marks")
_STRUCTURE_ROW = re.compile(r"^(\d+)\t([A-Z]/\d{3}/\d{4})\t")
_GROUP = re.compile(r"^(Mandatory|Optional) Group ([A-Z]): (.*)$")
_TABLE_END = re.compile(r"^(Unit amplification|Information for tutors|Assessment|AC\s?\d)")


def is_pearson(text: str) -> bool:
    return "Pearson BTEC" in text[:2000] and "Unit reference number:" in text


def _unit_spans(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) line indexes of each unit page, found by its reference line."""
    starts: list[int] = []
    for index, line in enumerate(lines):
        if _REFERENCE.match(line):
            for back in range(index - 1, max(index - 10, -1), -1):
                if _UNIT_START.match(lines[back]):
                    starts.append(back)
                    break
    return [(start, starts[i + 1] if i + 1 < len(starts) else len(lines)) for i, start in enumerate(starts)]


def _groups(lines: list[str]) -> list[UnitGroup]:
    """Rules of combination from section 4: groups A, B, C and their unit rows."""
    groups: list[UnitGroup] = []
    for line in lines:
        if match := _GROUP.match(line):
            rule = match.group(3)
            minimum = re.search(r"(?:achieve|minimum of) (\d+) credits", rule)
            maximum = re.search(r"maximum of (\d+) credits", rule)
            mandatory = match.group(1) == "Mandatory"
            groups.append(UnitGroup(f"Group {match.group(2)}", mandatory,
                                    min_credits=int(minimum.group(1)) if minimum else None,
                                    max_credits=int(maximum.group(1)) if maximum else None))
        elif groups and (match := _STRUCTURE_ROW.match(line)):
            groups[-1].unit_references.append(match.group(2))
        elif line.startswith("5 Programme delivery"):
            break
    return groups


def _unit(lines: list[str], start: int, end: int, document: str, warnings: list[ParseWarning]) -> Unit:
    heading = _UNIT_START.match(lines[start])
    assert heading is not None
    title_parts = [heading.group(2)]
    index = start + 1
    while not _REFERENCE.match(lines[index]):
        if lines[index].strip():
            title_parts.append(lines[index].strip())
        index += 1
    reference_match = _REFERENCE.match(lines[index])
    assert reference_match is not None
    unit = Unit(reference_match.group(1), clean(" ".join(title_parts)), start + 1, codes=[f"Unit {heading.group(1)}"])

    table = OutcomeTableReader(document, warnings)
    in_table = False
    amplification_lines: dict[str, list[tuple[int, str]]] = {}
    current_ac: str | None = None
    for position in range(index + 1, end):
        line = lines[position]
        number = position + 1
        if match := _FIELD.match(line):
            name, value = [group for group in match.groups() if group is not None]
            if name == "Unit type":
                unit.unit_type = value.strip().lower()
            elif (digits := re.match(r"\d+", value)) is not None:
                setattr(unit, {"Level": "level", "Credit value": "credit",
                               "Guided learning hours": "glh"}[name], int(digits.group()))
            continue
        if line.strip() == "Learning outcomes and assessment criteria":
            in_table = True
            continue
        if in_table:
            if _TABLE_END.match(line):
                in_table = False
            elif "\t" in line:
                table.add_row(number, line.split("\t"))
                continue
            else:
                continue
        if match := AC_HEADING.match(line):
            current_ac = f"{match.group(1)}.{match.group(2)}"
            amplification_lines[current_ac] = []
            continue
        if line.startswith("Information for tutors"):
            current_ac = None
        elif current_ac is not None:
            amplification_lines[current_ac].append((number, line))
        if match := _TEST.search(line):
            unit.onscreen_test = OnscreenTest(int(match.group(1)), int(match.group(2)))

    unit.learning_outcomes = table.learning_outcomes
    criteria = {c.number: c for lo in unit.learning_outcomes for c in lo.criteria}
    for ac_number, ac_lines in amplification_lines.items():
        if ac_number not in criteria:
            warnings.append(ParseWarning(
                document, ac_lines[0][0] - 1 if ac_lines else start + 1,
                f"amplification for AC {ac_number}, which unit {unit.reference} does not list"))
            continue
        criteria[ac_number].amplification = parse_amplification(ac_lines, document, warnings)
    return unit


def parse(text: str, document: str) -> Specification:
    lines = text.splitlines()
    warnings: list[ParseWarning] = []
    units = [_unit(lines, start, end, document, warnings) for start, end in _unit_spans(lines)]
    credits = re.search(r"Number of credits that must be achieved\t(\d+)", text)
    qualification = Qualification(TITLE, TITLE, AWARDING_BODY, level=3,
                                  total_credits=int(credits.group(1)) if credits else None,
                                  groups=_groups(lines))
    structure = section(lines, lambda line: line.strip() == "4 Qualification structure",
                        lambda line: line.startswith("5 Programme delivery"))
    read_rules(structure, qualification, document, warnings)
    return Specification(document, qualification, units, warnings)
