"""The QTI page in Chromium: an item writer uploads a package and reads an accessible report."""

import pytest
from playwright.sync_api import expect

from exam_engine.auth.roles import Role
from tests.e2e.accessibility import blocking_violations
from tests.e2e.staff import sign_in
from tests.item_bank.qti.conftest import FIRST, exported, read_entry, rezip, row_counts  # noqa: F401 - exported is a fixture

pytestmark = pytest.mark.e2e


def test_a_writer_uploads_a_package_and_reads_the_report(page, make_user, exported, tmp_path):  # noqa: F811
    user = make_user(Role.ITEM_WRITER)
    sign_in(page, user.username)
    page.goto("/workbench/qti/")
    expect(page.get_by_role("heading", level=1)).to_have_text("QTI packages")
    assert blocking_violations(page) == []

    item = read_entry(exported["2.2"], f"items/{FIRST}.xml").replace(b"choiceInteraction", b"sliderInteraction")
    hostile = tmp_path / "hostile.zip"
    hostile.write_bytes(rezip(exported["2.2"], {f"items/{FIRST}.xml": item}))
    page.get_by_label("Package or item file").set_input_files(str(hostile))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text("rejected; 1 problem(s), so nothing was written")
    expect(page.get_by_text("uses sliderInteraction, which we do not import")).to_be_visible()
    assert blocking_violations(page) == [] and row_counts() == (0, 0, 0, 0)

    package = tmp_path / "unit.zip"
    package.write_bytes(exported["3.0"])
    page.get_by_label("Package or item file").set_input_files(str(package))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("item(s) imported.")).to_be_visible()
    assert row_counts()[0] > 50
