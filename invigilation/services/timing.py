"""The clock as a service: what delivery asks before accepting every answer."""

from datetime import datetime, timedelta

from exam_engine.core.database import utcnow
from invigilation.clock import Timing, compute_timing
from invigilation.models.sessions import Sitting
from invigilation.states import SittingState


def timing(sitting: Sitting, now: datetime | None = None) -> Timing:
    return compute_timing(
        sitting.test_minutes, sitting.extra_time_percent, sitting.extra_minutes, sitting.started_at,
        [(pause.started_at, pause.ended_at) for pause in sitting.pauses], now or utcnow(),
    )


def remaining_time(sitting: Sitting, now: datetime | None = None) -> timedelta:
    """Working time left (frozen while paused; the full allowance before the clock starts)."""
    return timing(sitting, now).remaining


def deadline(sitting: Sitting, now: datetime | None = None) -> datetime | None:
    """When the clock runs out if not paused again (None before the start)."""
    return timing(sitting, now).deadline


def is_accepting_answers(sitting: Sitting, now: datetime | None = None) -> bool:
    """True only while the test is in progress, not paused, and time remains."""
    if sitting.state is not SittingState.IN_PROGRESS:
        return False
    return timing(sitting, now).remaining > timedelta(0)
