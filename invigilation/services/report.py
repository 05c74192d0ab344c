"""What invigilators read: the live dashboard's rows and the session report (page and CSV)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from exam_engine.core.database import utcnow
from exam_engine.core.downloads import csv_text
from invigilation.models.sessions import Alert, Incident, Sitting, TestSession
from invigilation.services.lockdown import requires_safe_exam_browser
from invigilation.services.progress import sitting_progress
from invigilation.services.seats import failed_sign_ins
from invigilation.services.timing import timing
from invigilation.states import ACTIVE_STATES


def clock_text(span: timedelta) -> str:
    """A duration as h:mm:ss (or m:ss under an hour)."""
    seconds = int(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


CENTRE_TIME_ZONE = ZoneInfo("Europe/London")  # centres are in the UK; times are shown as the room's clock


def local(moment: datetime) -> datetime:
    return moment.astimezone(CENTRE_TIME_ZONE)


def time_text(moment: datetime | None) -> str:
    """UK time of day to the second, as the room's clock shows it ("14:05:32"); "" for none."""
    return local(moment).strftime("%H:%M:%S") if moment else ""


def minute_text(moment: datetime | None) -> str:
    """UK time of day to the minute ("14:05")."""
    return local(moment).strftime("%H:%M") if moment else ""


def date_text(moment: datetime | None) -> str:
    """The UK date ("Mon 23 Nov 2026")."""
    return local(moment).strftime("%a %d %b %Y") if moment else ""


def moment_text(moment: datetime | None) -> str:
    """UK date and time to the minute ("Mon 23 Nov 2026 14:05"), for times on another day than the page's."""
    return local(moment).strftime("%a %d %b %Y %H:%M") if moment else ""


def stamp_text(iso: str) -> str:
    """An ISO 8601 time stamp stored as text (a signed head's), shown as UK date and time to the second."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return local(moment).strftime("%a %d %b %Y %H:%M:%S") if moment.tzinfo else iso


def utc_text(moment: datetime | None) -> str:
    """ISO 8601 in UTC to the second ("2026-11-23T14:05:32Z"): for machine-readable columns only."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def dashboard_rows(session: TestSession, now: datetime | None = None) -> list[dict[str, object]]:
    """One row per sitting for the live dashboard (and its JSON)."""
    now = now or utcnow()
    failures = failed_sign_ins(session, now)
    checked = requires_safe_exam_browser(session)
    rows = []
    for sitting in session.sittings:
        clock = timing(sitting, now)
        arrangements = sitting.candidate.arrangements
        rows.append({
            "id": sitting.id,
            "candidate": sitting.candidate.name,
            "candidate_number": sitting.candidate.candidate_number,
            "unit": sitting.unit.unit_reference,
            "seat": sitting.workstation.seat if sitting.workstation else "",
            "workstation": sitting.workstation.label if sitting.workstation else "",
            "state": sitting.state.value,
            "state_label": sitting.state.label,
            "progress": sitting_progress(sitting).label,
            "remaining": clock_text(clock.remaining) if not sitting.state.is_final else "",
            "deadline": time_text(clock.deadline) if sitting.state in ACTIVE_STATES else "",
            "arrangements": ", ".join(arrangements.summary()) if arrangements else "",
            "very_late": sitting.very_late,
            "failed_sign_ins": failures.get(sitting.id, 0),
            "browser": browser_check_text(sitting) if checked else "",
            "open_alerts": [{"id": a.id, "kind": a.kind.value, "item": a.item_ref, "message": a.message,
                             "raised_at": time_text(a.raised_at)} for a in sitting.alerts if a.is_open],
            "reconciliation": sitting.started_at is not None,
        })
    return rows


def browser_check_text(sitting: Sitting) -> str:
    """The sitting's last Safe Exam Browser check, e.g. "Safe Exam Browser checked at 10:32:05"."""
    if sitting.browser_check is None or sitting.browser_checked_at is None:
        return "Safe Exam Browser: not checked yet"
    return f"{sitting.browser_check.label} at {time_text(sitting.browser_checked_at)}"


@dataclass(frozen=True)
class ReportRow:
    sitting: Sitting
    scheduled_start: datetime
    scheduled_finish: datetime
    arrived: str  # when the candidate came under supervision, and whether late
    actual_start: datetime | None
    actual_finish: datetime | None
    pauses: list[str]
    extra_time: list[str]
    exits: list[str]
    incidents: list[Incident]
    alerts: list[str]  # every alert and what was done about it
    unresolved_alerts: list[Alert]
    outcome: str


def report_rows(session: TestSession) -> list[ReportRow]:
    """Per candidate: scheduled and actual start and finish, pauses and why, extra time, exits,
    incidents and outcome. Scheduled finish counts the candidate's whole allowance."""
    rows = []
    for sitting in session.sittings:
        allowed = timing(sitting, sitting.finished_at or utcnow()).allowed
        extra = [f"{sitting.extra_time_percent}% (access arrangement)"] if sitting.extra_time_percent else []
        extra += [f"{g.minutes:g} min at {time_text(g.granted_at)}: {g.reason}" for g in sitting.extra_time_grants]
        rows.append(ReportRow(
            sitting=sitting,
            scheduled_start=session.scheduled_start,
            scheduled_finish=session.scheduled_start + allowed,
            arrived=_arrival(sitting),
            actual_start=sitting.started_at,
            actual_finish=sitting.finished_at,
            pauses=[f"{time_text(p.started_at)}–{time_text(p.ended_at) or 'open'} {p.reason.label}"
                    + (f" ({p.note})" if p.note else "") for p in sitting.pauses],
            extra_time=extra,
            exits=[f"out {time_text(e.left_at)}, "
                   + (f"escorted by {e.escort}, back {time_text(e.returned_at)}" if e.escort
                      else "unescorted (test ended)") for e in sitting.exits],
            incidents=[i for i in session.incidents if sitting in i.sittings],
            alerts=[alert_text(a) for a in sitting.alerts],
            unresolved_alerts=[a for a in sitting.alerts if a.is_open],
            outcome=sitting.state.label + (f": {sitting.outcome_reason}" if sitting.outcome_reason else ""),
        ))
    return rows


def alert_text(alert: Alert) -> str:
    """An alert and what became of it, e.g. "10:32:05 item U2-001: picture missing (resolved 10:33:10 by …: …)"."""
    said = f"{time_text(alert.raised_at)} {alert.about}: {alert.message}"
    if alert.incident_id is not None:
        return f"{said} (made incident #{alert.incident_id})"
    if alert.dismissed_at is not None:
        who = f" by {alert.resolved_by.display_name}" if alert.resolved_by else ""
        return f"{said} (resolved {time_text(alert.dismissed_at)}{who}: {alert.resolution_note or 'no note'})"
    return f"{said} (NOT DEALT WITH)"


def _arrival(sitting: Sitting) -> str:
    if sitting.arrived_at is None:
        return ""
    lateness = ("very late" if sitting.very_late else
                "late" if sitting.arrived_at > sitting.session.scheduled_start else "on time")
    return f"{time_text(sitting.arrived_at)} ({lateness})"


CSV_COLUMNS = ["candidate_number", "candidate", "unit", "workstation", "date", "scheduled_start",
               "scheduled_finish", "arrived", "actual_start", "actual_finish", "pauses", "extra_time", "exits",
               "incidents", "alerts", "unresolved_alerts", "outcome", "scheduled_start_utc", "scheduled_finish_utc",
               "actual_start_utc", "actual_finish_utc"]
"""Human columns read in UK time (Europe/London); the `_utc` columns are ISO 8601 UTC for machines."""


def report_csv(session: TestSession) -> str:
    rows = [[
        row.sitting.candidate.candidate_number, row.sitting.candidate.name, row.sitting.unit.unit_reference,
        row.sitting.workstation.label if row.sitting.workstation else "", date_text(row.scheduled_start),
        minute_text(row.scheduled_start), minute_text(row.scheduled_finish), row.arrived,
        time_text(row.actual_start), time_text(row.actual_finish),
        "; ".join(row.pauses), "; ".join(row.extra_time), "; ".join(row.exits),
        "; ".join(f"#{i.id} {i.category.label}" for i in row.incidents), "; ".join(row.alerts),
        len(row.unresolved_alerts), row.outcome, utc_text(row.scheduled_start), utc_text(row.scheduled_finish),
        utc_text(row.actual_start), utc_text(row.actual_finish),
    ] for row in report_rows(session)]
    return csv_text(CSV_COLUMNS, rows)
