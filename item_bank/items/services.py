"""Loading the item files into the bank, and reading the bank back out.

A folder with any problem writes nothing. Loading the same files again changes nothing.
A version that learners may be given (approved for pretest or live, or ever approved) is
never changed: any difference a file or package states, of content or of tags, enemy
set, scenario, rationale or notes, becomes a new draft version for review, written by
whoever loads it, and the version in service stays in service until the new one is
promoted. A file that states an item's older version (the database has a newer one,
e.g. edited on the workbench) leaves the item alone: `export-item-files` brings the
files up to date.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exam_engine.core.extensions import db
from item_bank.items.checks import Finding, check_bank
from item_bank.items.files import (
    ITEM_CODE,
    BankFiles,
    FileProblem,
    ItemFileError,
    ItemSpec,
    Medium,
    Review,
    ScenarioSpec,
    content_hash,
    read_bank,
)
from item_bank.items.models import (
    CONFIDENTIAL,
    Item,
    ItemMedium,
    ItemStatus,
    ItemVersion,
    ItemView,
    ParameterSource,
    Scenario,
    StatusChange,
)
from item_bank.items.scoring import MARKS, ItemType
from item_bank.taxonomy.models import Unit, UnitVersion

BANK_FOLDER = Path(__file__).resolve().parent.parent / "data" / "items"
FILES_ACTOR = "item files"  # who loads the reviewed files from the command line

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
    outcomes: dict[str, str] = field(default_factory=dict)  # item code -> what happened to it


def provisional_parameters(item_type: ItemType, rating: str) -> tuple[float, list[float]]:
    """Slope and intercepts (slope-intercept form, D = 1) implied by a difficulty rating.

    One-mark items: d = -a b. Two-mark items (generalised partial credit, Muraki 1992,
    in `exam_engine.psychometrics`' form P_k ~ exp(a k theta + d_k), d_0 = 0): steps at
    b - s and b + s give the cumulative intercepts d_1 = -a b_1, d_2 = -a (b_1 + b_2).
    """
    b = PROVISIONAL_DIFFICULTY[rating]
    a = PROVISIONAL_SLOPE
    if MARKS[item_type] == 2:
        steps = (b - PROVISIONAL_STEP_SPREAD, b + PROVISIONAL_STEP_SPREAD)
        return a, [-a * steps[0], -a * (steps[0] + steps[1])]
    return a, [-a * b]


def load_bank(root: Path = BANK_FOLDER, actor: str = FILES_ACTOR) -> LoadReport:
    """Bring the database in line with the product's reviewed item files under `root`."""
    files = read_bank(root)
    return sync_specs(files.items, files.scenarios, actor, keep_history=True)


def sync_specs(items: list[ItemSpec], scenarios: list[ScenarioSpec], actor: str,
               keep_history: bool = False) -> LoadReport:
    """Write checked item specs (from YAML files or a QTI package) to the bank.

    Tags are checked against the imported taxonomy first; any problem raises ItemFileError
    and writes nothing. `actor` makes the changes: the writer of every new version and the
    name in its history. A new item is a draft written by `actor`, unless `keep_history`:
    the product's own reviewed files keep the writer, status and review they state. An
    item already in the bank is changed in place only by those files and only as
    `changes_in_place` allows; otherwise (and always from a package, which must not overwrite
    a writer's work without history) any difference, of content or of tags, enemy set,
    scenario, rationale or notes, becomes a new draft version for review, and the version in
    service stays in service. Which item a
    spec is, and under which code, is `_Codes.place`'s rule: an identifier of another scheme,
    or a code another unit's item has, never blocks loading; it is kept as the item's source id.
    """
    problems = untagged_in_taxonomy(items)
    if problems:
        raise ItemFileError(problems)
    report = LoadReport()
    synced = _sync_scenarios(scenarios, report)
    codes = _Codes(db.session.scalars(select(Item).options(selectinload(Item.versions))), items)
    for stated in items:
        spec, item = codes.place(stated)
        created = _sync_item(spec, item, synced, report, actor, keep_history)
        if created is not None:
            codes.add(created)
        report.outcomes[stated.id] = _as_stated(stated, spec, item, report.outcomes.pop(spec.id))
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
        problems += _unknown(item.source, item.id, item.unit, (*item.criteria, *item.amplification), known[item.unit])
    return problems


def tags_not_in_taxonomy(source: str, item: str | None, unit_reference: str, tags: Sequence[str]) -> list[FileProblem]:
    """`untagged_in_taxonomy` for tags not yet in a valid item (the workbench's form checks them in the
    same pass as the rest of the item)."""
    return _unknown(source, item, unit_reference, [t for t in tags if isinstance(t, str)],
                    _taxonomy_identifiers(unit_reference))


def _unknown(source: str, item: str | None, unit_reference: str, tags: Sequence[str],
             identifiers: set[str] | None) -> list[FileProblem]:
    if identifiers is None:
        return []
    return [FileProblem(source, item, "amplification" if "/" in tag else "criteria",
                        f"{tag} is not in unit {unit_reference} as imported", tag)
            for tag in tags if tag not in identifiers]


@dataclass(frozen=True)
class BankCheck:
    """The item files as read, and what the bank check found in them."""

    files: BankFiles
    findings: list[Finding]


def bank_check(root: Path = BANK_FOLDER, units: Sequence[str] = (), today: date | None = None) -> BankCheck:
    """The bank check (`item_bank.items.checks`) of the item files under `root`, for the units given
    (default: every unit with items) against their criteria and points as imported."""
    files = read_bank(root)
    points = {}
    for unit in units or sorted({item.unit for item in files.items}):
        criteria = _top_level_points(unit)
        if criteria is None:
            raise ItemFileError([FileProblem(str(root), None, None, f"unit {unit} is not imported: run import-spec")])
        points[unit] = criteria
    return BankCheck(files, check_bank(files, points, today or date.today()))


def _top_level_points(unit_reference: str) -> dict[str, list[str]] | None:
    """Each criterion of a unit's current version with its top-level amplification ids."""
    version = db.session.scalars(
        select(UnitVersion).join(Unit)
        .where(Unit.reference == unit_reference, UnitVersion.superseded_at.is_(None))
        .order_by(UnitVersion.number.desc())
    ).first()
    if version is None:
        return None
    return {criterion.identifier: [point.identifier for point in criterion.points if point.parent_id is None]
            for outcome in version.learning_outcomes for criterion in outcome.criteria}


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
        scenario.written_as_set = spec.written_as_set
        report.scenarios += 1
    return scenarios


def _sync_item(spec: ItemSpec, item: Item | None, scenarios: dict[str, Scenario], report: LoadReport,
               actor: str, keep_history: bool) -> Item | None:
    """Bring one item in line with its spec; returns the item if it was created."""
    fingerprint = content_hash(spec)
    change, differences = _change(spec, item, scenarios, in_place=keep_history)
    if change == "new":
        item = Item(code=spec.id, unit_reference=spec.unit, source_id=spec.source_id)
        db.session.add(item)
        if keep_history:
            _add_version(item, spec, fingerprint, scenarios, 1, ItemStatus(spec.status), spec.writer, spec.review)
        else:
            _add_version(item, spec, fingerprint, scenarios, 1, ItemStatus.DRAFT, actor, None)
        report.created += 1
        report.outcomes[spec.id] = f"new item, {item.latest.status.value.replace('_', ' ')}"
        return item
    assert item is not None
    latest = item.latest
    report.outcomes[spec.id] = _outcome(change, differences, latest)
    if change in ("older", "same"):
        if change == "same" and keep_history:
            set_records(latest, spec)
        report.unchanged += 1
    elif change == "in place":
        set_content(latest, spec, fingerprint, scenarios)
        latest.status_changes.append(StatusChange(from_status=latest.status, to_status=latest.status, changed_by=actor,
                                                  comment=f"changed in place from {Path(spec.source).name}: "
                                                          f"{', '.join(differences)}"))
        report.updated += 1
    else:
        _add_version(item, spec, fingerprint, scenarios, latest.number + 1, ItemStatus.DRAFT, actor, None,
                     comment=f"from {Path(spec.source).name}: {', '.join(differences)} differ from version "
                             f"{latest.number}, which stays {latest.status.value.replace('_', ' ')}")
        report.new_versions += 1
    return None


def preview(items: list[ItemSpec]) -> dict[str, str]:
    """What loading the specs would do to each item, by the id each states, without writing anything."""
    codes = _Codes(db.session.scalars(select(Item).options(selectinload(Item.versions))), items)
    scenarios = {s.code: s for s in db.session.scalars(select(Scenario))}
    outcomes = {}
    for stated in items:
        spec, item = codes.place(stated)
        change, differences = _change(spec, item, scenarios, in_place=False)
        outcome = "new item, draft" if item is None else _outcome(change, differences, item.latest)
        outcomes[stated.id] = _as_stated(stated, spec, item, outcome)
    return outcomes


class _Codes:
    """The bank's items by code and by source id, and the rule for which item, under which code, a spec is.

    A spec keeps its id when the id is the bank's kind (no `source_id`) and no other unit's item
    has it: it is the item of that code, or a new one. Otherwise the id (another scheme's
    identifier, or another unit's code) is the spec's source id, and the spec is the unit's item
    that came with that source id before, or else a new item with the unit's next code for the
    spec's criterion: `<prefix>-<criterion>-<NN>` (`ITEM_CODE`), the prefix the most of the unit's
    codes have ("U2"), or for a unit with none the unit reference without its slashes
    ("Y5062152", as the workbench's codes), and NN one more than the highest number in use there;
    `<prefix>-IMP<NNN>` for an untagged spec (no criterion yet).
    """

    def __init__(self, items: Iterable[Item], specs: list[ItemSpec]) -> None:
        self.by_code: dict[str, Item] = {}
        self.by_source: dict[tuple[str, str], Item] = {}
        for item in items:
            self.add(item)
        # codes the specs bring that the bank has not given yet (and, as they are chosen, new codes)
        self.claimed = {spec.id: spec.unit for spec in specs if spec.source_id is None and spec.id not in self.by_code}

    def add(self, item: Item) -> None:
        self.by_code[item.code] = item
        if item.source_id is not None:
            self.by_source[item.unit_reference, item.source_id] = item

    def place(self, spec: ItemSpec) -> tuple[ItemSpec, Item | None]:
        """The spec under the code it has in the bank, and the bank's item of that code if there is one.

        An untagged spec of an item the bank has takes the tags of the bank's newest version: an
        import without tags changes content only, never undoing a writer's tagging."""
        item = self.by_code.get(spec.id)
        if spec.source_id is None and (item is None or item.unit_reference == spec.unit):
            return _tagged_as(spec, item), item
        source_id = spec.source_id or spec.id
        item = self.by_source.get((spec.unit, source_id))
        placed = replace(spec, id=item.code if item is not None else self._new_code(spec), source_id=source_id)
        return _tagged_as(placed, item), item

    def _new_code(self, spec: ItemSpec) -> str:
        units = {code: item.unit_reference for code, item in self.by_code.items()} | self.claimed
        found = [match for code, unit in units.items() if unit == spec.unit and (match := ITEM_CODE.match(code))]
        prefixes = Counter(match["prefix"] for match in found)
        prefix = prefixes.most_common(1)[0][0] if prefixes else spec.unit.replace("/", "")
        if spec.criterion:
            used = [int(match["number"]) for match in found if (match["prefix"], match["criterion"]) == (
                prefix, spec.criterion)]
            form = f"{prefix}-{spec.criterion}-{{:02d}}"
        else:
            used = [int(match["imported"]) for match in found if match["prefix"] == prefix and match["imported"]]
            form = f"{prefix}-IMP{{:03d}}"
        number = 1 + max(used, default=0)
        while (code := form.format(number)) in units:
            number += 1
        self.claimed[code] = spec.unit
        return code


def _tagged_as(spec: ItemSpec, item: Item | None) -> ItemSpec:
    """An untagged spec with the tags (criteria, amplification, rating, rationale, enemy set, notes,
    scenario) of the item's newest version; unchanged when either has none."""
    if spec.criteria or item is None or item.latest.untagged:
        return spec
    latest = item.latest
    return replace(spec, criterion=latest.criteria[0], criteria=tuple(latest.criteria),
                   amplification=tuple(latest.amplification), difficulty_rating=latest.difficulty_rating,
                   rationale=dict(latest.rationale), enemy_set=latest.enemy_set, notes=latest.notes,
                   scenario=latest.scenario.code if latest.scenario else None)


def _as_stated(stated: ItemSpec, spec: ItemSpec, item: Item | None, outcome: str) -> str:
    """An item's outcome told against what it stated: under which code it was loaded, if another
    than its own, and for an untagged item whether it waits in the tagging queue or kept the bank's tags."""
    if spec.id != stated.id:
        if item is not None:
            outcome = f"imported before as {spec.id}: {outcome}"
        else:
            why = "not a bank code" if stated.source_id else "code taken by another unit's item"
            outcome = f"{why}: {outcome} as {spec.id}"
    if not stated.criteria:
        outcome += "; untagged: in the unit's tagging queue" if not spec.criteria else "; the bank's tags kept"
    return outcome


def _change(spec: ItemSpec, item: Item | None, scenarios: dict[str, Scenario],
            in_place: bool) -> tuple[str, list[str]]:
    """What loading `spec` does to `item`, "new", "older" (it states an older version: newer work is
    kept), "same", "in place" (only `in_place`, the product's own files, and only for a draft no
    reviewer approved) or "new version", and the fields that differ."""
    if item is None:
        return "new", []
    fingerprint, latest = content_hash(spec), item.latest
    if any(v.content_hash == fingerprint for v in item.versions[:-1]) and latest.content_hash != fingerprint:
        return "older", []
    differences = (["content"] if latest.content_hash != fingerprint else []) + [
        name for name, value in _tags(spec, scenarios).items() if _tags(latest).get(name) != value]
    if not differences:
        return "same", []
    return ("in place" if in_place and latest.changes_in_place else "new version"), differences


def _outcome(change: str, differences: list[str], latest: ItemVersion) -> str:
    status = latest.status.value.replace("_", " ")
    return {
        "older": f"an older version of the bank's item; version {latest.number} is kept",
        "same": f"same as the bank, stays {status}",
        "in place": f"draft changed in place ({', '.join(differences)})",
        "new version": (f"changed ({', '.join(differences)}): new draft version {latest.number + 1}; "
                        f"version {latest.number} stays {status}"),
    }[change]


def _add_version(item: Item, spec: ItemSpec, fingerprint: str, scenarios: dict[str, Scenario], number: int,
                 status: ItemStatus, writer: str, review: Review | None, comment: str | None = None) -> None:
    a, d = provisional_parameters(spec.type, spec.difficulty_rating)
    version = ItemVersion(number=number, status=status, irt_a=a, irt_d=d, irt_c=0.0,
                          parameter_source=ParameterSource.PROVISIONAL, writer=writer)
    item.versions.append(version)
    set_content(version, spec, fingerprint, scenarios)
    version.review = None if review is None else {
        "reviewer": review.reviewer, "date": review.date, "outcome": review.outcome,
        "checklist": review.checklist, "changes": review.changes,
    }
    set_records(version, spec)
    who = review.reviewer if review and status is ItemStatus.LIVE else writer
    version.status_changes.append(StatusChange(from_status=None, to_status=status, changed_by=who,
                                               comment=comment or f"from {Path(spec.source).name}"))


def set_content(version: ItemVersion, spec: ItemSpec, fingerprint: str, scenarios: dict[str, Scenario]) -> None:
    """Everything a spec states of a version but its writer, status and review."""
    version.type, version.marks, version.stem = spec.type, spec.marks, spec.stem
    version.options = [{"id": o.id, "text": o.text} for o in spec.options]
    version.premises = [{"id": p.id, "text": p.text} for p in spec.premises]
    _set_media(version, spec.media)
    version.key = spec.key if isinstance(spec.key, str) else list(spec.key)
    version.content_hash = fingerprint
    for name, value in _tags(spec, scenarios).items():
        setattr(version, name, value)
    if version.parameter_source is ParameterSource.PROVISIONAL:
        version.irt_a, version.irt_d = provisional_parameters(spec.type, spec.difficulty_rating)


def set_records(version: ItemVersion, spec: ItemSpec) -> None:
    """The records about a version's content that its files state: the cueing review, the difficulty
    ratings and the laws it tests. They change no content, so the version itself takes them."""
    version.cueing_review = spec.cueing_review.as_record() if spec.cueing_review else None
    version.difficulty_ratings = spec.difficulty_ratings.as_record() if spec.difficulty_ratings else None
    version.legislation = list(spec.legislation)


def _set_media(version: ItemVersion, media: tuple[Medium, ...]) -> None:
    """Give a version exactly these images (rows replaced only when they differ, the old ones
    removed first: a name is unique within a version)."""
    if sorted((m.name, m.sha256) for m in version.media) == sorted((m.name, m.sha256) for m in media):
        return
    if version.media:
        version.media.clear()
        db.session.flush()
    version.media = [ItemMedium(name=m.name, content_type=m.content_type, data=m.data, sha256=m.sha256)
                     for m in media]


def media_of(version: ItemVersion) -> tuple[Medium, ...]:
    """A version's images as a spec carries them (a new version of it keeps them)."""
    return tuple(Medium(m.name, m.content_type, m.data) for m in version.media)


def _tags(source: ItemSpec | ItemVersion, scenarios: dict[str, Scenario] | None = None) -> dict[str, Any]:
    """The fields besides content that a version carries: criteria, tags, enemy set, scenario, rationale, notes."""
    if isinstance(source, ItemVersion):
        scenario: Scenario | None = source.scenario
    else:
        scenario = (scenarios or {}).get(source.scenario) if source.scenario else None
    return {"criteria": list(source.criteria), "amplification": list(source.amplification),
            "difficulty_rating": source.difficulty_rating, "scenario": scenario, "enemy_set": source.enemy_set,
            "rationale": dict(source.rationale), "notes": source.notes}


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
        "premises": version.premises, "options": version.options, "key": version.key,
        "status": version.status.value,
        "difficulty_rating": version.difficulty_rating,
        "scenario": version.scenario.code if version.scenario else None,
        "enemy_set": version.enemy_set,
    }


def unit_has_items(unit_reference: str) -> bool:
    return db.session.scalar(select(Item.id).where(Item.unit_reference == unit_reference).limit(1)) is not None


def record_views(versions: Iterable[ItemVersion], viewer: str, page: str) -> None:
    """Record that `viewer` saw the content of those `versions` that learners may be given
    (approved for pretest or live), on `page` (e.g. "item page", "QTI export")."""
    db.session.add_all(ItemView(item_version=version, viewed_by=viewer, page=page)
                       for version in {version.id: version for version in versions}.values()
                       if version.status in CONFIDENTIAL)
    db.session.flush()


def record_unit_views(unit_reference: str, viewer: str, page: str) -> None:
    """Record that `viewer` saw every version of the unit that learners may be given (an export)."""
    record_views(db.session.scalars(select(ItemVersion).join(Item).where(
        Item.unit_reference == unit_reference, ItemVersion.status.in_(CONFIDENTIAL))), viewer, page)


@dataclass(frozen=True)
class ViewRecord:
    viewed_at: datetime
    viewed_by: str
    page: str
    item_code: str
    unit_reference: str
    version: int
    status: ItemStatus


def item_views(viewer: str | None = None, item_code: str | None = None, limit: int = 500) -> list[ViewRecord]:
    """The latest records of who saw which live or pretest item, newest first, optionally for
    one viewer or one item."""
    query = (select(ItemView.viewed_at, ItemView.viewed_by, ItemView.page, Item.code, Item.unit_reference,
                    ItemVersion.number, ItemVersion.status)
             .join(ItemView.item_version).join(ItemVersion.item)
             .order_by(ItemView.viewed_at.desc(), ItemView.id.desc()).limit(limit))
    if viewer:
        query = query.where(ItemView.viewed_by == viewer)
    if item_code:
        query = query.where(Item.code == item_code)
    return [ViewRecord(*row) for row in db.session.execute(query)]
