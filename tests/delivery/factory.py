"""Building what a sitting needs: a centre, a started session, a present candidate and a small bank."""

from dataclasses import dataclass
from datetime import date, timedelta

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.models.centres import AccessArrangement, Candidate, Centre, CentreStaff, Room, Workstation
from invigilation.models.sessions import SessionState, SessionUnit, Sitting, TestSession
from invigilation.services.event_log import append_event
from invigilation.states import SittingState
from item_bank.items.models import Item, ItemStatus, ItemVersion, ParameterSource
from item_bank.items.scoring import ItemType

UNIT = "Y/506/2152"
KEY = "K3Y9AB"
RATIONALE_MARK = "RATIONALE-SECRET"


def blueprint(mode: str, items: int = 4) -> dict:
    """A blueprint (file form) for the test bank: exactly `items` items, one multiple-response
    and one ordering item, the rest single best answer; every criterion assessed."""
    return {
        "unit": UNIT, "title": "Test unit", "mode": mode, "minutes": 30, "total_marks": items + 1, "cut_theta": 0.0,
        "max_exposure": 1.0, "pretest_slots": 0, "max_items_per_criterion": items,
        "learning_outcomes": [{"number": "1", "min_marks": 1, "max_marks": items, "criteria": ["1.1"]},
                              {"number": "2", "min_marks": 2, "max_marks": 2, "criteria": ["2.1"]},
                              {"number": "3", "min_marks": 1, "max_marks": 1, "criteria": ["3.1"]}],
        "item_types": [{"type": "single_best_answer", "min_items": items - 2, "max_items": items - 2, "seconds": 60},
                       {"type": "multiple_response", "min_items": 1, "max_items": 1, "seconds": 60},
                       {"type": "ordering", "min_items": 1, "max_items": 1, "seconds": 60}],
        "exposure_edges": [],
    }


CALIBRATED = {"parameter_source": ParameterSource.CALIBRATED, "calibration_model": "gpcm", "calibration_responses": 500}


def make_items(count: int = 12, unit: str = UNIT, calibrated: bool = True) -> list[ItemVersion]:
    """A small bank mixing the three item types; every key and rationale is distinctive. Calibrated
    (from enough real responses) unless asked otherwise, so the adaptive gate is open."""
    versions = []
    for n in range(1, count + 1):
        kind = (ItemType.SINGLE_BEST_ANSWER, ItemType.MULTIPLE_RESPONSE, ItemType.ORDERING)[n % 3]
        options = [{"id": letter, "text": f"Option {letter} of item {n}"} for letter in "ABCD"]
        key = {ItemType.SINGLE_BEST_ANSWER: "C", ItemType.MULTIPLE_RESPONSE: ["A", "D"],
               ItemType.ORDERING: ["D", "B", "A", "C"]}[kind]
        marks = 2 if kind is ItemType.MULTIPLE_RESPONSE else 1
        item = Item(code=f"T-{unit[:1]}-{n:02d}", unit_reference=unit)
        version = ItemVersion(
            number=1, status=ItemStatus.LIVE, type=kind, marks=marks, stem=f"Stem of test item {n}?",
            options=options, key=key, content_hash=f"{n:064d}", criteria=[f"AC{1 + n % 3}.1"], amplification=[],
            difficulty_rating="medium", rationale={o["id"]: f"{RATIONALE_MARK} {n}{o['id']}" for o in options},
            writer="w", irt_a=1.0, irt_d=[0.5, -0.5] if marks == 2 else [0.2 * (n - 4)], irt_c=0.0,
            **CALIBRATED if calibrated else {"parameter_source": ParameterSource.PROVISIONAL})
        item.versions.append(version)
        db.session.add(item)
        versions.append(version)
    db.session.commit()
    return versions


@dataclass
class Setup:
    sitting: Sitting
    learner: User
    invigilator: User
    candidate_number: str


def make_sitting(make_user, minutes: int = 30, candidate_number: str = "0001", extra_time: int = 0,
                 arrangements: dict | None = None, centre: Centre | None = None,
                 session: TestSession | None = None) -> Setup:
    """A present (identity-checked) candidate in a started session testing `UNIT`."""
    invigilator = make_user(Role.INVIGILATOR)
    learner = make_user(Role.LEARNER)
    if session is None:
        centre = centre or Centre(number=f"C{candidate_number}", name="Test centre")
        room = Room(centre=centre, name="Room 1")
        db.session.add_all([centre, room, Workstation(room=room, label="WS-1", seat="A1")])
        db.session.flush()
        db.session.add(CentreStaff(centre_id=centre.id, user_id=invigilator.id))
        now = utcnow()
        session = TestSession(centre=centre, room=room, session_date=date.today(), scheduled_start=now,
                              session_key=KEY, state=SessionState.STARTED, created_by_id=invigilator.id,
                              started_at=now)
        session.units.append(SessionUnit(unit_reference=UNIT, test_minutes=minutes))
        db.session.add(session)
        db.session.flush()
        append_event(session.id, "session.started", {}, invigilator)
    candidate = Candidate(centre_id=session.centre_id, user_id=learner.id, candidate_number=candidate_number)
    if arrangements or extra_time:
        candidate.arrangements = AccessArrangement(extra_time_percent=extra_time, **(arrangements or {}))
    db.session.add(candidate)
    sitting = Sitting(session=session, unit=session.units[0], candidate=candidate, state=SittingState.PRESENT,
                      extra_time_percent=extra_time, arrived_at=utcnow())
    db.session.add(sitting)
    db.session.commit()
    return Setup(sitting, learner, invigilator, candidate_number)


def shift_start(sitting: Sitting, seconds: float) -> None:
    """Move the sitting's start back in time by `seconds` (to bring the deadline near in tests)."""
    db.session.refresh(sitting)
    sitting.started_at = sitting.started_at - timedelta(seconds=seconds)
    db.session.commit()
