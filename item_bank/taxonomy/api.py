"""The taxonomy's JSON API for centres' systems: do a learner's units achieve a qualification?

`GET /api/qualifications/<number>/check?units=REF,REF,...` answers with the object that
`exam-engine qualification check` prints (`achieved`, `missing`, ...). Centre administrators
and the awarding body may ask. The engine keeps no record of units achieved by portfolio: the
centre's system sends them, with those passed by onscreen test, in `units`. Refusals are JSON
`{"error": code, "message": text}`.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role
from item_bank.taxonomy.services import UnknownQualificationError, UnknownUnitError, check_qualification

bp = Blueprint("taxonomy_api", __name__, url_prefix="/api")
MAX_UNITS = 200


def _refused(error: str, message: str, status: int) -> ResponseReturnValue:
    return jsonify(error=error, message=message), status


@bp.get("/qualifications/<path:number>/check")
@roles_required(Role.CENTRE_ADMIN, Role.AWARDING_BODY_ADMIN)
def check(number: str) -> ResponseReturnValue:
    """Check the units in `?units=` against the qualification's rules of combination."""
    units = request.args.get("units")
    if units is None:
        return _refused("invalid_request", "give the units achieved as ?units=REF,REF,... "
                                           "(unit references or the codes the qualification's document uses)", 400)
    codes = units.split(",")
    if len(codes) > MAX_UNITS:
        return _refused("invalid_request", f"give at most {MAX_UNITS} units", 400)
    try:
        result = check_qualification(number, codes)
    except UnknownQualificationError as error:
        return _refused("unknown_qualification", str(error), 404)
    except UnknownUnitError as error:
        return _refused("unknown_unit", str(error), 422)
    return jsonify(result.as_json())
