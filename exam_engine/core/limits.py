"""Limits on what a request may send: its size, and how deeply its JSON nests.

Flask refuses a body over `MAX_CONTENT_LENGTH` with 413 before anything reads it; a route
that takes uploads raises its own limit for its request (QTI packages do). JSON nested
deeper than `MAX_JSON_DEPTH` is refused with 400 before it is parsed: Python's parser
recurses, so a body nested 100,000 deep would otherwise exhaust the stack.
"""

import re
from typing import Any

from flask import Flask
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


def register_request_limits(app: Flask) -> None:
    app.json = DepthLimitedJSON(app)
