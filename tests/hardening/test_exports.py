"""Downloads cannot attack their readers: no live formula in a CSV cell, no header broken by a file name."""

import csv
import io

import pytest

from exam_engine.auth.roles import Role
from exam_engine.core.downloads import attachment, csv_text, spreadsheet_cell
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in
from tests.invigilation.conftest import build_world


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_a_text_a_spreadsheet_would_run_is_made_inert(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-0.25", "+3", "plain", "", 12, -1.5, None])
def test_numbers_and_plain_text_are_left_alone(value):
    assert spreadsheet_cell(value) == value


def test_a_session_report_names_no_candidate_as_a_formula(app, client):
    world = build_world(candidates=1)
    world.learners[0].display_name = '=HYPERLINK("http://attacker.example","Click")'
    session = world.session()
    world.book(session)
    sign_in(client, world.invigilator.username, TEST_PASSWORD)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/invigilation/sessions/{session.id}/report.csv")
                                           .get_data(as_text=True))))
    assert rows[0]["candidate"] == """'=HYPERLINK("http://attacker.example","Click")"""


def test_csv_text_quotes_what_it_must():
    rows = list(csv.reader(io.StringIO(csv_text(["a", "b"], [["=1+1", 'say "hi", then go']]))))
    assert rows == [["a", "b"], ["'=1+1", 'say "hi", then go']]


@pytest.mark.parametrize("name, expected", [
    ('x"; filename="evil.exe', 'attachment; filename="x-filename-evil.exe"'),
    ("line\r\nbreak.csv", 'attachment; filename="line-break.csv"'),
    ("Y/506/2152-qti-2.2.zip", 'attachment; filename="Y-506-2152-qti-2.2.zip"'),
    ("../..", 'attachment; filename="download"'),
])
def test_download_names_cannot_break_the_header(name, expected):
    assert attachment(name) == {"Content-Disposition": expected}


@pytest.mark.parametrize("slug", ['Y-506-2152"x', "Y-506-2152%0A", "Y-506-2152%0D%0AX-Evil:%201", "no-such-unit"])
def test_the_statistics_download_refuses_odd_unit_names_cleanly(client, make_user, slug):
    writer = make_user(Role.ITEM_WRITER)
    sign_in(client, writer.username, TEST_PASSWORD)
    response = client.get(f"/workbench/units/{slug}/statistics.csv")
    assert response.status_code == 404
