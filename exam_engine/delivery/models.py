"""Attempts and responses: what a learner was given in a sitting and every answer they gave.

One `Attempt` per sitting holds the mode, the blueprint snapshot, the seed and the items
assigned in order (each an `AttemptItem`, scored or pretest, with the selection record
the assembly engine gave for it). `Response` holds the current answer per attempt item;
`AnswerEvent` is the append-only history of every accepted answer change, each with its
idempotency key (unique per attempt), the server's receipt time and a per-attempt
sequence number that only grows.

Each attempt keeps its own hash-chained log (`AttemptRecord`: the items given, every
answer change, the end), so that candidates' writes never queue behind each other; its
head is committed into the session's chain when the attempt ends and at checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.assembly.blueprint import Mode
from exam_engine.core.database import enum_column, utcnow
from exam_engine.core.extensions import Model
from invigilation.models.event_log import ChainedRecord
from invigilation.models.sessions import Sitting
from item_bank.items.models import ItemVersion


@dataclass(frozen=True)
class Snapshot:
    """What an attempt keeps of its test's design, so the test can be run again at any time.

    Stored as JSON in `Attempt.blueprint`. `blueprint` is the blueprint's file text as it
    was at the start; `eligibility` maps each ability class to the items not drawn eligible
    there; `capped` are the items at the exposure ceiling when the attempt started.
    """

    unit: str
    mode: Mode
    blueprint: str
    seed: int
    seen: tuple[str, ...]
    exposure_edges: tuple[float, ...]
    eligibility: dict[str, list[str]]
    capped: tuple[str, ...] = ()
    bank_digest: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        return cls(unit=data["unit"], mode=Mode(data["mode"]), blueprint=data["blueprint"], seed=int(data["seed"]),
                   seen=tuple(data["seen"]), exposure_edges=tuple(data["exposure_edges"]),
                   eligibility=dict(data["eligibility"]), capped=tuple(data.get("capped", [])),
                   bank_digest=data.get("bank_digest", ""))

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # shallow: asdict's deep copy costs a start
        data.update(mode=self.mode.value, seen=list(self.seen), exposure_edges=list(self.exposure_edges),
                    eligibility=dict(self.eligibility), capped=list(self.capped))
        return data


class AttemptEnd(StrEnum):
    SUBMITTED = "submitted"
    TIMED_OUT = "timed_out"
    ENDED_BY_INVIGILATOR = "ended_by_invigilator"


class Attempt(Model):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), unique=True)
    unit_reference: Mapped[str] = mapped_column(String(16), index=True)
    mode: Mapped[Mode] = mapped_column(enum_column(Mode))
    blueprint_version: Mapped[str] = mapped_column(String(80))
    blueprint: Mapped[dict[str, Any]] = mapped_column(JSON)  # the snapshot the test is run from (see engine.py)
    seed: Mapped[int]
    planned_items: Mapped[int]  # items the test will give (adaptive: as planned at the start)
    next_sequence: Mapped[int] = mapped_column(default=1)  # the next answer event's number
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end: Mapped[AttemptEnd | None] = mapped_column(enum_column(AttemptEnd))
    score: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # marks, ability, pass/fail
    record: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the engine's sitting record, for replay
    log_length: Mapped[int] = mapped_column(default=0)  # the attempt's chain: records so far
    log_head: Mapped[str | None] = mapped_column(String(64))  # and the last one's hash
    anchor_sequence: Mapped[int | None]  # the session record that commits to the chain at the end

    sitting: Mapped[Sitting] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(back_populates="attempt", order_by="AttemptItem.position")

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def snapshot(self) -> Snapshot:
        """The test's design as kept at the start."""
        return Snapshot.from_dict(self.blueprint)


class AttemptItem(Model):
    __tablename__ = "attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position"), UniqueConstraint("attempt_id", "item_version_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    position: Mapped[int]  # 1, 2, ... in the order given
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    pretest: Mapped[bool] = mapped_column(default=False)  # seeded, unscored
    selection: Mapped[dict[str, Any]] = mapped_column(JSON)  # why the engine chose it
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    flagged: Mapped[bool] = mapped_column(default=False)

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    item_version: Mapped[ItemVersion] = relationship()
    # loaded with the attempt's items in one query, not one per item (every status shows the count answered)
    response: Mapped[Response | None] = relationship(back_populates="attempt_item", uselist=False, lazy="selectin")


class Response(Model):
    """The current answer to one attempt item (the latest accepted answer event)."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_item_id: Mapped[int] = mapped_column(ForeignKey("attempt_items.id"), unique=True)
    answer: Mapped[Any] = mapped_column(JSON)  # None: cleared
    sequence: Mapped[int]
    saved_at: Mapped[datetime]

    attempt_item: Mapped[AttemptItem] = relationship(back_populates="response")


class AnswerEvent(Model):
    """One accepted answer change, never altered or removed."""

    __tablename__ = "answer_events"
    __table_args__ = (UniqueConstraint("attempt_id", "idempotency_key"), UniqueConstraint("attempt_id", "sequence"))

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    attempt_item_id: Mapped[int] = mapped_column(ForeignKey("attempt_items.id"), index=True)
    sequence: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(80))
    answer: Mapped[Any] = mapped_column(JSON)
    received_at: Mapped[datetime]
    client_time: Mapped[str | None] = mapped_column(String(40))  # as the page reported it, for the record

    attempt_item: Mapped[AttemptItem] = relationship()


class AttemptRecord(ChainedRecord, Model):
    """One record of an attempt's hash-chained log (see `delivery.services.attempt_log`)."""

    __tablename__ = "attempt_events"
    __table_args__ = (UniqueConstraint("attempt_id", "sequence"),)

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)


@event.listens_for(AnswerEvent, "before_update")
@event.listens_for(AnswerEvent, "before_delete")
@event.listens_for(AttemptRecord, "before_update")
@event.listens_for(AttemptRecord, "before_delete")
def _refuse_changes(mapper: Any, connection: Any, target: AnswerEvent | AttemptRecord) -> None:
    raise PermissionError(f"{target.__tablename__} are append-only: they are never updated or deleted")


class PreparedStart(Model):
    """A test planned when its candidate signed in (first item chosen), used if still current at the start."""

    __tablename__ = "prepared_starts"

    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), primary_key=True)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)  # engine.Plan.as_dict()
    prepared_at: Mapped[datetime]


class CentreResultSetting(Model):
    """Whether a centre's learners see their result on screen at the end (default: held back)."""

    __tablename__ = "centre_result_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), unique=True)
    show_result: Mapped[bool] = mapped_column(default=False)


class ServiceClient(Model):
    """A delivery platform allowed to call the adaptive service (`cat_api`) with OAuth 2 client credentials."""

    __tablename__ = "service_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    secret_hash: Mapped[str] = mapped_column(String(255))  # the secret is shown once, when the client is added
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class ServiceSection(Model):
    """An adaptive section a platform set up: one unit's test as the unit's blueprint delivers it."""

    __tablename__ = "service_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(40), unique=True)  # sectionIdentifier, opaque to the platform
    client_id: Mapped[int] = mapped_column(ForeignKey("service_clients.id"), index=True)
    unit_reference: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]  # the platform ended it: no new sessions

    client: Mapped[ServiceClient] = relationship()


class ServiceSession(Model):
    """One learner's sitting of a section. The signed `sessionState` the platform holds carries the
    test; the server keeps only how many results it has accepted (so an old state is refused) and,
    at the end, the score and the engine's sitting record (for replay and exposure control)."""

    __tablename__ = "service_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(40), unique=True)  # sessionIdentifier
    section_id: Mapped[int] = mapped_column(ForeignKey("service_sections.id"), index=True)
    unit_reference: Mapped[str] = mapped_column(String(16), index=True)
    results_accepted: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    score: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the test's design (`Snapshot`), for replay
    record: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    section: Mapped[ServiceSection] = relationship()
