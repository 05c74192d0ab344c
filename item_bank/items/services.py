"""Loading the item files into the bank, and reading the bank back out.

`load_bank` is one transaction: a folder with any problem writes nothing. Loading the
same files again changes nothing; a scoring change in a file makes a new item version. A
file that states an item's older version (the database has a newer one, e.g. edited on
the workbench) leaves the item alone: `export-item-files` brings the files up to date.
"""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exam_engine.core.extensions import db
from item_bank.items.files import FileProblem, ItemFileError, ItemSpec, ScenarioSpec, read_bank
from item_bank.items.models import Item, ItemStatus, ItemVersion, ParameterSource, Scenario, StatusChange
from item_bank.items.scoring import ItemType
from item_bank.taxonomy.models import Unit, UnitVersion

BANK_FOLDER = Path(__file__).resolve().parent.parent / "data" / "items"

# Provisional difficulty (logits) from the writer's rating, used until calibration.
PROVISIONAL_DIFFICULTY = {"easy": -1.0, "medium": 0.0, "hard": 1.0}
PROVISIONAL_SLOPE = 1.0
PROVISIONAL_STEP_SPREAD = 0.6  # a 2-mark item's two steps sit this far either side of b


@dataclass
class LoadReport:
    created: int = 0
    new_versions: int = 0
    updated: int = 0
    unchanged: int = 0
    scenarios: int = 0
    per_unit: Counter[str] = field(default_factory=Counter)


def provisional_parameters(item_type: ItemType, rating: str) -> tuple[float, list[float]]:
    """Slope and intercepts (slope-intercept form, D = 1) implied by a difficulty rating.

    One-mark items: d = -a b. Two-mark items (generalised partial credit, Muraki 1992,
    in `exam_engine.psychometrics`' form P_k ~ exp(a k theta + d_k), d_0 = 0): steps at
    b - s and b + s give the cumulative intercepts d_1 = -a b_1, d_2 = -a (b_1 + b_2).
    """
    b = PROVISIONAL_DIFFICULTY[rating]
    a = PROVISIONAL_SLOPE
    if item_type is ItemType.MULTIPLE_RESPONSE:
        steps = (b - PROVISIONAL_STEP_SPREAD, b + PROVISIONAL_STEP_SPREAD)
        return a, [-a * steps[0], -a * (steps[0] + steps[1])]
    return a, [-a * b]


def content_hash(spec: ItemSpec) -> str:
    """Fingerprint of everything that can change how a response is scored or read."""
    scored = {
        "type": spec.type.value, "marks": spec.marks, "stem": spec.stem,
        "options": [[o.id, o.text] for o in spec.options], "key": spec.key,
    }
    return hashlib.sha256(json.dumps(scored, sort_keys=True).encode()).hexdigest()


def load_bank(root: Path = BANK_FOLDER) -> LoadReport:
    """Bring the database in line with the item files under `root`."""
    files = read_bank(root)
    return sync_specs(files.items, files.scenarios)


def sync_specs(items: list[ItemSpec], scenarios: list[ScenarioSpec]) -> LoadReport:
    """Write checked item specs (from YAML files or a QTI package) to the bank.

    Tags are checked against the imported taxonomy first; any problem raises ItemFileError
    and writes nothing.
    """
    problems = untagged_in_taxonomy(items)
    if problems:
        raise ItemFileError(problems)
    report = LoadReport()
    synced = _sync_scenarios(scenarios, report)
    existing = {
        item.code: item
        for item in db.session.scalars(select(Item).options(selectinload(Item.versions)))
    }
    for spec in items:
        _sync_item(spec, existing.get(spec.id), synced, report)
        report.per_unit[spec.unit] += 1
    db.session.flush()
    return report


def untagged_in_taxonomy(items: list[ItemSpec]) -> list[FileProblem]:
    """Tags naming criteria or amplification points the imported taxonomy does not have.

    Units not imported yet are not checked here (the files' own schema still is).
    """
    known: dict[str, set[str] | None] = {}
    problems = []
    for item in items:
        if item.unit not in known:
            known[item.unit] = _taxonomy_identifiers(item.unit)
        identifiers = known[item.unit]
        if identifiers is None:
            continue
        for tag in (*item.criteria, *item.amplification):
            if tag not in identifiers:
                field_name = "amplification" if "/" in tag else "criteria"
                problems.append(FileProblem(item.source, item.id, field_name,
                                            f"{tag} is not in unit {item.unit} as imported"))
    return problems


def _taxonomy_identifiers(unit_reference: str) -> set[str] | None:
    """Every criterion and amplification id of a unit's current versions, or None if absent."""
    versions = db.session.scalars(
        select(UnitVersion).join(Unit)
        .where(Unit.reference == unit_reference, UnitVersion.superseded_at.is_(None))
    ).all()
    if not versions:
        return None
    identifiers: set[str] = set()
    for version in versions:
        for outcome in version.learning_outcomes:
            for criterion in outcome.criteria:
                identifiers.add(criterion.identifier)
                identifiers.update(point.identifier for point in criterion.points)
    return identifiers


def _sync_scenarios(specs: list[ScenarioSpec], report: LoadReport) -> dict[str, Scenario]:
    scenarios = {s.code: s for s in db.session.scalars(select(Scenario))}
    for spec in specs:
        scenario = scenarios.get(spec.id)
        if scenario is None:
            scenario = Scenario(code=spec.id)
            db.session.add(scenario)
            scenarios[spec.id] = scenario
        scenario.unit_reference, scenario.title, scenario.text = spec.unit, spec.title, spec.text
        report.scenarios += 1
    return scenarios


def _sync_item(spec: ItemSpec, item: Item | None, scenarios: dict[str, Scenario], report: LoadReport) -> None:
    fingerprint = content_hash(spec)
    if item is None:
        item = Item(code=spec.id, unit_reference=spec.unit)
        db.session.add(item)
        _add_version(item, spec, fingerprint, scenarios, number=1)
        report.created += 1
        return
    latest = item.latest
    if any(v.content_hash == fingerprint for v in item.versions[:-1]) and latest.content_hash != fingerprint:
        report.unchanged += 1  # the file states an older version: newer work (e.g. a web edit) is kept
        return
    if latest.content_hash != fingerprint:
        _add_version(item, spec, fingerprint, scenarios, number=latest.number + 1)
        _supersede(latest, item.latest.number)
        report.new_versions += 1
        return
    before = _metadata(latest)
    _apply_metadata(latest, spec, scenarios)
    _move_status(latest, ItemStatus(spec.status), spec)
    if _metadata(latest) != before:
        report.updated += 1
    else:
        report.unchanged += 1


def _add_version(item: Item, spec: ItemSpec, fingerprint: str, scenarios: dict[str, Scenario], number: int) -> None:
    a, d = provisional_parameters(spec.type, spec.difficulty_rating)
    version = ItemVersion(
        number=number, type=spec.type, marks=spec.marks, stem=spec.stem,
        options=[{"id": o.id, "text": o.text} for o in spec.options],
        key=spec.key if isinstance(spec.key, str) else list(spec.key),
        content_hash=fingerprint, irt_a=a, irt_d=d, irt_c=0.0,
        parameter_source=ParameterSource.PROVISIONAL,
    )
    item.versions.append(version)
    _apply_metadata(version, spec, scenarios)
    _move_status(version, ItemStatus(spec.status), spec)


def _apply_metadata(version: ItemVersion, spec: ItemSpec, scenarios: dict[str, Scenario]) -> None:
    """Fields that can be corrected without a new version."""
    version.criteria = list(spec.criteria)
    version.amplification = list(spec.amplification)
    version.difficulty_rating = spec.difficulty_rating
    version.scenario = scenarios[spec.scenario] if spec.scenario else None
    version.enemy_set = spec.enemy_set
    version.rationale = dict(spec.rationale)
    version.notes = spec.notes
    version.writer = spec.writer
    version.review = None if spec.review is None else {
        "reviewer": spec.review.reviewer, "date": spec.review.date, "outcome": spec.review.outcome,
        "checklist": spec.review.checklist, "changes": spec.review.changes,
    }
    if version.parameter_source is ParameterSource.PROVISIONAL:
        version.irt_a, version.irt_d = provisional_parameters(spec.type, spec.difficulty_rating)


def _metadata(version: ItemVersion) -> tuple[Any, ...]:
    return (version.criteria, version.amplification, version.difficulty_rating,
            version.scenario, version.enemy_set, version.rationale, version.notes, version.writer,
            version.review, version.status, version.irt_d)


def _move_status(version: ItemVersion, status: ItemStatus, spec: ItemSpec) -> None:
    if version.status == status:
        return
    who = spec.review.reviewer if spec.review and status is ItemStatus.LIVE else spec.writer
    _record_status(version, status, who, f"from {Path(spec.source).name}")


def _supersede(version: ItemVersion, successor: int) -> None:
    """An older version leaves service when a scoring change makes a new one."""
    if version.status is not ItemStatus.RETIRED:
        _record_status(version, ItemStatus.RETIRED, "item bank", f"superseded by version {successor}")


def _record_status(version: ItemVersion, status: ItemStatus, who: str, comment: str) -> None:
    version.status_changes.append(StatusChange(
        from_status=version.status, to_status=status, changed_by=who, comment=comment,
    ))
    version.status = status


@dataclass(frozen=True)
class TagCounts:
    """How many items in service (not retired) are tagged to each criterion and point."""

    criteria: Counter[str]
    amplification: Counter[str]


def tag_counts(unit_reference: str) -> TagCounts:
    versions = db.session.scalars(
        select(ItemVersion).join(Item)
        .where(Item.unit_reference == unit_reference, ItemVersion.status != ItemStatus.RETIRED)
    )
    criteria: Counter[str] = Counter()
    amplification: Counter[str] = Counter()
    for version in versions:
        criteria.update(version.criteria)
        amplification.update(version.amplification)
    return TagCounts(criteria, amplification)


def export_unit(unit_reference: str) -> list[dict[str, Any]]:
    """The latest version of every item of a unit, in the documented export shape."""
    items = db.session.scalars(
        select(Item).where(Item.unit_reference == unit_reference)
        .options(selectinload(Item.versions).selectinload(ItemVersion.scenario))
        .order_by(Item.code)
    )
    return [_export(item.latest, item.code) for item in items]


def _export(version: ItemVersion, code: str) -> dict[str, Any]:
    return {
        "id": code, "version": version.number, "unit": version.item.unit_reference,
        "criteria": version.criteria, "amplification": version.amplification,
        "type": version.type.value, "marks": version.marks, "stem": version.stem,
        "options": version.options, "key": version.key, "status": version.status.value,
        "difficulty_rating": version.difficulty_rating,
        "scenario": version.scenario.code if version.scenario else None,
        "enemy_set": version.enemy_set,
    }


def unit_has_items(unit_reference: str) -> bool:
    return db.session.scalar(select(Item.id).where(Item.unit_reference == unit_reference).limit(1)) is not None
