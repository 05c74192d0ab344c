"""Finding a unit's blueprint and the bank it is checked against, and the taxonomy's knowledge units.

A blueprint is named by its file or by the unit reference of a file under `blueprints/data/`;
delivery may override a unit's file from configuration. A bank is a BANK.csv file or the
unit's live and pretest items in the database. Lookups that find nothing raise `LookupError`
with a message that says what exists; unreadable files raise their own `ValueError`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from blueprints.files import load, load_all, parse
from exam_engine.assembly.bank_file import read_bank
from exam_engine.assembly.blueprint import Blueprint
from exam_engine.assembly.pool import ItemPool
from exam_engine.core.extensions import db
from item_bank.items.pools import unit_pools
from item_bank.taxonomy.models import LearningOutcome, UnitVersion


def find_blueprint(name: str) -> Blueprint:
    """``name`` is a blueprint file or the unit reference of one under `blueprints/data/`."""
    if Path(name).is_file():
        return load(Path(name))
    blueprints = load_all()
    if name not in blueprints:
        raise LookupError(f"no blueprint file or unit {name!r}; units with blueprints: "
                          f"{', '.join(sorted(blueprints))}")
    return blueprints[name]


def unit_blueprint(unit: str, overrides: Mapping[str, Any]) -> Blueprint:
    """The blueprint a unit's tests are assembled from: `overrides[unit]` (a mapping in file
    form, from configuration) if given, else the unit's file under `blueprints/data/`."""
    if unit in overrides:
        return parse(overrides[unit], source="configuration DELIVERY_BLUEPRINTS")
    blueprints = load_all()
    if unit not in blueprints:
        raise LookupError(f"Unit {unit} has no test blueprint")
    return blueprints[unit]


def find_pools(blueprint: Blueprint, bank: Path | None) -> tuple[ItemPool, ItemPool | None]:
    """The bank CSV's pools, or the unit's live and pretest items in the database."""
    if bank is not None:
        return read_bank(bank)
    live, pretest = unit_pools(blueprint.unit)
    if live is None:
        raise LookupError(f"unit {blueprint.unit} has no live items in the bank; load items "
                          "(exam-engine load-items) or pass --bank BANK.csv")
    return live, pretest


@dataclass(frozen=True)
class KnowledgeUnit:
    reference: str
    title: str
    outcomes: list[tuple[str, list[str]]]
    minutes: int | None
    marks: int | None


def knowledge_units() -> list[KnowledgeUnit]:
    """Every knowledge unit, from its current statement with the most criteria (documents differ)."""
    versions = db.session.scalars(
        select(UnitVersion).where(UnitVersion.unit_type == "knowledge", UnitVersion.superseded_at.is_(None))
        .options(selectinload(UnitVersion.unit),
                 selectinload(UnitVersion.learning_outcomes).selectinload(LearningOutcome.criteria))
    ).all()
    best: dict[str, UnitVersion] = {}
    for version in versions:
        reference = version.unit.reference
        if reference not in best or _size(version) > _size(best[reference]):
            best[reference] = version
    return [KnowledgeUnit(reference, v.title, [(lo.number, [ac.number for ac in lo.criteria])
                                               for lo in v.learning_outcomes], v.test_minutes, v.test_marks)
            for reference, v in sorted(best.items())]


def _size(version: UnitVersion) -> tuple[int, int]:
    return (version.test_marks is not None, sum(len(lo.criteria) for lo in version.learning_outcomes))
