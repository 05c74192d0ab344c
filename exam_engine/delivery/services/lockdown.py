"""The learner's browser checked for Safe Exam Browser where the session requires it
(`invigilation.services.lockdown`): every runner page and API request, and the sign-in.

SEB hashes the URL it requests, as the browser writes it (percent-encoded), so the check
rebuilds that URL (`requested_url`): scheme and host as the app sees them, the path encoded
again (Flask's `request.url` would decode `%C3%A9` to `é`), and the query exactly as sent.
Behind a reverse proxy that is the URL the browser used only if the proxy forwards
`X-Forwarded-Proto` and `X-Forwarded-Host` and `PROXY_FIX_HOPS` trusts them (see the README); a
proxy that rewrites paths breaks the check.
"""

from urllib.parse import quote

from flask import request

from exam_engine.auth.models import User
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.services.attempts import current_sitting
from invigilation.lockdown import CONFIG_KEY_HEADER, REQUEST_HASH_HEADER
from invigilation.models.sessions import Sitting
from invigilation.services.lockdown import BrowserRefused, BrowserRequest, check

SAFE_EXAM_BROWSER_REQUIRED = "safe_exam_browser_required"
PATH_CHARACTERS = "/:@!$&'()*+,;=~-._"  # RFC 3986 path characters a browser leaves unencoded


def requested_url() -> str:
    """The absolute URL the browser asked for, without fragment (browsers never send one)."""
    path = quote(request.script_root + request.path, safe=PATH_CHARACTERS)
    query = request.query_string.decode("latin-1")  # WSGI's bytes as received: browsers send them encoded
    return f"{request.scheme}://{request.host}{path}" + (f"?{query}" if query else "")


def browser_request() -> BrowserRequest:
    """The request's URL and the hashes SEB sent with it (None when absent)."""
    return BrowserRequest(requested_url(), request.headers.get(CONFIG_KEY_HEADER),
                          request.headers.get(REQUEST_HASH_HEADER))


def refusal(learner: User, sitting: Sitting | None) -> DeliveryError | None:
    """Why this browser may not reach the learner's test, if the session requires SEB and it fails the
    check: the sitting the request names, or the learner's current one when it names none. Another
    learner's sitting is left to the view ("not found"); an ended test is not checked."""
    sitting = sitting or current_sitting(learner)
    if sitting is None or sitting.candidate.user_id != learner.id or sitting.state.is_final:
        return None
    try:
        check(sitting, browser_request())
    except BrowserRefused as refused:
        return DeliveryError(str(refused), SAFE_EXAM_BROWSER_REQUIRED, refused.status)
    return None
