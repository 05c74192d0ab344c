"""What a standard-setting panel sees between rounds, and the decision with its evidence.

Impact data: the share of past candidates of the unit who would pass at a round's
standard, each graded on the items they were actually given exactly as the decided
standard will grade them (`delivery.services.grading.grade_at`: their own form's pass mark;
an adaptive candidate by the ability estimate against the ability cut where the round has
one). Live
candidates are used; where the unit has none yet, rehearsal candidates, labelled simulated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exam_engine.auth.models import User
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt, AttemptItem
from exam_engine.delivery.services.grading import grade_at
from exam_engine.results.services.outcomes import ended_attempts
from invigilation.models.sessions import Sitting, TestSession
from item_bank.standards.models import StandardStudy
from item_bank.standards.services import RoundSummary, decide, round_summary


@dataclass(frozen=True)
class Impact:
    """Past candidates who would pass at a round's standard."""

    candidates: int  # judged (their forms are covered by the round's judgements)
    passing: int
    simulated: bool  # from rehearsal candidates: the unit has no live ones yet
    not_covered: int = 0  # candidates whose form has items the study does not cover

    @property
    def rate(self) -> float | None:
        return self.passing / self.candidates if self.candidates else None

    def describe(self) -> str:
        if not self.candidates:
            return "no past candidates yet: no impact data"
        source = "simulated (rehearsal) candidates" if self.simulated else "past candidates"
        return f"{self.rate:.0%} of {self.candidates} {source} would pass ({self.passing})"


def evidence_attempts(unit: str) -> tuple[list[Attempt], bool]:
    """The unit's ended live attempts, or else its rehearsal attempts (then True: simulated)."""
    live = ended_attempts(unit=unit)
    if live:
        return live, False
    rehearsed = db.session.scalars(
        select(Attempt).join(Sitting, Sitting.id == Attempt.sitting_id).join(TestSession)
        .where(Attempt.unit_reference == unit, Attempt.ended_at.is_not(None), TestSession.rehearsal.is_(True))
        .options(selectinload(Attempt.items).selectinload(AttemptItem.item_version))).all()
    return list(rehearsed), True


def impact(summary: RoundSummary, unit: str) -> Impact:
    """How many past candidates would pass at the round's standard, graded as the decided standard
    would grade them (`grade_at`); those whose items the round does not value are counted apart."""
    attempts, simulated = evidence_attempts(unit)
    values = summary.item_values()
    verdicts = [grade_at(attempt, values, summary.theta_cut).passed for attempt in attempts]
    judged = [passed for passed in verdicts if passed is not None]
    return Impact(len(judged), sum(judged), simulated, len(verdicts) - len(judged))


@dataclass(frozen=True)
class RoundReport:
    summary: RoundSummary
    impact: Impact


def round_reports(study: StandardStudy) -> list[RoundReport]:
    """Every completed round's summary and impact, first round first."""
    reports = []
    for number in range(1, study.round + 1):
        summary = round_summary(study, number)
        if summary is not None:
            reports.append(RoundReport(summary, impact(summary, study.unit_reference)))
    return reports


def decide_with_evidence(study: StandardStudy, actor: User, rationale: str) -> StandardStudy:
    """Decide the standard, keeping every round's spread and impact as the decision's evidence."""
    evidence = {"rounds": [{**report.summary.as_dict(), "impact": {**asdict(report.impact),
                                                                    "rate": report.impact.rate}}
                           for report in round_reports(study)]}
    return decide(study, actor, rationale, evidence)
