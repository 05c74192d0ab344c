"""The sitting's clock, kept by the server (pure: plain datetimes in, plain values out).

Allowed time = unit minutes x (1 + access-arrangement extra time % / 100) + extra minutes
granted by the invigilator. Working time = time since the actual start minus time spent
paused (rest breaks, evacuation, technical failure, escorted exit). Paused time is added
back, so the deadline moves by the length of every pause and, while a pause is open, the
remaining time is frozen. JCQ: "the clock is kept by the server, per candidate".
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

ZERO = timedelta(0)


@dataclass(frozen=True)
class Timing:
    allowed: timedelta
    used: timedelta
    remaining: timedelta
    paused_for: timedelta
    deadline: datetime | None  # None before the clock starts
    is_paused: bool


def allowed_time(test_minutes: int, extra_time_percent: int, extra_minutes: float) -> timedelta:
    """The whole time allowed for the sitting (unit minutes plus both kinds of extra time)."""
    if test_minutes <= 0:
        raise ValueError(f"a test lasts a positive number of minutes, not {test_minutes}")
    if extra_time_percent < 0 or extra_minutes < 0:
        raise ValueError("extra time cannot be negative")
    return timedelta(minutes=test_minutes * (100 + extra_time_percent) / 100 + extra_minutes)


def _merged(pauses: Iterable[tuple[datetime, datetime | None]], now: datetime) -> list[tuple[datetime, datetime]]:
    """Pause intervals cut at `now` and merged where they overlap (a pause inside a pause counts once)."""
    intervals = sorted((start, min(end or now, now)) for start, end in pauses if start < now)
    merged: list[tuple[datetime, datetime]] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def compute_timing(
    test_minutes: int,
    extra_time_percent: int,
    extra_minutes: float,
    started_at: datetime | None,
    pauses: Sequence[tuple[datetime, datetime | None]],
    now: datetime,
) -> Timing:
    """The sitting's timing at `now`. `pauses` are (start, end or None while open)."""
    allowed = allowed_time(test_minutes, extra_time_percent, extra_minutes)
    if started_at is None:
        return Timing(allowed, ZERO, allowed, ZERO, None, False)
    is_paused = any(start <= now and end is None for start, end in pauses)
    paused_for = sum((end - start for start, end in _merged(pauses, now)), ZERO)
    used = max(ZERO, now - started_at - paused_for)
    remaining = max(ZERO, allowed - used)
    # while paused the deadline keeps moving; it is where the clock would end if resumed now
    deadline = started_at + allowed + paused_for
    return Timing(allowed, min(used, allowed), remaining, paused_for, deadline, is_paused)


def is_very_late(scheduled_start: datetime, test_minutes: int, arrived_at: datetime) -> bool:
    """JCQ: very late is more than 1 hour after the published start for tests of an hour or
    more, or after the published finish (start + test minutes) for shorter tests."""
    limit = timedelta(hours=1) if test_minutes >= 60 else timedelta(minutes=test_minutes)
    return arrived_at > scheduled_start + limit
