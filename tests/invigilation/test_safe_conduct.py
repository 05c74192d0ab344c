"""Invigilator pages safe under pressure: actions that end or stop tests refuse a request without its
confirmation, unresolved alerts block sign-off and reach the report, reconciliation is linked, times
are UK time (ISO UTC only in the CSV's `_utc` columns)."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from exam_engine.core.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models.sessions import IdentityDocument, Incident, SessionState
from invigilation.services import conduct, confirmations
from invigilation.services.incidents import alert_to_incident, open_alerts, raise_alert, resolve_alert
from invigilation.services.report import minute_text, report_csv, stamp_text, time_text, utc_text
from invigilation.states import SittingState
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_token_from, sign_in
from tests.invigilation.test_pages import confirmation_from

S = SittingState
ISO_WITH_FRACTION = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+")


@pytest.fixture
def room(world):
    """A started session: the first candidate working, the second booked (not yet arrived)."""
    session = world.session()
    working, waiting = world.book(session, 0), world.book(session, 1)
    conduct.start_session(session, world.invigilator)
    conduct.check_in(working, world.invigilator, IdentityDocument.PASSPORT)
    conduct.authorise(working, world.invigilator)
    conduct.start_clock(working, world.learners[0])
    db.session.commit()
    return world, session, working, waiting


@pytest.fixture
def invigilator(client, room):
    sign_in(client, room[0].invigilator.username, TEST_PASSWORD)
    return client


def _post(client, url, **data):
    token = csrf_token_from(client.get("/invigilation/").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **data})
    db.session.expire_all()
    return response


def test_ending_the_session_is_refused_without_its_confirmation(invigilator, room):
    _, session, working, waiting = room
    url = f"/invigilation/sessions/{session.id}/end"
    refused = _post(invigilator, url)  # what a stray click on the old one-click button sent
    assert refused.status_code == 400 and "must be confirmed" in refused.get_data(as_text=True)
    assert session.state is SessionState.STARTED and working.state is S.IN_PROGRESS

    page = invigilator.get(f"{url}/confirm").get_data(as_text=True)
    assert "The test ends now for 1 candidate still sitting" in page and working.candidate.name in page
    assert "Marked absent" in page and waiting.candidate.name in page and "cannot be undone" in page
    digest = confirmation_from(page)
    conduct.check_in(waiting, room[0].invigilator, IdentityDocument.PASSPORT)  # the room changed since:
    conduct.authorise(waiting, room[0].invigilator)  # a second candidate is now sitting
    conduct.start_clock(waiting, room[0].learners[1])
    db.session.commit()
    stale = _post(invigilator, url, confirm=digest)
    assert stale.status_code == 409 and "has changed" in stale.get_data(as_text=True)
    assert session.state is SessionState.STARTED

    done = _post(invigilator, url, confirm=confirmation_from(stale.get_data(as_text=True)))
    assert done.status_code == 302
    assert session.state is SessionState.ENDED and working.state is S.FINISHED and waiting.state is S.FINISHED
    replayed = _post(invigilator, url, confirm=digest)
    assert replayed.status_code == 409 and session.state is SessionState.ENDED


def test_evacuation_is_refused_without_its_confirmation(invigilator, room):
    _, session, working, _ = room
    url = f"/invigilation/sessions/{session.id}/evacuate"
    before = len(db.session.scalars(db.select(Incident)).all())  # the late check-in's
    assert _post(invigilator, url).status_code == 400
    assert working.state is S.IN_PROGRESS and len(db.session.scalars(db.select(Incident)).all()) == before
    page = invigilator.get(f"{url}/confirm").get_data(as_text=True)
    assert "Every candidate working is paused at once: 1 candidate" in page and "Resume all" in page
    digest = confirmation_from(page)
    assert _post(invigilator, url, confirm=digest).status_code == 302
    assert working.state is S.PAUSED and len(db.session.scalars(db.select(Incident)).all()) == before + 1
    conduct.resume_all(session, room[0].invigilator)
    db.session.commit()
    replayed = _post(invigilator, url, confirm=digest)  # the confirmed form sent again after everyone resumed
    assert replayed.status_code == 409 and working.state is S.IN_PROGRESS


def test_an_evacuation_confirmed_while_someone_starts_still_goes_ahead(invigilator, room):
    world, session, working, waiting = room
    digest = confirmation_from(invigilator.get(f"/invigilation/sessions/{session.id}/evacuate/confirm")
                               .get_data(as_text=True))
    conduct.check_in(waiting, world.invigilator, IdentityDocument.PASSPORT)
    conduct.authorise(waiting, world.invigilator)
    conduct.start_clock(waiting, world.learners[1])
    db.session.commit()
    assert _post(invigilator, f"/invigilation/sessions/{session.id}/evacuate", confirm=digest).status_code == 302
    assert working.state is S.PAUSED and waiting.state is S.PAUSED


def test_an_escorted_exit_pauses_without_a_confirmation(invigilator, room):
    _, _, working, _ = room
    assert _post(invigilator, f"/invigilation/sittings/{working.id}/leave", escort="J. Smith").status_code == 302
    assert working.state is S.PAUSED and working.exits[0].escort == "J. Smith"


def test_an_unescorted_exit_ends_the_test_only_once_confirmed(invigilator, room):
    _, _, working, _ = room
    old_form = _post(invigilator, f"/invigilation/sittings/{working.id}/leave", escort="", unescorted="yes")
    assert old_form.status_code == 400 and "may not return" in old_form.get_data(as_text=True)
    url = f"/invigilation/sittings/{working.id}/leave-unescorted"
    assert _post(invigilator, url).status_code == 400
    assert working.state is S.IN_PROGRESS and not working.exits
    page = invigilator.get(f"{url}/confirm").get_data(as_text=True)
    assert f"{working.candidate.name}&#39;s test ends now" in page
    assert _post(invigilator, url, confirm=confirmation_from(page)).status_code == 302
    assert working.state is S.FINISHED and working.exits[0].escort is None



def test_marking_absent_needs_its_confirmation(invigilator, room):
    *_, waiting = room
    url = f"/invigilation/sittings/{waiting.id}/absent"
    assert _post(invigilator, url).status_code == 400 and waiting.state is S.BOOKED
    page = invigilator.get(f"{url}/confirm").get_data(as_text=True)
    assert _post(invigilator, url, confirm=confirmation_from(page)).status_code == 302
    assert waiting.state is S.ABSENT


def test_a_confirmation_names_its_consequences(room):
    _, session, working, waiting = room
    assert confirmations.end_session(session).digest != confirmations.evacuate(session).digest
    before = confirmations.end_session(session).digest
    conduct.pause(working, room[0].invigilator, conduct.PauseReason.TECHNICAL_FAILURE)
    assert confirmations.end_session(session).digest == before  # paused is still sitting: the same end
    conduct.mark_absent(waiting, room[0].invigilator)
    assert confirmations.end_session(session).digest != before


def test_unresolved_alerts_block_sign_off_until_each_is_dealt_with(room):
    world, session, working, _ = room
    first = raise_alert(working, "U2-001", "The picture does not load")
    second = raise_alert(working, "U2-002", "Option D is cut off")
    conduct.end_session(session, world.invigilator)
    with pytest.raises(InvigilationError, match="2 alerts are not dealt with .*The picture does not load"):
        conduct.sign_register(session, world.invigilator)
    with pytest.raises(InvigilationError, match="say what was done"):
        resolve_alert(first, world.invigilator, "  ")
    resolve_alert(first, world.invigilator, "Reloaded the page; no time lost")
    assert open_alerts(session) == [second]
    with pytest.raises(InvigilationError, match="1 alert is not dealt with"):
        conduct.sign_register(session, world.invigilator)
    alert_to_incident(second, world.invigilator, conduct.IncidentCategory.TECHNICAL)
    conduct.sign_register(session, world.invigilator)
    assert session.signed_off_at is not None and first.resolved_by == world.invigilator


def test_the_report_carries_unresolved_alerts_and_the_register_says_what_to_do(invigilator, room):
    world, session, working, _ = room
    raise_alert(working, "U2-001", "The picture does not load")
    conduct.end_session(session, world.invigilator)
    db.session.commit()
    report = invigilator.get(f"/invigilation/sessions/{session.id}/report").get_data(as_text=True)
    assert "1 alert from candidates is not dealt with" in report and "The picture does not load" in report
    assert "What was done" in report and "(NOT DEALT WITH)" in report
    register = invigilator.get(f"/invigilation/sessions/{session.id}/register").get_data(as_text=True)
    assert "The register cannot be signed yet" in register and "Sign the register</button>" not in register
    refused = _post(invigilator, f"/invigilation/sessions/{session.id}/sign")
    assert refused.status_code == 302 and session.signed_off_at is None
    rows = list(csv.DictReader(io.StringIO(invigilator.get(f"/invigilation/sessions/{session.id}/report.csv")
                                           .get_data(as_text=True))))
    assert rows[0]["unresolved_alerts"] == "1" and "The picture does not load (NOT DEALT WITH)" in rows[0]["alerts"]


def test_reconciliation_is_linked_from_the_register_dashboard_and_report(invigilator, room):
    _, session, working, waiting = room
    link = f"/delivery/sittings/{working.id}/reconciliation"
    for page in ("register", "dashboard", "report"):
        html = invigilator.get(f"/invigilation/sessions/{session.id}/{page}").get_data(as_text=True)
        assert f'href="{link}"' in html, page
        assert f"/delivery/sittings/{waiting.id}/reconciliation" not in html, page  # not started: nothing to show
    assert invigilator.get(link).status_code == 200


def test_times_are_uk_time_and_iso_utc_only_in_the_utc_columns():
    summer = datetime(2026, 7, 1, 13, 5, 32, 123456, tzinfo=UTC)
    assert time_text(summer) == "14:05:32" and minute_text(summer) == "14:05"
    assert utc_text(summer) == "2026-07-01T13:05:32Z"
    assert stamp_text(summer.isoformat()) == "Wed 01 Jul 2026 14:05:32"
    winter = datetime(2026, 11, 23, 9, 0, 0, 999, tzinfo=UTC)
    assert time_text(winter) == "09:00:00" and utc_text(winter) == "2026-11-23T09:00:00Z"


def test_the_csv_gives_uk_time_in_human_columns_and_utc_in_machine_columns(room):
    world, session, working, _ = room
    conduct.finish(working, world.learners[0], now=working.started_at + timedelta(minutes=30, microseconds=5))
    text = report_csv(session)
    assert not ISO_WITH_FRACTION.search(text)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["actual_start"] == time_text(working.started_at)
    assert row["actual_start_utc"] == utc_text(working.started_at)
    assert row["actual_finish_utc"].endswith("Z") and row["scheduled_start"] == "09:00"
    assert row["date"] == "Mon 23 Nov 2026" and row["scheduled_start_utc"] == "2026-11-23T09:00:00Z"
