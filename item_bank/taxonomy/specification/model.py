"""Plain data the specification parser produces: no Flask, no database.

The shapes mirror the taxonomy (qualification -> unit -> learning outcome -> assessment
criterion -> amplification point) so that the import service can map them one to one.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParseWarning:
    """A place in a document the parser could not read by rule alone."""

    document: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.document}:{self.line}: {self.message}"


@dataclass
class AmplificationPoint:
    """One bullet of a criterion's amplification, with its sub-bullets in order."""

    text: str
    line: int
    children: list[AmplificationPoint] = field(default_factory=list)


@dataclass
class AssessmentCriterion:
    number: str  # "1.3"
    text: str
    line: int
    amplification: list[AmplificationPoint] = field(default_factory=list)


@dataclass
class LearningOutcome:
    number: str  # "1"
    text: str  # empty where the document prints no LO text (BIIAB checklists)
    line: int
    criteria: list[AssessmentCriterion] = field(default_factory=list)


@dataclass(frozen=True)
class OnscreenTest:
    minutes: int
    marks: int


@dataclass
class Unit:
    reference: str  # "Y/506/2152"
    title: str
    line: int
    level: int | None = None
    credit: int | None = None
    glh: int | None = None
    unit_type: str | None = None  # "knowledge" or "competence"
    onscreen_test: OnscreenTest | None = None
    learning_outcomes: list[LearningOutcome] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # the document's other codes for it: "Unit 2", "CS1"


@dataclass
class UnitGroup:
    """A mandatory group or an optional group of the qualification's rules of combination."""

    name: str
    mandatory: bool
    unit_references: list[str] = field(default_factory=list)
    min_credits: int | None = None
    max_credits: int | None = None


@dataclass(frozen=True)
class CreditRule:
    """At least `min_credits` from `groups` (every group when empty), counting only units whose
    level lies in `min_level`..`max_level` (None: no bound)."""

    min_credits: int
    groups: tuple[str, ...] = ()
    min_level: int | None = None
    max_level: int | None = None
    text: str = ""  # the rule as the document states it
    line: int = 0

    def __str__(self) -> str:
        scope = ", ".join(self.groups) if self.groups else "all groups"
        if self.min_level is None:
            levels = ""
        elif self.max_level == self.min_level:
            levels = f" at level {self.min_level}"
        else:
            levels = f" at level {self.min_level} or above"
        return f"at least {self.min_credits} credits{levels} from {scope}"


@dataclass(frozen=True)
class BarredCombination:
    """Units of which a learner may count only one towards the qualification."""

    unit_references: tuple[str, ...]
    text: str = ""
    line: int = 0

    def __str__(self) -> str:
        return f"barred together: {', '.join(self.unit_references)}"


@dataclass
class Qualification:
    number: str  # Ofqual number, or a stand-in where the document prints none
    title: str
    awarding_body: str
    level: int | None = None
    total_credits: int | None = None
    groups: list[UnitGroup] = field(default_factory=list)
    credit_rules: list[CreditRule] = field(default_factory=list)
    barred: list[BarredCombination] = field(default_factory=list)
    unstated_groups: list[str] = field(default_factory=list)  # groups whose requirement the document leaves open


@dataclass(frozen=True)
class AppliedCorrection:
    """A reviewed correction from corrections.yaml that matched the document."""

    document: str
    anchor: str
    problem: str
    correction: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.document} {self.anchor}: {self.problem} -> {self.correction}"


@dataclass
class Specification:
    """Everything one document yields."""

    document: str  # file name
    qualification: Qualification
    units: list[Unit]
    warnings: list[ParseWarning] = field(default_factory=list)
    corrections: list[AppliedCorrection] = field(default_factory=list)

    def unit(self, reference: str) -> Unit:
        for unit in self.units:
            if unit.reference == reference:
                return unit
        raise KeyError(f"{self.document}: no unit {reference}")
