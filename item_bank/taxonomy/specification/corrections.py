"""Reviewed corrections (`corrections.yaml`) for places the parser cannot recover by rule.

Each entry names the document, the unit, the target (`unit`, `lo 2`, `ac 1.1`), the field
(`text`, a unit field, or an LO's whole `criteria` list as [number, text] pairs),
what the parser reads there now (`found`, null where the element is missing) and the
corrected value, with the problem and the reason. A correction applies only while `found`
still matches, so a fixed document or parser never has text silently overwritten; an entry
that matches nothing is reported as a warning instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .model import AppliedCorrection, AssessmentCriterion, LearningOutcome, ParseWarning, Specification, Unit

_TARGET = re.compile(r"^(unit|lo (\d+)|ac (\d+)\.(\d+))$")
_UNIT_FIELDS = {"title", "reference", "level", "credit", "glh", "unit_type"}


class CorrectionsError(ValueError):
    """The corrections file itself is malformed."""


@dataclass(frozen=True)
class Correction:
    document: str
    unit: str
    target: str
    field: str
    found: Any
    correct: Any
    problem: str
    why: str
    line: int | None = None

    @property
    def anchor(self) -> str:
        line = f" (line {self.line})" if self.line else ""
        return f"{self.unit} {self.target} {self.field}{line}"


def load_corrections(path: Path) -> list[Correction]:
    """Read and check the corrections file; a malformed entry is an error, not a skip."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    corrections = []
    for position, entry in enumerate(entries, start=1):
        missing = {"document", "unit", "target", "field", "found", "correct", "problem", "why"} - set(entry)
        if missing:
            raise CorrectionsError(f"{path}: entry {position} lacks {', '.join(sorted(missing))}")
        if not _TARGET.match(str(entry["target"])):
            raise CorrectionsError(f"{path}: entry {position}: target {entry['target']!r} "
                                   "is not 'unit', 'lo N' or 'ac N.M'")
        corrections.append(Correction(**{key: entry.get(key) for key in Correction.__dataclass_fields__}))
    return corrections


def _find_unit(specification: Specification, reference: str) -> Unit | None:
    return next((unit for unit in specification.units if unit.reference == reference), None)


def _outcome(unit: Unit, number: str, create: bool) -> LearningOutcome | None:
    outcome = next((lo for lo in unit.learning_outcomes if lo.number == number), None)
    if outcome is None and create:
        outcome = LearningOutcome(number, "", 0)
        unit.learning_outcomes.append(outcome)
        unit.learning_outcomes.sort(key=lambda lo: int(lo.number))
    return outcome


def _criterion(outcome: LearningOutcome, number: str, create: bool) -> AssessmentCriterion | None:
    criterion = next((ac for ac in outcome.criteria if ac.number == number), None)
    if criterion is None and create:
        criterion = AssessmentCriterion(number, "", 0)
        outcome.criteria.append(criterion)
        outcome.criteria.sort(key=lambda ac: int(ac.number.split(".")[1]))
    return criterion


def _apply_one(specification: Specification, correction: Correction) -> str | None:
    """Apply one correction; return why it did not match, or None when applied."""
    unit = _find_unit(specification, correction.unit)
    if unit is None:
        return f"no unit {correction.unit}"
    match = _TARGET.match(correction.target)
    assert match is not None
    create = correction.found is None
    element: Unit | LearningOutcome | AssessmentCriterion | None
    if match.group(1) == "unit":
        element = unit
        if correction.field not in _UNIT_FIELDS:
            return f"unit has no field {correction.field!r}"
    elif match.group(2):
        element = _outcome(unit, match.group(2), create)
    else:
        outcome = _outcome(unit, match.group(3), create)
        element = _criterion(outcome, f"{match.group(3)}.{match.group(4)}", create) if outcome else None
    if element is None:
        return f"no {correction.target} in unit {correction.unit}"
    if not hasattr(element, correction.field):
        return f"{correction.target} has no field {correction.field!r}"
    if correction.field == "criteria" and isinstance(element, LearningOutcome):
        current: Any = [[criterion.number, criterion.text] for criterion in element.criteria]
        corrected: Any = [AssessmentCriterion(str(number), str(text), 0) for number, text in correction.correct]
    else:
        current, corrected = getattr(element, correction.field), correction.correct
    if not create and current != correction.found:
        return f"{correction.target} {correction.field} reads {current!r}, not {correction.found!r}"
    setattr(element, correction.field, corrected)
    return None


def apply_corrections(specification: Specification, corrections: list[Correction]) -> None:
    """Apply this document's corrections, recording each applied one and each stale one."""
    for correction in corrections:
        if correction.document != specification.document:
            continue
        failure = _apply_one(specification, correction)
        if failure is None:
            specification.corrections.append(AppliedCorrection(
                correction.document, correction.anchor, correction.problem,
                f"{correction.field} set to {correction.correct!r} ({correction.why})", correction.line))
        else:
            specification.warnings.append(ParseWarning(
                correction.document, correction.line or 0,
                f"correction for {correction.anchor} no longer matches: {failure}"))
