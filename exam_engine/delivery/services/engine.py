"""The port between delivery and the assembly engine (`exam_engine.assembly`, `blueprints`).

The assembly engine runs a whole sitting in one call, `sit(engine, mode, respond, ...)`,
asking `respond(item)` for the marks of each item it gives; its choices depend only on the
blueprint, the bank, the seed, the exposure eligibility draws, the items already seen and
the marks so far. Delivery keeps all of these in the attempt's `Snapshot`, so at any moment
it can run the sitting again with the learner's recorded marks:

* at the start, fixed and linear-on-the-fly tests are run through once to get the whole
  test; adaptive tests are run up to the first item (`exam_engine.assembly.stepwise`);
* for each next adaptive item, only the new choice is made: one shadow test at the ability
  the marks so far give, containing the items already given (forward only); the record of
  the choice is kept with the item;
* at submit, an adaptive test's kept steps with their marks make the sitting's record (score
  by the engine's EAP, equivalent marks and pass/fail) without choosing again, so a room of
  learners ending together costs no solves; a linear test is run through once more with the
  recorded marks. `replay` re-runs the record to check every choice.

Exposure control state is rebuilt from the recorded sittings of the unit (Sympson-Hetter
counts per ability class), and each attempt's eligibility is drawn once at its start.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import yaml
from flask import current_app
from sqlalchemy import case, func, select

from blueprints.files import dump, parse
from blueprints.services import unit_blueprint
from exam_engine.assembly import stepwise
from exam_engine.assembly.blueprint import Blueprint, Mode
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.exposure import Eligibility, ExposureControl
from exam_engine.assembly.record import SittingRecord, Step
from exam_engine.assembly.replay import ReplayReport, replay
from exam_engine.assembly.scoring import score as engine_score
from exam_engine.assembly.sitting import start
from exam_engine.assembly.solver import Infeasible
from exam_engine.core.extensions import db
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.models import Attempt, ServiceSession, Snapshot
from item_bank.items.models import Item, ItemStatus, ItemVersion, ParameterSource, StatusChange
from item_bank.items.pools import AdaptiveGate, adaptive_gate, unit_pools

EXPOSURE_HISTORY = 2000  # recorded sittings the exposure counts are rebuilt from
ENGINE_CACHE_SIZE = 16  # engines kept per process (one per blueprint and bank state in use)
EXPOSURE_REFRESH_SECONDS = 30.0  # how stale the exposure counts a new attempt is drawn with may be


@dataclass(frozen=True)
class Plan:
    mode: Mode
    blueprint_version: str
    snapshot: Snapshot
    seed: int
    items: list[tuple[str, bool, dict[str, Any]]]  # (item code, pretest, selection record)
    planned_items: int

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode.value, "blueprint_version": self.blueprint_version,
                "snapshot": self.snapshot.as_dict(), "seed": self.seed, "items": [list(i) for i in self.items],
                "planned_items": self.planned_items}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(Mode(data["mode"]), data["blueprint_version"], Snapshot.from_dict(data["snapshot"]),
                   int(data["seed"]), [(code, bool(pretest), record) for code, pretest, record in data["items"]],
                   int(data["planned_items"]))


@dataclass
class _EngineCache:
    """The engines built for blueprints over their unit's bank, least recently used first out.

    Reading a bank and building an engine's forms are the costly parts, so a process keeps
    the few it uses; a key names the bank's state, so a changed bank makes a new engine and
    the old one ages out.
    """

    size: int
    engines: OrderedDict[tuple[str, tuple[Any, ...]], Engine] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple[str, tuple[Any, ...]]) -> Engine | None:
        with self.lock:
            found = self.engines.get(key)
            if found is not None:
                self.engines.move_to_end(key)
            return found

    def put(self, key: tuple[str, tuple[Any, ...]], engine: Engine) -> Engine:
        with self.lock:
            kept = self.engines.setdefault(key, engine)
            self.engines.move_to_end(key)
            while len(self.engines) > self.size:
                self.engines.popitem(last=False)
            return kept


_engines = _EngineCache(ENGINE_CACHE_SIZE)


def blueprint_for(unit: str, live: bool, bank_state: tuple[Any, ...] | None = None) -> Blueprint:
    """The unit's blueprint (from `DELIVERY_BLUEPRINTS`, a mapping in file form, or `blueprints/data/`)
    as a session delivers it: a live session whose bank has not passed the adaptive gate gets a
    linear test from the content rules alone (`Blueprint.content_only`), a rehearsal the blueprint
    as written. `bank_state` spares reading the bank's state again when the caller has it."""
    try:
        blueprint = unit_blueprint(unit, current_app.config.get("DELIVERY_BLUEPRINTS", {}))
    except LookupError as error:
        raise DeliveryError(f"{error}; tell your invigilator.", "no_blueprint", 503) from error
    except ValueError as error:
        raise DeliveryError(f"The test for unit {unit} cannot be set: {error}", "no_blueprint", 503) from error
    if not live or blueprint.content_only or _gate(unit, bank_state or _bank_state(unit)).open:
        return blueprint
    return replace(blueprint, mode=Mode.LOFT if blueprint.mode is Mode.CAT else blueprint.mode, content_only=True)


@functools.lru_cache(maxsize=ENGINE_CACHE_SIZE)
def _gate(unit: str, bank_state: tuple[Any, ...]) -> AdaptiveGate:
    """The unit's adaptive gate, read again whenever its bank changes (`bank_state`)."""
    return adaptive_gate(unit)


def _bank_state(unit: str) -> tuple[Any, ...]:
    """A cheap fingerprint of the unit's bank: changes with any new version, status change or
    calibration, and with what the calibration rule reads (so the adaptive gate is read again)."""
    return tuple(db.session.execute(
        select(func.count(ItemVersion.id), func.max(ItemVersion.id), func.max(StatusChange.id),
               func.max(ItemVersion.calibrated_at), func.sum(ItemVersion.calibration_responses),
               func.sum(case((ItemVersion.parameter_source == ParameterSource.CALIBRATED, 1), else_=0)),
               func.sum(case((ItemVersion.calibration_simulated, 1), else_=0)))
        .select_from(ItemVersion).join(Item).outerjoin(StatusChange, StatusChange.item_version_id == ItemVersion.id)
        .where(Item.unit_reference == unit)).one())


@functools.lru_cache(maxsize=ENGINE_CACHE_SIZE)
def _parsed(blueprint_text: str) -> Blueprint:
    """A snapshot's blueprint text, parsed once per process (every next item reads it)."""
    return parse(yaml.safe_load(blueprint_text), source="attempt snapshot")


@functools.lru_cache(maxsize=ENGINE_CACHE_SIZE)
def _text(blueprint: Blueprint) -> str:
    """A blueprint in file form, as attempts keep it, written once per process."""
    return dump(blueprint)


def _engine(blueprint_text: str, bank_state: tuple[Any, ...] | None = None) -> Engine:
    """The engine for a blueprint over the unit's current bank (cached while the bank is unchanged;
    `bank_state` spares reading the bank's state again when the caller has it)."""
    blueprint = _parsed(blueprint_text)
    key = (blueprint_text, bank_state or _bank_state(blueprint.unit))
    cached = _engines.get(key)
    if cached is not None:
        return cached
    pool, pretest = unit_pools(blueprint.unit)
    if pool is None:
        raise DeliveryError(f"Unit {blueprint.unit} has no live items.", "bank_too_small", 503)
    return _engines.put(key, Engine(blueprint, pool.content_only() if blueprint.content_only else pool, pretest))


def version_ids(unit: str, codes: list[str], pretest: bool = False) -> dict[str, int]:
    """Item code -> id of the version the engine chose: the newest live one, or for a pretest slot the
    newest approved for pretest (a newer draft of a live item is never shown to learners)."""
    status = ItemStatus.APPROVED_FOR_PRETEST if pretest else ItemStatus.LIVE
    rows = db.session.execute(select(Item.code, ItemVersion.id, ItemVersion.number).join(ItemVersion)
                              .where(Item.unit_reference == unit, Item.code.in_(codes),
                                     ItemVersion.status == status)).all()
    latest: dict[str, tuple[int, int]] = {}
    for code, version_id, number in rows:
        if code not in latest or number > latest[code][1]:
            latest[code] = (version_id, number)
    return {code: version_id for code, (version_id, _) in latest.items()}


@dataclass
class _ExposureCache:
    """Each engine's exposure counts, rebuilt at most every `EXPOSURE_REFRESH_SECONDS`: a room
    starting together shares one rebuild instead of reading the unit's history once each."""

    built: dict[int, tuple[float, Engine, ExposureControl]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self, engine: Engine, unit: str) -> ExposureControl:
        with self.lock:
            found = self.built.get(id(engine))
            if found is not None and found[1] is engine and time.monotonic() - found[0] < EXPOSURE_REFRESH_SECONDS:
                return found[2]
            control = _exposure(engine, unit)
            self.built.pop(id(engine), None)
            self.built[id(engine)] = (time.monotonic(), engine, control)
            while len(self.built) > ENGINE_CACHE_SIZE:  # the oldest first out
                self.built.pop(next(iter(self.built)))
            return control


_exposures = _ExposureCache()


def _exposure(engine: Engine, unit: str) -> ExposureControl:
    """Exposure counts rebuilt from the unit's most recent recorded sittings, in the runner and
    through the adaptive service alike."""
    control = engine.exposure_control(engine.blueprint.mode)
    position = engine.pool.index()
    recent = [db.session.execute(select(kind.record, kind.ended_at)
                                 .where(kind.record.is_not(None), kind.unit_reference == unit)
                                 .order_by(kind.id.desc()).limit(EXPOSURE_HISTORY)).all()
              for kind in (Attempt, ServiceSession)]
    records = [data for data, _ in sorted([*recent[0], *recent[1]], key=lambda row: row[1], reverse=True)]
    for data in records[:EXPOSURE_HISTORY]:
        record = SittingRecord.from_dict(data)
        theta = float(record.score.get("theta", 0.0)) if record.mode is Mode.CAT else 0.0  # linear: the prior mean
        given = np.array([position[i] for i in record.scored_items if i in position], np.int64)
        final_class = str(control.ability_class(theta))  # the only class a sitting is counted in
        if final_class in record.eligibility:
            drawn = {final_class: record.eligibility[final_class]}
            control.record(Eligibility.recorded(engine.pool.ids, record.exposure_edges, drawn, record.capped),
                           theta, given)
    return control


def _eligibility(engine: Engine, snapshot: Snapshot) -> Eligibility:
    return Eligibility.recorded(engine.pool.ids, list(snapshot.exposure_edges), snapshot.eligibility,
                                list(snapshot.capped))


def plan(unit: str, seen: list[str], seed: int, live: bool) -> Plan:
    """The new attempt (in a live session or a rehearsal): its snapshot and, for linear modes
    every item, for adaptive the first."""
    state = _bank_state(unit)
    blueprint = blueprint_for(unit, live, state)
    text = _text(blueprint)
    engine = _engine(text, state)
    control = _exposures.current(engine, unit)
    rng = np.random.default_rng(seed)
    ineligible = {str(g): [engine.pool.ids[i] for i in np.flatnonzero(rng.random(engine.pool.size) >= p)]
                  for g, p in enumerate(control.probabilities())}
    snapshot = Snapshot(unit=unit, mode=blueprint.mode, blueprint=text, seed=seed, seen=tuple(sorted(seen)),
                        exposure_edges=blueprint.exposure_edges, eligibility=ineligible,
                        capped=tuple(engine.pool.ids[i] for i in np.flatnonzero(control.capped())),
                        bank_digest=engine.pool.digest)
    try:
        if blueprint.mode is Mode.CAT:
            first = _next_step(engine, snapshot, [])
            if first is None:
                raise Infeasible(["the blueprint asks for no marks"])
            items = [(first.item, first.pretest, step_record(first))]
            planned = _planned_length(engine, snapshot, first, len(engine.reference_form) + blueprint.pretest_slots)
        else:
            codes = stepwise.linear_items(engine, snapshot.mode, seed, _eligibility(engine, snapshot), snapshot.seen)
            pretest = set(engine.pretest.ids) if engine.pretest is not None else set()
            items = [(code, code in pretest, {"position": n, "item": code})
                     for n, code in enumerate(codes, 1)]
            planned = len(codes)
    except Infeasible as error:
        raise DeliveryError(f"No test for unit {unit} meets its blueprint now: {error}. Tell your invigilator.",
                            "bank_too_small", 503) from error
    version = f"{blueprint.source}@{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    return Plan(blueprint.mode, version, snapshot, seed, items, planned)


def still_current(plan: Plan, unit: str, live: bool) -> bool:
    """Whether a plan made earlier is what a plan made now would be drawn from: the unit's
    blueprint (as the session delivers it) and its bank unchanged."""
    state = _bank_state(unit)
    text = _text(blueprint_for(unit, live, state))
    return plan.snapshot.blueprint == text and _engine(text, state).pool.digest == plan.snapshot.bank_digest


def step_record(step: Step) -> dict[str, Any]:
    """A step as its item's selection record (JSON; the marks are kept with the response)."""
    record = {k: v for k, v in step.__dict__.items() if k not in ("score",)}
    return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in record.items()}


def planned_length(snapshot: Snapshot, step: Step, planned: int) -> int:
    """An adaptive test's length in items, as planned when `step` was chosen (`planned` before it)."""
    return _planned_length(_engine(snapshot.blueprint), snapshot, step, planned)


def _planned_length(engine: Engine, snapshot: Snapshot, step: Step, planned: int) -> int:
    """The scored items of the step's shadow test (a whole test meeting every rule, the items given
    included) and the sitting's pretest items; so when the last scored item is chosen, the length is
    exact; where the blueprint fixes the number of items (`Blueprint.test_items`), it is exact from the
    first. A pretest step chooses no shadow test: `planned` stands."""
    pretest, _ = start(engine, np.random.default_rng(snapshot.seed), sorted(snapshot.seen))
    if engine.blueprint.test_items:
        return engine.blueprint.test_items + len(pretest)
    if step.pretest or not step.shadow_test:
        return max(planned, step.position)
    return len(step.shadow_test) + len(pretest)


def due_step(snapshot: Snapshot, given: list[tuple[str, float]]) -> Step | None:
    """The adaptive test's next step (item and the record of its choice) after `given` (item code,
    marks) in order; None when the test is complete."""
    return _next_step(_engine(snapshot.blueprint), snapshot, given)


def _next_step(engine: Engine, snapshot: Snapshot, given: list[tuple[str, float]]) -> Step | None:
    try:
        return stepwise.next_step(engine, snapshot.seed, _eligibility(engine, snapshot), snapshot.seen, given)
    except stepwise.AnswersDoNotMatch as error:
        raise DeliveryError(f"the engine no longer reproduces this test: {error}", "engine_diverged", 500) from error


def final_record(snapshot: Snapshot, given: list[tuple[str, float]],
                 selections: list[dict[str, Any]]) -> SittingRecord | None:
    """The complete sitting record with the learner's marks; None if the test stopped before its end.

    An adaptive test completes the steps kept as each item was chosen (`selections`); a linear
    test, or an adaptive one begun before steps were kept, is run through again."""
    engine = _engine(snapshot.blueprint)
    eligibility = _eligibility(engine, snapshot)
    try:
        if snapshot.mode is Mode.CAT and all("eligible_pool" in selection for selection in selections):
            steps = [Step(**{**selection, "score": marks}) for selection, (_, marks) in zip(selections, given)]
            return stepwise.kept_record(engine, snapshot.seed, eligibility, snapshot.seen, steps)
        return stepwise.finish(engine, snapshot.mode, snapshot.seed, eligibility, snapshot.seen, given)
    except stepwise.AnswersDoNotMatch:
        return None


def score(snapshot: Snapshot, scored: list[tuple[str, float]], cut_theta: float | None = None) -> dict[str, Any]:
    """The engine's score (EAP ability, equivalent marks on the reference form, pass/fail) of the scored items,
    at the ability cut given (the standard in force) or else the blueprint's."""
    engine = _engine(snapshot.blueprint)
    position = engine.pool.index()
    index = [position[code] for code, _ in scored]
    result = engine_score(np.array([m for _, m in scored], float), engine.pool.parameters.subset(index),
                          engine.pool.parameters.subset(engine.reference_form),
                          engine.blueprint.cut_theta if cut_theta is None else cut_theta)
    return result.as_dict()


def replay_record(record: SittingRecord, snapshot: Snapshot) -> ReplayReport:
    """The assembly engine's replay of a recorded attempt (same blueprint snapshot, current bank)."""
    return replay(_engine(snapshot.blueprint), record)
