"""The workbench QTI page: who may export and import, CSRF, upload limits and the report."""

import zipfile
from io import BytesIO

import pytest
from sqlalchemy import func, select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from item_bank.items.models import Item, ItemStatus
from item_bank.qti import safety, views
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_token_from, sign_in
from tests.item_bank.qti.conftest import FIRST, UNIT, load_unit, read_entry, rezip, row_counts

PAGE = "/workbench/qti/"


def upload(client, data: bytes, name: str = "unit.zip", token: str | None = None, **fields: str):
    form = {"package": (BytesIO(data), name), **fields}
    if token is not None:
        form["csrf_token"] = token
    return client.post("/workbench/qti/import", data=form, content_type="multipart/form-data")


def signed_in_writer(client, make_user) -> str:
    sign_in(client, make_user(Role.ITEM_WRITER).username, TEST_PASSWORD)
    return csrf_token_from(client.get(PAGE).get_data(as_text=True))


@pytest.mark.parametrize("role", [Role.LEARNER, Role.INVIGILATOR, Role.CENTRE_ADMIN, Role.AWARDING_BODY_ADMIN])
def test_other_roles_are_refused(app, client, make_user, role):
    sign_in(client, make_user(role).username, TEST_PASSWORD)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"/workbench/qti/export?unit={UNIT}&version=2.2").status_code == 403
    assert upload(client, b"x").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    assert client.get(PAGE).status_code == 302
    assert upload(client, b"x").status_code == 302


def test_a_reviewer_downloads_a_package_but_may_not_import(app, client, make_user):
    load_unit()
    sign_in(client, make_user(Role.REVIEWER).username, TEST_PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    assert UNIT in page and "Import a package" not in page
    response = client.get(f"/workbench/qti/export?unit={UNIT}&version=3.0")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="Y-506-2152-qti-3.0.zip"' in response.headers["Content-Disposition"]
    assert b'type="imsqti_item_xmlv3p0"' in read_entry(response.data, "imsmanifest.xml")
    assert client.get("/workbench/qti/export?unit=Z/999/9999&version=3.0").status_code == 404
    assert upload(client, response.data, token=csrf_token_from(page)).status_code == 403


def test_an_item_writer_imports_an_upload_and_sees_the_report(app, client, make_user, exported):
    token = signed_in_writer(client, make_user)
    response = upload(client, exported["2.2"], token=token)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    count = db.session.scalar(select(func.count()).select_from(Item))
    assert count > 50 and f"unit.zip: {count} item(s) imported." in html
    assert f"{FIRST}</code>: new item, draft" in html
    assert {item.latest.status for item in db.session.scalars(select(Item))} == {ItemStatus.DRAFT}


def test_a_dry_run_upload_writes_nothing(app, client, make_user, exported):
    token = signed_in_writer(client, make_user)
    html = upload(client, exported["3.0"], token=token, dry_run="on").get_data(as_text=True)
    assert "dry run, nothing was written" in html and row_counts() == (0, 0, 0, 0)


def test_the_upload_needs_the_csrf_token(app, client, make_user, exported):
    signed_in_writer(client, make_user)
    response = upload(client, exported["2.2"])
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    assert upload(client, exported["2.2"], token="forged").status_code == 400
    assert row_counts() == (0, 0, 0, 0)


def test_a_hostile_upload_is_refused_with_the_reason(app, client, make_user, exported):
    token = signed_in_writer(client, make_user)
    slip = rezip(exported["2.2"], add={"../../escape.xml": b"<x/>"})
    response = upload(client, slip, token=token)
    assert response.status_code == 422
    assert "climbs out of the package with &#39;..&#39;" in response.get_data(as_text=True)
    item = read_entry(exported["2.2"], f"items/{FIRST}.xml").replace(b"choiceInteraction", b"hotspotInteraction")
    html = upload(client, rezip(exported["2.2"], {f"items/{FIRST}.xml": item}), token=token).get_data(as_text=True)
    assert "uses hotspotInteraction, which we do not import" in html and "nothing was written" in html
    assert row_counts() == (0, 0, 0, 0)


def test_oversized_uploads_are_refused(app, client, make_user, monkeypatch):
    token = signed_in_writer(client, make_user)
    monkeypatch.setattr(views, "MAX_PACKAGE_BYTES", 10_000)
    monkeypatch.setattr(views, "UPLOAD_OVERHEAD", 1_000)
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("big.bin", bytes(range(256)) * 100)
    assert upload(client, out.getvalue(), token=token).status_code == 413
    monkeypatch.setattr(safety, "MAX_ENTRY_BYTES", 5_000)  # within the upload limit, over the file limit
    response = upload(client, b"<x/>" * 2_000, "item.xml", token=token)
    assert response.status_code == 422 and "more than the limit of 5000 for one file" in response.get_data(as_text=True)


def test_an_upload_of_another_kind_of_file_is_refused(app, client, make_user):
    token = signed_in_writer(client, make_user)
    response = upload(client, b"hello", "notes.txt", token=token)
    assert response.status_code == 422
    assert "expected a .zip package or an item .xml file" in response.get_data(as_text=True)
