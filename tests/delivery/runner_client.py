"""Driving the runner API as a page would: session token, sign-in, JSON calls with the CSRF header."""

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from invigilation.models.sessions import Sitting
from tests.delivery.factory import KEY, Setup, make_sitting


class Runner:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = client.get("/api/runner/session").get_json()["csrf_token"]
        self.responses: list[TestResponse] = []

    def call(self, method: str, url: str, json: Any = None) -> TestResponse:
        response = self.client.open(url, method=method, json=json,
                                    headers={"X-CSRFToken": self.token, "Accept": "application/json"})
        self.responses.append(response)
        return response

    def sign_in(self, candidate_number: str, code: str) -> TestResponse:
        """Sign in with the candidate number and the candidate's own sign-in code."""
        response = self.call("POST", "/api/runner/sign-in", {"candidate_number": candidate_number, "code": code})
        if response.status_code == 200:
            self.token = response.get_json()["csrf_token"]
        return response

    def unlock(self, sitting_id: int, key: str = KEY) -> TestResponse:
        """Enter the session key the invigilator read out."""
        return self.call("POST", f"/api/runner/sittings/{sitting_id}/unlock", {"key": key})

    def enter(self, sitting: Sitting) -> None:
        """Sign in as the sitting's candidate and unlock the test with the session key."""
        assert self.sign_in(sitting.candidate.candidate_number, sitting.sign_in_code).status_code == 200
        assert self.unlock(sitting.id).status_code == 200

    def start(self, sitting_id: int) -> dict[str, Any]:
        response = self.call("POST", f"/api/runner/sittings/{sitting_id}/start", {"declaration_accepted": True})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def answer(self, attempt: int, position: int, answer: Any, key: str) -> TestResponse:
        return self.call("POST", f"/api/runner/attempts/{attempt}/answers",
                         {"position": position, "answer": answer, "idempotency_key": key})


def seated(client: FlaskClient, make_user, **kwargs) -> tuple[Setup, Runner]:
    """A present candidate (`make_sitting`'s keyword arguments) signed in at a runner on `client`."""
    setup = make_sitting(make_user, **kwargs)
    runner = Runner(client)
    runner.enter(setup.sitting)
    return setup, runner
