"""The familiarisation (practice) test: anyone, signed in or not, tries the test screen before test day.

Its items are public content about using the player (`delivery/data/practice.yaml`), one of every
type, checked by the bank's own item rules; they are never bank items. Nothing of a practice test
reaches the database: its clock, answers, flags and display choice live only in the visitor's signed
session cookie (key `practice`), and the practice routes (`delivery/practice.py`) answer the shapes of
the runner's, so the same player (`runner.html`, `runner.js`) runs it. Answers are checked as live
answers are (`answers.validate_answer`) and marked by the bank's scoring rules.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import current_app, session

from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.services.answers import MAX_KEY_LENGTH, validate_answer
from exam_engine.delivery.services.display import SCHEMES, SIZES, Display
from item_bank.items.files import FileProblem, ItemFileError, check_item
from item_bank.items.models import INSTRUCTIONS
from item_bank.items.scoring import ItemType, score
from item_bank.items.text import normalise

ITEMS_FILE = Path(__file__).resolve().parent.parent / "data" / "practice.yaml"
STATE = "practice"
# The bank's item fields a practice item has no use for (it is untagged, never calibrated or reviewed).
BANK_ONLY = {"difficulty_rating": "easy", "criteria": [], "amplification": [], "rationale": {},
             "writer": "practice", "status": "draft"}


@dataclass(frozen=True)
class Scenario:
    title: str
    text: str


@dataclass(frozen=True)
class PracticeItem:
    """A practice item: what the player shows, its key and the feedback the receipt gives."""

    type: ItemType
    marks: int
    stem: str
    options: tuple[dict[str, str], ...]
    premises: tuple[dict[str, str], ...]
    key: str | tuple[str, ...]
    scenario: Scenario | None
    feedback: str

    @property
    def select(self) -> int | None:
        return len(self.key) if self.type is ItemType.MULTIPLE_RESPONSE else None

    @property
    def instruction(self) -> str:
        return INSTRUCTIONS[self.type].format(select=self.select, count=len(self.options))


@cache
def practice_items() -> tuple[PracticeItem, ...]:
    """The practice items, in order; ItemFileError names every problem of the file."""
    data = yaml.safe_load(ITEMS_FILE.read_text(encoding="utf-8"))
    scenarios = {s["id"]: Scenario(s["title"].strip(), normalise(s["text"])) for s in data.get("scenarios") or []}
    problems: list[FileProblem] = []
    items = []
    for index, entry in enumerate(data["items"], start=1):
        spec = check_item(str(ITEMS_FILE), "practice", "", index, BANK_ONLY | entry, problems, untagged=True)
        if spec is not None and spec.scenario is not None and spec.scenario not in scenarios:
            problems.append(FileProblem(str(ITEMS_FILE), spec.id, "scenario", f"{spec.scenario} is not in scenarios"))
        elif spec is not None:
            items.append(PracticeItem(
                spec.type, spec.marks, spec.stem, tuple({"id": o.id, "text": o.text} for o in spec.options),
                tuple({"id": p.id, "text": p.text} for p in spec.premises), spec.key,
                scenarios[spec.scenario] if spec.scenario else None, " ".join(spec.rationale.values())))
    if problems:
        raise ItemFileError(problems)
    return tuple(items)


def _ended() -> DeliveryError:
    return DeliveryError("This practice test has ended; start another to try again.", "attempt_ended")


def minutes() -> float:
    """How long a practice test lasts (`PRACTICE_MINUTES`, default 10)."""
    return float(current_app.config.get("PRACTICE_MINUTES", 10))


def begin(now: datetime) -> dict[str, Any]:
    """A new practice test in the session (replacing any other), its clock started; the display choice is kept."""
    earlier = session.get(STATE) or {}
    state = {"run": f"practice-{secrets.token_hex(4)}", "started": now.isoformat(),
             "deadline": (now + timedelta(minutes=minutes())).isoformat(), "end": None, "ended_at": None,
             "answers": {}, "sequences": {}, "keys": {}, "flags": [], "next": 1,
             "display": earlier.get("display", {}) if isinstance(earlier, dict) else {}}
    return _kept(state)


def _kept(state: dict[str, Any]) -> dict[str, Any]:
    session[STATE] = state
    session.modified = True
    return state


def current(now: datetime) -> dict[str, Any]:
    """The session's practice test, ended first if its time has run out; a 404 refusal when there is none."""
    state = session.get(STATE)
    if not isinstance(state, dict) or "run" not in state:
        raise DeliveryError("No practice test is running: start one at /practice.", "no_practice", 404)
    if state["end"] is None and now >= datetime.fromisoformat(state["deadline"]):
        state.update(end="timed_out", ended_at=state["deadline"])
        _kept(state)
    return state


def is_open(state: dict[str, Any]) -> bool:
    return state["end"] is None


def status(state: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The runner's status body (`presenters.status_view`'s fields) for a practice test."""
    remaining = max(0.0, (datetime.fromisoformat(state["deadline"]) - now).total_seconds()) if is_open(state) else 0.0
    items = practice_items()
    return {
        "attempt": state["run"], "sitting": None, "state": "in_progress" if is_open(state) else state["end"],
        "open": is_open(state), "accepting_answers": is_open(state), "mode": "fixed", "review_allowed": True,
        "server_time": now.isoformat(), "remaining_seconds": round(remaining, 1),
        "allowed_seconds": round(minutes() * 60, 1), "deadline": state["deadline"], "paused": False,
        "pause_reason": None, "items_planned": len(items), "items_given": len(items),
        "answered": len(state["answers"]), "last_sequence": state["next"] - 1,
        "ended_at": state["ended_at"], "end": state["end"],
    }


def item(position: int) -> PracticeItem:
    items = practice_items()
    if not 1 <= position <= len(items):
        raise DeliveryError(f"item {position} is not part of the practice test (1 to {len(items)})", "not_found", 404)
    return items[position - 1]


def shown(state: dict[str, Any], position: int) -> tuple[PracticeItem, dict[str, Any]]:
    """The item at `position` and the learner's part of it (answer, its sequence, flag), while the test is open."""
    if not is_open(state):
        raise _ended()
    return item(position), {"answer": state["answers"].get(str(position)),
                            "answer_sequence": state["sequences"].get(str(position)),
                            "flagged": position in state["flags"]}


def save_answer(state: dict[str, Any], position: int, answer: Any, key: str, now: datetime) -> dict[str, Any]:
    """Keep an answer change (None clears it) as the runner's save does: a key posted again stores nothing new."""
    practice_item = item(position)
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DeliveryError(f"an idempotency key of 1 to {MAX_KEY_LENGTH} characters is required",
                            "invalid_request", 422)
    where = str(position)
    duplicate = state["keys"].get(where) == key
    if not duplicate:
        if not is_open(state):
            raise _ended()
        answer = validate_answer(practice_item, answer)
        if answer is None:
            state["answers"].pop(where, None)
        else:
            state["answers"][where] = answer
        state["sequences"][where], state["keys"][where] = state["next"], key
        state["next"] += 1
        _kept(state)
    return {"idempotency_key": key, "sequence": state["sequences"][where], "position": position,
            "saved_at": now.isoformat(), "duplicate": duplicate}


def set_flag(state: dict[str, Any], position: int, flagged: bool) -> None:
    item(position)
    if not is_open(state):
        raise _ended()
    state["flags"] = sorted(set(state["flags"]) - {position} | ({position} if flagged else set()))
    _kept(state)


def review(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"position": n, "answered": str(n) in state["answers"], "flagged": n in state["flags"]}
            for n in range(1, len(practice_items()) + 1)]


def submit(state: dict[str, Any], now: datetime) -> None:
    if is_open(state):
        state.update(end="submitted", ended_at=now.isoformat())
        _kept(state)


def _words(item: PracticeItem, answer: Any) -> str:
    """An answer (or a key) in words, as the receipt lists it."""
    text = {o["id"]: o["text"] for o in item.options}
    if answer is None:
        return "Not answered"
    if isinstance(answer, str):
        return f"{answer}. {text[answer]}"
    if item.type is ItemType.MATCHING:
        return "; ".join(f"{p['text']}: {a or 'not matched'}" for p, a in zip(item.premises, answer, strict=True))
    return (" then " if item.type is ItemType.ORDERING else "; ").join(f"{a}. {text[a]}" for a in answer)


def result(state: dict[str, Any]) -> dict[str, Any]:
    """The practice score, question by question with the right answers (it is practice: nothing is secret)."""
    rows = []
    for position, each in enumerate(practice_items(), start=1):
        given = state["answers"].get(str(position))
        rows.append({"position": position, "stem": each.stem, "given": _words(each, given),
                     "right": _words(each, each.key), "marks": score(each.type, each.key, given),
                     "available": each.marks, "feedback": each.feedback})
    return {"marks": sum(r["marks"] for r in rows), "available": sum(r["available"] for r in rows),
            "end": state["end"], "questions": rows}


def display(state: dict[str, Any] | None) -> Display:
    """Every colour scheme and text size is allowed in practice, and read-aloud is offered."""
    chosen = (state or {}).get("display", {})
    return Display(chosen.get("colour_scheme", "standard"), chosen.get("font_size", 100), tuple(SCHEMES), SIZES,
                   reader=True)


def choose_display(state: dict[str, Any], scheme: str | None, size: int | None) -> Display:
    if scheme is not None and scheme not in SCHEMES:
        raise DeliveryError(f"colour scheme {scheme!r} is not available; choose from {', '.join(SCHEMES)}",
                            "invalid_display", 422)
    if size is not None and size not in SIZES:
        raise DeliveryError(f"text size {size}% is not available; choose from {', '.join(map(str, SIZES))}",
                            "invalid_display", 422)
    current_choice = display(state)
    state["display"] = {"colour_scheme": scheme or current_choice.scheme, "font_size": size or current_choice.size}
    _kept(state)
    return display(state)
