"""The 1EdTech CAT service's REST/JSON binding (`/ims/cat/v1p0/...`), for delivery platforms.

`services.adaptive_service` does the work; this module speaks the standard's wire format:
sections are made from a base64 ``sectionConfiguration`` naming one of our units
(``{"unit": "Y/506/2152"}``), sessions answer with ``nextItems`` and an opaque
``sessionState``, results arrive as a JSON ``assessmentResult`` whose item results carry a
``SCORE`` outcome, and errors are ``imsx_StatusInfo`` bodies. Platforms authenticate with
OAuth 2 client credentials (`POST /ims/cat/v1p0/token`) and send the bearer token on every
other request; the routes are open to no signed-in user, only to those tokens, and each
client reaches only its own sections. It is described in `openapi.yaml` with the runner API.

Tolerated as TAO's client sends them: ``sessionStatus`` and ``baseType`` in capitals, values
as JSON numbers, ``values``/``valueString`` for ``value``, earlier items' results repeated,
``qtiMetadata`` as a string.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask.typing import ResponseReturnValue

from exam_engine.auth.access import public
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import csrf
from exam_engine.delivery.api import refusals_as, retry_after
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.services import adaptive_service as service
from item_bank.qti.writer import item_identifier

bp = Blueprint("adaptive_service", __name__, url_prefix="/ims/cat/v1p0")
csrf.exempt(bp)  # no cookies: every request carries its bearer token
MINOR_CODES = {400: "invaliddata", 401: "unauthorisedrequest", 403: "forbidden", 404: "unknownobject",
               429: "server_busy"}  # the standard's imsx_codeMinor values, by HTTP status
QTI_PREFIX = "item-"  # `item_identifier` puts it before a code that starts with a digit


def status_info(message: str, status: int) -> tuple[Response, int]:
    """An ``imsx_StatusInfo`` error body, as the standard defines refusals."""
    minor = MINOR_CODES.get(status, "server_busy" if status == 503 else "internal_server_error")
    return jsonify(imsx_codeMajor="failure", imsx_severity="error", imsx_description=message,
                   imsx_codeMinor={"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem",
                                                            "imsx_codeMinorFieldValue": minor}]}), status


standard_errors = refusals_as(lambda error: (*status_info(str(error), error.status), retry_after(error)))
"""Answer a service's refusal as the standard does."""


@bp.before_request
def bearer_token() -> ResponseReturnValue | None:
    """Every request but the token request names its client by a bearer token."""
    if request.endpoint == "adaptive_service.token":
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return status_info("send an OAuth 2 bearer token (Authorization: Bearer ...) from POST /ims/cat/v1p0/token",
                           401)
    try:
        g.service_client = service.client_for(token.strip())
    except DeliveryError as error:
        return status_info(str(error), error.status)
    return None


@bp.post("/token")
@public
def token() -> ResponseReturnValue:
    """OAuth 2 client credentials grant (RFC 6749 section 4.4): HTTP Basic or form credentials."""
    if request.form.get("grant_type") != "client_credentials":
        return jsonify(error="unsupported_grant_type",
                       error_description="use grant_type=client_credentials (form encoded)"), 400
    client_id = request.authorization.username if request.authorization else request.form.get("client_id")
    secret = request.authorization.password if request.authorization else request.form.get("client_secret")
    if not client_id or not secret:
        return jsonify(error="invalid_client", error_description="give client_id and client_secret"), 401
    try:
        access = service.access_token(client_id, secret, request.remote_addr or "")
    except DeliveryError as error:
        return jsonify(error="invalid_client", error_description=str(error)), error.status, retry_after(error)
    return jsonify(access_token=access, token_type="Bearer", expires_in=service.ACCESS_TOKEN_SECONDS)


@bp.post("/sections")
@public
@standard_errors
def create_section() -> ResponseReturnValue:
    data = _body()
    configuration = _base64_json(data.get("sectionConfiguration"), "sectionConfiguration")
    unit = configuration.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        raise DeliveryError('sectionConfiguration must name a unit: {"unit": "Y/506/2152"}', "invaliddata", 400)
    section = service.create_section(g.service_client, unit.strip())
    return jsonify(sectionIdentifier=section.identifier), 201


@bp.get("/sections/<section_id>")
@public
@standard_errors
def get_section(section_id: str) -> ResponseReturnValue:
    section = service.section_of(g.service_client, section_id)
    configuration = base64.b64encode(json.dumps({"unit": section.unit_reference}).encode()).decode()
    return jsonify(items={"itemIdentifiers": [item_identifier(code) for code in service.section_items(section)]},
                   section={"sectionConfiguration": configuration})


@bp.delete("/sections/<section_id>")
@public
@standard_errors
def end_section(section_id: str) -> ResponseReturnValue:
    service.end_section(service.section_of(g.service_client, section_id))
    return Response(status=204)


@bp.post("/sections/<section_id>/sessions")
@public
@standard_errors
def create_session(section_id: str) -> ResponseReturnValue:
    section = service.section_of(g.service_client, section_id)
    stage = service.start_session(section, _seen_items(_body(empty_allowed=True).get("priorData")))
    return jsonify(sessionIdentifier=stage.session, **_stage(stage)), 201


@bp.post("/sections/<section_id>/sessions/<session_id>/results")
@public
@standard_errors
def submit_results(section_id: str, session_id: str) -> ResponseReturnValue:
    section = service.section_of(g.service_client, section_id)
    data = _body()
    stage = service.submit_results(section, session_id, data.get("sessionState"),
                                   item_scores(data.get("assessmentResult")))
    return jsonify(**_stage(stage))


@bp.delete("/sections/<section_id>/sessions/<session_id>")
@public
@standard_errors
def end_session(section_id: str, session_id: str) -> ResponseReturnValue:
    service.end_session(service.section_of(g.service_client, section_id), session_id)
    return Response(status=204)


def _stage(stage: service.Stage) -> dict[str, Any]:
    """``nextItems`` (empty at the end), ``sessionState`` and, at the end, the ``assessmentResult``."""
    body: dict[str, Any] = {"nextItems": {"itemIdentifiers": [item_identifier(code) for code in stage.items],
                                          "stageLength": len(stage.items)},
                            "sessionState": stage.state}
    if stage.outcome is not None:
        body["assessmentResult"] = {"testResult": {
            "identifier": stage.session, "datestamp": utcnow().isoformat(timespec="seconds"),
            "outcomeVariables": [_outcome("THETA", stage.outcome["theta"]), _outcome("SE", stage.outcome["se"])]}}
    return body


def _outcome(identifier: str, value: float) -> dict[str, Any]:
    return {"identifier": identifier, "cardinality": "single", "baseType": "float",
            "value": [{"value": f"{value:.6f}"}]}


def _body(empty_allowed: bool = False) -> dict[str, Any]:
    if empty_allowed and not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DeliveryError("send a JSON object", "invaliddata", 400)
    return data


def _base64_json(value: Any, field: str) -> dict[str, Any]:
    """A base64 field holding a JSON object (padding may be left off, as some platforms do)."""
    if not isinstance(value, str) or not value.strip():
        raise DeliveryError(f"{field} is required: base64 of a JSON object", "invaliddata", 400)
    text = value.strip()
    try:
        decoded = json.loads(base64.b64decode(text + "=" * (-len(text) % 4), validate=True))
    except (binascii.Error, ValueError):
        raise DeliveryError(f"{field} is not base64 of a JSON object", "invaliddata", 400) from None
    if not isinstance(decoded, dict):
        raise DeliveryError(f"{field} is not base64 of a JSON object", "invaliddata", 400)
    return decoded


def _code(identifier: Any) -> str:
    """Our item code for a QTI item identifier (`item_identifier`'s inverse)."""
    if not isinstance(identifier, str) or not identifier:
        raise DeliveryError("every itemResult needs its item's identifier", "invaliddata", 400)
    rest = identifier.removeprefix(QTI_PREFIX)
    return rest if rest != identifier and rest[:1].isdigit() else identifier


def _seen_items(prior: Any) -> list[str]:
    """Items met in earlier sittings, from ``priorData`` key `SEEN_ITEMS_KEY`; other keys are ignored
    (the ability estimate always starts from the engine's prior)."""
    if prior is None:
        return []
    if not isinstance(prior, list) or not all(isinstance(pair, dict) and isinstance(pair.get("key"), str)
                                              and isinstance(pair.get("value"), str) for pair in prior):
        raise DeliveryError('priorData must be a list of {"key": text, "value": text}', "invaliddata", 400)
    seen = [pair["value"] for pair in prior if pair["key"] == service.SEEN_ITEMS_KEY]
    return sorted({_code(code) for value in seen for code in value.replace(",", " ").split()})


def item_scores(result: Any) -> dict[str, float]:
    """Item code -> marks from an ``assessmentResult``'s item results (their ``SCORE`` outcomes)."""
    entries = result.get("itemResult") if isinstance(result, dict) else None
    if not isinstance(entries, list) or not entries:
        raise DeliveryError("send the assessmentResult with an itemResult for each item given", "invaliddata", 400)
    scores: dict[str, float] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise DeliveryError("each itemResult must be an object", "invaliddata", 400)
        code = _code(entry.get("identifier"))
        marks = _score(entry, code)
        if scores.setdefault(code, marks) != marks:
            raise DeliveryError(f"two different scores for item {code}", "invaliddata", 400)
    return scores


def _score(entry: dict[str, Any], code: str) -> float:
    variables = entry.get("outcomeVariables", entry.get("variables"))
    found = [v for v in variables if isinstance(v, dict) and str(v.get("identifier", "")).upper() == "SCORE"] \
        if isinstance(variables, list) else []
    values = found[0].get("value", found[0].get("values")) if found else None
    first = values[0] if isinstance(values, list) and values else None
    raw = first.get("value", first.get("valueString")) if isinstance(first, dict) else first
    try:
        marks = float(raw) if not isinstance(raw, bool) and isinstance(raw, (int, float, str)) else math.nan
    except ValueError:
        marks = math.nan
    if not math.isfinite(marks):
        raise DeliveryError(f"the itemResult of {code} needs a numeric SCORE outcome variable", "invaliddata", 400)
    return marks
