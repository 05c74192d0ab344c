"""Whether the units a learner holds meet a qualification's rules of combination: a pure function.

Rules come as the parser's plain data (`specification.model.Qualification`: groups, total,
credit rules, barred combinations, unstated requirements); units as their credit and level.
A group's maximum caps the credits it counts towards every other rule; of units barred
together only one counts (the one with most credits). Whatever is still needed is listed, each
part naming its group or unit and the credits short.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from item_bank.taxonomy.specification.model import CreditRule, Qualification, UnitGroup


@dataclass(frozen=True)
class UnitFacts:
    """What the rules need to know of a unit."""

    title: str
    credit: int | None
    level: int | None


@dataclass(frozen=True)
class Shortfall:
    """One part of the rules not yet met.

    `rule` is `unit` (a mandatory unit not held), `group` (a group's minimum), `credits` (a rule
    over several groups or at a level), `total` (the qualification's credits) or `unstated` (a
    requirement the document does not quantify, which no set of units can be shown to meet).
    """

    rule: str
    detail: str
    group: str | None = None
    unit: str | None = None
    credits_needed: int | None = None
    credits_achieved: int | None = None
    credits_short: int | None = None


@dataclass(frozen=True)
class BarApplied:
    """Units held that are barred together: only `counted` counts."""

    units: tuple[str, ...]
    counted: str
    not_counted: tuple[str, ...]
    detail: str


@dataclass(frozen=True)
class Achievement:
    credits: int  # credits counted towards the qualification
    missing: list[Shortfall] = field(default_factory=list)
    barred: list[BarApplied] = field(default_factory=list)

    @property
    def achieved(self) -> bool:
        return not self.missing


def _credit(units: Mapping[str, UnitFacts], reference: str) -> int:
    return units[reference].credit or 0


def _apply_bars(rules: Qualification, units: Mapping[str, UnitFacts], held: set[str]) -> list[BarApplied]:
    """Drop from `held` all but one unit of each barred combination the learner holds."""
    applied = []
    for bar in rules.barred:
        present = [reference for reference in bar.unit_references if reference in held]
        if len(present) > 1:
            counted = max(present, key=lambda reference: _credit(units, reference))
            dropped = tuple(reference for reference in present if reference != counted)
            held.difference_update(dropped)
            applied.append(BarApplied(tuple(present), counted, dropped, bar.text or str(bar)))
    return applied


def _group_credits(group: UnitGroup, units: Mapping[str, UnitFacts], held: set[str],
                   rule: CreditRule | None = None) -> int:
    """Credits the group counts (at the rule's levels, if a rule is given), capped at its maximum."""
    def at_level(reference: str) -> bool:
        level = units[reference].level
        if rule is None or rule.min_level is None:
            return True
        return level is not None and level >= rule.min_level and (rule.max_level is None or level <= rule.max_level)

    credits = sum(_credit(units, reference) for reference in group.unit_references
                  if reference in held and at_level(reference))
    return credits if group.max_credits is None else min(credits, group.max_credits)


def _short(rule: str, detail: str, needed: int, achieved: int, group: str | None = None) -> Shortfall:
    return Shortfall(rule, detail, group=group, credits_needed=needed, credits_achieved=achieved,
                     credits_short=needed - achieved)


def check_combination(rules: Qualification, units: Mapping[str, UnitFacts], held: Iterable[str]) -> Achievement:
    """Check the units `held` (references of the qualification's units) against its `rules`.

    `units` gives the credit and level of every unit the rules name. Returns the credits counted,
    every part still missing, and each barred combination that applied.
    """
    holding = {reference for reference in held if reference in units}
    barred = _apply_bars(rules, units, holding)
    missing: list[Shortfall] = []
    for group in rules.groups:
        credits = _group_credits(group, units, holding)
        absent = [reference for reference in group.unit_references if reference not in holding]
        if group.mandatory and absent:
            missing += [Shortfall("unit", f"{units[reference].title} ({units[reference].credit or 'no'} credits)",
                                  group=group.name, unit=reference, credits_needed=units[reference].credit,
                                  credits_achieved=0, credits_short=units[reference].credit)
                        for reference in absent]
        elif group.min_credits is not None and credits < group.min_credits:
            missing.append(_short("group", f"at least {group.min_credits} credits from {group.name}",
                                  group.min_credits, credits, group.name))
    by_name = {group.name: group for group in rules.groups}
    for rule in rules.credit_rules:
        scope = [by_name[name] for name in rule.groups] if rule.groups else rules.groups
        credits = sum(_group_credits(group, units, holding, rule) for group in scope)
        if credits < rule.min_credits:
            missing.append(_short("credits", rule.text or str(rule), rule.min_credits, credits,
                                  ", ".join(rule.groups) or None))
    total = sum(_group_credits(group, units, holding) for group in rules.groups)
    if rules.total_credits is not None and total < rules.total_credits:
        missing.append(_short("total", f"{rules.total_credits} credits in all", rules.total_credits, total))
    missing += [Shortfall("unstated", f"the document does not state how many units or credits of {name} are needed",
                          group=name) for name in rules.unstated_groups]
    return Achievement(total, missing, barred)
