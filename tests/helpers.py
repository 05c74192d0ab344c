"""Small helpers for driving the app in tests: CSRF tokens, signing in, and a valid item form."""

import re

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str) -> TestResponse:
    """Post the sign-in form the way a browser does, token included."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password})


def item_form(**changes: object) -> MultiDict:
    """A complete single-best-answer item for AC1.1 of Y/506/2152, as the workbench form posts it."""
    fields: dict[str, object] = {
        "type": "single_best_answer", "difficulty_rating": "medium", "criteria": ["AC1.1"],
        "amplification": ["AC1.1/1"], "scenario": "", "enemy_set": "",
        "stem": "Which value of service keeps guests coming back?",
        "option_A": "Lower prices", "option_B": "Customer loyalty", "option_C": "Longer opening",
        "option_D": "Bigger rooms",
        "rationale_A": "Price is not a value of service.", "rationale_B": "Key.", "rationale_C": "Not a value.",
        "rationale_D": "Not a value.", "key": "B", "notes": "",
    }
    fields.update(changes)
    return MultiDict([(name, v) for name, value in fields.items()
                      for v in (value if isinstance(value, list) else [value])])
