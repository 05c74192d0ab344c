"""Invigilators', centre administrators' and the awarding body's invigilation pages, one module per
job: the awarding body's approval of centres and rules, a centre's set-up, conduct, records
(dashboard, incidents, report), and Safe Exam Browser (lockdown). Importing the modules registers
their routes on `bp`."""

from invigilation.views import approval, conduct, lockdown, records, setup
from invigilation.views.common import bp

__all__ = ["approval", "bp", "conduct", "lockdown", "records", "setup"]
