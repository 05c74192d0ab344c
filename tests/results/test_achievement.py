"""A learner's qualification from the units passed by onscreen test (once released) and those the
centre records as achieved by portfolio, checked against the document's rules of combination."""

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from exam_engine.results.services import decisions
from invigilation.models.centres import CentreStaff
from item_bank.taxonomy.services import check_qualification
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_token_from, sign_in
from tests.item_bank.specification_counts import PEARSON
from tests.item_bank.test_qualification_check import PEARSON_LEARNER, PEARSON_NUMBER, imported
from tests.results.factory import set_standard


def test_released_onscreen_pass_and_portfolio_units_achieve_the_qualification(app, make_user, ended):
    imported(PEARSON)
    references = [unit["unit"] for unit in check_qualification(PEARSON_NUMBER, PEARSON_LEARNER).as_json()["units"]]
    onscreen = ended.unit_reference  # Y/506/2152, Pearson's Unit 2
    assert onscreen in references
    candidate = ended.sitting.candidate
    admin = make_user(Role.CENTRE_ADMIN)
    db.session.add(CentreStaff(centre_id=candidate.centre_id, user_id=admin.id))
    db.session.commit()
    centre = app.test_client()
    assert sign_in(centre, admin.username, TEST_PASSWORD).status_code == 302
    page = centre.get(f"/centre/candidates/{candidate.id}/achievement").text
    for reference in references:
        if reference != onscreen:
            page = centre.post(f"/centre/candidates/{candidate.id}/portfolio-units", follow_redirects=True, data={
                "csrf_token": csrf_token_from(page), "unit": reference, "evidence": "Assessor's portfolio record"}).text
    assert "recorded as achieved by portfolio" in page
    assert "Not yet achieved" in page and f"{onscreen}" in page.split("Still needed")[1]
    again = centre.post(f"/centre/candidates/{candidate.id}/portfolio-units", follow_redirects=True, data={
        "csrf_token": csrf_token_from(page), "unit": references[0], "evidence": "again"}).text
    assert "already recorded" in again

    set_standard(make_user, shares=(0.1, 0.1))  # a pass mark of 1: the ended candidate passes
    decisions.release([ended], make_user(Role.AWARDING_BODY_ADMIN))
    db.session.commit()
    learner = app.test_client()
    assert sign_in(learner, candidate.user.username, TEST_PASSWORD).status_code == 302
    mine = learner.get("/learner/results").text
    assert "Your qualifications" in mine and "<strong>Achieved</strong>: 55 credits counted" in mine
    assert f"{onscreen} (onscreen test, released" in mine
    other = make_user(Role.CENTRE_ADMIN)
    stranger = app.test_client()
    assert sign_in(stranger, other.username, TEST_PASSWORD).status_code == 302
    assert stranger.get(f"/centre/candidates/{candidate.id}/achievement").status_code == 403
