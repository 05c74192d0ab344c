"""A panel's modified-Angoff study through the pages: rounds, spread, impact, the decision, and
the pass mark it gives each form."""

import pytest
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.services.grading import grade
from exam_engine.psychometrics.standard_setting import raw_cut_from_theta
from exam_engine.results.services.panel import decide_with_evidence
from item_bank.items.models import ItemVersion, ParameterSource
from item_bank.items.pools import parameters_of
from item_bank.standards.models import StandardMethod, StandardStudy
from item_bank.standards.services import (
    StandardError,
    next_round,
    open_study,
    record_angoff,
    record_bookmark,
    standard_in_force,
    study_versions,
)
from tests.conftest import TEST_PASSWORD
from tests.delivery.factory import UNIT, make_items
from tests.delivery.test_answers import first_option, started
from tests.helpers import csrf_token_from, sign_in
from tests.results.factory import set_standard


def _client(app, make_user, role):
    client = app.test_client()
    user = make_user(role)
    assert sign_in(client, user.username, TEST_PASSWORD).status_code == 302
    return client, user


def _post(client, url, **data):
    page = client.get(url.rsplit("/", 1)[0] if url.endswith(("judgements", "rounds", "decision")) else url)
    return client.post(url, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data},
                       follow_redirects=True)


def _judge(client, study, one_mark: int, two_mark: int):
    versions = {v.id: v for v in db.session.scalars(select(ItemVersion).where(
        ItemVersion.id.in_(study.item_version_ids)))}
    shares = {f"item-{i}": str(one_mark if versions[i].marks == 1 else two_mark) for i in study.item_version_ids}
    return _post(client, f"/standards/{study.id}/judgements", **shares)


def test_two_rounds_with_impact_then_a_decision_that_sets_each_forms_pass_mark(app, make_user, ended):
    """Worked by hand. The bank has 12 live items: 8 of one mark, 4 of two (16 marks).

    Round 2: panellist A judges 50% on one-mark items and 40% on two-mark items, B 70% and 60%.
    Item means: 60% and 50%; item values 0.6 x 1 = 0.6 and 0.5 x 2 = 1.0 marks.
    Reference form (all 12): 8 x 0.6 + 4 x 1.0 = 8.8 marks. Panellists' own cuts: A 8 x 0.5 + 4 x 0.8 = 7.2,
    B 8 x 0.7 + 4 x 1.2 = 10.4; SD |10.4 - 7.2| / sqrt(2) = 2.26, standard error 2.26 / sqrt(2) = 1.6.
    The ended candidate's fixed form has three one-mark items and one two-mark item:
    raw cut 3 x 0.6 + 1.0 = 2.8, pass mark 3 (the next whole mark).
    """
    for version in db.session.scalars(select(ItemVersion)):  # the writers' ratings only: no ability cut
        version.parameter_source = ParameterSource.PROVISIONAL
    db.session.commit()
    chair, _ = _client(app, make_user, Role.AWARDING_BODY_ADMIN)
    opened = _post(chair, "/standards", unit=UNIT, method="angoff")
    assert "is open for round 1" in opened.text
    study = db.session.scalar(select(StandardStudy))
    expert_a, _ = _client(app, make_user, Role.SUBJECT_EXPERT)
    expert_b, _ = _client(app, make_user, Role.SUBJECT_EXPERT)
    page = expert_a.get(f"/standards/{study.id}").text
    assert "just-passing candidate" in page and "(key)" in page  # panellists judge with the key in view

    assert "judgements are saved" in _judge(expert_a, study, 30, 20).text
    refused = _post(chair, f"/standards/{study.id}/rounds")
    assert "needs at least 2 panellists" in refused.text
    _judge(expert_b, study, 90, 80)
    assert "at least 2 completed rounds; 1 completed" in _post(chair, f"/standards/{study.id}/decision",
                                                                rationale="too early").text
    assert "Round 2 is open" in _post(chair, f"/standards/{study.id}/rounds").text
    page = expert_a.get(f"/standards/{study.id}").text
    assert "Round 1" in page and "1 past candidates would pass" in page.replace("100% of ", "")
    assert 'value="30"' in page  # last round's judgements are filled in again

    _judge(expert_a, study, 50, 40)
    _judge(expert_b, study, 70, 60)
    decided = _post(chair, f"/standards/{study.id}/decision", rationale="Round 2 agreed after discussion.")
    assert "is decided and in force" in decided.text
    db.session.expire_all()
    study = standard_in_force(UNIT)
    assert study.round == 2 and study.raw_cut == pytest.approx(8.8) and study.theta_cut is None
    round_two = study.evidence["rounds"][1]
    assert round_two["panel_sd"] == pytest.approx(2.2627, abs=1e-4)
    assert round_two["standard_error"] == pytest.approx(1.6)
    assert study.evidence["rounds"][0]["panel_sd"] > round_two["panel_sd"]
    assert "8.8 marks on the reference form" in decided.text and "Round 2 agreed" in decided.text

    result = grade(ended)
    assert (result.raw_cut, result.pass_mark) == (pytest.approx(2.8), 3)
    assert result.passed is (ended.score["marks"] >= 3)
    late = _judge(expert_a, study, 50, 40)
    assert "was decided on" in late.text


def test_only_the_awarding_body_opens_and_decides_and_panellists_judge(app, make_user):
    make_items()
    expert, _ = _client(app, make_user, Role.SUBJECT_EXPERT)
    token = csrf_token_from(expert.get("/standards").text)
    assert expert.post("/standards", data={"csrf_token": token, "unit": UNIT, "method": "angoff"}).status_code == 403
    chair, chair_user = _client(app, make_user, Role.AWARDING_BODY_ADMIN)
    study = open_study(UNIT, StandardMethod.ANGOFF, chair_user)
    db.session.commit()
    token = csrf_token_from(chair.get(f"/standards/{study.id}").text)
    assert chair.post(f"/standards/{study.id}/judgements", data={"csrf_token": token}).status_code == 403
    token = csrf_token_from(expert.get(f"/standards/{study.id}").text)
    assert expert.post(f"/standards/{study.id}/decision", data={"csrf_token": token}).status_code == 403
    half = _post(expert, f"/standards/{study.id}/judgements", **{f"item-{study.item_version_ids[0]}": "50"})
    assert "Not done: item version" in half.text  # every item needs a whole-number judgement
    over = _judge(expert, study, 120, 50)
    assert "from 0 to 100%" in over.text


def test_the_bookmark_method_needs_a_calibrated_bank(app, make_user):
    make_items(calibrated=False)
    with pytest.raises(StandardError, match="orders items by their calibrated difficulty"):
        open_study(UNIT, StandardMethod.BOOKMARK, make_user(Role.AWARDING_BODY_ADMIN))


def test_a_calibrated_bank_carries_the_cut_to_any_form_through_the_ability_scale(app, make_user, ended):
    """With every item calibrated the decision also finds the ability at which the reference form's
    expected marks equal its raw cut; a form's pass mark is then its own expected marks there."""
    study = set_standard(make_user)
    versions = [entry.item_version for entry in ended.items]
    reference = parameters_of(study_versions(study))
    assert raw_cut_from_theta(study.theta_cut, reference) == pytest.approx(study.raw_cut)
    result = grade(ended)
    assert result.raw_cut == pytest.approx(raw_cut_from_theta(study.theta_cut, parameters_of(versions)))
    assert "test characteristic curve" in result.basis


def test_a_bookmark_study_orders_the_items_and_cuts_at_the_bookmarked_page(app, make_user):
    """Pages are the items by the ability at which the chance of success is 0.67, easiest first; both
    panellists bookmark page 4 in round 2, so the cut is page 4's RP-ability (the median of their cuts)."""
    make_items()
    chair = make_user(Role.AWARDING_BODY_ADMIN)
    panel = [make_user(Role.SUBJECT_EXPERT), make_user(Role.SUBJECT_EXPERT)]
    study = open_study(UNIT, StandardMethod.BOOKMARK, chair)
    assert study.booklet_theta == sorted(study.booklet_theta)
    with pytest.raises(StandardError, match="not Angoff judgements"):
        record_angoff(study, panel[0], {})
    with pytest.raises(StandardError, match="from 1 to 12"):
        record_bookmark(study, panel[0], 13)
    for member, page in zip(panel, (3, 6)):
        record_bookmark(study, member, page)
    next_round(study)
    for member in panel:
        record_bookmark(study, member, 4)
    decide_with_evidence(study, chair, "Bookmarks agreed at page 4.")
    assert study.theta_cut == pytest.approx(study.booklet_theta[3])
    assert study.raw_cut == pytest.approx(raw_cut_from_theta(study.theta_cut, parameters_of(study_versions(study))))
    first = study.evidence["rounds"][0]
    assert first["theta_cut"] == pytest.approx((study.booklet_theta[2] + study.booklet_theta[5]) / 2)


@pytest.mark.parametrize("with_ability_cut", [True, False])
def test_an_adaptive_test_is_graded_by_the_ability_cut_or_else_as_the_form_it_gave(app, make_user, design,
                                                                                    with_ability_cut):
    setup, runner, attempt_id = started(app, make_user, design, mode="cat", items=3)
    for position in (1, 2, 3):
        runner.answer(attempt_id, position, first_option(runner, attempt_id, position), f"g{position}")
        if position < 3:
            runner.call("POST", f"/api/runner/attempts/{attempt_id}/next", {"after": position})
    runner.call("POST", f"/api/runner/attempts/{attempt_id}/submit")
    study = set_standard(make_user)
    if not with_ability_cut:  # decided before the bank was calibrated
        study.theta_cut = None
        db.session.commit()
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    result = grade(attempt)
    if with_ability_cut:
        assert result.theta == pytest.approx(attempt.score["theta"]) and result.passed is (
            attempt.score["theta"] >= study.theta_cut)
        assert 0.5 <= result.classification_probability <= 1
    else:
        values = sum(study.item_values[str(e.item_version_id)] for e in attempt.items if not e.pretest)
        assert result.theta is None and result.raw_cut == pytest.approx(values)
        assert result.passed is (attempt.score["marks"] >= result.pass_mark)
