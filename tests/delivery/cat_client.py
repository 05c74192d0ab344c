"""A delivery platform's client of the 1EdTech CAT service (CAT v1.0, REST/JSON binding).

Written from the binding, as a platform would: a bearer token by OAuth 2 client credentials,
``POST /sections`` with a base64 ``sectionConfiguration``, ``POST /sections/{id}/sessions``,
then for each stage the items' ``SCORE`` outcomes in an ``assessmentResult`` with the
``sessionState`` sent back unchanged, until ``nextItems`` is empty. ``send`` is the transport:
a Flask test client in tests, HTTP against a served app in the benchmark.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PREFIX = "/ims/cat/v1p0"
Send = Callable[..., tuple[int, Any]]  # (method, path, json=, data=, headers=) -> (status, JSON body)


def flask_transport(client: Any) -> Send:
    def send(method: str, path: str, json: Any = None, data: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        response = client.open(path, method=method, json=json, data=data, headers=headers or {})
        return response.status_code, response.get_json(silent=True)

    return send


def item_result(identifier: str, score: float, tao_style: bool = False) -> dict[str, Any]:
    """One ``itemResult`` with its ``SCORE`` outcome: as the standard writes it, or as TAO sends it
    (capitals, a number for the value)."""
    value: dict[str, Any] = {"baseType": "FLOAT", "value": score} if tao_style else {"value": str(score)}
    return {"identifier": identifier, "datestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "sessionStatus": "FINAL" if tao_style else "final",
            "outcomeVariables": [{"identifier": "SCORE", "cardinality": "single", "baseType": "float",
                                  "value": [value]}]}


@dataclass
class Session:
    section: str
    identifier: str
    state: str
    items: list[str]
    stages: list[list[str]] = field(default_factory=list)
    outcome: dict[str, Any] | None = None


class CatClient:
    def __init__(self, send: Send, client_id: str, secret: str) -> None:
        self.send = send
        status, body = send("POST", f"{PREFIX}/token", data={"grant_type": "client_credentials"},
                            headers={"Authorization": "Basic " + base64.b64encode(
                                f"{client_id}:{secret}".encode()).decode()})
        assert status == 200, body
        assert body["token_type"] == "Bearer" and body["expires_in"] > 0
        self.headers = {"Authorization": f"Bearer {body['access_token']}"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return self.send(method, f"{PREFIX}{path}", json=body, headers=self.headers)

    def create_section(self, unit: str) -> str:
        configuration = base64.b64encode(json.dumps({"unit": unit}).encode()).decode()
        status, body = self.call("POST", "/sections", {"sectionConfiguration": configuration,
                                                      "qtiUsagedata": "", "qtiMetadata": ""})
        assert status == 201, body
        return body["sectionIdentifier"]

    def start(self, section: str, prior: list[dict[str, str]] | None = None) -> Session:
        status, body = self.call("POST", f"/sections/{section}/sessions",
                                 {"priorData": prior or [{"key": "initialEstimatedAbility", "value": "0.0"}]})
        assert status == 201, body
        items = body["nextItems"]["itemIdentifiers"]
        assert body["nextItems"]["stageLength"] == len(items)
        return Session(section, body["sessionIdentifier"], body["sessionState"], items, [items])

    def submit(self, session: Session, scores: dict[str, float], tao_style: bool = False) -> tuple[int, Any]:
        """Send the scores of the stage's items; on success the session moves to the next stage."""
        results = [item_result(item, score, tao_style) for item, score in scores.items()]
        status, body = self.call("POST", f"/sections/{session.section}/sessions/{session.identifier}/results",
                                 {"assessmentResult": {"itemResult": results}, "sessionState": session.state})
        if status == 200:
            session.state, session.items = body["sessionState"], body["nextItems"]["itemIdentifiers"]
            session.outcome = body.get("assessmentResult")
            if session.items:
                session.stages.append(session.items)
        return status, body

    def sit(self, session: Session, respond: Callable[[str], float], tao_style: bool = False) -> Session:
        """Answer every stage with `respond(item) -> marks` until the service gives no more items."""
        while session.items:
            status, body = self.submit(session, {item: respond(item) for item in session.items}, tao_style)
            assert status == 200, body
        return session
