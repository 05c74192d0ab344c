"""What an action that ends, voids or stops tests will do, said before it is done.

Ending the session, evacuating, marking a candidate absent, recording an unescorted exit and
voiding are each confirmed on a page of their own that lists their consequences. The
confirmation carries a digest of that list: the action refuses a request without it (a stray
click, a replayed form) and a request whose list no longer matches the room (someone started
or finished since the page was read), so what was confirmed is what is done.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from exam_engine.core.database import utcnow
from invigilation.models.sessions import PauseReason, Sitting, TestSession
from invigilation.services.timing import timing
from invigilation.states import ACTIVE_STATES, SittingState

S = SittingState


@dataclass(frozen=True)
class Consequences:
    """A destructive action's confirmation: what to ask, what will happen, what the button says."""

    action: str
    title: str
    button: str
    effects: list[str]
    undoable: bool = False
    binding: str = ""  # what the confirmation is bound to, when not the effects themselves

    @property
    def digest(self) -> str:
        """Names the consequences confirmed; a replayed or stale confirmation does not match it."""
        text = "\n".join([self.action, self.binding] if self.binding else [self.action, *self.effects])
        return hashlib.sha256(text.encode()).hexdigest()[:24]


def _names(sittings: list[Sitting]) -> str:
    return ", ".join(f"{s.candidate.name} ({s.candidate.candidate_number})" for s in sittings)


def _count(sittings: list[Sitting], one: str, many: str) -> str:
    return f"{len(sittings)} {one if len(sittings) == 1 else many}: {_names(sittings)}"


def end_session(session: TestSession, now: datetime | None = None) -> Consequences:
    now = now or utcnow()
    overdue = [s for s in session.sittings
               if s.state is S.IN_PROGRESS and timing(s, now).remaining.total_seconds() <= 0]
    running = [s for s in session.sittings if s.state in ACTIVE_STATES and s not in overdue]
    waiting = [s for s in session.sittings if not s.state.is_final and s.state not in ACTIVE_STATES]
    effects = []
    if running:
        effects.append("The test ends now for " + _count(running, "candidate still sitting", "candidates still sitting")
                       + ". The answers they have given are kept and marked.")
    if overdue:
        effects.append("Time has run out for " + _count(overdue, "candidate", "candidates") + ": timed out.")
    if waiting:
        effects.append("Marked absent (did not start before the end): " + _count(waiting, "candidate", "candidates")
                       + ".")
    if not effects:
        effects.append("Every candidate has finished; nobody's test changes.")
    effects.append("The session closes: nobody can sign in or start again, and the log is sealed and signed.")
    return Consequences("end", f"End session {session.id}?", "Yes, end the session", effects)


def evacuate(session: TestSession) -> Consequences:
    working = [s for s in session.sittings if s.state is S.IN_PROGRESS]
    others = [s for s in session.sittings if s.state in ACTIVE_STATES and s.state is not S.IN_PROGRESS]
    effects = [("Every candidate working is paused at once: " + _count(working, "candidate", "candidates") + "."
                if working else "Nobody is working at the moment; nobody's clock changes."),
               "Answers are already saved on every answer; the time is recorded and an environment incident "
               "is opened" + (f" naming {len(working) + len(others)} candidates" if others else "") + "."]
    effects.append("When the room is safe, press Resume all: each candidate gets the time they had left.")
    # In an emergency a candidate starting meanwhile must not send the invigilator back for a second
    # look: the confirmation is bound to the session and to the evacuations already made (so a replay
    # after everyone has resumed does not evacuate again), not to who is working.
    done = sum(1 for s in session.sittings for p in s.pauses if p.reason is PauseReason.EVACUATION)
    return Consequences("evacuate", f"Evacuate the room (session {session.id})?", "Yes, evacuate: pause everyone",
                        effects, undoable=True, binding=f"session {session.id}, {done} evacuation pauses so far")


def mark_absent(sitting: Sitting) -> Consequences:
    name = sitting.candidate.name
    return Consequences("absent", f"Mark {name} absent?", f"Yes, mark {name} absent", [
        f"{name} ({sitting.candidate.candidate_number}) is recorded as absent from this session.",
        f"{name} cannot sign in to or start this test in this session; a new booking is needed.",
    ])


def unescorted_exit(sitting: Sitting) -> Consequences:
    name = sitting.candidate.name
    return Consequences("leave-unescorted", f"Did {name} leave the room unescorted?",
                        f"Yes, {name} left unescorted: end the test", [
        f"{name}'s test ends now (JCQ: a candidate who leaves unescorted may not return).",
        "The answers given so far are kept and marked; the exit is recorded with the time.",
        "If an escort went with the candidate, go back and record the escort's name instead: "
        "the clock then pauses until they are back.",
    ])


def void(sitting: Sitting) -> Consequences:
    name = sitting.candidate.name
    return Consequences("void", f"Void {name}'s test?", f"Yes, void {name}'s test", [
        f"{name}'s test ({sitting.unit.unit_reference}) is void: it is not marked and gives no result.",
        f"It is {sitting.state.label} now; once void it cannot be resumed or restored.",
        "The reason is kept in the session's log and report.",
    ])
