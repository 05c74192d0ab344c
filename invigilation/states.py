"""The candidate's state in a session, as a state machine (pure: no database, no Flask).

booked -> present (identity checked) -> authorised -> in progress <-> paused -> finished,
timed out, voided or absent. `check_transition` is the one gate every change passes; an
illegal change is refused with a message saying what the sitting is and what is allowed.
"""

from enum import StrEnum

from invigilation.errors import InvigilationError


class SittingState(StrEnum):
    BOOKED = "booked"
    PRESENT = "present"
    AUTHORISED = "authorised"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    FINISHED = "finished"
    TIMED_OUT = "timed_out"
    VOIDED = "voided"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self]


S = SittingState

TRANSITIONS: dict[SittingState, frozenset[SittingState]] = {
    S.BOOKED: frozenset({S.PRESENT, S.ABSENT, S.VOIDED}),
    # present or authorised but never started: absent (did not sit) when the session ends
    S.PRESENT: frozenset({S.AUTHORISED, S.ABSENT, S.VOIDED}),
    # the candidate can cancel on the confirmation screen before the clock starts
    S.AUTHORISED: frozenset({S.IN_PROGRESS, S.PRESENT, S.ABSENT, S.VOIDED}),
    S.IN_PROGRESS: frozenset({S.PAUSED, S.FINISHED, S.TIMED_OUT, S.VOIDED}),
    # an unescorted exit or the end of the session finishes a paused candidate
    S.PAUSED: frozenset({S.IN_PROGRESS, S.FINISHED, S.VOIDED}),
    S.FINISHED: frozenset(),
    S.TIMED_OUT: frozenset(),
    S.VOIDED: frozenset(),
    S.ABSENT: frozenset(),
}

ACTIVE_STATES = frozenset({S.IN_PROGRESS, S.PAUSED})


class IllegalTransition(InvigilationError):
    """A change of state the rules do not allow; the message says why."""


def check_transition(current: SittingState, target: SittingState) -> None:
    """Refuse `current -> target` unless the state machine allows it."""
    allowed = TRANSITIONS[current]
    if target in allowed:
        return
    if not allowed:
        raise IllegalTransition(
            f"the sitting is already {current.label}, which is final; it cannot become {target.label}")
    options = ", ".join(sorted(state.label for state in allowed))
    raise IllegalTransition(
        f"a sitting that is {current.label} cannot become {target.label} (it can become: {options})")
