"""The 1EdTech CAT service: another platform delivers the items, our engine chooses them.

A delivery platform (TAO ships a client) sets up a *section* for one of our units, then
for each learner opens a *session*, shows the items the service names and sends back
their scores; the service answers with the next items, and at the end with no items and
the learner's ability estimate (1EdTech Computerized Adaptive Testing v1.0, REST/JSON
binding). The choices are the runner's own (`engine.plan`, `engine.due_step`): the unit's
blueprint with every content rule, the exposure control drawn at the start, the bank's
parameters, pretest items in their seeded places.

What the standard lets an engine hand to the platform, it does: the test's whole state
travels in the opaque ``sessionState``, signed with the app's secret so that it cannot be
forged, and compressed. The server keeps per session only how many results it has
accepted, so that an old state sent again (a replay) is refused, and, at the end, the
score, the test's design and the engine's sitting record: the replay record, and what the
unit's exposure counts are rebuilt from alongside the runner's own sittings.

Platforms are clients with OAuth 2 client credentials: a secret shown once when the
awarding body adds the client (``exam-engine service-client add``), exchanged for a bearer
token that expires (`ACCESS_TOKEN_SECONDS`). Wrong secrets are throttled.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from exam_engine.assembly.blueprint import Mode
from exam_engine.core import throttle
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.models import ServiceClient, ServiceSection, ServiceSession, Snapshot
from exam_engine.delivery.services import engine
from item_bank.items.models import Item, ItemStatus, ItemVersion

ACCESS_TOKEN_SECONDS = 3600
TOKEN_SALT, STATE_SALT = "adaptive-service-token", "adaptive-service-session-state"
WRONG_SECRETS, WRONG_SECRET_LIMIT = "service-client:secret", throttle.Limit(10, timedelta(minutes=15))
USED_STATE = "the sessionState has been used already: send the one from the last response"
SEEN_ITEMS_KEY = "seenItems"  # priorData: items the learner met in earlier sittings, comma-separated


# --- clients and tokens ---------------------------------------------------------------------------------


def add_client(name: str) -> tuple[ServiceClient, str]:
    """A new platform client and its secret (shown once; only its hash is kept)."""
    name = name.strip()
    if not name:
        raise ValueError("give the platform's name")
    secret = secrets.token_urlsafe(32)
    client = ServiceClient(client_id=f"cat-{secrets.token_hex(8)}", name=name[:120],
                           secret_hash=generate_password_hash(secret))
    db.session.add(client)
    db.session.flush()
    return client, secret


def revoke_client(client_id: str) -> ServiceClient:
    client = db.session.scalar(select(ServiceClient).where(ServiceClient.client_id == client_id))
    if client is None:
        raise ValueError(f"no service client {client_id}")
    client.revoked_at = client.revoked_at or utcnow()
    return client


def access_token(client_id: str, secret: str, address: str) -> str:
    """A bearer token for a client that gives its secret; refused (401, throttled per client and
    per address) otherwise, with the same message whether the client or the secret was wrong."""
    now = utcnow()
    keys = ((WRONG_SECRETS, f"client:{client_id}"), (WRONG_SECRETS, f"address:{address}"))
    if any(throttle.exceeded(bucket, key, WRONG_SECRET_LIMIT, now) for bucket, key in keys):
        raise DeliveryError("too many wrong client secrets; try again later", "server_busy", 429,
                            retry_after=int(WRONG_SECRET_LIMIT.window.total_seconds()))
    client = db.session.scalar(select(ServiceClient).where(ServiceClient.client_id == client_id))
    if client is None or client.revoked_at is not None or not check_password_hash(client.secret_hash, secret):
        with unit_of_work():  # counted although the request is refused
            for bucket, key in keys:
                throttle.record(bucket, key, now)
        raise DeliveryError("unknown client or wrong secret", "unauthorisedrequest", 401)
    return _tokens().dumps({"client": client.client_id})


def client_for(token: str) -> ServiceClient:
    """The client a bearer token was issued to, while it is valid and the client not revoked."""
    try:
        data = _tokens().loads(token, max_age=ACCESS_TOKEN_SECONDS)
    except SignatureExpired:
        raise DeliveryError("the access token has expired; ask for a new one", "unauthorisedrequest", 401) from None
    except BadSignature:
        raise DeliveryError("the access token is not one this service issued", "unauthorisedrequest", 401) from None
    client = db.session.scalar(select(ServiceClient).where(ServiceClient.client_id == data.get("client")))
    if client is None or client.revoked_at is not None:
        raise DeliveryError("this client may no longer use the service", "unauthorisedrequest", 401)
    return client


def _tokens() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def _states() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=STATE_SALT)


# --- sections -----------------------------------------------------------------------------------------


def create_section(client: ServiceClient, unit: str) -> ServiceSection:
    """A section for `unit`'s test as its blueprint delivers it (refused if no test can be set now)."""
    try:
        engine.blueprint_for(unit, live=True)
    except DeliveryError as error:
        raise DeliveryError(f"no test can be set for unit {unit}: {error}", "invaliddata", 400) from error
    section = ServiceSection(identifier=f"S{secrets.token_hex(16)}", client_id=client.id, unit_reference=unit)
    db.session.add(section)
    db.session.flush()
    return section


def section_of(client: ServiceClient, identifier: str) -> ServiceSection:
    """The client's own open section (another client's, or an ended one, is as unknown as none)."""
    section = db.session.scalar(select(ServiceSection).where(ServiceSection.identifier == identifier,
                                                             ServiceSection.client_id == client.id,
                                                             ServiceSection.ended_at.is_(None)))
    if section is None:
        raise DeliveryError(f"no section {identifier}", "unknownobject", 404)
    return section


def section_items(section: ServiceSection) -> list[str]:
    """The identifiers of the items the section may give: the unit's live items."""
    codes = db.session.scalars(select(Item.code).join(ItemVersion).where(
        Item.unit_reference == section.unit_reference, ItemVersion.status == ItemStatus.LIVE).distinct()).all()
    return sorted(codes)


def end_section(section: ServiceSection) -> None:
    """Close a section: no new sessions, and its sessions still open end without a result."""
    now = utcnow()
    section.ended_at = now
    db.session.execute(update(ServiceSession).where(ServiceSession.section_id == section.id,
                                                    ServiceSession.ended_at.is_(None)).values(ended_at=now))


# --- sessions -----------------------------------------------------------------------------------------


@dataclass
class Stage:
    """What the platform is told after a request: the next items (none when the test is over), the
    state to send back, and at the end the outcome."""

    session: str
    items: list[str]
    state: str
    outcome: dict[str, Any] | None = None


def start_session(section: ServiceSection, seen: list[str]) -> Stage:
    """A learner's session: the test planned (adaptive: its first item; linear: every item, one stage)."""
    plan = engine.plan(section.unit_reference, seen, secrets.randbelow(2**31), live=True)
    session = ServiceSession(identifier=f"T{secrets.token_hex(16)}", section_id=section.id,
                             unit_reference=section.unit_reference)
    db.session.add(session)
    db.session.flush()
    given = [code for code, _, _ in plan.items]
    state = {"session": session.identifier, "accepted": 0, "snapshot": plan.snapshot.as_dict(),
             "delivered": given, "answered": [], "selections": [record for _, _, record in plan.items]}
    return Stage(session.identifier, given, _states().dumps(state))


def submit_results(section: ServiceSection, identifier: str, sent_state: Any,
                   scores: dict[str, float]) -> Stage:
    """Take the scores of the items last delivered and give the next ones, or end the test.

    `scores` maps item identifiers to marks. The state must be this session's latest: one
    already used (sent again, or raced by a second request) is refused, as is a forged one."""
    session = db.session.scalar(select(ServiceSession).where(ServiceSession.identifier == identifier,
                                                             ServiceSession.section_id == section.id))
    if session is None:
        raise DeliveryError(f"no session {identifier} in section {section.identifier}", "unknownobject", 404)
    state = _verified(sent_state, session)
    if session.ended_at is not None:
        raise DeliveryError(f"session {identifier} has ended", "forbidden", 403)
    snapshot = Snapshot.from_dict(state["snapshot"])
    earlier = {code: float(marks) for code, marks in state["answered"]}
    changed = sorted(code for code in set(scores) & set(earlier) if scores[code] != earlier[code])
    extra = sorted(set(scores) - set(state["delivered"]) - set(earlier))
    if changed or extra:  # earlier items' results may be sent again, unchanged
        raise DeliveryError(f"results for items not given in this stage: {', '.join(extra)}" if extra else
                            f"an accepted score cannot change: {', '.join(changed)}", "invaliddata", 400)
    answered = [*earlier.items()] + [(code, _marks(code, scores, snapshot)) for code in state["delivered"]]
    _accept(session, state["accepted"])
    selections = list(state["selections"])
    step = engine.due_step(snapshot, answered) if snapshot.mode is Mode.CAT else None
    if step is None:
        outcome = _finish(session, snapshot, answered, selections)
        state.update(accepted=state["accepted"] + 1, delivered=[], answered=answered)
        return Stage(identifier, [], _states().dumps(state), outcome)
    selections.append(engine.step_record(step))
    state.update(accepted=state["accepted"] + 1, delivered=[step.item], answered=answered, selections=selections)
    return Stage(identifier, [step.item], _states().dumps(state))


def end_session(section: ServiceSection, identifier: str) -> None:
    """The platform ends a session early: it gives no result, and no state of it is accepted again."""
    session = db.session.scalar(select(ServiceSession).where(ServiceSession.identifier == identifier,
                                                             ServiceSession.section_id == section.id))
    if session is None:
        raise DeliveryError(f"no session {identifier} in section {section.identifier}", "unknownobject", 404)
    session.ended_at = session.ended_at or utcnow()


def _verified(sent_state: Any, session: ServiceSession) -> dict[str, Any]:
    """The state the service signed for this session, if `sent_state` is it and is the latest."""
    if not isinstance(sent_state, str) or not sent_state:
        raise DeliveryError("send the sessionState of the last response", "invaliddata", 400)
    try:
        state = _states().loads(sent_state)
    except BadSignature:
        raise DeliveryError("the sessionState is not one this service gave", "invaliddata", 400) from None
    if state.get("session") != session.identifier:
        raise DeliveryError("the sessionState belongs to another session", "invaliddata", 400)
    if state["accepted"] != session.results_accepted:
        raise DeliveryError(USED_STATE, "forbidden", 403)
    return dict(state)


def _accept(session: ServiceSession, accepted: int) -> None:
    """Count one more accepted result, only if no other request has counted it meanwhile."""
    counted = db.session.execute(update(ServiceSession).where(ServiceSession.id == session.id,
                                                              ServiceSession.results_accepted == accepted)
                                 .values(results_accepted=accepted + 1).execution_options(synchronize_session=False))
    if counted.rowcount != 1:  # type: ignore[attr-defined]
        raise DeliveryError(USED_STATE, "forbidden", 403)


def _marks(code: str, scores: dict[str, float], snapshot: Snapshot) -> float:
    """The marks the platform gives an item it was sent, checked against the item's marks."""
    if code not in scores:
        raise DeliveryError(f"no SCORE for item {code}, which this stage gave", "invaliddata", 400)
    marks, most = scores[code], _item_marks(snapshot.unit, code)
    if not 0 <= marks <= most or marks != round(marks):
        raise DeliveryError(f"the SCORE of item {code} must be a whole number of marks from 0 to {most}",
                      "invaliddata", 400)
    return float(marks)


def _item_marks(unit: str, code: str) -> int:
    marks = db.session.scalar(select(ItemVersion.marks).join(Item).where(Item.unit_reference == unit,
                                                                         Item.code == code).limit(1))
    return int(marks or 0)


def _finish(session: ServiceSession, snapshot: Snapshot, answered: list[tuple[str, float]],
            selections: list[dict[str, Any]]) -> dict[str, Any]:
    """Score and keep the finished test (its record feeds the unit's exposure counts)."""
    record = engine.final_record(snapshot, answered, selections)
    if record is None:
        raise DeliveryError("the engine no longer reproduces this test", "internal_server_error", 500)
    session.ended_at = utcnow()
    session.snapshot = snapshot.as_dict()
    session.record = record.as_dict()
    session.score = dict(record.score)
    return session.score
