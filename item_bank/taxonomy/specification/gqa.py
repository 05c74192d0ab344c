"""GQA qualification handbook (document 004).

The structure table lists the mandatory units and two optional groups with their minimum
credits; each unit page starts `H/618/0196<TAB>Title<TAB>Level 3<TAB>5 Credits`, then its
GQA code (`CS1`), a summary, and an LO/AC table ending at `Assessor comments`.
"""
from __future__ import annotations

import re

from .model import ParseWarning, Qualification, Specification, Unit, UnitGroup
from .outcome_table import OutcomeTableReader
from .rules import read_rules, section
from .text import clean

AWARDING_BODY = "GQA Qualifications"
TITLE = "GQA Level 3 Diploma in Customer Service"
_UNIT_START = re.compile(r"^([A-Z]/\d{3}/\d{4})\t(.+?)\tLevel (\d)\t(\d+) Credits")
_STRUCTURE_ROW = re.compile(r"^([A-Z]/\d{3}/\d{4})\t([^\t]+)\t(\d)\t(\d+)\s*$")
_GROUP = re.compile(r"^Optional Group (\d+) \((Minimum|Maximum) of (\d+) Credits\)")
_GQA_CODE = re.compile(r"^CS\d+\b")


def is_gqa(text: str) -> bool:
    return "GQA" in text[:1000] and "Assessor comments" in text


def _structure(lines: list[str]) -> tuple[list[UnitGroup], dict[str, tuple[int, int]]]:
    """Groups and each unit's (level, credit) from the qualification structure table."""
    groups: list[UnitGroup] = []
    stated: dict[str, tuple[int, int]] = {}
    for line in lines:
        if line.startswith("Unit No\tMandatory Units"):
            groups = [UnitGroup("Mandatory", True)]
        elif groups and (match := _GROUP.match(line)):
            group = UnitGroup(f"Optional Group {match.group(1)}", False)
            setattr(group, "min_credits" if match.group(2) == "Minimum" else "max_credits", int(match.group(3)))
            groups.append(group)
        elif groups and (match := _STRUCTURE_ROW.match(line)):
            groups[-1].unit_references.append(match.group(1))
            stated[match.group(1)] = (int(match.group(3)), int(match.group(4)))
        elif groups and line.startswith("Achievement of the required credit"):
            break
    return groups, stated


def parse(text: str, document: str) -> Specification:
    lines = text.splitlines()
    warnings: list[ParseWarning] = []
    groups, stated = _structure(lines)
    units: list[Unit] = []
    table: OutcomeTableReader | None = None
    for index, line in enumerate(lines):
        number = index + 1
        if match := _UNIT_START.match(line):
            reference, title, level, credit = match.groups()
            units.append(Unit(reference, clean(title), number, level=int(level), credit=int(credit)))
            table = OutcomeTableReader(document, warnings)
            if stated.get(reference, (int(level), int(credit))) != (int(level), int(credit)):
                warnings.append(ParseWarning(
                    document, number, f"unit {reference}: level/credit {level}/{credit} on its page, "
                    f"{stated[reference][0]}/{stated[reference][1]} in the structure table; page kept"))
        elif table is not None and _GQA_CODE.match(line) and not units[-1].codes:
            units[-1].codes.append(line.split("\t")[0].strip())
        elif table is not None:
            if line.startswith("Assessor comments"):
                units[-1].learning_outcomes = table.learning_outcomes
                table = None
            elif "\t" in line and not _GQA_CODE.match(line):
                table.add_row(number, line.split("\t"))
    for unit in units:
        unit.unit_type = infer_unit_type(unit)
    number_match = re.search(r"Qualification Number\s*\n\s*(\d{3}/\d{4}/\d)", text)
    qualification = Qualification(number_match.group(1) if number_match else "", TITLE, AWARDING_BODY,
                                  level=3, groups=groups)
    structure = section(lines, lambda line: line.startswith("Unit No\tMandatory Units"),
                        lambda line: line.startswith("Achievement of the required credit"))
    read_rules(structure, qualification, document, warnings)
    return Specification(document, qualification, units, warnings)


def infer_unit_type(unit: Unit) -> str:
    """Knowledge where every LO is to understand or know, competence otherwise (RQF convention)."""
    knowledge = all(lo.text.startswith(("Understand", "Know")) for lo in unit.learning_outcomes if lo.text)
    return "knowledge" if knowledge and unit.learning_outcomes else "competence"
