"""The invigilation pages, split by job: the awarding body's approval of centres and rules, a centre's
set-up, conduct, and records (dashboard, incidents, report)."""

from flask import Blueprint

bp = Blueprint("invigilation", __name__, url_prefix="/invigilation", template_folder="../templates")
