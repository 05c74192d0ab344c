"""BIIAB learner unit achievement checklist (document 003).

One checklist per unit: `L/506/1807 Manage diary systems [- Mandatory Unit]`, then its
criteria one per line (`1.1 Explain ...`). The checklist prints no LO text and no level,
credit or hours, so learning outcomes carry only the number their criteria imply.
"""
from __future__ import annotations

import re

from .model import AssessmentCriterion, LearningOutcome, ParseWarning, Qualification, Specification, Unit, UnitGroup
from .rules import note_unstated
from .text import clean

AWARDING_BODY = "BIIAB"
TITLE = "BIIAB Level 2 Diploma in Customer Service"
_UNIT_START = re.compile(r"^([A-Z]/\d{3}/\d{4}) (.+?)(\s+- Mandatory Unit)?\s*$")
_CRITERION = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?\s+(\S.*)$")


def is_biiab(text: str) -> bool:
    return "BIIAB" in text[:500] and "Learner Unit Achievement Checklist" in text[:500]


def parse(text: str, document: str) -> Specification:
    warnings: list[ParseWarning] = []
    units: list[Unit] = []
    mandatory = UnitGroup("Mandatory", True)
    optional = UnitGroup("Optional", False)
    for index, line in enumerate(text.splitlines()):
        number = index + 1
        if match := _UNIT_START.match(line):
            reference, title, is_mandatory = match.groups()
            units.append(Unit(reference, clean(title), number))
            (mandatory if is_mandatory else optional).unit_references.append(reference)
        elif units and (match := _CRITERION.match(line)):
            lo_number, ac_number = match.group(1), f"{match.group(1)}.{match.group(2)}"
            unit = units[-1]
            if not unit.learning_outcomes or unit.learning_outcomes[-1].number != lo_number:
                unit.learning_outcomes.append(LearningOutcome(lo_number, "", number))
            unit.learning_outcomes[-1].criteria.append(AssessmentCriterion(ac_number, clean(match.group(3)), number))
    number_match = re.search(r"^(\d{3}/\d{4}/\d)\s*$", text, re.MULTILINE)
    qualification = Qualification(number_match.group(1) if number_match else "", TITLE, AWARDING_BODY,
                                  level=2, groups=[mandatory, optional])
    note_unstated(qualification)
    return Specification(document, qualification, units, warnings)
