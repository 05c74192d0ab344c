"""The bank of a unit as the assembly engine sees it, read from the database.

Each item's newest live version is in the scored pool, its newest version approved for
pretest in the pretest pool (a newer draft does not take a live version out of service). An item counts under its first
criterion; its enemy labels are its enemy set and its scenario (items on one scenario
must not meet in a test, as one may cue another, unless they were written as a set).

The adaptive gate (`adaptive_gate`) says whether live sessions may rely on the pool's
parameters: only when every live item is calibrated from enough real responses
(`ItemVersion.calibration_shortfall`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exam_engine.assembly.pool import ItemPool
from exam_engine.core.extensions import db
from exam_engine.psychometrics.models import ItemParameters
from item_bank.items.models import Item, ItemStatus, ItemVersion


def unit_pools(unit_reference: str) -> tuple[ItemPool | None, ItemPool | None]:
    """(live pool, pretest pool) of a unit; None where the unit has no such items."""
    items = db.session.scalars(
        select(Item).where(Item.unit_reference == unit_reference).order_by(Item.code)
        .options(selectinload(Item.versions).selectinload(ItemVersion.scenario))
    ).all()
    live = _latest_in(items, ItemStatus.LIVE)
    pretest = _latest_in(items, ItemStatus.APPROVED_FOR_PRETEST)
    return (_pool(live) if live else None), (_pool(pretest) if pretest else None)


@dataclass(frozen=True)
class AdaptiveGate:
    """Whether a unit's live test may choose and score items by their estimates."""

    unit: str
    items: int  # live items
    short: tuple[tuple[str, str], ...]  # (item code, why its estimate is not enough yet)

    @property
    def open(self) -> bool:
        return self.items > 0 and not self.short

    def describe(self) -> str:
        if self.open:
            return f"unit {self.unit}: adaptive gate open: all {self.items} live items calibrated from real responses"
        if not self.items:
            return f"unit {self.unit}: adaptive gate closed: the unit has no live items"
        code, why = self.short[0]
        return (f"unit {self.unit}: adaptive gate closed: {len(self.short)} of {self.items} live items are not "
                f"calibrated from enough real responses (e.g. {code}: {why}); live sessions run linear forms "
                f"from the content rules alone, scored by marks")


def adaptive_gate(unit_reference: str) -> AdaptiveGate:
    """The gate of a unit's live bank (each item's newest live version)."""
    live = live_versions(unit_reference)
    short = tuple((code, why) for code, version in live if (why := version.calibration_shortfall) is not None)
    return AdaptiveGate(unit_reference, len(live), short)


def _latest_in(items: Sequence[Item], status: ItemStatus) -> list[tuple[str, ItemVersion]]:
    """Each item's newest version in `status` (a newer draft does not take a live version out)."""
    found = []
    for item in items:
        version = next((v for v in reversed(item.versions) if v.status is status), None)
        if version is not None:
            found.append((item.code, version))
    return found


def parameters_of(versions: Sequence[ItemVersion]) -> ItemParameters:
    """The item versions' parameters as one table, in their order."""
    width = max(len(v.irt_d) for v in versions)
    d = np.full((len(versions), width), np.nan)
    for n, version in enumerate(versions):
        d[n, : len(version.irt_d)] = version.irt_d
    return ItemParameters(np.array([v.irt_a for v in versions], float), d, np.array([v.irt_c for v in versions], float))


def live_versions(unit_reference: str) -> list[tuple[str, ItemVersion]]:
    """(item code, newest live version) of each of a unit's items that has one, by code."""
    items = db.session.scalars(select(Item).where(Item.unit_reference == unit_reference).order_by(Item.code)
                               .options(selectinload(Item.versions))).all()
    return _latest_in(items, ItemStatus.LIVE)


def _pool(versions: list[tuple[str, ItemVersion]]) -> ItemPool:
    parameters = parameters_of([v for _, v in versions])
    criteria = tuple(v.criteria[0].removeprefix("AC") if v.criteria else "" for _, v in versions)
    return ItemPool(
        ids=tuple(code for code, _ in versions), parameters=parameters,
        marks=np.array([v.marks for _, v in versions], np.int64),
        outcomes=tuple(ac.split(".")[0] for ac in criteria), criteria=criteria,
        types=tuple(v.type.value for _, v in versions),
        enemies=tuple(_labels(v) for _, v in versions),
    )


def _labels(version: ItemVersion) -> frozenset[str]:
    labels = set()
    if version.enemy_set:
        labels.add(f"enemy set {version.enemy_set}")
    if version.scenario is not None and not version.scenario.written_as_set:
        labels.add(f"scenario {version.scenario.code}")
    return frozenset(labels)
