"""The rules the awarding body sets for sessions: the invigilation ratio of each qualification and
the on-demand booking rules of each unit (notice, resits, waiting period). Each change is recorded."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exam_engine.auth.models import User
from exam_engine.core.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models.centres import DEFAULT_CANDIDATES_PER_INVIGILATOR, RatioRule, UnitBookingRule
from invigilation.models.sessions import TestSession
from invigilation.services.setup_log import record_change
from item_bank.taxonomy.models import Unit, UnitVersion

QUALIFICATION_LENGTH = 40  # as long as a session's qualification


@dataclass(frozen=True)
class Ratio:
    """A qualification's candidates per invigilator, and whether it is the default."""

    qualification: str
    candidates_per_invigilator: int
    default: bool


@dataclass(frozen=True)
class BookableUnit:
    reference: str
    title: str


def ratios() -> list[Ratio]:
    """Every qualification with a rule, and those named on sessions without one (at the default)."""
    rules = {rule.qualification: rule.candidates_per_invigilator for rule in db.session.scalars(select(RatioRule))}
    named = {name for name in db.session.scalars(select(TestSession.qualification)) if name is not None}
    found = [Ratio(q, n, False) for q, n in rules.items()]
    found += [Ratio(q, DEFAULT_CANDIDATES_PER_INVIGILATOR, True) for q in named - rules.keys()]
    return sorted(found, key=lambda ratio: ratio.qualification)


def _count(raw: int | None, field: str, low: int, high: int) -> int | None:
    if raw is not None and not low <= raw <= high:
        raise InvigilationError(f"{field}: give a whole number from {low} to {high}, not {raw}")
    return raw


def set_ratio(qualification: str, candidates_per_invigilator: int, actor: User) -> RatioRule:
    """Add or change a qualification's invigilation ratio (1 invigilator to N candidates)."""
    qualification = qualification.strip()
    if not qualification or len(qualification) > QUALIFICATION_LENGTH:
        raise InvigilationError(f"qualification: give the qualification number as centres enter it on a session "
                                f"(1 to {QUALIFICATION_LENGTH} characters)")
    _count(candidates_per_invigilator, "candidates per invigilator", 1, 500)
    rule = db.session.scalar(select(RatioRule).where(RatioRule.qualification == qualification))
    before = rule.candidates_per_invigilator if rule else None
    if rule is None:
        rule = RatioRule(qualification=qualification)
        db.session.add(rule)
    rule.candidates_per_invigilator = candidates_per_invigilator
    record_change("ratio_rule.set", qualification,
                  {"before": before, "after": candidates_per_invigilator}, actor)
    _flush(f"qualification: {qualification} was given a ratio by someone else at the same moment; try again")
    return rule


def bookable_units() -> list[BookableUnit]:
    """The units of the imported taxonomy, each with the title of its current statement."""
    rows = db.session.execute(select(Unit.reference, UnitVersion.title).join(UnitVersion)
                              .where(UnitVersion.superseded_at.is_(None))
                              .order_by(Unit.reference, UnitVersion.number.desc())).all()
    titles: dict[str, str] = {}
    for reference, title in rows:
        titles.setdefault(reference, title)
    return [BookableUnit(reference, title) for reference, title in titles.items()]


def booking_rules() -> list[UnitBookingRule]:
    return list(db.session.scalars(select(UnitBookingRule).order_by(UnitBookingRule.unit_reference)))


def set_booking_rule(unit_reference: str, minimum_notice_hours: int, resit_limit: int | None,
                     waiting_period_days: int, actor: User) -> UnitBookingRule:
    """Add or change a unit's booking rules; the unit must be in the imported taxonomy."""
    reference = unit_reference.strip()
    if db.session.scalar(select(Unit.id).where(Unit.reference == reference)) is None:
        raise InvigilationError(f"unit: {reference!r} is not a unit of any imported qualification")
    values = {"minimum_notice_hours": _count(minimum_notice_hours, "minimum notice", 0, 24 * 365),
              "resit_limit": _count(resit_limit, "resit limit", 0, 100),
              "waiting_period_days": _count(waiting_period_days, "waiting period", 0, 365)}
    rule = db.session.scalar(select(UnitBookingRule).where(UnitBookingRule.unit_reference == reference))
    before = {name: getattr(rule, name) for name in values} if rule else None
    if rule is None:
        rule = UnitBookingRule(unit_reference=reference)
        db.session.add(rule)
    for name, value in values.items():
        setattr(rule, name, value)
    record_change("booking_rule.set", reference, {"before": before, "after": values}, actor)
    _flush(f"unit: {reference} was given booking rules by someone else at the same moment; try again")
    return rule


def _flush(clash: str) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvigilationError(clash) from None
