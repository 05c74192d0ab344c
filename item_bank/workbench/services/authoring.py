"""Writing and editing items on the web, checked by the same rules as the item files.

A new item starts as a draft version 1. Editing a draft no reviewer has approved changes
it in place (`ItemVersion.changes_in_place`); editing any other version (a draft returned
after pretesting, or one approved for pretest, live or retired) makes a new draft version;
a live version stays in service until the new one is promoted. An item in review is not edited: the reviewer returns it
first. Web-authored versions live in the database; `exam-engine export-item-files` writes
them back out as YAML for review into the repository's files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from exam_engine.auth.models import User
from exam_engine.core.extensions import db
from item_bank.items.files import FileProblem, ItemSpec, Medium, check_entry, content_hash
from item_bank.items.models import Item, ItemStatus, ItemVersion, ParameterSource, Scenario, StatusChange
from item_bank.items.scoring import MARKS, ItemType
from item_bank.items.services import media_of, set_content, tags_not_in_taxonomy

OPTION_IDS = "ABCDEF"
PREMISE_IDS = ("P1", "P2", "P3", "P4", "P5")  # a matching item's premises
WEB_SOURCE = "web form"
# The form's fields top to bottom: problems are listed in this order.
FORM_ORDER = ("type", "stem", "premises", "options", "key", "select", "rationale", "criteria", "amplification",
              "difficulty_rating", "scenario", "enemy_set", "marks")


class AuthoringError(ValueError):
    """The item has problems; `problems` lists every one, each with its field."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field or 'item'}: {p.message}" for p in problems))


def entry_from_form(form: Any, writer: str) -> dict[str, Any]:
    """The item-file entry a submitted form describes (`form` is a MultiDict)."""
    options, premises = _choices(form, "option", OPTION_IDS), _choices(form, "premise", PREMISE_IDS)
    item_type = form.get("type", "")
    raw_key = [part for part in re.split(r"[\s,]+", form.get("key", "").strip().upper()) if part]
    key: Any = raw_key[0] if item_type == ItemType.SINGLE_BEST_ANSWER.value and len(raw_key) == 1 else raw_key
    known_type = item_type in {t.value for t in ItemType}
    entry = {
        "id": "PENDING", "type": item_type, "marks": MARKS[ItemType(item_type)] if known_type else 0,
        "difficulty_rating": form.get("difficulty_rating", ""),
        "criteria": form.getlist("criteria"), "amplification": form.getlist("amplification"),
        "scenario": form.get("scenario") or None, "enemy_set": form.get("enemy_set", "").strip() or None,
        "stem": form.get("stem", ""), "options": options, "key": key,
        "rationale": {o["id"]: form.get(f"rationale_{o['id']}", "").strip() for o in premises or options},
        "notes": form.get("notes", "").strip() or None, "writer": writer, "status": "draft",
    }
    if item_type == ItemType.MULTIPLE_RESPONSE.value:
        entry["select"] = len(raw_key)
    if premises:
        entry["premises"] = premises
    return entry


def _choices(form: Any, name: str, ids: Sequence[str]) -> list[dict[str, str]]:
    """The options (or premises) of a form up to the last one filled in, as {id, text}: a blank one
    before a filled one is kept (empty), so that the checker names it ("Option C is empty")."""
    texts = [(i, form.get(f"{name}_{i}", "").strip()) for i in ids]
    last = max((n for n, (_, text) in enumerate(texts) if text), default=-1)
    return [{"id": i, "text": text} for i, text in texts[:last + 1]]


def validate(unit_reference: str, entry: dict[str, Any], media: tuple[Medium, ...] = ()) -> ItemSpec:
    """The entry as an `ItemSpec` with the images it keeps (`media`: the form uploads none), or
    AuthoringError with every problem: the item's own rules, its tags against the imported
    taxonomy and its scenario, all in one pass, in the form's order."""
    criteria = [c for c in entry.get("criteria") or [] if isinstance(c, str)]
    spec, problems = check_entry(WEB_SOURCE, unit_reference, criteria[0] if criteria else "", entry, media)
    problems += tags_not_in_taxonomy(WEB_SOURCE, None, unit_reference,
                                     [*criteria, *(entry.get("amplification") or [])])
    scenario = entry.get("scenario")
    if scenario and db.session.scalar(select(Scenario).where(
            Scenario.code == scenario, Scenario.unit_reference == unit_reference)) is None:
        problems.append(FileProblem(WEB_SOURCE, None, "scenario", f"{scenario} is not a scenario of this unit"))
    if problems or spec is None:
        raise AuthoringError(sorted(problems, key=lambda p: FORM_ORDER.index(p.field)
                                    if p.field in FORM_ORDER else len(FORM_ORDER)))
    return spec


def create_item(unit_reference: str, entry: dict[str, Any], user: User) -> ItemVersion:
    """A new item, draft version 1."""
    spec = validate(unit_reference, entry)
    item = Item(code=_new_code(unit_reference, spec.criteria[0]), unit_reference=unit_reference)
    db.session.add(item)
    version = _new_version(item, spec, user, number=1, comment="written on the workbench")
    db.session.flush()
    return version


def edit_item(item_id: int, entry: dict[str, Any], user: User) -> ItemVersion:
    """Edit the item's draft in place, or make a new draft version of it."""
    item = db.get_or_404(Item, item_id)
    latest = item.latest
    if latest.status is ItemStatus.IN_REVIEW:
        raise AuthoringError([FileProblem(WEB_SOURCE, item.code, None,
                                          "the item is in review: a reviewer must return it before it is edited")])
    spec = validate(item.unit_reference, entry, media_of(latest))
    if latest.changes_in_place:
        _apply(latest, spec, user)
        latest.status_changes.append(StatusChange(from_status=latest.status, to_status=latest.status,
                                                  changed_by=user.username, comment="edited on the workbench"))
        version = latest
    else:
        was = latest.status.value.replace("_", " ")
        version = _new_version(item, spec, user, number=latest.number + 1,
                               comment=f"new version of {was} version {latest.number}")
    db.session.flush()
    return version


def form_values(version: ItemVersion) -> dict[str, Any]:
    """A version's content as the form's field values."""
    values: dict[str, Any] = {
        "type": version.type.value, "difficulty_rating": version.difficulty_rating,
        "criteria": version.criteria, "amplification": version.amplification,
        "scenario": version.scenario.code if version.scenario else "", "enemy_set": version.enemy_set or "",
        "stem": version.stem, "notes": version.notes or "",
        "key": version.key if isinstance(version.key, str) else ", ".join(version.key),
    }
    for option in version.options:
        values[f"option_{option['id']}"] = option["text"]
    for premise in version.premises:
        values[f"premise_{premise['id']}"] = premise["text"]
    for choice in version.premises or version.options:
        values[f"rationale_{choice['id']}"] = version.rationale.get(choice["id"], "")
    return values




def _new_code(unit_reference: str, criterion: str) -> str:
    prefix = f"{unit_reference.replace('/', '')}-{criterion}-W"
    taken = db.session.scalar(select(func.count()).select_from(Item).where(Item.code.like(f"{prefix}%"))) or 0
    return f"{prefix}{taken + 1:02d}"


def _new_version(item: Item, spec: ItemSpec, user: User, number: int, comment: str) -> ItemVersion:
    version = ItemVersion(number=number, status=ItemStatus.DRAFT, parameter_source=ParameterSource.PROVISIONAL)
    item.versions.append(version)
    _apply(version, spec, user)
    version.status_changes.append(StatusChange(from_status=None, to_status=ItemStatus.DRAFT,
                                               changed_by=user.username, comment=comment))
    return version


def _apply(version: ItemVersion, spec: ItemSpec, user: User) -> None:
    """The form's content and tags on a draft version, written by `user`."""
    scenario = db.session.scalar(select(Scenario).where(Scenario.code == spec.scenario)) if spec.scenario else None
    set_content(version, spec, content_hash(spec), {scenario.code: scenario} if scenario else {})
    version.writer = user.username


FIELD_LABELS = {
    "type": "The item type", "stem": "The stem", "options": "The options", "premises": "The premises",
    "key": "The key", "select": "The number to select", "rationale": "The rationale",
    "criteria": "The assessment criteria", "amplification": "The amplification points",
    "difficulty_rating": "The difficulty rating", "scenario": "The scenario", "enemy_set": "The enemy set",
    "marks": "The marks",
}


def problem_text(problem: FileProblem) -> str:
    """A problem as one plain sentence for the form: it names the field or the option it is about."""
    message = problem.message
    if problem.part and message.startswith(f"{problem.part} is not in unit"):
        noun = "Amplification point" if problem.field == "amplification" else "Assessment criterion"
        return f"{noun} {message}"
    if message.startswith(("must ", "is ", "has ")) and problem.field:
        return f"{FIELD_LABELS.get(problem.field, problem.field.replace('_', ' ').capitalize())} {message}"
    return message[:1].upper() + message[1:]


def problem_anchor(problem: FileProblem) -> str:
    """The id of the form's input a problem is about (its error summary links there)."""
    field, part = problem.field, problem.part
    if part and field in ("options", "premises", "rationale"):
        return {"options": "option_", "premises": "premise_", "rationale": "rationale_"}[field] + part
    return {"options": "option_A", "premises": "premise_P1", "select": "key", "marks": "type",
            "rationale": "field-options", "criteria": "outcome", "amplification": "field-criteria",
            None: "stem"}.get(field, field or "stem")
