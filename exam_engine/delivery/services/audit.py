"""A session's whole proof (`exam-engine verify-log`): its chain, its signed heads, every
attempt's chain and anchors, and the graded data checked against the logs.

The chain proves the log untouched; this proves the stored results agree with it. For
every attempt of a session, each stored answer change must be the one the log records
(same item, key, answer and time), each item's stored answer must be its latest logged
change, and an ended attempt's marks must be what the logged answers earn and what the
log's end record says. A difference names the attempt and the item: an answer, a
response or a score edited in the database while the log was left alone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exam_engine.core.extensions import db
from exam_engine.delivery.models import AnswerEvent, Attempt, AttemptItem, AttemptRecord
from exam_engine.delivery.services.attempt_log import anchoring_problems
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import Sitting, TestSession
from invigilation.services.checkpoints import ATTEMPT_ENDED
from invigilation.services.event_log import SESSION, Verification, session_records, verify_chain
from invigilation.services.signing import signature_problems, signed_heads, signing_configured
from item_bank.items.models import ItemVersion
from item_bank.items.scoring import score as mark

ANSWER_SAVED = "answer.saved"


@dataclass(frozen=True)
class LoggedAnswer:
    """One `answer.saved` record of the log."""

    position: int
    item: str
    version: int
    key: str
    answer: Any
    at: datetime


Logged = dict[int, dict[int, LoggedAnswer]]  # attempt -> sequence -> the logged change


def _logged(session_id: int, attempt_ids: list[int]) -> tuple[Logged, dict[int, dict[str, Any]]]:
    """The logged answer changes by attempt and sequence (in the attempts' logs, or in the session's
    for attempts from before each attempt had its own), and the attempt ends the session's log records."""
    answers: Logged = {}
    ends: dict[int, dict[str, Any]] = {}
    session_records = db.session.scalars(select(EventRecord).where(
        EventRecord.session_id == session_id, EventRecord.kind.in_([ANSWER_SAVED, ATTEMPT_ENDED])))
    attempt_records = db.session.scalars(select(AttemptRecord).where(
        AttemptRecord.attempt_id.in_(attempt_ids), AttemptRecord.kind == ANSWER_SAVED))
    for record in [*session_records, *attempt_records]:
        data = record.data
        if record.kind == ANSWER_SAVED:
            answers.setdefault(data["attempt"], {})[data["sequence"]] = LoggedAnswer(
                data["position"], data["item"], data["version"], data["idempotency_key"], data["answer"],
                record.recorded_at)
        else:
            ends[data["attempt"]] = data
    return answers, ends


def _item_name(entry: AttemptItem) -> str:
    return f"item {entry.position} ({entry.item_version.item.code} version {entry.item_version.number})"


def _answer_problems(attempt: Attempt, events: Iterable[AnswerEvent], logged: dict[int, LoggedAnswer]) -> list[str]:
    """The attempt's stored answer changes and answers against its logged changes."""
    problems = []
    stored = {event.sequence: event for event in events}
    entries = {entry.position: entry for entry in attempt.items}
    for sequence in sorted(stored.keys() | logged.keys()):
        event, log = stored.get(sequence), logged.get(sequence)
        if event is not None and log is None:
            problems.append(f"attempt {attempt.id}, {_item_name(event.attempt_item)}: answer change {sequence} "
                            "is stored but not in the log (added in the database)")
        elif log is not None and event is None:
            problems.append(f"attempt {attempt.id}, item {log.position} ({log.item}): answer change {sequence} "
                            "is in the log but not stored (deleted from the database)")
        elif log is not None and event is not None:
            entry = event.attempt_item
            differences = [name for name, same in (
                ("item", (log.position, log.item, log.version) == (entry.position, entry.item_version.item.code,
                                                                    entry.item_version.number)),
                ("answer", log.answer == event.answer), ("idempotency key", log.key == event.idempotency_key),
                ("time", log.at == event.received_at)) if not same]
            if differences:
                problems.append(f"attempt {attempt.id}, {_item_name(entry)}: answer change {sequence} differs "
                                f"from the log in its {', '.join(differences)}")
    latest = {log.position: (sequence, log.answer) for sequence, log in sorted(logged.items())}
    for position, entry in entries.items():
        response, last = entry.response, latest.get(position)
        if last is None and response is not None and response.answer is not None:
            problems.append(f"attempt {attempt.id}, {_item_name(entry)}: a stored answer the log never recorded")
        elif last is not None and (response is None or (response.sequence, response.answer) != last):
            problems.append(f"attempt {attempt.id}, {_item_name(entry)}: the stored answer is not the log's "
                            f"latest (answer change {last[0]})")
    return problems


def _score_problems(attempt: Attempt, logged: dict[int, LoggedAnswer], end: dict[str, Any] | None) -> list[str]:
    """An ended attempt's marks against what its logged answers earn and what the log's end says."""
    if attempt.score is None and end is None:
        return []
    if end is None:
        return [f"attempt {attempt.id}: ended and scored, but the log has no end for it"]
    if attempt.score is None:
        return [f"attempt {attempt.id}: the log ends it, but it is stored as open"]
    latest = {log.position: log.answer for _, log in sorted(logged.items())}
    earned = sum(mark(entry.item_version.type, entry.item_version.key, latest.get(entry.position))
                 for entry in attempt.items if not entry.pretest)
    problems = []
    if attempt.score.get("marks") != earned:
        problems.append(f"attempt {attempt.id}: the stored score is {attempt.score.get('marks')} marks; "
                        f"the answers in the log earn {earned}")
    if "marks" in end and end["marks"] != earned:
        problems.append(f"attempt {attempt.id}: the log's end records {end['marks']} marks; "
                        f"the answers in the log earn {earned}")
    return problems


def graded_data_problems(session_id: int) -> list[str]:
    """Every difference between the session's stored answers, responses and scores and its log."""
    attempts = db.session.scalars(
        select(Attempt).join(Sitting).where(Sitting.session_id == session_id).order_by(Attempt.id)
        .options(selectinload(Attempt.items).selectinload(AttemptItem.response),
                 selectinload(Attempt.items).selectinload(AttemptItem.item_version).selectinload(ItemVersion.item))
    ).all()
    logged, ends = _logged(session_id, [attempt.id for attempt in attempts])
    events: dict[int, list[AnswerEvent]] = {}
    for event in db.session.scalars(select(AnswerEvent).where(AnswerEvent.attempt_id.in_([a.id for a in attempts]))
                                    .order_by(AnswerEvent.attempt_id, AnswerEvent.sequence)):
        events.setdefault(event.attempt_id, []).append(event)
    problems: list[str] = []
    for attempt in attempts:
        mine = logged.pop(attempt.id, {})
        problems += _answer_problems(attempt, events.get(attempt.id, []), mine)
        problems += _score_problems(attempt, mine, ends.pop(attempt.id, None))
    problems += [f"answer change {sequence} of attempt {attempt_id} is in the log, but the attempt is not stored "
                 "in this session" for attempt_id, changes in sorted(logged.items()) for sequence in sorted(changes)]
    problems += [f"the log ends attempt {attempt_id}, but it is not stored in this session" for attempt_id in ends]
    return problems


@dataclass(frozen=True)
class SessionProof:
    session_id: int
    chain: Verification
    signed: int  # signed heads in the store
    signing: bool  # whether this server signs heads
    signature_problems: list[str]
    anchoring_problems: list[str]
    graded_problems: list[str]

    @property
    def ok(self) -> bool:
        return self.chain.ok and not (self.signature_problems or self.anchoring_problems or self.graded_problems)

    def lines(self) -> list[str]:
        """What `verify-log` prints: one line per check, then each problem indented."""
        what = f"Session {self.session_id}"
        lines = [self.chain.describe(what)]
        for problems, trouble, fine in (
                (self.signature_problems, "problem(s) with its signed heads",
                 f"{self.signed} signed head(s) in the store, each matching the log" if self.signed else
                 "no signed head in the store" + ("" if self.signing else " (signing is not configured)")
                 + ": the chain alone shows tampering, not a log rewritten with its head"),
                (self.anchoring_problems, "problem(s) in the attempts' logs",
                 "every attempt's log is intact and matches what the session's log committed to"),
                (self.graded_problems, "difference(s) between the stored results and the logs",
                 "every stored answer, response and score agrees with the logs")):
            lines.append(f"{what}: {len(problems)} {trouble}:" if problems else f"{what}: {fine}.")
            lines += [f"  {problem}" for problem in problems]
        return lines


def prove_session(session_id: int) -> SessionProof:
    """Everything `verify-log` checks. A session missing from the database is checked against the
    store: signed heads for it show that its log was deleted."""
    session = db.session.get(TestSession, session_id)
    own = session_records(session_id)
    if session is None:
        chain = Verification(False, 0, None, None, "the session is not in the database")
        anchors: list[str] = []
        graded: list[str] = []
    else:
        chain = verify_chain(SESSION, session_id, own, session.log_length, session.log_head)
        anchors, graded = anchoring_problems(session_id, own), graded_data_problems(session_id)
    return SessionProof(session_id, chain, len(signed_heads(session_id)), signing_configured(),
                        signature_problems(session_id, own), anchors, graded)
