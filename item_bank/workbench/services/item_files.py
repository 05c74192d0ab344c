"""Writing a unit's items back out as the repository's reviewable YAML files.

Web-authored and web-edited versions live in the database. `export-item-files` writes
every item's newest version of a unit (one file per assessment criterion, and the
unit's scenarios) in the format `item_bank.items.files` reads, so a change made on the
workbench can be reviewed into `item_bank/data/items/` like any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exam_engine.core.extensions import db
from item_bank.items.models import Item, ItemVersion, Scenario
from item_bank.items.scoring import ItemType


def unit_folder_name(unit_reference: str) -> str:
    return unit_reference.replace("/", "-")


def write_unit_files(unit_reference: str, out: Path) -> list[Path]:
    """Write the unit's files under `out/<unit slug>/`; return the paths written. Untagged drafts
    (imported, waiting in the tagging queue) belong to no criterion's file and are left out."""
    items = db.session.scalars(
        select(Item).where(Item.unit_reference == unit_reference).order_by(Item.code)
        .options(selectinload(Item.versions).selectinload(ItemVersion.scenario))
    ).all()
    if not items:
        raise LookupError(f"no items for unit {unit_reference!r}; is it loaded?")
    by_criterion: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        version = item.latest
        if version.criteria:
            by_criterion.setdefault(version.criteria[0], []).append(item_entry(item.code, version))
    folder = out / unit_folder_name(unit_reference)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for criterion, entries in sorted(by_criterion.items()):
        path = folder / f"{criterion}.yaml"
        _dump(path, {"unit": unit_reference, "criterion": criterion, "items": entries})
        written.append(path)
    scenarios = db.session.scalars(select(Scenario).where(Scenario.unit_reference == unit_reference)
                                   .order_by(Scenario.code)).all()
    if scenarios:
        path = folder / "scenarios.yaml"
        _dump(path, {"unit": unit_reference,
                     "scenarios": [{"id": s.code, "title": s.title, "text": s.text} for s in scenarios]})
        written.append(path)
    return written


def item_entry(code: str, version: ItemVersion) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": code, "type": version.type.value, "marks": version.marks}
    if version.type is ItemType.MULTIPLE_RESPONSE:
        entry["select"] = version.select
    entry |= {
        "difficulty_rating": version.difficulty_rating, "criteria": list(version.criteria),
        "amplification": list(version.amplification),
        "scenario": version.scenario.code if version.scenario else None, "enemy_set": version.enemy_set,
        "stem": version.stem, **({"premises": [dict(p) for p in version.premises]} if version.premises else {}),
        "options": [dict(o) for o in version.options],
        "key": version.key if isinstance(version.key, str) else list(version.key),
        "rationale": dict(version.rationale), "notes": version.notes, "writer": version.writer,
        "status": version.status.value,
    }
    if version.review is not None:
        entry["review"] = dict(version.review)
    for record in ("cueing_review", "difficulty_ratings"):
        if getattr(version, record) is not None:
            entry[record] = dict(getattr(version, record))
    if version.legislation:
        entry["legislation"] = list(version.legislation)
    return entry


def _dump(path: Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(f"# Written by `exam-engine export-item-files`; review before committing.\n{text}",
                    encoding="utf-8")
