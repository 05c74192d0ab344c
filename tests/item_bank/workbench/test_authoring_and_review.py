"""Writing items on the web and the review workflow's rules."""

import pytest
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from item_bank.items.files import APPROVAL_CHECKLIST, REVIEW_CHECKLIST
from item_bank.items.models import Item, ItemCalibration, ItemStatus, ParameterSource, StatusChange
from item_bank.workbench.services.authoring import (
    AuthoringError,
    create_item,
    edit_item,
    entry_from_form,
    problem_anchor,
    problem_text,
)
from item_bank.workbench.services.review import ReviewError, move_item
from tests.conftest import TEST_PASSWORD
from tests.helpers import item_form, sign_in

UNIT = "Y/506/2152"


def _draft(writer):
    return create_item(UNIT, entry_from_form(item_form(), writer.username), writer)


def test_a_new_item_is_a_checked_draft(taxonomy, make_user):
    writer = make_user(Role.ITEM_WRITER)
    version = _draft(writer)
    assert version.status is ItemStatus.DRAFT and version.number == 1 and version.writer == writer.username
    assert version.item.code == "Y5062152-AC1.1-W01" and version.key == "B"
    assert version.status_changes[0].to_status is ItemStatus.DRAFT


def test_validation_names_every_problem_by_field(taxonomy, make_user):
    writer = make_user(Role.ITEM_WRITER)
    form = item_form(key="E", option_B="", option_C="", option_D="", amplification=["AC1.1/9"], rationale_A="")
    with pytest.raises(AuthoringError) as error:
        create_item(UNIT, entry_from_form(form, writer.username), writer)
    messages = {(p.field, p.message) for p in error.value.problems}
    assert ("options", "A single best answer item needs 2 to 6 options, not 1") in messages
    assert ("key", "The key E is not one of the options (A)") in messages
    assert ("rationale", "Give a reason for option A: why it is right or wrong") in messages
    assert ("amplification", "AC1.1/9 is not in unit Y/506/2152 as imported") in messages  # the same pass
    assert db.session.scalars(select(Item)).all() == []


def test_an_empty_form_lists_every_problem_at_once_in_plain_words(taxonomy, make_user):
    writer = make_user(Role.ITEM_WRITER)
    blank = item_form(stem="", key="", criteria=[], amplification=[], option_C="", rationale_B="")
    with pytest.raises(AuthoringError) as error:
        create_item(UNIT, entry_from_form(blank, writer.username), writer)
    texts = [problem_text(p) for p in error.value.problems]
    assert texts == [
        "Write the question (the stem)",
        "Option C is empty",
        "Choose the key: the letter of the right option",
        "Give a reason for option B: why it is right or wrong",
        "Choose at least one assessment criterion",
        "Choose at least one amplification point that the item tests",
    ]
    assert [problem_anchor(p) for p in error.value.problems] == [
        "stem", "option_C", "key", "rationale_B", "outcome", "field-criteria"]
    assert not any(word in text for text in texts for word in ("must be", "non-empty", "ids", "field"))


def test_tags_outside_the_chosen_criteria_and_the_taxonomy_are_named(taxonomy, make_user):
    writer = make_user(Role.ITEM_WRITER)
    form = item_form(criteria=["AC1.1", "AC9.9"], amplification=["AC1.1/1", "AC1.2/1"])
    with pytest.raises(AuthoringError) as error:
        create_item(UNIT, entry_from_form(form, writer.username), writer)
    texts = [problem_text(p) for p in error.value.problems]
    assert "Assessment criterion AC9.9 is not in unit Y/506/2152 as imported" in texts
    assert ("Amplification point AC1.2/1 belongs to AC1.2, an AC not in this item's criteria: choose AC1.2 too, "
            "or untick the point") in texts


def test_a_gap_in_the_options_is_named_but_blank_options_at_the_end_are_not(taxonomy, make_user):
    writer = make_user(Role.ITEM_WRITER)
    entry = entry_from_form(item_form(option_D="", rationale_D=""), writer.username)
    assert [o["id"] for o in entry["options"]] == ["A", "B", "C"]
    create_item(UNIT, entry, writer)
    with pytest.raises(AuthoringError) as error:
        create_item(UNIT, entry_from_form(item_form(option_B="", rationale_B=""), writer.username), writer)
    assert [problem_text(p) for p in error.value.problems] == ["Option B is empty"]


def test_the_workflow_from_draft_to_live_with_its_rules(taxonomy, make_user):
    writer, reviewer, other = make_user(Role.ITEM_WRITER), make_user(Role.REVIEWER), make_user(Role.ITEM_WRITER)
    version = _draft(writer)
    with pytest.raises(ReviewError, match="only the item's writer submits it"):
        move_item(version.id, "submit", other, None)
    move_item(version.id, "submit", writer, None)
    with pytest.raises(ReviewError, match="is for the Reviewer role"):
        move_item(version.id, "approve", writer, None, APPROVAL_CHECKLIST)
    with pytest.raises(ReviewError, match="checklist is not complete"):
        move_item(version.id, "approve", reviewer, None, APPROVAL_CHECKLIST[:2])
    with pytest.raises(ReviewError, match=r"not complete \(no stem words in key, .*answered blind without cue\)"):
        move_item(version.id, "approve", reviewer, None, REVIEW_CHECKLIST)  # the cueing checks are part of it
    with pytest.raises(ReviewError, match="needs a comment"):
        move_item(version.id, "return", reviewer, "  ")
    move_item(version.id, "approve", reviewer, "Fine.", APPROVAL_CHECKLIST)
    assert version.status is ItemStatus.APPROVED_FOR_PRETEST and version.review["reviewer"] == reviewer.username
    with pytest.raises(ReviewError, match="no calibration proposes this item"):
        move_item(version.id, "promote", reviewer, "Go live.")
    db.session.add(ItemCalibration(item_version=version, model="gpcm", irt_a=1.3, irt_d=[0.4], se_a=0.1,
                                   se_d=[0.08], responses=400, anchors=30, converged=True, evidence={}))
    db.session.commit()
    move_item(version.id, "promote", reviewer, "Evidence is sound.")
    assert version.status is ItemStatus.LIVE and version.parameter_source is ParameterSource.CALIBRATED
    assert (version.irt_a, version.irt_d, version.calibration_responses) == (1.3, [0.4], 400)
    assert [c.to_status for c in version.status_changes] == [
        ItemStatus.DRAFT, ItemStatus.IN_REVIEW, ItemStatus.APPROVED_FOR_PRETEST, ItemStatus.LIVE]


def test_nobody_approves_their_own_item(taxonomy, make_user):
    reviewer = make_user(Role.REVIEWER)
    writer = make_user(Role.ITEM_WRITER, username=reviewer.username + "-w")
    version = _draft(writer)
    move_item(version.id, "submit", writer, None)
    version.writer = reviewer.username  # a reviewer who also wrote the version
    db.session.commit()
    with pytest.raises(ReviewError, match="you wrote this item version"):
        move_item(version.id, "approve", reviewer, None, APPROVAL_CHECKLIST)


def test_awarding_body_admin_retires_and_writers_do_not(taxonomy, make_user):
    writer, admin = make_user(Role.ITEM_WRITER), make_user(Role.AWARDING_BODY_ADMIN)
    version = _draft(writer)
    with pytest.raises(ReviewError, match="is for the Awarding-body administrator or Reviewer role"):
        move_item(version.id, "retire", writer, "No longer needed.")
    move_item(version.id, "retire", admin, "Exposed on a forum.")
    assert version.status is ItemStatus.RETIRED


def test_editing_a_live_item_makes_a_new_draft_version_and_the_live_one_stays(taxonomy, make_user):
    writer = make_user(Role.ITEM_WRITER)
    version = _draft(writer)
    version.status = ItemStatus.LIVE
    db.session.commit()
    edited = edit_item(version.item_id, entry_from_form(item_form(stem="Which value keeps guests loyal?"),
                                                        writer.username), writer)
    assert edited.number == 2 and edited.status is ItemStatus.DRAFT and version.status is ItemStatus.LIVE
    again = edit_item(version.item_id, entry_from_form(item_form(stem="Which value keeps them?"), writer.username),
                      writer)
    assert again.id == edited.id and again.stem == "Which value keeps them?"  # the draft is edited in place
    from item_bank.items.pools import unit_pools

    live, _ = unit_pools(UNIT)
    assert live is not None and live.ids == (version.item.code,)  # the live version stays in service
    from exam_engine.delivery.services.engine import version_ids

    assert version_ids(UNIT, [version.item.code]) == {version.item.code: version.id}  # learners never see the draft


def test_an_item_in_review_is_not_edited(taxonomy, make_user):
    writer = make_user(Role.ITEM_WRITER)
    version = _draft(writer)
    move_item(version.id, "submit", writer, None)
    with pytest.raises(AuthoringError, match="a reviewer must return it"):
        edit_item(version.item_id, entry_from_form(item_form(), writer.username), writer)


def test_reloading_the_files_keeps_a_web_edit(taxonomy, make_user, tmp_path):
    from item_bank.items.services import load_bank
    from item_bank.workbench.services.item_files import write_unit_files

    writer = make_user(Role.ITEM_WRITER)
    version = _draft(writer)
    write_unit_files(UNIT, tmp_path)  # the files state version 1
    version.status = ItemStatus.LIVE
    db.session.commit()
    edit_item(version.item_id, entry_from_form(item_form(stem="Edited on the web?"), writer.username), writer)
    report = load_bank(tmp_path)
    item = db.session.get(Item, version.item_id)
    assert report.unchanged == 1 and [(v.number, v.status) for v in item.versions] == [
        (1, ItemStatus.LIVE), (2, ItemStatus.DRAFT)]


def test_a_draft_returned_after_pretesting_is_not_edited_in_place(taxonomy, make_user):
    from tests.analysis.factory import Taker, seed_attempts

    writer = make_user(Role.ITEM_WRITER)
    version = _draft(writer)
    for moved_to in (ItemStatus.APPROVED_FOR_PRETEST, ItemStatus.DRAFT):  # pretested, then returned
        version.status_changes.append(StatusChange(from_status=version.status, to_status=moved_to,
                                                   changed_by="a-reviewer"))
        version.status = moved_to
    seed_attempts([Taker({version.id: "B"}, pretest=frozenset({version.id}))])
    edited = edit_item(version.item_id, entry_from_form(item_form(key="C"), writer.username), writer)
    assert (edited.number, version.key, edited.key) == (2, "B", "C")


def test_a_matching_item_is_written_previewed_and_edited_on_the_workbench(client, taxonomy, make_user):
    writer = make_user(Role.ITEM_WRITER)
    form = item_form(type="matching", stem="Match each value with what it brings.", key="C, A, B",
                     premise_P1="Loyalty", premise_P2="Reputation", premise_P3="Efficiency",
                     rationale_P1="Loyal guests return.", rationale_P2="Word of mouth.", rationale_P3="Less waste.")
    version = create_item(UNIT, entry_from_form(form, writer.username), writer)
    db.session.commit()
    assert (version.type.value, version.marks, version.key) == ("matching", 2, ["C", "A", "B"])
    assert [p["text"] for p in version.premises] == ["Loyalty", "Reputation", "Efficiency"]
    assert version.rationale == {"P1": "Loyal guests return.", "P2": "Word of mouth.", "P3": "Less waste."}

    sign_in(client, writer.username, TEST_PASSWORD)
    page = client.get(f"/workbench/items/{version.item_id}").get_data(as_text=True)
    assert '<label for="preview-premise-P2">2. Reputation</label>' in page
    assert "Answering at random earns 10% of this item's marks on average." in page
    form_page = client.get(f"/workbench/items/{version.item_id}/edit").get_data(as_text=True)
    assert 'name="premise_P3" id="premise_P3" value="Efficiency"' in form_page and 'value="C, A, B"' in form_page
