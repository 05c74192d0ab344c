"""Centres, their staff, rooms and workstations, candidates and their access arrangements,
and the rules a centre's bookings follow (invigilation ratio, notice, resits)."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import Model

DEFAULT_CANDIDATES_PER_INVIGILATOR = 20
EXTRA_TIME_NEEDING_APPROVAL = 25  # per cent; above this an approval reference is required
MAXIMUM_EXTRA_TIME = 50


class Centre(Model):
    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # the awarding body's centre number
    name: Mapped[str] = mapped_column(String(200))
    # the centre's administrator requires Safe Exam Browser for every test sat at the centre
    safe_exam_browser_required: Mapped[bool] = mapped_column(default=False)

    rooms: Mapped[list["Room"]] = relationship(back_populates="centre", order_by="Room.name")


class CentreStaff(Model):
    """An invigilator or centre administrator working for a centre (what object checks use)."""

    __tablename__ = "centre_staff"
    __table_args__ = (UniqueConstraint("centre_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    centre: Mapped[Centre] = relationship()
    user: Mapped[User] = relationship()


class Room(Model):
    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("centre_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))

    centre: Mapped[Centre] = relationship(back_populates="rooms")
    workstations: Mapped[list["Workstation"]] = relationship(back_populates="room", order_by="Workstation.label")


class Workstation(Model):
    __tablename__ = "workstations"
    __table_args__ = (UniqueConstraint("room_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    label: Mapped[str] = mapped_column(String(40))  # e.g. "WS-07"
    seat: Mapped[str] = mapped_column(String(40))  # where it is in the room, e.g. "B3"
    spare: Mapped[bool] = mapped_column(default=False)

    room: Mapped[Room] = relationship(back_populates="workstations")


class Candidate(Model):
    """A learner registered at a centre. Date of birth, sex and other groups are optional and
    recorded only for differential item functioning (DIF) analysis."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("centre_id", "candidate_number"), UniqueConstraint("centre_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    candidate_number: Mapped[str] = mapped_column(String(20))
    uln: Mapped[str | None] = mapped_column(String(10))  # Unique Learner Number, carried with results
    date_of_birth: Mapped[date | None]
    sex: Mapped[str | None] = mapped_column(String(20))
    groups: Mapped[str | None] = mapped_column(String(200))  # free text, e.g. "English as a second language"

    centre: Mapped[Centre] = relationship()
    user: Mapped[User] = relationship()
    arrangements: Mapped["AccessArrangement | None"] = relationship(back_populates="candidate", uselist=False)

    @property
    def name(self) -> str:
        return self.user.display_name


class AccessArrangement(Model):
    """A candidate's access-arrangement profile, applied to every sitting automatically."""

    __tablename__ = "access_arrangements"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    extra_time_percent: Mapped[int] = mapped_column(default=0)
    approval_reference: Mapped[str | None] = mapped_column(String(60))  # needed above 25%
    rest_breaks: Mapped[bool] = mapped_column(default=False)
    colour_scheme: Mapped[str | None] = mapped_column(String(40))  # e.g. "black on cream"
    font_size_percent: Mapped[int | None]  # zoom, e.g. 150
    reader: Mapped[bool] = mapped_column(default=False)  # reader or text-to-speech
    separate_invigilation: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="arrangements")

    def problems(self) -> list[str]:
        """What is wrong with this profile, in words (empty when it is valid)."""
        found = []
        if not 0 <= self.extra_time_percent <= MAXIMUM_EXTRA_TIME:
            found.append(f"extra time must be between 0% and {MAXIMUM_EXTRA_TIME}%")
        if self.extra_time_percent > EXTRA_TIME_NEEDING_APPROVAL and not (self.approval_reference or "").strip():
            found.append(f"extra time above {EXTRA_TIME_NEEDING_APPROVAL}% needs an approval reference")
        if self.font_size_percent is not None and not 100 <= self.font_size_percent <= 400:
            found.append("font size must be between 100% and 400%")
        return found

    def summary(self) -> list[str]:
        """Short phrases for registers and seating plans, e.g. ["25% extra time", "reader"]."""
        parts = []
        if self.extra_time_percent:
            parts.append(f"{self.extra_time_percent}% extra time")
        if self.rest_breaks:
            parts.append("rest breaks")
        if self.colour_scheme:
            parts.append(f"colours: {self.colour_scheme}")
        if self.font_size_percent:
            parts.append(f"font {self.font_size_percent}%")
        if self.reader:
            parts.append("reader")
        if self.separate_invigilation:
            parts.append("separate invigilation")
        return parts


class RatioRule(Model):
    """Candidates per invigilator for a qualification (sessions without a rule use 1 to 20)."""

    __tablename__ = "invigilation_ratio_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    qualification: Mapped[str] = mapped_column(String(40), unique=True)
    candidates_per_invigilator: Mapped[int]


class UnitBookingRule(Model):
    """On-demand booking rules for a unit's test."""

    __tablename__ = "unit_booking_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_reference: Mapped[str] = mapped_column(String(20), unique=True)
    minimum_notice_hours: Mapped[int] = mapped_column(default=0)
    resit_limit: Mapped[int | None]  # resits allowed after the first sitting; None: no limit
    waiting_period_days: Mapped[int] = mapped_column(default=0)


class UnitLockdownRule(Model):
    """The awarding body's requirement that a unit's test be sat in Safe Exam Browser."""

    __tablename__ = "unit_lockdown_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_reference: Mapped[str] = mapped_column(String(20), unique=True)
    safe_exam_browser_required: Mapped[bool] = mapped_column(default=False)
