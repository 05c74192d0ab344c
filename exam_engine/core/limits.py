"""Limits on what a request may send: its size, how deeply its JSON nests, and no NUL characters.

Flask refuses a body over `MAX_CONTENT_LENGTH` with 413 before anything reads it; a route
that takes uploads raises its own limit for its request (QTI packages do). JSON nested
deeper than `MAX_JSON_DEPTH` is refused with 400 before it is parsed: Python's parser
recurses, so a body nested 100,000 deep would otherwise exhaust the stack. A query or form
field holding a NUL character is refused with 400: no text anyone types holds one, and
PostgreSQL refuses to store or compare one, which would otherwise be a server error wherever
such a field reaches a query.
"""

import re
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider

_STRING = re.compile(r'"(?:\\.|[^"\\])*"')
_BRACKET = re.compile(r"[\[\]{}]")


def nesting_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


class DepthLimitedJSON(DefaultJSONProvider):
    """Flask's JSON, refusing texts that nest deeper than the app's `MAX_JSON_DEPTH`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode("utf-8", errors="replace") if isinstance(s, bytes) else s
        limit = self._app.config["MAX_JSON_DEPTH"]
        if nesting_depth(text) > limit:
            raise ValueError(f"JSON nested more than {limit} deep")
        return super().loads(s, **kwargs)


def refuse_nul_characters() -> None:
    """400 for a query or form field with a NUL character in its name or value. Only URL-encoded forms
    are read here: a multipart body (an upload) is left to its route, which may raise the size limit."""
    forms = [request.form] if request.mimetype == "application/x-www-form-urlencoded" else []
    for fields in (request.args, *forms):
        if any("\x00" in name or "\x00" in value for name, value in fields.items(multi=True)):
            abort(400, "A field of this request holds a NUL character, which no text may contain.")


def register_request_limits(app: Flask) -> None:
    app.json = DepthLimitedJSON(app)
    app.before_request(refuse_nul_characters)
