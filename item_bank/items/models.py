"""Items, their versions, scenarios, the history of review decisions and calibrations.

An item is the lasting identity ("U2-AC1.3-01"); an item version is what learners see and
what statistics belong to. A version is changed in place only while it is a draft no
reviewer has approved (`ItemVersion.changes_in_place`); any other change, of content,
tags, enemy set, rationale or notes, makes a new draft version, reviewed before it is used.

A calibration estimates an item version's parameters from stored responses: a pretest
calibration puts an approved version on the live scale (live items held at their
parameters) and is proposed for promotion; promoting copies its parameters onto the
version (`ParameterSource.CALIBRATED`).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.core.database import enum_column, utcnow
from exam_engine.core.extensions import Model
from item_bank.items.scoring import ItemType, guessing_share

INSTRUCTIONS = {
    ItemType.SINGLE_BEST_ANSWER: "Choose one answer.",
    ItemType.MULTIPLE_RESPONSE: "Choose {select} answers.",
    ItemType.ORDERING: "Give each statement a different position, from 1 (first) to {count} (last).",
    ItemType.MATCHING: "Match each statement with one of the options; use an option no more than once.",
}


class ItemStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED_FOR_PRETEST = "approved_for_pretest"
    LIVE = "live"
    RETIRED = "retired"


class ParameterSource(StrEnum):
    """Where an item version's IRT parameters come from."""

    PROVISIONAL = "provisional"  # from the writer's difficulty rating
    CALIBRATED = "calibrated"  # estimated from learners' responses


# The calibration rule: responses from real candidates an item's estimate must rest on
# before an adaptive test may choose and score it by that estimate. A Rasch (1PL) estimate
# needs 200, a 2PL or generalised partial credit estimate (a slope per item) 500, a 3PL
# estimate (a guessing floor besides) 1000 (the sample sizes commonly recommended for
# stable estimates: e.g. de Ayala, 2022, The Theory and Practice of IRT, ch. 12).
RESPONSES_NEEDED = {"rasch": 200, "1pl": 200, "2pl": 500, "gpcm": 500, "3pl": 1000}


class Scenario(Model):
    """A shared stimulus that several items of a unit refer to."""

    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    unit_reference: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # Its items were written as a set, each answerable on its own, so a test may give them together;
    # otherwise items sharing the scenario are enemies (`item_bank.items.pools`).
    written_as_set: Mapped[bool] = mapped_column(default=False)


SOURCE_ID_LENGTH = 255


class Item(Model):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    unit_reference: Mapped[str] = mapped_column(String(16), index=True)
    # The identifier the item came with (e.g. a QTI package's "item_00017") when the bank gave it
    # another code; importing that identifier again into the unit updates this item.
    source_id: Mapped[str | None] = mapped_column(String(SOURCE_ID_LENGTH), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list["ItemVersion"]] = relationship(
        back_populates="item", order_by="ItemVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> "ItemVersion":
        return self.versions[-1]


class ItemVersion(Model):
    __tablename__ = "item_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    number: Mapped[int]
    status: Mapped[ItemStatus] = mapped_column(enum_column(ItemStatus), index=True)
    type: Mapped[ItemType] = mapped_column(enum_column(ItemType))
    marks: Mapped[int]
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    # A matching item's premises ({id, text}), each matched to one of the options; empty for other types.
    premises: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    key: Mapped[Any] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    criteria: Mapped[list[str]] = mapped_column(JSON)
    amplification: Mapped[list[str]] = mapped_column(JSON)
    difficulty_rating: Mapped[str] = mapped_column(String(8))
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenarios.id"))
    enemy_set: Mapped[str | None] = mapped_column(String(64), index=True)
    rationale: Mapped[dict[str, str]] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)
    writer: Mapped[str] = mapped_column(String(80))
    review: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Records about this content (`item_bank.items.files`): the blind test-wise answers and the subject
    # pass, the raters' difficulty ratings, and the ids of the laws it tests (the legislation register).
    cueing_review: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    difficulty_ratings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    legislation: Mapped[list[str]] = mapped_column(JSON, default=list)
    irt_a: Mapped[float]
    irt_d: Mapped[list[float]] = mapped_column(JSON)
    irt_c: Mapped[float] = mapped_column(default=0.0)
    parameter_source: Mapped[ParameterSource] = mapped_column(enum_column(ParameterSource))
    calibration_responses: Mapped[int | None]
    calibration_model: Mapped[str | None] = mapped_column(String(16))
    calibration_simulated: Mapped[bool] = mapped_column(default=False)  # from rehearsals' simulated responses
    calibrated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship(back_populates="versions")
    scenario: Mapped[Scenario | None] = relationship()
    status_changes: Mapped[list["StatusChange"]] = relationship(
        back_populates="item_version", order_by="StatusChange.id", cascade="all, delete-orphan"
    )
    media: Mapped[list["ItemMedium"]] = relationship(order_by="ItemMedium.name", cascade="all, delete-orphan")

    @property
    def calibration_shortfall(self) -> str | None:
        """Why an adaptive test may not yet rely on this version's parameters (the calibration
        rule, `RESPONSES_NEEDED`); None when it may."""
        if self.parameter_source is not ParameterSource.CALIBRATED:
            return "provisional parameters (from the writer's difficulty rating)"
        if self.calibration_simulated:
            return "calibrated with simulated (rehearsal) responses"
        needed = RESPONSES_NEEDED.get(self.calibration_model or "", max(RESPONSES_NEEDED.values()))
        responses = self.calibration_responses or 0
        if responses < needed:
            return f"calibrated from {responses} responses; a {self.calibration_model or 'calibration'} needs {needed}"
        return None

    @property
    def select(self) -> int | None:
        """How many options a multiple-response item asks for."""
        return len(self.key) if self.type is ItemType.MULTIPLE_RESPONSE else None

    @property
    def changes_in_place(self) -> bool:
        """Whether a change may be made to this version itself: only to a draft no reviewer ever approved.

        Only versions approved for pretest or live are given to learners, so any other keeps
        its content and tags (its responses keep their meaning); a change makes a new version.
        """
        return self.status is ItemStatus.DRAFT and not any(
            change.to_status in (ItemStatus.APPROVED_FOR_PRETEST, ItemStatus.LIVE) for change in self.status_changes)

    @property
    def untagged(self) -> bool:
        """Imported without our tags and not tagged yet: in its unit's tagging queue, not reviewable."""
        return not self.criteria

    @property
    def guessing_share(self) -> float:
        """The expected share of the marks an answer at random earns (`item_bank.items.scoring.guessing_share`)."""
        return guessing_share(self.type, self.key, [option["id"] for option in self.options])

    @property
    def instruction(self) -> str:
        """What the learner is told to do, as the player and the preview show it."""
        return INSTRUCTIONS[self.type].format(select=self.select, count=len(self.options))


class ItemMedium(Model):
    """An image an item version's stem shows (`![alt](name)` in its markup): part of the version's
    content, served to a learner only inside a live sitting that was given the version."""

    __tablename__ = "item_media"
    __table_args__ = (UniqueConstraint("item_version_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # as the markup names it, e.g. "shop-front.png"
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))


class StatusChange(Model):
    """Who moved an item version between review states, when, and why."""

    __tablename__ = "item_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    from_status: Mapped[ItemStatus | None] = mapped_column(enum_column(ItemStatus))
    to_status: Mapped[ItemStatus] = mapped_column(enum_column(ItemStatus))
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)

    item_version: Mapped[ItemVersion] = relationship(back_populates="status_changes")


CONFIDENTIAL = (ItemStatus.APPROVED_FOR_PRETEST, ItemStatus.LIVE)  # versions learners may be given


class ItemView(Model):
    """Someone saw a live or pretest item's content (a page, a preview, an export): the awarding
    body's record of who read which confidential item, and when."""

    __tablename__ = "item_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    viewed_by: Mapped[str] = mapped_column(String(80), index=True)  # a username, or "command line"
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    page: Mapped[str] = mapped_column(String(40))  # e.g. "item page", "statistics", "QTI export"

    item_version: Mapped[ItemVersion] = relationship()


class ItemCalibration(Model):
    """One estimate of one item version's parameters, with standard errors."""

    __tablename__ = "item_calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    model: Mapped[str] = mapped_column(String(16))  # psychometrics model name, e.g. "gpcm"
    irt_a: Mapped[float]
    irt_d: Mapped[list[float]] = mapped_column(JSON)
    irt_c: Mapped[float] = mapped_column(default=0.0)
    se_a: Mapped[float | None]
    se_d: Mapped[list[float | None]] = mapped_column(JSON)
    responses: Mapped[int]  # learners who answered the item version
    simulated: Mapped[bool] = mapped_column(default=False)  # any of those responses from a rehearsal
    anchors: Mapped[int]  # live item versions held fixed
    converged: Mapped[bool]
    evidence: Mapped[dict] = mapped_column(JSON)  # classical statistics and flags at calibration
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]  # promoted or returned; None: awaiting a reviewer

    item_version: Mapped[ItemVersion] = relationship()
