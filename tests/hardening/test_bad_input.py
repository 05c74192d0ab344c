"""Each malformed input once found to cause a server error now gets a clear 4xx."""

import pytest

from exam_engine.auth.roles import Role
from tests.conftest import TEST_PASSWORD
from tests.delivery.test_answers import started
from tests.helpers import csrf_token_from, sign_in
from tests.invigilation.conftest import build_world


@pytest.mark.parametrize("body, field", [
    ({"position": 1, "answer": None, "idempotency_key": "k", "client_time": 12345}, "client_time"),
    ({"position": True, "answer": None, "idempotency_key": "k"}, "position"),
    ({"position": 1, "answer": None, "idempotency_key": ["k"]}, "idempotency_key"),
])
def test_answers_with_fields_of_the_wrong_type_are_refused(app, make_user, design, body, field):
    setup, runner, attempt = started(app, make_user, design)
    response = runner.call("POST", f"/api/runner/attempts/{attempt}/answers", body)
    assert response.status_code == 422 and field in response.get_json()["message"]


@pytest.mark.parametrize("raw", [b'{"font_size": [150]}', b'{"font_size": "big"}', b'{"font_size": Infinity}',
                                 b'{"font_size": 1e400}', b'{"colour_scheme": {"a": 1}}'])
def test_display_choices_of_the_wrong_type_are_refused(app, make_user, design, raw):
    setup, runner, attempt = started(app, make_user, design)
    response = runner.client.put(f"/api/runner/attempts/{attempt}/display", data=raw, content_type="application/json",
                                 headers={"X-CSRFToken": runner.token, "Accept": "application/json"})
    assert response.status_code == 422


def test_json_nested_100000_deep_is_a_bad_request_even_before_sign_in(app):
    client = app.test_client()
    token = client.get("/api/runner/session").get_json()["csrf_token"]
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    response = client.post("/api/runner/sign-in", data=b"[" * 100_000 + b"]" * 100_000,
                           content_type="application/json", headers=headers)
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01&until=9999-12-31", "since=2026-02-30"])
def test_coverage_periods_at_the_edge_of_the_calendar_are_refused(client, make_user, taxonomy, query):
    writer = make_user(Role.ITEM_WRITER)
    sign_in(client, writer.username, TEST_PASSWORD)
    assert client.get(f"/workbench/units/Y-506-2152/coverage?{query}").status_code in (200, 400)


@pytest.mark.parametrize("centre", ["1.5", "9" * 30, "-3", "²", ""])
def test_a_centre_form_naming_no_real_centre_is_refused(app, client, centre):
    world = build_world(candidates=0)
    sign_in(client, world.admin.username, TEST_PASSWORD)
    token = csrf_token_from(client.get("/invigilation/centre").get_data(as_text=True))
    response = client.post("/invigilation/centre/rooms", data={"csrf_token": token, "centre": centre,
                                                                 "name": "Room 9", "workstations": "3", "spares": "1"})
    assert response.status_code == 403


@pytest.mark.parametrize("number", ["9" * 30, str(2**31), "1e9", "-5"])
def test_huge_or_odd_numbers_in_the_rules_forms_are_refused_cleanly(app, client, make_user, number):
    admin = make_user(Role.AWARDING_BODY_ADMIN)
    sign_in(client, admin.username, TEST_PASSWORD)
    token = csrf_token_from(client.get("/invigilation/rules").get_data(as_text=True))
    response = client.post("/invigilation/rules/ratio", data={"csrf_token": token, "qualification": "601/4026/4",
                                                                "candidates_per_invigilator": number},
                           follow_redirects=True)
    assert response.status_code < 500 and "whole number" in response.get_data(as_text=True)


@pytest.mark.parametrize("where", ["query", "form"])
def test_a_nul_character_in_a_field_is_a_bad_request_on_either_database(app, client, make_user, where):
    """PostgreSQL cannot compare or store a NUL: such a field reached a query and was a server error."""
    admin = make_user(Role.AWARDING_BODY_ADMIN)
    sign_in(client, admin.username, TEST_PASSWORD)
    if where == "query":
        response = client.get("/admin/item-views", query_string={"item": "U2\x00"})
    else:
        token = csrf_token_from(client.get("/accounts/new").get_data(as_text=True))
        response = client.post("/accounts/new", data={"csrf_token": token, "username": "a\x00b"})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
