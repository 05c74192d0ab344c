"""The review workflow: who may move an item version from one state to another.

    draft --submit--> in review --approve--> approved for pretest --promote--> live --adopt--> live
      ^                  |                          |                            |
      +------return------+----------return----------+                          retire
    (any state but retired) --retire--> retired

* ITEM_WRITER: writes and edits items; submits their own drafts for review.
* REVIEWER: approves for pretest or returns (with a comment) items in review; promotes
  a pretested item to live only once a calibration proposes it, or returns it; adopts a
  calibration of a live item (its provisional parameters replaced by estimates from real
  responses, which the adaptive gate counts); retires.
* AWARDING_BODY_ADMIN: retires items (e.g. after a security breach).
* Nobody approves or promotes an item version they wrote. Approving needs every point of
  the review checklist, its cueing checks included (`APPROVAL_CHECKLIST`); returning, retiring and promoting
  need a comment, which stays in the version's history.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from item_bank.items.files import APPROVAL_CHECKLIST
from item_bank.items.models import ItemCalibration, ItemStatus, ItemVersion, ParameterSource, StatusChange


class ReviewError(ValueError):
    """A move the rules do not allow; the message says why."""


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    source: frozenset[ItemStatus]
    target: ItemStatus
    roles: frozenset[Role]
    needs_comment: bool = False
    not_by_writer: bool = False
    writer_only: bool = False


S = ItemStatus
MOVES = {move.name: move for move in (
    Move("submit", "Submit for review", frozenset({S.DRAFT}), S.IN_REVIEW, frozenset({Role.ITEM_WRITER}),
         writer_only=True),
    Move("approve", "Approve for pretest", frozenset({S.IN_REVIEW}), S.APPROVED_FOR_PRETEST,
         frozenset({Role.REVIEWER}), not_by_writer=True),
    Move("return", "Return to the writer", frozenset({S.IN_REVIEW, S.APPROVED_FOR_PRETEST}), S.DRAFT,
         frozenset({Role.REVIEWER}), needs_comment=True),
    Move("promote", "Promote to live", frozenset({S.APPROVED_FOR_PRETEST}), S.LIVE, frozenset({Role.REVIEWER}),
         needs_comment=True, not_by_writer=True),
    Move("adopt", "Adopt the calibration", frozenset({S.LIVE}), S.LIVE, frozenset({Role.REVIEWER}),
         needs_comment=True, not_by_writer=True),
    Move("retire", "Retire", frozenset({S.DRAFT, S.IN_REVIEW, S.APPROVED_FOR_PRETEST, S.LIVE}), S.RETIRED,
         frozenset({Role.REVIEWER, Role.AWARDING_BODY_ADMIN}), needs_comment=True),
)}


def why_not(move: Move, version: ItemVersion, user: User) -> str | None:
    """The reason `user` may not make `move` on `version`, or None if they may."""
    if version.status not in move.source:
        return f"an item {version.status.value.replace('_', ' ')} cannot be moved by '{move.label}'"
    if user.role not in move.roles:
        return f"'{move.label}' is for the {' or '.join(sorted(r.label for r in move.roles))} role"
    if move.not_by_writer and version.writer == user.username:
        return "you wrote this item version, so another reviewer must decide"
    if move.writer_only and version.writer != user.username:
        return "only the item's writer submits it for review"
    if move.name == "submit" and version.untagged:
        return "the item has no criteria or amplification yet: tag it (edit it) before review"
    if move.name in ("promote", "adopt") and pending_calibration(version) is None:
        return "no calibration proposes this item yet: it needs more responses first"
    return None


def allowed_moves(version: ItemVersion, user: User) -> list[Move]:
    return [move for move in MOVES.values() if why_not(move, version, user) is None]


def pending_calibration(version: ItemVersion) -> ItemCalibration | None:
    return db.session.scalars(
        select(ItemCalibration).where(ItemCalibration.item_version_id == version.id,
                                      ItemCalibration.decided_at.is_(None))
        .order_by(ItemCalibration.id.desc()).limit(1)
    ).first()


def move_item(version_id: int, move_name: str, user: User, comment: str | None,
              checklist: Collection[str] = ()) -> ItemVersion:
    """Make one move; raise ReviewError saying why if it is not allowed."""
    version = db.session.get(ItemVersion, version_id)
    if version is None:
        raise ReviewError(f"there is no item version {version_id}")
    move = MOVES.get(move_name)
    if move is None:
        raise ReviewError(f"unknown action {move_name!r}")
    comment = (comment or "").strip() or None
    reason = why_not(move, version, user)
    if reason is None and move.needs_comment and comment is None:
        reason = f"'{move.label}' needs a comment saying why"
    unchecked = [point for point in APPROVAL_CHECKLIST if point not in checklist]
    if reason is None and move.name == "approve" and unchecked:
        reason = f"the review checklist is not complete ({', '.join(p.replace('_', ' ') for p in unchecked)})"
    if reason is not None:
        raise ReviewError(f"{move.label}: {reason}.")
    if move.name in ("promote", "adopt", "return"):
        _decide_calibration(version, promote=move.name != "return")
    if move.name == "promote":
        _retire_older_live(version, user)
    if move.name == "approve":
        version.review = {"reviewer": user.username, "date": utcnow().date().isoformat(), "outcome": "approved",
                          "checklist": {point: True for point in APPROVAL_CHECKLIST}, "changes": comment}
    record_status(version, move.target, user.username, comment)
    db.session.flush()
    return version


def record_status(version: ItemVersion, status: ItemStatus, who: str, comment: str | None) -> None:
    version.status_changes.append(StatusChange(from_status=version.status, to_status=status,
                                               changed_by=who, comment=comment))
    version.status = status


def _decide_calibration(version: ItemVersion, promote: bool) -> None:
    calibration = pending_calibration(version)
    if calibration is None:
        return
    calibration.decided_at = utcnow()
    if promote:
        version.irt_a, version.irt_d, version.irt_c = calibration.irt_a, list(calibration.irt_d), calibration.irt_c
        version.parameter_source = ParameterSource.CALIBRATED
        version.calibration_responses = calibration.responses
        version.calibration_model, version.calibration_simulated = calibration.model, calibration.simulated
        version.calibrated_at = calibration.created_at


def _retire_older_live(version: ItemVersion, user: User) -> None:
    """A new version going live replaces the item's older live version."""
    for other in version.item.versions:
        if other is not version and other.status is ItemStatus.LIVE:
            record_status(other, ItemStatus.RETIRED, user.username, f"replaced by version {version.number}")
