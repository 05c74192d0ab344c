"""Invigilators', centre administrators' and the awarding body's invigilation pages
(the routes live in `invigilation.web`)."""

from invigilation.web import approval, bp, conduct, records, setup  # noqa: F401 - importing registers the routes

__all__ = ["bp"]
