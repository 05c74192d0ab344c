"""A small client of the runner API (standard library only): what another front end does.

Used by the server-restart test and the delivery benchmark; it keeps the session cookie
and the CSRF token as a browser would, and times every call.
"""

import http.cookiejar
import json
import time
import urllib.error
import urllib.request
from typing import Any


class RunnerClient:
    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        """(status, JSON body, seconds taken) of one request."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers={
            "Accept": "application/json", "Content-Type": "application/json", "X-CSRFToken": self.token})
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        elapsed = time.perf_counter() - started
        return status, json.loads(raw) if raw else None, elapsed

    def sign_in(self, candidate_number: str, code: str, session_key: str | None = None) -> dict[str, Any]:
        """Sign in with the candidate number and own code; with the session key, unlock the test too."""
        self.token = self.call("GET", "/api/runner/session")[1]["csrf_token"]
        status, body, _ = self.call("POST", "/api/runner/sign-in", {"candidate_number": candidate_number, "code": code})
        if status != 200:
            raise RuntimeError(f"sign-in of candidate {candidate_number} refused ({status}): {body}")
        self.token = body["csrf_token"]
        sitting = body["sitting"]
        if session_key is not None and sitting["state"] == "present":
            status, sitting, _ = self.call("POST", f"/api/runner/sittings/{sitting['sitting']}/unlock",
                                           {"key": session_key})
            if status != 200:
                raise RuntimeError(f"unlocking candidate {candidate_number}'s test refused ({status}): {sitting}")
        return sitting

    def start(self, sitting_id: int) -> dict[str, Any]:
        status, body, _ = self.call("POST", f"/api/runner/sittings/{sitting_id}/start", {"declaration_accepted": True})
        if status != 201:
            raise RuntimeError(f"start of sitting {sitting_id} refused ({status}): {body}")
        return body


def some_answer(item: dict[str, Any]) -> Any:
    """A well-formed answer to an item as the runner API shows it (the first options)."""
    ids = [option["id"] for option in item["options"]]
    if item["type"] == "single_best_answer":
        return ids[0]
    if item["type"] == "multiple_response":
        return ids[: item["select"]]
    if item["type"] == "matching":
        return ids[: len(item["premises"])]
    return ids
