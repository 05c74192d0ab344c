"""The workbench's QTI page: download a unit's package, upload a package to import.

The upload is exempt from the app-wide CSRF hook only so that this view can set its
size limit before the body is read (the hook would parse a body of any size first);
the view then checks the CSRF token itself before looking at the upload.
"""

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role
from exam_engine.core.downloads import attachment
from exam_engine.core.extensions import csrf, db
from exam_engine.core.transactions import unit_of_work
from item_bank.items.models import Item
from item_bank.items.services import record_unit_views
from item_bank.qti.safety import MAX_PACKAGE_BYTES, UnsafePackage, read_file
from item_bank.qti.services import export_package, import_package, summary
from item_bank.qti.versions import VERSIONS

bp = Blueprint("qti", __name__, url_prefix="/workbench/qti", template_folder="templates")
UPLOAD_OVERHEAD = 64 * 1024  # multipart boundaries and the form's other fields


def _units() -> list[str]:
    return list(db.session.scalars(select(Item.unit_reference).distinct().order_by(Item.unit_reference)))


def _page(status: int = 200, **context: object) -> tuple[str, int]:
    return render_template("qti/index.html", units=_units(), versions=sorted(VERSIONS),
                           limit_mb=MAX_PACKAGE_BYTES // (1024 * 1024),
                           can_import=current_user.role is Role.ITEM_WRITER, **context), status


@bp.route("/")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def index() -> tuple[str, int]:
    return _page()


@bp.route("/export")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def export() -> Response:
    unit, version = request.args.get("unit", ""), request.args.get("version", "2.2")
    if version not in VERSIONS or unit not in _units():
        abort(404)
    result = export_package(unit, VERSIONS[version])
    with unit_of_work():
        record_unit_views(unit, current_user.username, "QTI export")
    return Response(result.data, mimetype="application/zip", headers=attachment(f"{unit}-qti-{version}.zip"))


@bp.route("/import", methods=["POST"])
@csrf.exempt
@roles_required(Role.ITEM_WRITER)
def upload() -> tuple[str, int]:
    request.max_content_length = MAX_PACKAGE_BYTES + UPLOAD_OVERHEAD
    csrf.protect()
    upload_file = request.files.get("package")
    if upload_file is None or not upload_file.filename:
        return _page(400, refusal="Choose a package (.zip) or an item file (.xml) to upload.")
    dry_run = request.form.get("dry_run") == "on"
    try:
        package = read_file(upload_file.filename, upload_file.read(MAX_PACKAGE_BYTES + 1))
        with unit_of_work(keep=not dry_run):
            report = import_package(package, request.form.get("unit") or None, current_user.username)
    except UnsafePackage as error:  # the unit of work has rolled back whatever the import began
        return _page(422, refusal=f"Refused: {error}. Nothing was written.")
    return _page(422 if report.rejected else 200, report=report, outcome=summary(report, dry_run))
