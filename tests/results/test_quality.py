"""Classification quality next to the pass mark: Livingston-Lewis from marks on linear forms,
from live candidates or else, labelled simulated, rehearsal candidates."""

import pytest
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.services.attempts import marks_of
from exam_engine.psychometrics.classical import kr21
from exam_engine.psychometrics.classification import livingston_lewis
from exam_engine.results.services.quality import MIN_CANDIDATES, classification_quality
from item_bank.items.scoring import ItemType
from tests.analysis.factory import Taker, make_version, seed_attempts
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in
from tests.results.factory import set_standard


def _sit(count: int, rehearsal: bool) -> list[int]:
    """`count` candidates on one ten-item form, candidate n answering the first n mod 11 items right."""
    versions = [make_version(f"Q{n:02d}", ItemType.SINGLE_BEST_ANSWER) for n in range(10)]
    seed_attempts([Taker({v.id: ("B" if j < n % 11 else "A") for j, v in enumerate(versions)})
                   for n in range(count)], rehearsal=rehearsal)
    attempts = db.session.scalars(select(Attempt)).all()
    for attempt in attempts:
        attempt.score = {"marks": sum(marks_of(attempt.items)), "available_marks": 10}
    db.session.commit()
    return [a.score["marks"] for a in attempts]


@pytest.mark.parametrize("rehearsal", [False, True])
def test_livingston_lewis_from_the_candidates_marks_at_their_forms_pass_mark(app, make_user, rehearsal):
    totals = _sit(MIN_CANDIDATES + 3, rehearsal)
    study = set_standard(make_user, shares=(0.5, 0.7))  # 0.6 a mark: every form's pass mark is 6
    report = classification_quality(study)
    expected = livingston_lewis(totals, kr21(totals, 10), 6.0, 10)
    assert (report.candidates, report.simulated) == (MIN_CANDIDATES + 3, rehearsal)
    assert report.accuracy == pytest.approx(expected.accuracy) and report.consistency == pytest.approx(
        expected.consistency)
    assert 0.5 < report.consistency <= report.accuracy < 1
    client = app.test_client()
    assert sign_in(client, make_user(Role.AWARDING_BODY_ADMIN).username, TEST_PASSWORD).status_code == 302
    page = client.get("/results").text
    assert f"accuracy {100 * report.accuracy:.1f}%" in page
    assert ("simulated candidates" in page) is rehearsal


def test_too_few_candidates_give_no_figure(app, make_user):
    _sit(5, False)
    report = classification_quality(set_standard(make_user))
    assert report.accuracy is None and f"needs at least {MIN_CANDIDATES} candidates" in report.note


def test_kr21_by_hand():
    """Totals 2, 4, 6, 8 of 10: mean 5, variance 20/3; KR-21 = 10/9 (1 - 5 x 5 / (10 x 20/3)) = 0.69444."""
    assert kr21([2, 4, 6, 8], 10) == pytest.approx(0.694444, abs=1e-6)
    with pytest.raises(ValueError, match="every total is the same"):
        kr21([3, 3, 3], 10)


def test_the_standards_command_prints_the_decision_the_rounds_and_the_forms_pass_marks(app, make_user, ended):
    from exam_engine.cli import cli

    output = app.test_cli_runner().invoke(cli, ["standards"]).output
    assert f"unit {ended.unit_reference}: no standard in force; results are held" in output
    study = set_standard(make_user, shares=(0.5, 0.7))
    output = app.test_cli_runner().invoke(cli, ["standards", "--unit", ended.unit_reference]).output
    assert f"study {study.id} (Modified Angoff)" in output and "ability cut" in output
    assert "round 1: 2 panellists" in output and "round 2: 2 panellists, cut " in output
    assert "of 1 past candidates would pass" in output  # the ended candidate, a live one
    assert "pass marks of the forms 1 candidates sat: " in output
    assert f"classification quality: not yet known (needs at least {MIN_CANDIDATES} candidates)" in output
