"""What the learner's browser may see of an attempt: item content without keys or statistics.

Every learner-facing JSON body is built here, from an explicit list of fields, so that an
item version's key, rationale, parameters, review or notes can never leak by accident.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from flask import url_for

from exam_engine.delivery.models import Attempt, AttemptItem
from exam_engine.delivery.services.answers import Answerable
from exam_engine.delivery.services.engine import blueprint_for
from exam_engine.delivery.services.sittings import timing
from invigilation.models.sessions import Sitting
from invigilation.states import SittingState
from item_bank.items.text import blocks


class ScenarioText(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...


class ItemContent(Answerable, Protocol):
    """What the player shows of an item: a bank version, or a practice item (`services.practice`)."""

    @property
    def marks(self) -> int: ...
    @property
    def instruction(self) -> str: ...
    @property
    def stem(self) -> str: ...
    @property
    def scenario(self) -> ScenarioText | None: ...


def shown_item(content: ItemContent, position: int, image_src: Callable[[str], str] | None = None) -> dict[str, Any]:
    """An item's content as the player draws it, at `position`; `image_src` names where its images are served."""
    scenario = content.scenario
    return {
        "position": position,
        "type": content.type.value,
        "marks": content.marks,  # pretest items look like every other: nothing tells them apart
        "instruction": content.instruction,
        "select": content.select,
        "stem": content.stem,  # marked up (`item_bank.items.text`); `stem_blocks` is what the player draws
        "stem_blocks": [block | {"src": image_src(block["name"])} if block["kind"] == "image" and image_src else block
                        for block in blocks(content.stem)],
        "scenario": {"title": scenario.title, "text": scenario.text, "blocks": blocks(scenario.text)}
        if scenario else None,
        "options": [{"id": option["id"], "text": option["text"]} for option in content.options],
        "premises": [{"id": premise["id"], "text": premise["text"]} for premise in content.premises],
    }


def item_view(entry: AttemptItem) -> dict[str, Any]:
    return shown_item(entry.item_version, entry.position, lambda name: url_for(
        "runner_api.item_medium", attempt_id=entry.attempt_id, position=entry.position, name=name)) | {
        "answer": entry.response.answer if entry.response else None,
        "answer_sequence": entry.response.sequence if entry.response else None,
        "flagged": entry.flagged,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def status_view(attempt: Attempt, now: datetime) -> dict[str, Any]:
    sitting = attempt.sitting
    clock = timing(sitting, now)
    pause = sitting.open_pause
    answered = sum(1 for entry in attempt.items if entry.response and entry.response.answer is not None)
    return {
        "attempt": attempt.id,
        "sitting": sitting.id,
        "state": sitting.state.value,
        "open": attempt.is_open,
        "accepting_answers": attempt.is_open and sitting.state is SittingState.IN_PROGRESS
        and clock.remaining.total_seconds() > 0,
        "mode": attempt.mode.value,
        "review_allowed": attempt.mode.allows_review,
        "server_time": now.isoformat(),
        "remaining_seconds": round(clock.remaining.total_seconds(), 1),
        "allowed_seconds": round(clock.allowed.total_seconds(), 1),
        "deadline": _iso(clock.deadline),
        "paused": clock.is_paused or sitting.state is SittingState.PAUSED,
        "pause_reason": pause.reason.label if pause else None,
        "items_planned": attempt.planned_items,
        "items_given": len(attempt.items),
        "answered": answered,
        "last_sequence": attempt.next_sequence - 1,
        "ended_at": _iso(attempt.ended_at),
        "end": attempt.end.value if attempt.end else None,
    }


def spoken_duration(seconds: float) -> str:
    """A length of time as people say it: "56 minutes 15 seconds", "1 hour 5 minutes"."""
    whole = round(seconds)
    parts = [(whole // 3600, "hour"), (whole % 3600 // 60, "minute"), (whole % 60, "second")]
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n) or "0 minutes"


def review_view(attempt: Attempt) -> list[dict[str, Any]]:
    return [{"position": e.position, "answered": bool(e.response and e.response.answer is not None),
             "flagged": e.flagged} for e in attempt.items]


def sitting_view(sitting: Sitting, attempt: Attempt | None, now: datetime) -> dict[str, Any]:
    """What the candidate checks before the clock starts: who, which unit, which test, how long."""
    blueprint = blueprint_for(sitting.unit.unit_reference, live=not sitting.session.rehearsal)
    clock = timing(sitting, now)
    return {
        "sitting": sitting.id,
        "state": sitting.state.value,
        "candidate_name": sitting.candidate.name,
        "candidate_number": sitting.candidate.candidate_number,
        "centre": sitting.session.centre.name,
        "unit": sitting.unit.unit_reference,
        "test_minutes": sitting.test_minutes,
        "extra_time_percent": sitting.extra_time_percent,
        "allowed_minutes": round(clock.allowed.total_seconds() / 60, 1),
        "allowed_time": spoken_duration(clock.allowed.total_seconds()),
        "mode": blueprint.mode.value,
        "marks": blueprint.total_marks,
        "attempt": attempt.id if attempt else None,
    }
