"""Small helpers for driving the app in tests: CSRF tokens, signing in, and a valid item form."""

import re
import time

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from exam_engine.auth.models import User
from exam_engine.core.extensions import db

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')


def csrf_token_from(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str) -> TestResponse:
    """Post the sign-in form the way a browser does, token included; staff who need a second factor
    then enrol (first time) or type their authenticator's current code, as a person would."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": password})
    if response.status_code != 302 or not response.location.startswith("/login/"):
        return response
    page = client.get(response.location).get_data(as_text=True)
    enrolling = _SECRET.search(page)
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == username))
    secret = enrolling.group(1) if enrolling else user.totp_secret
    code = one_time_code(secret, None if enrolling else user.totp_last_step)
    return client.post(response.location, data={"csrf_token": csrf_token_from(page), "code": code})


def one_time_code(secret: str, last_step: int | None) -> str:
    """The authenticator's code for the current time step, or for the next one if the current one was
    used already (the server takes a step either side of its own; an earlier step could fall out of
    that window while the code travels). Waits if even the next step was used."""
    totp = pyotp.TOTP(secret)
    while (step := max(totp.timecode(time.time()), (last_step or -1) + 1)) > totp.timecode(time.time()) + 1:
        time.sleep(1)
    return totp.generate_otp(step)


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
