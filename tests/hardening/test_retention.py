"""purge-expired erases personal data past retention, never under a hold, and the log still verifies."""

from datetime import date, timedelta

from exam_engine.cli import cli
from exam_engine.core.extensions import db
from exam_engine.operations.models import Erasure, HoldReason, RecordHold
from exam_engine.operations.services.retention import purge_expired
from invigilation.models.sessions import IncidentCategory
from invigilation.services.event_log import verify_log
from invigilation.services.incidents import record_incident
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in
from tests.invigilation.conftest import START, build_world

LATER = START + timedelta(days=400)  # past the default 365 days of personal-data retention


def _world():
    world = build_world(candidates=4)
    session = world.session()
    sittings = [world.book(session, i) for i in range(3)]
    recent = world.session(start=LATER - timedelta(days=10))
    world.book(recent, 3).booked_at = LATER - timedelta(days=20)
    for candidate in world.candidates:
        candidate.date_of_birth, candidate.sex, candidate.groups = date(2001, 5, 4), "F", "ESOL"
    db.session.add(RecordHold(candidate_id=world.candidates[1].id, reason=HoldReason.APPEAL, reference="AP-1",
                              opened_by="awarding-body"))
    db.session.commit()
    record_incident(session, world.invigilator, IncidentCategory.SUSPECTED_MALPRACTICE, "notes found under the desk",
                    sittings=[sittings[2]], occurred_at=START + timedelta(minutes=20))
    db.session.commit()
    return world, session


def test_personal_data_past_retention_is_erased_except_under_a_hold(app, client):
    world, session = _world()
    numbers = [c.candidate_number for c in world.candidates]

    preview = purge_expired(now=LATER, dry_run=True)
    assert preview.erased == [numbers[0]] and preview.held == [numbers[1], numbers[2]]
    assert db.session.query(Erasure).count() == 0 and world.candidates[0].date_of_birth is not None

    report = purge_expired(now=LATER)
    db.session.commit()
    assert report.erased == [numbers[0]]
    db.session.expire_all()
    erased, appeal, malpractice, recent = world.candidates
    assert (erased.date_of_birth, erased.sex, erased.groups) == (None, None, None)
    assert erased.user.display_name == f"Erased candidate {numbers[0]}" and not erased.user.active
    assert sign_in(client, erased.user.username, TEST_PASSWORD).status_code == 401
    for kept in (appeal, malpractice, recent):
        assert kept.date_of_birth == date(2001, 5, 4) and kept.user.active
    assert verify_log(session.id).ok

    assert purge_expired(now=LATER).erased == []  # nothing twice
    db.session.add(RecordHold(candidate_id=malpractice.id, reason=HoldReason.MALPRACTICE, reference="MP-7",
                              opened_by="awarding-body", closed_at=LATER - timedelta(days=1)))
    db.session.commit()
    assert purge_expired(now=LATER).erased == [numbers[2]]
    assert verify_log(session.id).ok


def test_the_command_lists_without_changing_on_a_dry_run(app):
    world, _ = _world()
    app.config["RETENTION_PERSONAL_DATA_DAYS"] = 0
    try:
        result = app.test_cli_runner().invoke(cli, ["purge-expired", "--dry-run"])
    finally:
        app.config["RETENTION_PERSONAL_DATA_DAYS"] = 365
    assert result.exit_code == 0, result.output
    assert "Would erase" in result.output and "Kept because of an open review" in result.output
    assert db.session.query(Erasure).count() == 0


def test_holds_are_opened_and_closed_by_case_reference(app):
    world, _ = _world()
    runner = app.test_cli_runner()
    number = world.candidates[0].candidate_number
    opened = runner.invoke(cli, ["hold", "open", "--centre", "10001", "--candidate", number, "--reason", "review",
                                 "--reference", "RV-9"])
    assert opened.exit_code == 0, opened.output
    held = purge_expired(now=LATER, dry_run=True).held
    assert held == [number] + [c.candidate_number for c in world.candidates[1:3]]
    unknown = runner.invoke(cli, ["hold", "open", "--centre", "10001", "--candidate", "nobody", "--reason", "appeal",
                                  "--reference", "AP-2"])
    assert unknown.exit_code == 1 and "no candidate 'nobody'" in unknown.output
    closed = runner.invoke(cli, ["hold", "close", "--reference", "RV-9"])
    assert closed.exit_code == 0 and "Closed 1 hold" in closed.output
    assert purge_expired(now=LATER, dry_run=True).erased == [number]
