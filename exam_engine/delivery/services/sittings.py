"""The port between delivery and invigilation: the sitting's state, clock and alerts.

Delivery never changes a sitting's state itself: it calls invigilation's conduct services,
which check the state machine, record the transition and append it to the session's
hash-chained event log, in the caller's transaction: delivery's own rows (the attempt, its
score) are written together with the transition that goes with them.
"""

from datetime import datetime

from invigilation.errors import InvigilationError
from invigilation.models.sessions import Sitting
from invigilation.services import conduct, incidents
from invigilation.services.seats import SIGN_IN_STATES
from invigilation.services.timing import is_accepting_answers, timing

__all__ = ["SIGN_IN_STATES", "InvigilationError", "cancel_before_start", "finish", "is_accepting_answers",
           "raise_alert", "start_clock", "time_out", "timing"]

cancel_before_start = conduct.cancel_before_start
start_clock = conduct.start_clock
finish = conduct.finish
raise_alert = incidents.raise_alert


def time_out(sitting: Sitting, now: datetime) -> None:
    """Time out the session's sittings whose clock has run out (this one among them)."""
    conduct.expire_overdue(sitting.session, now)
