"""Qualification achievement: a learner's units, by onscreen test (a released pass) or recorded by
the centre as achieved by portfolio, against each qualification's rules of combination
(`item_bank.taxonomy.services.check_qualification`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.core.extensions import db
from exam_engine.results.models import PortfolioUnit
from exam_engine.results.services.decisions import ResultsError
from exam_engine.results.services.outcomes import ended_attempts, result_line
from invigilation.models.centres import Candidate
from invigilation.services.access import centre_ids_of
from item_bank.taxonomy.models import Qualification, Unit
from item_bank.taxonomy.services import QualificationCheck, check_qualification


@dataclass(frozen=True)
class AchievedUnit:
    unit: str
    how: str  # "onscreen test, released 12 May 2027" or "portfolio (centre's record)"


def achieved_units(candidates: Sequence[Candidate]) -> list[AchievedUnit]:
    """The units these candidate records (one learner's, at one or more centres) have achieved."""
    found: dict[str, str] = {}
    for candidate in candidates:
        for attempt in ended_attempts(learner_id=candidate.user_id):
            line = result_line(attempt)
            if line.release is not None and line.outcome.grade.passed:
                found.setdefault(attempt.unit_reference,
                                 f"onscreen test, released {line.release.released_at:%d %B %Y}")
    for record in db.session.scalars(select(PortfolioUnit).where(
            PortfolioUnit.candidate_id.in_([c.id for c in candidates])).order_by(PortfolioUnit.id)):
        found.setdefault(record.unit_reference, f"portfolio, recorded {record.recorded_at:%d %B %Y}")
    return [AchievedUnit(unit, how) for unit, how in sorted(found.items())]


def qualification_checks(units: Sequence[str]) -> list[QualificationCheck]:
    """Each qualification whose rules name at least one of the units, checked against all of them."""
    if not units:
        return []
    checks = []
    for qualification in db.session.scalars(select(Qualification).order_by(Qualification.number)):
        named = {reference for group in qualification.groups for reference in group.unit_references.split()}
        if named & set(units):
            checks.append(check_qualification(qualification.number, units))
    return checks


def record_portfolio_unit(candidate: Candidate, unit_reference: str, actor: User, evidence: str) -> PortfolioUnit:
    """The candidate's centre records a unit achieved by portfolio (with what the assessment rests on)."""
    unit_reference, evidence = unit_reference.strip().upper(), (evidence or "").strip()
    if candidate.centre_id not in centre_ids_of(actor):
        raise ResultsError("a unit is recorded by the candidate's own centre")
    if db.session.scalar(select(Unit.id).where(Unit.reference == unit_reference)) is None:
        raise ResultsError(f"unknown unit {unit_reference[:20]!r}: give its reference, e.g. Y/506/2152")
    if not evidence:
        raise ResultsError("say what the centre's assessment of the portfolio rests on")
    if db.session.scalar(select(PortfolioUnit.id).where(PortfolioUnit.candidate_id == candidate.id,
                                                        PortfolioUnit.unit_reference == unit_reference)):
        raise ResultsError(f"unit {unit_reference} is already recorded for candidate {candidate.candidate_number}")
    record = PortfolioUnit(candidate_id=candidate.id, unit_reference=unit_reference, evidence=evidence,
                           recorded_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    return record
