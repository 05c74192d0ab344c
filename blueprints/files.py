"""Reading and writing blueprint files (YAML under `blueprints/data/`), with clear errors.

Every problem is reported with the file and the field (``learning_outcomes[2].max_marks:
must be at least min_marks (5)``); a file with any problem gives no blueprint. The format
is described in `blueprints/data/README.md`.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from exam_engine.assembly.blueprint import DELIVERY_MODES, Blueprint, ItemTypeRule, Mode, OutcomeRule
from item_bank.items.scoring import MARKS, ItemType

BLUEPRINT_FOLDER = Path(__file__).resolve().parent / "data"
UNIT_REFERENCE = re.compile(r"^[A-Z]/\d{3}/\d{4}$")
OUTCOME = re.compile(r"^\d+$")
CRITERION = re.compile(r"^(\d+)\.\d+$")
ITEM_TYPES = tuple(t.value for t in ItemType)
FIELDS = {"unit", "title", "mode", "minutes", "total_marks", "cut_theta", "max_exposure", "pretest_slots",
          "max_items_per_criterion", "learning_outcomes", "item_types", "enemy_sets", "information_offsets",
          "target_fraction", "exposure_edges", "reference_form", "content_only", "test_items"}
REQUIRED = {"unit", "title", "mode", "minutes", "total_marks", "cut_theta", "max_exposure",
            "max_items_per_criterion", "learning_outcomes", "item_types"}


class BlueprintError(ValueError):
    """A blueprint file that cannot be used; ``problems`` lists every fault found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + f"\n{source}: ".join(problems))
        self.problems = problems


class _Reader:
    """Collects problems while converting one mapping's fields."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def number(self, data: dict, key: str, where: str, kind: type, low: float | None = None,
               high: float | None = None, default: Any = None) -> Any:
        value = data.get(key, default)
        if (kind is int and (isinstance(value, bool) or not isinstance(value, int))) or \
                (kind is float and (isinstance(value, bool) or not isinstance(value, (int, float)))):
            self.problems.append(f"{where}{key}: must be {'an integer' if kind is int else 'a number'}, got {value!r}")
            return default if default is not None else kind(0)
        if (low is not None and value < low) or (high is not None and value > high):
            self.problems.append(f"{where}{key}: must be between {low} and {high}, got {value}")
        return kind(value)

    def flag(self, data: dict, key: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problems.append(f"{key}: must be true or false, got {value!r}")
            return False
        return value

    def numbers(self, data: dict, key: str, default: tuple) -> tuple[float, ...]:
        value = data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                  for v in value):
            self.problems.append(f"{key}: must be a list of numbers, got {value!r}")
            return default
        return tuple(float(v) for v in value)


def parse(data: Any, source: str = "<blueprint>") -> Blueprint:
    """A validated `Blueprint` from a file's parsed YAML; raises `BlueprintError` listing every problem."""
    if not isinstance(data, dict):
        raise BlueprintError(source, ["the file must hold a mapping of blueprint fields"])
    read = _Reader()
    problems = read.problems
    problems += [f"{key}: unknown field" for key in sorted(set(data) - FIELDS)]
    problems += [f"{key}: required" for key in sorted(REQUIRED - set(data))]
    unit = str(data.get("unit", ""))
    if "unit" in data and not UNIT_REFERENCE.match(unit):
        problems.append(f"unit: {unit!r} is not a unit reference like Y/506/2152")
    mode = data.get("mode")
    if "mode" in data and mode not in DELIVERY_MODES:
        problems.append(f"mode: must be one of {', '.join(DELIVERY_MODES)}, got {mode!r}")
    minutes = read.number(data, "minutes", "", int, 1, 600, 60)
    total = read.number(data, "total_marks", "", int, 1, 500, 1)
    outcomes = _outcomes(data.get("learning_outcomes"), read)
    types = _item_types(data.get("item_types"), read)
    blueprint = Blueprint(
        unit=unit, title=str(data.get("title", "")), minutes=minutes, total_marks=total,
        cut_theta=read.number(data, "cut_theta", "", float, -4, 4, 0.0), outcomes=outcomes,
        max_items_per_criterion=read.number(data, "max_items_per_criterion", "", int, 1, 100, 1),
        item_types=types, max_exposure=read.number(data, "max_exposure", "", float, 0.01, 1, 1.0),
        mode=Mode(mode) if mode in DELIVERY_MODES else Mode.FIXED,
        pretest_slots=read.number(data, "pretest_slots", "", int, 0, 20, 0),
        enemy_sets=_enemy_sets(data.get("enemy_sets", []), read),
        information_offsets=read.numbers(data, "information_offsets", (-1.0, 0.0, 1.0)),
        target_fraction=read.number(data, "target_fraction", "", float, 0.1, 1.0, 0.8),
        exposure_edges=read.numbers(data, "exposure_edges", ()),
        reference_form=tuple(str(item) for item in data.get("reference_form", []) or []),
        content_only=read.flag(data, "content_only"),
        test_items=read.number(data, "test_items", "", int, 0, 500, 0),
        source=source,
    )
    if not problems:
        problems += consistency_problems(blueprint)
    if problems:
        raise BlueprintError(source, problems)
    return blueprint


def _outcomes(value: Any, read: _Reader) -> tuple[OutcomeRule, ...]:
    if not isinstance(value, list) or not value:
        read.problems.append("learning_outcomes: must be a non-empty list")
        return ()
    rules = []
    for n, entry in enumerate(value):
        where = f"learning_outcomes[{n}]."
        if not isinstance(entry, dict):
            read.problems.append(f"learning_outcomes[{n}]: must be a mapping")
            continue
        number = str(entry.get("number", ""))
        if not OUTCOME.match(number):
            read.problems.append(f"{where}number: must be an outcome number like \"1\", got {entry.get('number')!r}")
        criteria = entry.get("criteria")
        if not isinstance(criteria, list) or not criteria:
            read.problems.append(f"{where}criteria: must be a non-empty list like [\"1.1\", \"1.2\"]")
            criteria = []
        for ac in map(str, criteria):
            match = CRITERION.match(ac)
            if not match or match.group(1) != number:
                read.problems.append(f"{where}criteria: {ac!r} is not a criterion of LO{number} (like \"{number}.1\")")
        rules.append(OutcomeRule(number, read.number(entry, "min_marks", where, int, 0, 500, 0),
                                 read.number(entry, "max_marks", where, int, 0, 500, 0), tuple(map(str, criteria))))
    return tuple(rules)


def _item_types(value: Any, read: _Reader) -> tuple[ItemTypeRule, ...]:
    if not isinstance(value, list) or not value:
        read.problems.append("item_types: must be a non-empty list")
        return ()
    rules = []
    for n, entry in enumerate(value):
        where = f"item_types[{n}]."
        if not isinstance(entry, dict) or entry.get("type") not in ITEM_TYPES:
            read.problems.append(f"{where}type: must be one of {', '.join(ITEM_TYPES)}")
            continue
        rules.append(ItemTypeRule(entry["type"], read.number(entry, "min_items", where, int, 0, 500, 0),
                                  read.number(entry, "max_items", where, int, 0, 500, 0),
                                  read.number(entry, "seconds", where, int, 1, 3600, 60)))
    return tuple(rules)


def _enemy_sets(value: Any, read: _Reader) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not all(isinstance(group, list) and len(group) > 1 for group in value):
        read.problems.append("enemy_sets: must be a list of lists of two or more item ids")
        return ()
    return tuple(tuple(map(str, group)) for group in value)


def consistency_problems(blueprint: Blueprint) -> list[str]:
    """Rules that contradict each other, so that no bank could meet them."""
    problems = []
    numbers = [rule.number for rule in blueprint.outcomes]
    if len(set(numbers)) != len(numbers):
        problems.append("learning_outcomes: an outcome number appears twice")
    for n, rule in enumerate(blueprint.outcomes):
        if rule.max_marks < rule.min_marks:
            problems.append(f"learning_outcomes[{n}].max_marks: must be at least min_marks ({rule.min_marks})")
        if rule.min_marks < 1:
            problems.append(f"learning_outcomes[{n}].min_marks: every learning outcome must be assessed (at least 1)")
    low = sum(rule.min_marks for rule in blueprint.outcomes)
    high = sum(rule.max_marks for rule in blueprint.outcomes)
    if not low <= blueprint.total_marks <= high:
        problems.append(f"total_marks: {blueprint.total_marks} is outside the outcomes' range {low}-{high}")
    types = [rule.type for rule in blueprint.item_types]
    if len(set(types)) != len(types):
        problems.append("item_types: a type appears twice")
    for n, type_rule in enumerate(blueprint.item_types):
        if type_rule.max_items < type_rule.min_items:
            problems.append(f"item_types[{n}].max_items: must be at least min_items ({type_rule.min_items})")
    per_mark = min((rule.seconds / MARKS[ItemType(rule.type)] for rule in blueprint.item_types), default=0)
    if blueprint.total_marks * per_mark + blueprint.pretest_seconds > blueprint.seconds:
        problems.append(f"minutes: {blueprint.minutes} cannot hold {blueprint.total_marks} marks and the pretest slots")
    if blueprint.test_items:
        fewest = sum(rule.min_items for rule in blueprint.item_types)
        most = sum(rule.max_items for rule in blueprint.item_types)
        if not fewest <= blueprint.test_items <= min(most, blueprint.total_marks):
            problems.append(f"test_items: {blueprint.test_items} items cannot hold {blueprint.total_marks} marks "
                            f"within the item types' {fewest}-{most} items")
    if list(blueprint.exposure_edges) != sorted(blueprint.exposure_edges):
        problems.append("exposure_edges: must be in increasing order")
    return problems


def load(path: Path) -> Blueprint:
    """Read and validate one blueprint file (parsed once per version of the file: every test's
    start reads the unit's blueprint, and parsing YAML costs more than choosing the first item)."""
    try:
        version = path.stat()
    except OSError as error:
        raise BlueprintError(str(path), [f"cannot read: {error}"]) from None
    return _load(str(path), version.st_mtime_ns, version.st_size)


@functools.lru_cache(maxsize=64)
def _load(path: str, mtime_ns: int, size: int) -> Blueprint:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BlueprintError(path, [f"cannot read: {error}"]) from None
    return parse(data, path)


def load_all(folder: Path = BLUEPRINT_FOLDER) -> dict[str, Blueprint]:
    """Every blueprint under ``folder`` by unit reference; one unit, one file."""
    blueprints: dict[str, Blueprint] = {}
    for path in sorted(folder.glob("*.yaml")):
        blueprint = load(path)
        if blueprint.unit in blueprints:
            raise BlueprintError(str(path), [f"unit {blueprint.unit} already has {blueprints[blueprint.unit].source}"])
        blueprints[blueprint.unit] = blueprint
    return blueprints


def dump(blueprint: Blueprint) -> str:
    """The blueprint as file text (for generated defaults), readable back by `parse`."""
    data = {
        "unit": blueprint.unit, "title": blueprint.title, "mode": blueprint.mode.value,
        "minutes": blueprint.minutes, "total_marks": blueprint.total_marks, "cut_theta": blueprint.cut_theta,
        "max_exposure": blueprint.max_exposure, "pretest_slots": blueprint.pretest_slots,
        "max_items_per_criterion": blueprint.max_items_per_criterion,
        "learning_outcomes": [{"number": r.number, "min_marks": r.min_marks, "max_marks": r.max_marks,
                               "criteria": list(r.criteria)} for r in blueprint.outcomes],
        "item_types": [{"type": r.type, "min_items": r.min_items, "max_items": r.max_items, "seconds": r.seconds}
                       for r in blueprint.item_types],
        "enemy_sets": [list(group) for group in blueprint.enemy_sets],
        "information_offsets": list(blueprint.information_offsets), "target_fraction": blueprint.target_fraction,
        "exposure_edges": list(blueprint.exposure_edges), "reference_form": list(blueprint.reference_form),
        "content_only": blueprint.content_only, "test_items": blueprint.test_items,
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
