"""Conducting a session: the invigilator's actions and the learner's few (start, cancel, finish).

Every change of a sitting's state goes through `_move`, which checks the state machine,
records who, when and why, and appends the event to the session's log; each public
function commits once, so an action is recorded whole or not at all.
"""

import hmac
from datetime import datetime
from typing import Any

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.clock import is_very_late
from invigilation.errors import InvigilationError
from invigilation.models.centres import Workstation
from invigilation.models.sessions import (
    Exit,
    ExtraTimeGrant,
    IdentityDocument,
    Incident,
    IncidentCategory,
    Pause,
    PauseReason,
    SessionState,
    Sitting,
    SittingTransition,
    TestSession,
)
from invigilation.services.access import can_void
from invigilation.services.event_log import append_event
from invigilation.services.incidents import add_incident, open_alerts
from invigilation.services.timing import timing
from invigilation.states import ACTIVE_STATES, SittingState, check_transition

S = SittingState


def _required(text: str | None, what: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvigilationError(f"give {what}")
    return cleaned


def _move(sitting: Sitting, target: SittingState, actor: User | None, reason: str, now: datetime,
          **details: Any) -> None:
    check_transition(sitting.state, target)
    db.session.add(SittingTransition(sitting_id=sitting.id, from_state=sitting.state, to_state=target,
                                     actor_id=actor.id if actor else None, at=now, reason=reason))
    append_event(sitting.session_id, f"sitting.{target.value}",
                 {"sitting": sitting.id, "candidate": sitting.candidate.candidate_number,
                  "from": sitting.state.value, "reason": reason, **details}, actor, at=now)
    sitting.state = target


def _require_started(session: TestSession) -> None:
    if session.state is not SessionState.STARTED:
        raise InvigilationError(f"the session is {session.state.value}; start the session first"
                                if session.state is SessionState.SCHEDULED else "the session has ended")


def start_session(session: TestSession, invigilator: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    if session.state is not SessionState.SCHEDULED:
        raise InvigilationError(f"the session is already {session.state.value}")
    session.state, session.started_at = SessionState.STARTED, now
    append_event(session.id, "session.started", {}, invigilator, at=now)
    db.session.flush()


def check_in(sitting: Sitting, invigilator: User, document: IdentityDocument,
             now: datetime | None = None) -> None:
    """The candidate is present and their identity was checked; a late arrival is recorded and
    a very late one opens an incident (JCQ: it needs a report)."""
    now = now or utcnow()
    if sitting.session.state is SessionState.ENDED:
        raise InvigilationError("the session has ended")
    late = now > sitting.session.scheduled_start
    very_late = is_very_late(sitting.session.scheduled_start, sitting.test_minutes, now)
    _move(sitting, S.PRESENT, invigilator, f"identity checked ({document.label})", now,
          document=document.value, late=late, very_late=very_late)
    sitting.identity_document, sitting.identity_checked_by_id = document, invigilator.id
    sitting.arrived_at, sitting.very_late = now, very_late
    if very_late:
        add_incident(sitting.session, invigilator, IncidentCategory.CANDIDATE, now, [sitting],
                  f"Very late arrival: {sitting.candidate.name} came under supervision at {now:%H:%M}, "
                  f"published start {sitting.session.scheduled_start:%H:%M}. Full time allowed.", now=now)
    db.session.flush()


def _authorise(sitting: Sitting, invigilator: User, now: datetime) -> None:
    _move(sitting, S.AUTHORISED, invigilator, "authorised by the invigilator", now)
    sitting.authorised_by_id, sitting.authorised_at = invigilator.id, now


def authorise(sitting: Sitting, invigilator: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    _require_started(sitting.session)
    _authorise(sitting, invigilator, now)
    db.session.flush()


def authorise_everyone_present(session: TestSession, invigilator: User, now: datetime | None = None) -> list[Sitting]:
    """Unlock the test for every candidate who is present (identity checked)."""
    now = now or utcnow()
    _require_started(session)
    present = [s for s in session.sittings if s.state is S.PRESENT]
    for sitting in present:
        _authorise(sitting, invigilator, now)
    db.session.flush()
    return present


def authorise_with_key(sitting: Sitting, key: str, learner: User, now: datetime | None = None) -> None:
    """The learner unlocks their own test with the session key the invigilator gave out."""
    now = now or utcnow()
    _require_started(sitting.session)
    if learner.id != sitting.candidate.user_id:
        raise InvigilationError("this sitting belongs to another candidate")
    if not hmac.compare_digest(key.strip().upper(), sitting.session.session_key):
        raise InvigilationError("that session key is not right; ask the invigilator")
    _move(sitting, S.AUTHORISED, learner, "unlocked with the session key", now)
    sitting.authorised_at, sitting.authorised_with_key = now, True
    db.session.flush()


def cancel_before_start(sitting: Sitting, learner: User, now: datetime | None = None) -> None:
    """The candidate cancels on the confirmation screen (wrong name or test) before the clock starts."""
    _move(sitting, S.PRESENT, learner, "cancelled by the candidate before the start", now or utcnow())
    db.session.flush()


def start_clock(sitting: Sitting, learner: User | None, now: datetime | None = None) -> None:
    """The candidate confirmed name and test: the clock starts (actual start recorded)."""
    now = now or utcnow()
    _require_started(sitting.session)
    arrangements = sitting.candidate.arrangements
    sitting.extra_time_percent = arrangements.extra_time_percent if arrangements else 0
    _move(sitting, S.IN_PROGRESS, learner, "the candidate started the test", now,
          extra_time_percent=sitting.extra_time_percent)
    sitting.started_at = now
    db.session.flush()


def _pause(sitting: Sitting, actor: User, reason: PauseReason, note: str | None, now: datetime) -> None:
    _move(sitting, S.PAUSED, actor, f"paused: {reason.label}" + (f" ({note})" if note else ""), now,
          pause_reason=reason.value, remaining_seconds=timing(sitting, now).remaining.total_seconds())
    sitting.pauses.append(Pause(reason=reason, note=note, started_at=now, started_by_id=actor.id))


def _resume(sitting: Sitting, actor: User, now: datetime) -> None:
    pause = sitting.open_pause
    if pause is not None:
        pause.ended_at, pause.ended_by_id = now, actor.id
    db.session.flush()
    _move(sitting, S.IN_PROGRESS, actor, "resumed", now,
          remaining_seconds=timing(sitting, now).remaining.total_seconds())


def pause(sitting: Sitting, invigilator: User, reason: PauseReason, note: str | None = None,
          now: datetime | None = None) -> None:
    if reason is PauseReason.OTHER:
        note = _required(note, "the reason for the pause")
    _pause(sitting, invigilator, reason, note, now or utcnow())
    db.session.flush()


def rest_break(sitting: Sitting, invigilator: User, now: datetime | None = None) -> None:
    """A supervised rest break (clock stopped, no cap): an access arrangement."""
    if not (sitting.candidate.arrangements and sitting.candidate.arrangements.rest_breaks):
        raise InvigilationError(f"{sitting.candidate.name} has no rest-break arrangement; pause with a reason instead")
    pause(sitting, invigilator, PauseReason.REST_BREAK, None, now)


def resume(sitting: Sitting, invigilator: User, now: datetime | None = None) -> None:
    if any(exit.returned_at is None and exit.escort for exit in sitting.exits):
        raise InvigilationError(f"{sitting.candidate.name} is out of the room; record their return")
    _resume(sitting, invigilator, now or utcnow())
    db.session.flush()


def pause_all(session: TestSession, invigilator: User, reason: PauseReason, note: str | None = None,
              now: datetime | None = None) -> list[Sitting]:
    now = now or utcnow()
    paused = [s for s in session.sittings if s.state is S.IN_PROGRESS]
    for sitting in paused:
        _pause(sitting, invigilator, reason, note, now)
    append_event(session.id, "session.paused_all", {"reason": reason.value, "sittings": [s.id for s in paused]},
                 invigilator, at=now)
    db.session.flush()
    return paused


def resume_all(session: TestSession, invigilator: User, now: datetime | None = None) -> list[Sitting]:
    """Resume every paused candidate except those out of the room."""
    now = now or utcnow()
    out = {exit.sitting_id for s in session.sittings for exit in s.exits if exit.returned_at is None}
    resumed = [s for s in session.sittings if s.state is S.PAUSED and s.id not in out]
    for sitting in resumed:
        _resume(sitting, invigilator, now)
    append_event(session.id, "session.resumed_all", {"sittings": [s.id for s in resumed]}, invigilator, at=now)
    db.session.flush()
    return resumed


def evacuate(session: TestSession, invigilator: User, now: datetime | None = None) -> Incident:
    """Emergency evacuation: pause everyone at once (answers are already saved on every
    answer), record the time and open an incident."""
    now = now or utcnow()
    _require_started(session)
    active = [s for s in session.sittings if s.state in ACTIVE_STATES]
    for sitting in active:
        if sitting.state is S.IN_PROGRESS:
            _pause(sitting, invigilator, PauseReason.EVACUATION, None, now)
    incident = add_incident(session, invigilator, IncidentCategory.ENVIRONMENT, now, active,
                         f"Emergency evacuation at {now:%H:%M:%S}; every candidate's test paused.", now=now)
    append_event(session.id, "session.evacuated", {"incident": incident.id, "sittings": [s.id for s in active]},
                 invigilator, at=now)
    db.session.flush()
    return incident


def grant_extra_time(sitting: Sitting, invigilator: User, minutes: float, reason: str,
                     now: datetime | None = None) -> None:
    now = now or utcnow()
    reason = _required(reason, "the reason for the extra time")
    if not 0 < minutes <= 240:
        raise InvigilationError(f"extra time is more than 0 and at most 240 minutes, not {minutes:g}")
    if sitting.state.is_final:
        raise InvigilationError(f"the sitting is {sitting.state.label}; extra time no longer applies")
    sitting.extra_time_grants.append(ExtraTimeGrant(minutes=minutes, reason=reason, granted_by_id=invigilator.id,
                                                    granted_at=now))
    sitting.extra_minutes += minutes
    append_event(sitting.session_id, "sitting.extra_time",
                 {"sitting": sitting.id, "minutes": minutes, "reason": reason}, invigilator, at=now)
    db.session.flush()


def leave_room(sitting: Sitting, invigilator: User, escort: str | None, now: datetime | None = None) -> None:
    """Escorted: the clock pauses until the return. Unescorted: the test ends (no return)."""
    now = now or utcnow()
    escort = (escort or "").strip() or None
    sitting.exits.append(Exit(left_at=now, escort=escort, recorded_by_id=invigilator.id))
    if escort:
        _pause(sitting, invigilator, PauseReason.TEMPORARY_EXIT, f"escorted by {escort}", now)
    else:
        _finish(sitting, invigilator, "left the room unescorted; the test has ended", now)
    db.session.flush()


def return_to_room(sitting: Sitting, invigilator: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    exit = next((e for e in sitting.exits if e.returned_at is None and e.escort), None)
    if exit is None:
        raise InvigilationError(f"{sitting.candidate.name} is not out of the room on an escorted exit")
    exit.returned_at = now
    _resume(sitting, invigilator, now)
    db.session.flush()


def move_workstation(sitting: Sitting, invigilator: User, workstation: Workstation, reason: str,
                     now: datetime | None = None) -> None:
    """Technical failure: the candidate moves (paused, same answers and time) to another workstation."""
    now = now or utcnow()
    reason = _required(reason, "the reason for the move")
    if workstation.room_id != sitting.session.room_id:
        raise InvigilationError(f"workstation {workstation.label} is not in {sitting.session.room.name}")
    taken = next((s for s in sitting.session.sittings if s.workstation_id == workstation.id and not s.state.is_final
                  and s is not sitting), None)
    if taken is not None:
        raise InvigilationError(f"workstation {workstation.label} is in use by {taken.candidate.name}")
    old = sitting.workstation.label if sitting.workstation else None
    if sitting.state is S.IN_PROGRESS:
        _pause(sitting, invigilator, PauseReason.TECHNICAL_FAILURE, reason, now)
    sitting.workstation = workstation
    sitting.seat_token_hash = None  # the candidate signs in again at the new workstation
    append_event(sitting.session_id, "sitting.moved", {"sitting": sitting.id, "from": old, "to": workstation.label,
                                                       "reason": reason}, invigilator, at=now)
    db.session.flush()


def void(sitting: Sitting, user: User, reason: str, now: datetime | None = None) -> None:
    """Void a sitting: only a centre administrator of its centre or the awarding body, with a reason."""
    now = now or utcnow()
    if not can_void(user, sitting.session):
        raise InvigilationError("only the centre administrator or the awarding body may void a test")
    reason = _required(reason, "the reason for voiding")
    _close(sitting, S.VOIDED, user, f"voided: {reason}", now)
    db.session.flush()


def mark_absent(sitting: Sitting, invigilator: User, now: datetime | None = None) -> None:
    _close(sitting, S.ABSENT, invigilator, "absent", now or utcnow())
    db.session.flush()


def _close(sitting: Sitting, target: SittingState, actor: User | None, reason: str, now: datetime) -> None:
    pause = sitting.open_pause
    if pause is not None:
        pause.ended_at, pause.ended_by_id = now, actor.id if actor else None
    _move(sitting, target, actor, reason, now)
    sitting.outcome_reason = reason
    if target in (S.FINISHED, S.TIMED_OUT, S.VOIDED) and sitting.started_at:
        sitting.finished_at = now


def _finish(sitting: Sitting, actor: User | None, reason: str, now: datetime) -> None:
    _close(sitting, S.FINISHED, actor, reason, now)


def finish(sitting: Sitting, learner: User | None, now: datetime | None = None) -> None:
    """The candidate submitted the test; a submission after the clock ran out is a time-out
    at the deadline instead (the server's clock decides, not the learner's screen)."""
    now = now or utcnow()
    clock = timing(sitting, now)
    if sitting.state is S.IN_PROGRESS and clock.remaining.total_seconds() <= 0:
        _close(sitting, S.TIMED_OUT, None, "time ran out", clock.deadline or now)
    else:
        _finish(sitting, learner, "submitted by the candidate", now)
    db.session.flush()


def expire_overdue(session: TestSession, now: datetime | None = None) -> list[Sitting]:
    """Time out every running sitting whose clock has run out (finish time = its deadline)."""
    now = now or utcnow()
    expired = []
    for sitting in session.sittings:
        if sitting.state is S.IN_PROGRESS and timing(sitting, now).remaining.total_seconds() <= 0:
            deadline = timing(sitting, now).deadline or now
            _close(sitting, S.TIMED_OUT, None, "time ran out", deadline)
            expired.append(sitting)
    if expired:
        db.session.flush()
    return expired


def end_session(session: TestSession, invigilator: User, now: datetime | None = None) -> None:
    """End the session: overdue tests time out, running ones finish, the rest are absent."""
    now = now or utcnow()
    _require_started(session)
    expire_overdue(session, now)
    for sitting in session.sittings:
        if sitting.state in ACTIVE_STATES:
            _finish(sitting, invigilator, "ended by the invigilator at the end of the session", now)
        elif not sitting.state.is_final:
            _close(sitting, S.ABSENT, invigilator, "did not start the test before the session ended", now)
    session.state, session.ended_at = SessionState.ENDED, now
    append_event(session.id, "session.ended", {}, invigilator, at=now)
    db.session.flush()


def sign_register(session: TestSession, invigilator: User, note: str | None = None,
                  now: datetime | None = None) -> None:
    """The invigilator signs the register and report off; the log head is recorded with it."""
    now = now or utcnow()
    if session.state is not SessionState.ENDED:
        raise InvigilationError("end the session before signing the register")
    if session.signed_off_at is not None:
        signer = session.signed_off_by.display_name if session.signed_off_by else "another invigilator"
        raise InvigilationError(f"the register was already signed by {signer}")
    unresolved = open_alerts(session)
    if unresolved:
        listed = "; ".join(f"{a.sitting.candidate.name}, {a.about}: {a.message[:60]}" for a in unresolved)
        raise InvigilationError(
            f"{len(unresolved)} alert{'s are' if len(unresolved) > 1 else ' is'} not dealt with ({listed}); "
            "on the session report make each an incident or resolve it with a note saying what was done, "
            "then sign")
    session.signed_off_by_id, session.signed_off_at = invigilator.id, now
    session.sign_off_note = (note or "").strip() or None
    append_event(session.id, "register.signed", {"note": session.sign_off_note}, invigilator, at=now)
    db.session.flush()

