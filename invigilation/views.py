"""Invigilators' and centre administrators' pages (the routes live in `invigilation.web`)."""

from invigilation.web import bp, conduct, records, setup  # noqa: F401 - importing registers the routes

__all__ = ["bp"]
