"""Seeding the workbench's evidence: items, and finished attempts stored through delivery's models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from exam_engine.assembly.blueprint import Mode
from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.models import AnswerEvent, Attempt, AttemptEnd, AttemptItem, Response
from invigilation.models.centres import AccessArrangement, Candidate, Centre, Room
from invigilation.models.sessions import SessionState, SessionUnit, Sitting, TestSession
from invigilation.states import SittingState
from item_bank.items.models import Item, ItemStatus, ItemVersion, ParameterSource
from item_bank.items.scoring import ItemType
from tests.delivery.factory import CALIBRATED

UNIT = "Y/506/2152"
OPTIONS = {ItemType.SINGLE_BEST_ANSWER: "ABCD", ItemType.MULTIPLE_RESPONSE: "ABCDE", ItemType.ORDERING: "ABCD"}
KEYS = {ItemType.SINGLE_BEST_ANSWER: "B", ItemType.MULTIPLE_RESPONSE: ["A", "C"],
        ItemType.ORDERING: ["C", "A", "D", "B"]}


def make_version(code: str, kind: ItemType, status: ItemStatus = ItemStatus.LIVE, a: float = 1.0,
                 d: list[float] | None = None, criterion: str = "AC1.1", writer: str = "writer-x") -> ItemVersion:
    marks = 2 if kind is ItemType.MULTIPLE_RESPONSE else 1
    options = [{"id": o, "text": f"Option {o} of {code}"} for o in OPTIONS[kind]]
    item = Item(code=code, unit_reference=UNIT)
    version = ItemVersion(
        number=1, status=status, type=kind, marks=marks, stem=f"Stem of {code}?", options=options,
        key=KEYS[kind], content_hash=code.ljust(64, "0"), criteria=[criterion], amplification=[f"{criterion}/1"],
        difficulty_rating="medium", rationale={o["id"]: "reason" for o in options}, writer=writer,
        irt_a=a, irt_d=d if d is not None else ([0.6, 0.0] if marks == 2 else [0.0]), irt_c=0.0,
        **(CALIBRATED if status is ItemStatus.LIVE else {"parameter_source": ParameterSource.PROVISIONAL}))
    item.versions.append(version)
    db.session.add(item)
    db.session.commit()
    return version


@dataclass
class Taker:
    """One finished attempt: answers by version id (absent: not given), and the candidate's groups."""

    answers: dict[int, Any]
    pretest: frozenset[int] = frozenset()
    sex: str | None = None
    born: date | None = None
    centre: int = 0
    arrangements: bool = False
    seconds: float = 30.0
    mode: Mode = Mode.FIXED
    groups: str | None = None  # the candidate's recorded groups (free text)


def seed_attempts(takers: list[Taker], unit: str = UNIT, centres: int = 2, rehearsal: bool = False) -> None:
    """Store every taker's finished attempt: candidate, sitting, attempt, items, answers (one commit);
    in rehearsal sessions (simulated candidates) if `rehearsal`."""
    admin = User(username=f"seed-admin-{utcnow().timestamp()}", display_name="Seeder", role=Role.CENTRE_ADMIN,
                 password_hash="not-a-password")
    db.session.add(admin)
    db.session.flush()
    now = utcnow()
    sessions = []
    for k in range(centres):
        centre = Centre(number=f"S{k:04d}", name=f"Centre {k}")
        room = Room(centre=centre, name="Room 1")
        session = TestSession(centre=centre, room=room, session_date=date.today(), scheduled_start=now,
                              session_key="SEED01", state=SessionState.STARTED, created_by_id=admin.id,
                              started_at=now, rehearsal=rehearsal)
        session.units.append(SessionUnit(unit_reference=unit, test_minutes=60))
        sessions.append(session)
    db.session.add_all(sessions)
    for n, taker in enumerate(takers):
        _store(n, taker, sessions[taker.centre % centres], now - timedelta(hours=1))
    db.session.commit()


def _store(n: int, taker: Taker, session: TestSession, start) -> None:
    user = User(username=f"learner-seed-{n}", display_name=f"Learner {n}", role=Role.LEARNER,
                password_hash="not-a-password")
    candidate = Candidate(centre=session.centre, user=user, candidate_number=f"{n:05d}", sex=taker.sex,
                          date_of_birth=taker.born, groups=taker.groups)
    if taker.arrangements:
        candidate.arrangements = AccessArrangement(extra_time_percent=25)
    sitting = Sitting(session=session, unit=session.units[0], candidate=candidate, state=SittingState.FINISHED,
                      started_at=start, finished_at=start + timedelta(minutes=30))
    attempt = Attempt(sitting=sitting, unit_reference=session.units[0].unit_reference, mode=taker.mode,
                      blueprint_version="test", blueprint={}, seed=n,
                      planned_items=len(taker.answers), created_at=start, ended_at=start + timedelta(minutes=30),
                      end=AttemptEnd.SUBMITTED)
    db.session.add_all([user, candidate, sitting, attempt])
    db.session.flush()
    moment = start
    for position, (version_id, answer) in enumerate(taker.answers.items(), start=1):
        entry = AttemptItem(attempt=attempt, position=position, item_version_id=version_id,
                            pretest=version_id in taker.pretest, selection={}, assigned_at=start)
        db.session.add(entry)
        if answer is None:
            continue
        moment = moment + timedelta(seconds=taker.seconds)
        entry.response = Response(answer=answer, sequence=position, saved_at=moment)
        db.session.add(AnswerEvent(attempt_id=attempt.id, attempt_item=entry, sequence=position,
                                   idempotency_key=f"k{position}", answer=answer, received_at=moment))
    attempt.next_sequence = len(taker.answers) + 1
