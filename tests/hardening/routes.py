"""Every route of the app as concrete requests, generated from the URL map.

Tests built on this walk whatever routes exist, so a route added later is covered
without anyone remembering to add it here.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

from exam_engine.auth.access import ACCESS_ATTRIBUTE
from exam_engine.auth.roles import Role

MISSING_ID = 987_654_321
PLACEHOLDER_TEXT = "placeholder"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RouteRequest:
    endpoint: str
    method: str
    url: str
    allowed: frozenset[Role]  # empty: public

    @property
    def public(self) -> bool:
        return not self.allowed

    def __str__(self) -> str:
        return f"{self.method} {self.url} ({self.endpoint})"


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def placeholder_values(rule: Rule, ids: Mapping[str, int] | None = None,
                       texts: Mapping[str, str] | None = None) -> dict[str, object]:
    """Values for a rule's arguments: given ids and texts, else an unknown id or a word."""
    values: dict[str, object] = {}
    for name in rule.arguments:
        if isinstance(rule._converters[name], IntegerConverter):
            values[name] = (ids or {}).get(name, MISSING_ID)
        else:
            values[name] = (texts or {}).get(name, PLACEHOLDER_TEXT)
    return values


def route_requests(app: Flask, ids: Mapping[str, int] | None = None,
                   texts: Mapping[str, str] | None = None) -> Iterator[RouteRequest]:
    """One request per route and method, with URLs built from placeholder values."""
    adapter = app.url_map.bind("localhost")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions[rule.endpoint]
        allowed = getattr(view, ACCESS_ATTRIBUTE)
        url = adapter.build(rule.endpoint, placeholder_values(rule, ids, texts))
        for method in _methods(rule):
            yield RouteRequest(rule.endpoint, method, url, allowed)
