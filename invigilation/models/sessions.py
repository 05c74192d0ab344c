"""Test sessions and what happens in them: sittings, their state history, pauses, exits,
extra time, incidents and learners' alerts."""

import secrets
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.auth.models import User
from exam_engine.core.database import enum_column, utcnow
from exam_engine.core.extensions import Model
from invigilation.lockdown import Verdict
from invigilation.models.centres import Candidate, Centre, Room, Workstation
from invigilation.states import SittingState

SIGN_IN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no I, L, O, 0 or 1 to misread
SIGN_IN_CODE_LENGTH = 8  # 31^8: about 40 bits, against a few guesses a quarter of an hour


def new_sign_in_code() -> str:
    return "".join(secrets.choice(SIGN_IN_CODE_ALPHABET) for _ in range(SIGN_IN_CODE_LENGTH))


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    STARTED = "started"
    ENDED = "ended"


class IdentityDocument(StrEnum):
    PASSPORT = "passport"
    PHOTOCARD_LICENCE = "photocard_licence"
    WARRANT_CARD = "warrant_card"
    OTHER_PHOTO_ID = "other_photo_id"
    SIGNED_CARD = "signed_card"  # fallback
    KNOWN_THIRD_PARTY = "known_third_party"  # fallback

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class PauseReason(StrEnum):
    REST_BREAK = "rest_break"
    EVACUATION = "evacuation"
    TECHNICAL_FAILURE = "technical_failure"
    TEMPORARY_EXIT = "temporary_exit"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class IncidentCategory(StrEnum):
    ENVIRONMENT = "environment"
    CANDIDATE = "candidate"
    STAFF = "staff"
    TECHNICAL = "technical"
    SUSPECTED_MALPRACTICE = "suspected_malpractice"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class TestSession(Model):
    """A sitting of one or more units' tests in a room at a scheduled time."""

    __tablename__ = "test_sessions"
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    qualification: Mapped[str | None] = mapped_column(String(40))  # picks the ratio rule
    rehearsal: Mapped[bool] = mapped_column(default=False)  # simulated candidates (`exam_engine.rehearsal`)
    session_date: Mapped[date]
    scheduled_start: Mapped[datetime]
    session_key: Mapped[str] = mapped_column(String(12))  # shown to invigilators only
    state: Mapped[SessionState] = mapped_column(enum_column(SessionState), default=SessionState.SCHEDULED)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime | None]
    sign_off_note: Mapped[str | None] = mapped_column(Text)
    # the head of the event log: a row removed from the end of the chain is caught here
    log_length: Mapped[int] = mapped_column(default=0)
    log_head: Mapped[str] = mapped_column(String(64), default="")

    centre: Mapped[Centre] = relationship()
    room: Mapped[Room] = relationship()
    units: Mapped[list["SessionUnit"]] = relationship(back_populates="session", order_by="SessionUnit.id")
    invigilators: Mapped[list[User]] = relationship(secondary="session_invigilators", order_by=User.display_name)
    sittings: Mapped[list["Sitting"]] = relationship(back_populates="session", order_by="Sitting.id")
    incidents: Mapped[list["Incident"]] = relationship(back_populates="session", order_by="Incident.occurred_at")
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    lockdown: Mapped["SessionLockdown | None"] = relationship(back_populates="session", uselist=False)

    @property
    def unit_references(self) -> str:
        return ", ".join(unit.unit_reference for unit in self.units)


class SessionInvigilator(Model):
    __tablename__ = "session_invigilators"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("test_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class SessionUnit(Model):
    """A unit tested in a session and its test length in minutes
    (see `item_bank.taxonomy.services.unit_test_minutes`)."""

    __tablename__ = "session_units"
    __table_args__ = (UniqueConstraint("session_id", "unit_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("test_sessions.id"), index=True)
    unit_reference: Mapped[str] = mapped_column(String(20))
    test_minutes: Mapped[int]

    session: Mapped[TestSession] = relationship(back_populates="units")


class Sitting(Model):
    """One candidate booked into one session for one unit, and everything about their test."""

    __tablename__ = "sittings"
    __table_args__ = (UniqueConstraint("session_id", "candidate_id", "session_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("test_sessions.id"), index=True)
    session_unit_id: Mapped[int] = mapped_column(ForeignKey("session_units.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    workstation_id: Mapped[int | None] = mapped_column(ForeignKey("workstations.id"))
    state: Mapped[SittingState] = mapped_column(enum_column(SittingState), default=SittingState.BOOKED, index=True)
    attempt_number: Mapped[int] = mapped_column(default=1)  # 2 and more are resits
    extra_time_percent: Mapped[int] = mapped_column(default=0)  # from the access arrangements
    extra_minutes: Mapped[float] = mapped_column(default=0.0)  # granted by invigilators, in total
    identity_document: Mapped[IdentityDocument | None] = mapped_column(enum_column(IdentityDocument))
    identity_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    arrived_at: Mapped[datetime | None]  # came under supervision
    very_late: Mapped[bool] = mapped_column(default=False)
    authorised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    authorised_at: Mapped[datetime | None]
    authorised_with_key: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    booked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the candidate's own code, on the register for the invigilator to hand over at check-in
    sign_in_code: Mapped[str] = mapped_column(String(12), default=new_sign_in_code)
    # SHA-256 of the token held by the browser the candidate signed in on; None: no browser holds the seat
    seat_token_hash: Mapped[str | None] = mapped_column(String(64))
    # the last Safe Exam Browser check of a request for this test (sessions that require it), and when
    browser_check: Mapped[Verdict | None] = mapped_column(enum_column(Verdict, length=40))
    browser_checked_at: Mapped[datetime | None]

    session: Mapped[TestSession] = relationship(back_populates="sittings")
    unit: Mapped[SessionUnit] = relationship()
    candidate: Mapped[Candidate] = relationship()
    workstation: Mapped[Workstation | None] = relationship()
    identity_checked_by: Mapped[User | None] = relationship(foreign_keys=[identity_checked_by_id])
    transitions: Mapped[list["SittingTransition"]] = relationship(order_by="SittingTransition.id")
    pauses: Mapped[list["Pause"]] = relationship(order_by="Pause.id")
    exits: Mapped[list["Exit"]] = relationship(order_by="Exit.id")
    extra_time_grants: Mapped[list["ExtraTimeGrant"]] = relationship(order_by="ExtraTimeGrant.id")
    alerts: Mapped[list["Alert"]] = relationship(back_populates="sitting", order_by="Alert.id")

    @property
    def test_minutes(self) -> int:
        return self.unit.test_minutes

    @property
    def open_pause(self) -> "Pause | None":
        return next((pause for pause in self.pauses if pause.ended_at is None), None)


class SessionLockdown(Model):
    """The Safe Exam Browser file made for a session, kept so that every download is the same file,
    the Config Key derived from it (never typed in, never shown), and the Browser Exam Keys the
    awarding body approved for it (see `invigilation.lockdown`)."""

    __tablename__ = "session_lockdowns"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("test_sessions.id"), unique=True)
    seb_file: Mapped[str] = mapped_column(Text)  # the XML property list, as downloaded
    config_key: Mapped[str] = mapped_column(String(64))
    made_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
    browser_exam_keys: Mapped[str] = mapped_column(Text, default="")  # one a line; empty: any SEB version

    session: Mapped[TestSession] = relationship(back_populates="lockdown")


class SittingTransition(Model):
    """Who changed a sitting's state, when and why (actor None: the system, e.g. time ran out)."""

    __tablename__ = "sitting_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    from_state: Mapped[SittingState] = mapped_column(enum_column(SittingState))
    to_state: Mapped[SittingState] = mapped_column(enum_column(SittingState))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)

    actor: Mapped[User | None] = relationship()


class Pause(Model):
    """A stretch of time when a sitting's clock was stopped."""

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    reason: Mapped[PauseReason] = mapped_column(enum_column(PauseReason))
    note: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Exit(Model):
    """A candidate leaving the room during the test; only an escorted exit allows a return."""

    __tablename__ = "exits"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    left_at: Mapped[datetime]
    escort: Mapped[str | None] = mapped_column(String(120))  # None: unescorted, the test ends
    returned_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ExtraTimeGrant(Model):
    __tablename__ = "extra_time_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    minutes: Mapped[float]
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime]


class IncidentCandidate(Model):
    __tablename__ = "incident_candidates"
    __table_args__ = (UniqueConstraint("incident_id", "sitting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)


class Incident(Model):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("test_sessions.id"), index=True)
    occurred_at: Mapped[datetime]
    category: Mapped[IncidentCategory] = mapped_column(enum_column(IncidentCategory))
    description: Mapped[str] = mapped_column(Text)
    seat: Mapped[str | None] = mapped_column(String(120))
    duration_minutes: Mapped[int | None]
    witnesses: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[TestSession] = relationship(back_populates="incidents")
    reported_by: Mapped[User] = relationship()
    sittings: Mapped[list[Sitting]] = relationship(secondary="incident_candidates", order_by=Sitting.id)


class AlertKind(StrEnum):
    CANDIDATE = "candidate"  # the learner asks for help with an item
    SIGN_IN = "sign_in"  # the system: someone tried to take over the candidate's test, or kept guessing


class Alert(Model):
    """Something the invigilator must see on the dashboard: a learner's alert about an item, or a
    refused second sign-in to a candidate's test."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, length=20), default=AlertKind.CANDIDATE)
    item_ref: Mapped[str | None] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime]
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    dismissed_at: Mapped[datetime | None]  # resolved without an incident (with a note, since 0020)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    sitting: Mapped[Sitting] = relationship(back_populates="alerts")
    resolved_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        """Not yet dealt with: neither made an incident nor resolved with a note."""
        return self.incident_id is None and self.dismissed_at is None

    @property
    def about(self) -> str:
        return "sign-in" if self.kind is AlertKind.SIGN_IN else f"item {self.item_ref or '–'}"
