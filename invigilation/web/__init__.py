"""The invigilation pages, split by job: set-up, conduct, and records (dashboard, incidents, report)."""

from flask import Blueprint

bp = Blueprint("invigilation", __name__, url_prefix="/invigilation", template_folder="../templates")
