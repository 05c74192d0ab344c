"""Fuzzing the runner API from its own OpenAPI document: no request makes a server error.

Every operation in /api/openapi.json is called, signed in as a learner in an open attempt,
(submit and cancel left out, so it stays open) with path parameters around the real ids and
request bodies built from the operation's schema (its property names with values of any JSON
type), arbitrary JSON, JSON nested up to 100,000 deep, or bytes that are not JSON at all.
Whatever the input, the answer must be a 2xx or a 4xx with a JSON error body, never a 5xx.
"""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exam_engine.core.extensions import db
from exam_engine.delivery.services import adaptive_service
from tests.delivery.cat_client import CatClient, flask_transport
from tests.delivery.factory import UNIT, make_items
from tests.delivery.test_answers import started

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PARAMETER = re.compile(r"\{(\w+)\}")
ENDING = ("/submit", "/cancel")  # these take no body; left out so the attempt stays open to fuzz

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=10)


def _deref(document: dict, node: dict) -> dict:
    """Follow a local `$ref` (#/components/...) to the node it names."""
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _operations(document: dict) -> list[tuple[str, str, list[str]]]:
    """(method, path template, body property names) of every operation."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # shared by the path's operations
                continue
            schema = _deref(document, ((operation.get("requestBody") or {}).get("content") or {})
                            .get("application/json", {}).get("schema", {}))
            found.append((method.upper(), path, sorted((schema or {}).get("properties", {}))))
    return found


def _bodies(names: list[str]) -> st.SearchStrategy:
    shaped = st.fixed_dictionaries({}, optional={name: json_values for name in names}) if names else st.just({})
    nested = st.integers(min_value=100, max_value=100_000).map(lambda n: ("raw", b"[" * n + b"]" * n))
    return st.one_of(shaped.map(lambda d: ("json", d)), json_values.map(lambda v: ("json", v)),
                     st.binary(max_size=60).map(lambda b: ("raw", b)), nested)


def test_no_input_to_any_runner_operation_causes_a_server_error(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design, mode="fixed", items=4)
    document = runner.client.get("/api/openapi.json").get_json()
    operations = [op for op in _operations(document) if op[1].startswith("/api/") and not op[1].endswith(ENDING)]
    assert len(operations) >= 15
    ids = {"attempt_id": attempt, "sitting_id": setup.sitting.id}

    @FUZZ
    @given(data=st.data())
    def probe(data):
        method, template, names = data.draw(st.sampled_from(operations))
        values = {name: data.draw(st.sampled_from([ids.get(name, 1), 0, 2, 999_999, 2**40]), label=name)
                  for name in PARAMETER.findall(template)}
        url = PARAMETER.sub(lambda m: str(values[m.group(1)]), template)
        kind, body = data.draw(_bodies(names))
        headers = {"X-CSRFToken": runner.token, "Accept": "application/json"}
        if kind == "json":
            response = runner.client.open(url, method=method, json=body, headers=headers)
        else:
            response = runner.client.open(url, method=method, data=body, headers=headers,
                                          content_type="application/json")
        assert response.status_code < 500, f"{method} {url} with {body!r}: {response.status_code}"
        if response.status_code >= 400:
            assert "message" in response.get_json(), f"{method} {url}: error without a message"

    probe()


def test_no_input_to_the_adaptive_service_causes_a_server_error(app, make_user, design):
    """The same for the 1EdTech CAT service, as a platform with its bearer token, around a live session."""
    design("cat", 4)
    make_items()
    client, secret = adaptive_service.add_client("Fuzzing platform")
    db.session.commit()
    platform = CatClient(flask_transport(app.test_client()), client.client_id, secret)
    section = platform.create_section(UNIT)
    session = platform.start(section)
    document = app.test_client().get("/api/openapi.json").get_json()
    operations = [op for op in _operations(document) if op[1].startswith("/ims/cat/") and op[0] != "DELETE"]
    assert len(operations) >= 5
    ids = {"section_id": section, "session_id": session.identifier}
    http = app.test_client()

    @FUZZ
    @given(data=st.data())
    def probe(data):
        method, template, names = data.draw(st.sampled_from(operations))
        values = {name: data.draw(st.sampled_from([ids[name], "S0", "x" * 300]), label=name)
                  for name in PARAMETER.findall(template)}
        url = PARAMETER.sub(lambda m: str(values[m.group(1)]), template)
        kind, body = data.draw(_bodies(names + ["sessionState"]))
        if kind == "json":
            response = http.open(url, method=method, json=body, headers=platform.headers)
        else:
            response = http.open(url, method=method, data=body, headers=platform.headers,
                                 content_type="application/json")
        assert response.status_code < 500, f"{method} {url} with {body!r}: {response.status_code}"
        if response.status_code >= 400 and not url.endswith("/token"):
            assert "imsx_description" in response.get_json(), f"{method} {url}: error without a description"

    probe()
