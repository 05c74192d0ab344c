"""The awarding body's record of who viewed which live item, and when."""

import getpass

import pytest
from sqlalchemy import func, select

from exam_engine.auth.roles import Role
from exam_engine.cli import cli
from exam_engine.core.extensions import db
from item_bank.items.models import ItemStatus, ItemView
from tests.conftest import TEST_PASSWORD
from tests.delivery.factory import UNIT, make_items
from tests.helpers import csrf_token_from, sign_in


def views_of(viewer: str) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(view.item_version.item.code, view.page) for view in
            db.session.scalars(select(ItemView).where(ItemView.viewed_by == viewer).order_by(ItemView.id))]


@pytest.fixture
def bank(app, taxonomy):
    versions = make_items(3)
    versions[2].status = ItemStatus.DRAFT  # a draft is not confidential yet
    db.session.commit()
    return versions


def test_opening_a_live_item_its_form_or_its_statistics_is_recorded(client, make_user, bank):
    writer = make_user(Role.ITEM_WRITER)
    sign_in(client, writer.username, TEST_PASSWORD)
    live, _, draft = bank
    assert client.get(f"/workbench/items/{live.item_id}").status_code == 200
    assert client.get(f"/workbench/items/{live.item_id}/edit").status_code == 200
    assert client.get(f"/workbench/versions/{live.id}/statistics").status_code == 200
    assert client.get(f"/workbench/items/{draft.item_id}").status_code == 200
    code = live.item.code
    assert views_of(writer.username) == [(code, "item page"), (code, "edit form"), (code, "statistics")]


def test_exports_record_every_live_item_of_the_unit(app, client, make_user, bank):
    reviewer = make_user(Role.REVIEWER)
    sign_in(client, reviewer.username, TEST_PASSWORD)
    assert client.get("/workbench/qti/export", query_string={"unit": UNIT, "version": "2.2"}).status_code == 200
    assert sorted(views_of(reviewer.username)) == sorted((v.item.code, "QTI export") for v in bank[:2])

    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["export-items", "--unit", UNIT], catch_exceptions=False)
    assert result.exit_code == 0
    assert len(views_of(f"command line ({getpass.getuser()})")) == 2


def test_the_awarding_body_reads_and_searches_the_record(app, make_user, bank):
    writer, admin = make_user(Role.ITEM_WRITER), make_user(Role.AWARDING_BODY_ADMIN)
    reader = app.test_client()
    sign_in(reader, writer.username, TEST_PASSWORD)
    reader.get(f"/workbench/items/{bank[0].item_id}")
    reader.get(f"/workbench/items/{bank[1].item_id}")

    assert reader.get("/admin/item-views").status_code == 403
    office = app.test_client()
    sign_in(office, admin.username, TEST_PASSWORD)
    page = office.get("/admin/item-views", query_string={"viewer": writer.username}).get_data(as_text=True)
    assert bank[0].item.code in page and bank[1].item.code in page
    page = office.get("/admin/item-views", query_string={"item": bank[1].item.code}).get_data(as_text=True)
    assert bank[1].item.code in page and bank[0].item.code not in page
    assert "No views recorded for that search" in office.get(
        "/admin/item-views", query_string={"viewer": "nobody"}).get_data(as_text=True)


def test_the_awarding_body_resets_a_lost_authenticator(app, make_user):
    writer, admin = make_user(Role.ITEM_WRITER), make_user(Role.AWARDING_BODY_ADMIN)
    desk = app.test_client()
    sign_in(desk, writer.username, TEST_PASSWORD)
    office = app.test_client()
    sign_in(office, admin.username, TEST_PASSWORD)
    token = csrf_token_from(office.get(f"/accounts/{writer.id}").get_data(as_text=True))
    assert office.post(f"/accounts/{writer.id}/second-factor", data={"csrf_token": token}).status_code == 302
    db.session.refresh(writer)
    assert writer.totp_secret is None
    assert desk.get("/workbench/").status_code == 302  # the session on the lost device has ended
    assert sign_in(desk, writer.username, TEST_PASSWORD).status_code == 302  # enrols a new app
    assert db.session.scalar(select(func.count()).select_from(ItemView)) == 0
