"""Reading items from their reviewable YAML files, with clear errors.

The bank lives in the repository as one YAML file per assessment criterion
(`<unit slug>/AC1.3.yaml`) plus one `scenarios.yaml` per unit; the format is described
in `item_bank/data/items/README.md`. Every problem is reported with its file, item and
field, and a file with any problem yields no items at all. The same rules check items
imported from QTI (`check_item`); how many options each type may have is `OPTION_COUNTS`. The
records beside an item's review (its cueing review, two raters' difficulty, the laws it tests from
the legislation register) are read by `item_bank.items.records`.
"""

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from item_bank.items.models import SOURCE_ID_LENGTH
from item_bank.items.records import (
    CUEING_CHECKLIST,
    DIFFICULTY_RATINGS,
    LEGISLATION_REGISTER,
    CueingReview,
    DifficultyRatings,
    Law,
    Scored,
    read_cueing_review,
    read_difficulty_ratings,
    read_laws,
)
from item_bank.items.scoring import MARKS, ItemType
from item_bank.items.text import images, normalise

UNIT_REFERENCE = re.compile(r"^[A-Z]/\d{3}/\d{4}$")
CRITERION = re.compile(r"^AC\d+\.\d+$")
AMPLIFICATION = re.compile(r"^(AC\d+\.\d+)(/\d+)+$")
ITEM_ID = re.compile(r"^[A-Z0-9][A-Za-z0-9.\-]{2,63}$")
# The bank's own codes: <unit prefix>-<criterion>-<number> ("U2-AC1.3-01"; "Y5062152-AC1.3-W01" from the
# workbench; "U2-AC1.1-02-2" given on a collision before codes were numbered), or <unit prefix>-IMP<number>
# for an item imported with no tags ("U2-IMP001"; its code stays when it is tagged).
ITEM_CODE = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9]*)-(?:(?P<criterion>AC\d+\.\d+)-W?(?P<number>\d{2,})(-\d+)?"
                       r"|IMP(?P<imported>\d{3,}))$")
FILE_STATUSES = ("draft", "in_review", "approved_for_pretest", "live", "retired")
# How many options an item of each type may have: single best answer 2-6, multiple response 3-6
# (keying 2 or 3, fewer than it has: `_ItemChecker._key`), ordering 4-5, matching 3-6 (at least one
# per premise). Two or three options are common in other banks (true/false, three-option best
# answer); six is the most the workbench's form edits (A-F). Which counts a test may use is the
# blueprint's decision. A matching item has 3-5 premises (`PREMISE_COUNT`).
OPTION_COUNTS: dict[ItemType, range] = {
    ItemType.SINGLE_BEST_ANSWER: range(2, 7),
    ItemType.MULTIPLE_RESPONSE: range(3, 7),
    ItemType.ORDERING: range(4, 6),
    ItemType.MATCHING: range(3, 7),
}
PREMISE_COUNT = range(3, 6)
REVIEW_CHECKLIST = (
    "key_correct_and_unique",
    "tags_match_ac_and_amplification",
    "no_cueing_between_items",
    "plain_english_level3",
    "distractors_plausible",
)
REVIEW_OUTCOMES = ("approved", "approved_after_changes")
APPROVAL_CHECKLIST = REVIEW_CHECKLIST + tuple(CUEING_CHECKLIST)  # what approving a version in the workbench ticks
CHECKLIST_QUESTIONS = {point: point.replace("_", " ").capitalize() for point in REVIEW_CHECKLIST} | CUEING_CHECKLIST
ITEM_FIELDS = {
    "id", "type", "marks", "select", "difficulty_rating", "criteria", "amplification",
    "scenario", "enemy_set", "stem", "premises", "options", "key", "rationale", "notes", "writer",
    "status", "review", "cueing_review", "difficulty_ratings", "legislation",
}
REQUIRED_FIELDS = ITEM_FIELDS - {"select", "notes", "review", "scenario", "enemy_set", "premises", "cueing_review",
                                 "difficulty_ratings", "legislation"}


@dataclass(frozen=True)
class Option:
    id: str
    text: str


@dataclass(frozen=True)
class Medium:
    """An image an item's stem shows, as the package brought it (`item_bank.items.models.ItemMedium`)."""

    name: str
    content_type: str
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Review:
    reviewer: str
    date: str
    outcome: str
    checklist: dict[str, bool]
    changes: str | None


@dataclass(frozen=True)
class ItemSpec:
    """One item as its file states it."""

    id: str
    unit: str
    criterion: str  # the assessment criterion whose file holds the item
    type: ItemType
    marks: int
    difficulty_rating: str
    criteria: tuple[str, ...]
    amplification: tuple[str, ...]
    scenario: str | None
    enemy_set: str | None
    stem: str
    options: tuple[Option, ...]
    key: str | tuple[str, ...]
    rationale: dict[str, str]
    notes: str | None
    writer: str
    status: str
    review: Review | None
    source: str
    # The identifier the item has where it came from, when that is not the bank's code for it
    # (another scheme, or a code another unit's item has): until loading gives the item a code
    # (`item_bank.items.services.sync_specs`), `id` is that identifier too.
    source_id: str | None = None
    premises: tuple[Option, ...] = ()  # a matching item's statements, each matched to an option
    media: tuple[Medium, ...] = ()  # the images its stem shows (only from a QTI package or the bank's version)
    cueing_review: CueingReview | None = None
    difficulty_ratings: DifficultyRatings | None = None
    legislation: tuple[str, ...] = ()  # ids of the laws it tests, in the legislation register


@dataclass(frozen=True)
class ScenarioSpec:
    id: str
    unit: str
    title: str
    text: str
    written_as_set: bool = False  # `set: true`: its items may appear in one test together


@dataclass(frozen=True)
class FileProblem:
    """One problem, in plain words that name what is wrong ("Option C is empty", "Choose the key").

    `part` is the option, premise or tag within `field` the problem is about (the workbench's
    form links the problem to that input), when it is about one.
    """

    path: str
    item: str | None
    field: str | None
    message: str
    part: str | None = None

    def __str__(self) -> str:
        where = self.path
        if self.item:
            where += f", item {self.item}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


@dataclass
class BankFiles:
    """Everything read from a bank folder, and every problem found."""

    items: list[ItemSpec] = field(default_factory=list)
    scenarios: list[ScenarioSpec] = field(default_factory=list)
    laws: list[Law] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


class ItemFileError(ValueError):
    """Raised when a bank folder has problems; `problems` lists them all."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {problem}" for problem in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the item files:\n{shown}{more}")


def read_bank(root: Path) -> BankFiles:
    """Read every unit folder under `root`; raise ItemFileError if anything is wrong."""
    bank = BankFiles()
    if not root.is_dir():
        raise ItemFileError([FileProblem(str(root), None, None, "is not a folder")])
    register = root / LEGISLATION_REGISTER
    if register.is_file() and (data := _load_yaml(register, bank.problems)) is not None:
        laws, problems = read_laws(data)
        bank.laws.extend(laws)
        bank.problems += [FileProblem(str(register), label, name, message) for label, name, message in problems]
    for path in sorted(root.glob("*/*.yaml")):
        data = _load_yaml(path, bank.problems)
        if data is None:
            continue
        if path.name == "scenarios.yaml":
            bank.scenarios.extend(_read_scenarios(path, data, bank.problems))
        else:
            bank.items.extend(_read_item_file(path, data, bank.problems))
    _check_bank_wide(bank)
    if bank.problems:
        raise ItemFileError(bank.problems)
    return bank


def _load_yaml(path: Path, problems: list[FileProblem]) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        problems.append(FileProblem(str(path), None, None, f"is not valid YAML: {error}"))
        return None
    except RecursionError:
        problems.append(FileProblem(str(path), None, None, "nests lists or mappings too deeply to read"))
        return None
    if not isinstance(data, dict):
        problems.append(FileProblem(str(path), None, None, "must hold a mapping at the top level"))
        return None
    return data


def _read_scenarios(path: Path, data: dict[str, Any], problems: list[FileProblem]) -> Iterator[ScenarioSpec]:
    unit = data.get("unit")
    if not isinstance(unit, str) or not UNIT_REFERENCE.match(unit):
        problems.append(FileProblem(str(path), None, "unit", "must be a unit reference like Y/506/2152"))
        return
    for entry in data.get("scenarios") or []:
        ok = isinstance(entry, dict) and all(isinstance(entry.get(key), str) and entry[key].strip()
                                             for key in ("id", "title", "text"))
        if not ok or not isinstance(entry.get("set", False), bool):
            problems.append(FileProblem(str(path), None, "scenarios",
                                        f"entry needs id, title and text (and `set` true or false): {entry!r}"))
            continue
        yield ScenarioSpec(entry["id"], unit, entry["title"].strip(), normalise(entry["text"]),
                           entry.get("set", False))


def _read_item_file(path: Path, data: dict[str, Any], problems: list[FileProblem]) -> list[ItemSpec]:
    unit, criterion, entries = data.get("unit"), data.get("criterion"), data.get("items")
    file_problems: list[FileProblem] = []
    if not isinstance(unit, str) or not UNIT_REFERENCE.match(unit):
        file_problems.append(FileProblem(str(path), None, "unit", "must be a unit reference like Y/506/2152"))
    if not isinstance(criterion, str) or not CRITERION.match(criterion):
        file_problems.append(FileProblem(str(path), None, "criterion", "must be an AC id like AC1.3"))
    if not isinstance(entries, list) or not entries:
        file_problems.append(FileProblem(str(path), None, "items", "must be a non-empty list"))
    if file_problems or not (isinstance(unit, str) and isinstance(criterion, str) and isinstance(entries, list)):
        problems.extend(file_problems)
        return []
    items = []
    for index, entry in enumerate(entries, start=1):
        item = check_item(str(path), unit, criterion, index, entry, problems)
        if item is not None:
            items.append(item)
    return items


def check_item(path: str, unit: str, criterion: str, index: int, entry: Any, problems: list[FileProblem],
               foreign_id: bool = False, untagged: bool = False, media: tuple[Medium, ...] = ()) -> ItemSpec | None:
    """Validate one item entry (as a YAML file or a QTI package states it) into a spec.

    Every problem is appended to `problems`; None is returned if there was any. With
    `foreign_id` the entry's id is another scheme's identifier (kept as the spec's
    `source_id`, any text up to SOURCE_ID_LENGTH characters), not a bank code. With
    `untagged` the entry is an item from elsewhere with none of our tags: its content is
    checked, and it has no criteria, amplification or rationale yet (a draft to be tagged).
    `media` are the images the item comes with: exactly those its stem shows.
    """
    checker = _ItemChecker(path, unit, criterion, index, entry, foreign_id, untagged, media)
    item = checker.check()
    problems.extend(checker.problems)
    return item


class _ItemChecker:
    """Validates one item entry field by field, collecting every problem."""

    def __init__(self, path: str, unit: str, criterion: str, index: int, entry: Any,
                 foreign_id: bool = False, untagged: bool = False, media: tuple[Medium, ...] = ()) -> None:
        self.path, self.unit, self.criterion, self.entry = path, unit, criterion, entry
        self.foreign_id, self.untagged, self.media = foreign_id, untagged, media
        self.label = entry.get("id") if isinstance(entry, dict) and isinstance(entry.get("id"), str) else f"#{index}"
        self.problems: list[FileProblem] = []

    def fail(self, field_name: str | None, message: str, part: str | None = None) -> None:
        self.problems.append(FileProblem(self.path, self.label, field_name, message, part))

    def check(self) -> ItemSpec | None:
        """Every problem of the entry in one pass: a missing or broken field is reported and the
        checks that need it are skipped, but every other field is still checked."""
        entry = self.entry
        if not isinstance(entry, dict):
            self.fail(None, "must be a mapping of fields")
            return None
        for name in sorted(set(entry) - ITEM_FIELDS):
            self.fail(name, "is not a known field")
        missing = REQUIRED_FIELDS - set(entry)
        for name in sorted(missing):
            self.fail(name, "is missing")
        if "id" in missing:
            pass
        elif self.foreign_id:
            if not 0 < len(str(entry["id"])) <= SOURCE_ID_LENGTH:
                self.fail("id", f"must be 1-{SOURCE_ID_LENGTH} characters")
        elif not ITEM_ID.match(str(entry["id"])):
            self.fail("id", "must be letters, digits, '.' and '-' (3-64 characters)")
        item_type = self._type(missing)
        if item_type is not None and "marks" not in missing and entry["marks"] != MARKS[item_type]:
            self.fail("marks", f"must be {MARKS[item_type]} for {item_type.value}")
        if "difficulty_rating" not in missing and entry["difficulty_rating"] not in DIFFICULTY_RATINGS:
            self.fail("difficulty_rating", f"Choose a difficulty rating: {', '.join(DIFFICULTY_RATINGS)}")
        if "status" not in missing and entry["status"] not in FILE_STATUSES:
            self.fail("status", f"must be one of {', '.join(FILE_STATUSES)}")
        criteria = () if self.untagged or "criteria" in missing else self._criteria()
        amplification = () if self.untagged or "amplification" in missing else self._amplification(criteria)
        options = () if "options" in missing else self._options(item_type)
        premises = self._premises(item_type, options)
        key = self._key(item_type, options, premises) if item_type is not None and "key" not in missing else ""
        if not self.untagged and "rationale" not in missing:
            self._rationale(premises or options, "premise" if premises else "option")
        review = self._review()
        if "stem" not in missing and (not isinstance(entry["stem"], str) or not entry["stem"].strip()):
            self.fail("stem", "Write the question (the stem)")
        if "writer" not in missing and (not isinstance(entry["writer"], str) or not entry["writer"].strip()):
            self.fail("writer", "must be non-empty text")
        if isinstance(entry.get("stem"), str):
            self._images(images(entry["stem"]))
        ratings = self._difficulty_ratings()
        legislation = self._legislation()
        if self.problems or item_type is None:
            return None
        spec = ItemSpec(
            id=entry["id"], unit=self.unit, criterion=self.criterion, type=item_type, marks=entry["marks"],
            difficulty_rating=entry["difficulty_rating"], criteria=criteria,
            amplification=amplification, scenario=entry.get("scenario"),
            enemy_set=entry.get("enemy_set"), stem=normalise(entry["stem"]),
            options=options, key=key, rationale=dict(entry["rationale"]),
            notes=entry.get("notes"), writer=entry["writer"], status=entry["status"],
            review=review, source=self.path, source_id=str(entry["id"]) if self.foreign_id else None,
            premises=premises, media=self.media, difficulty_ratings=ratings, legislation=legislation,
        )
        cueing = self._cueing_review(spec) if entry.get("cueing_review") is not None else None
        return None if self.problems else replace(spec, cueing_review=cueing)

    def _type(self, missing: set[str]) -> ItemType | None:
        if "type" in missing:
            return None
        try:
            return ItemType(self.entry["type"])
        except ValueError:
            self.fail("type", f"must be one of {', '.join(t.value for t in ItemType)}")
            return None

    def _criteria(self) -> tuple[str, ...]:
        criteria = self.entry["criteria"]
        if isinstance(criteria, list) and not criteria:
            self.fail("criteria", "Choose at least one assessment criterion")
            return ()
        if not isinstance(criteria, list) or not all(isinstance(c, str) and CRITERION.match(c) for c in criteria):
            self.fail("criteria", "must be a non-empty list of AC ids like AC1.3")
            return ()
        if self.criterion and self.criterion not in criteria:
            self.fail("criteria", f"must include the file's criterion {self.criterion}")
        return tuple(criteria)

    def _amplification(self, criteria: tuple[str, ...]) -> tuple[str, ...]:
        points = self.entry["amplification"]
        if isinstance(points, list) and not points:
            chosen = f" of {', '.join(criteria)}" if criteria else ""
            self.fail("amplification", f"Choose at least one amplification point{chosen} that the item tests")
            return ()
        if not isinstance(points, list):
            self.fail("amplification", "must be a non-empty list of ids like AC1.3/2")
            return ()
        for point in points:
            match = AMPLIFICATION.match(point) if isinstance(point, str) else None
            if match is None:
                self.fail("amplification", f"{point!r} is not an id like AC1.3/2 or AC1.3/2/1")
            elif criteria and match.group(1) not in criteria:
                self.fail("amplification", f"Amplification point {point} belongs to {match.group(1)}, an AC not in "
                                           f"this item's criteria: choose {match.group(1)} too, or untick the point",
                          point)
        return tuple(points)

    def _options(self, item_type: ItemType | None) -> tuple[Option, ...]:
        options = self._choices("options", self.entry["options"])
        written = [o for o in options if o.text]
        if item_type is not None and options:
            allowed = OPTION_COUNTS[item_type]
            if len(written) not in allowed:
                self.fail("options", f"A {_type_name(item_type)} item needs {allowed[0]} to {allowed[-1]} options, "
                                     f"not {len(written)}")
        elif item_type is not None and isinstance(self.entry["options"], list):
            self.fail("options", f"Write the options: a {_type_name(item_type)} item needs at least "
                                 f"{OPTION_COUNTS[item_type][0]}")
        return options

    def _premises(self, item_type: ItemType | None, options: tuple[Option, ...]) -> tuple[Option, ...]:
        """A matching item's premises: 3-5, no more than its options, ids apart from the options' ids."""
        raw = self.entry.get("premises")
        if item_type is not ItemType.MATCHING:
            if raw and item_type is not None:
                self.fail("premises", "only a matching item has premises: clear them, or make the item matching")
            return ()
        if raw == [] or (raw is None and "premises" not in self.entry):
            self.fail("premises", f"Write the premises: a matching item has {PREMISE_COUNT[0]} to {PREMISE_COUNT[-1]}")
            return ()
        premises = self._choices("premises", raw)
        if not premises:
            return ()
        if len(premises) not in PREMISE_COUNT:
            self.fail("premises", f"a matching item has {PREMISE_COUNT[0]} to {PREMISE_COUNT[-1]} premises, "
                                  f"not {len(premises)}")
        if options and len(premises) > len(options):
            self.fail("options", f"a matching item needs at least as many options as premises ({len(options)} "
                                 f"options, {len(premises)} premises)")
        shared = sorted({p.id for p in premises} & {o.id for o in options})
        if shared:
            self.fail("premises", f"premise ids must differ from option ids ({', '.join(shared)} are both)")
        return premises

    def _choices(self, name: str, raw: Any) -> tuple[Option, ...]:
        """A list of {id, text} with unique ids and texts (options, or a matching item's premises); each
        empty one is reported by name ("Option C is empty") and kept with no text."""
        if not isinstance(raw, list) or not all(
            isinstance(o, dict) and set(o) == {"id", "text"} and isinstance(o["text"], str) for o in raw
        ):
            self.fail(name, "must be a list of {id, text} with non-empty text")
            return ()
        choices = tuple(Option(str(o["id"]), " ".join(o["text"].split())) for o in raw)
        noun = "Option" if name == "options" else "Premise"
        for choice in choices:
            if not choice.text:
                self.fail(name, f"{noun} {choice.id} is empty", choice.id)
        ids = [o.id for o in choices]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            self.fail(name, f"{noun.lower()} ids must be unique ({', '.join(twice)} used more than once)")
        written = [o for o in choices if o.text]
        for n, choice in enumerate(written):
            same = next((o for o in written[:n] if o.text.casefold() == choice.text.casefold()), None)
            if same is not None:
                self.fail(name, f"{noun}s {same.id} and {choice.id} have the same text", choice.id)
        return choices

    def _key(self, item_type: ItemType, options: tuple[Option, ...],
             premises: tuple[Option, ...]) -> str | tuple[str, ...]:
        key, ids = self.entry["key"], [o.id for o in options]
        listed = ", ".join(ids)
        if key in ("", None, []):
            self.fail("key", "Choose the key" + (f": {_KEY_HINT[item_type]}" if item_type in _KEY_HINT else ""))
            return "" if item_type is ItemType.SINGLE_BEST_ANSWER else ()
        if item_type is ItemType.SINGLE_BEST_ANSWER:
            if isinstance(key, list):
                self.fail("key", "A single best answer item has one key: give one letter")
                return ""
            if key not in ids:
                self.fail("key", f"The key {key} is not one of the options ({listed})" if isinstance(key, str)
                          else "must be one of the option ids")
            return str(key)
        if not isinstance(key, list):
            self.fail("key", "must be a list of distinct option ids")
            return ()
        unknown = [str(k) for k in key if k not in ids]
        twice = sorted({str(k) for k in key if key.count(k) > 1})
        if unknown:
            self.fail("key", f"The key names {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not "
                             f"among the options ({listed})")
        if twice:
            self.fail("key", f"The key lists {', '.join(twice)} more than once: it must be distinct option ids")
        if unknown or twice:
            return ()
        if item_type is ItemType.MATCHING:
            if premises and len(key) != len(premises):
                self.fail("key", f"The key needs one letter for each premise, in premise order ({len(premises)} "
                                 f"premises, {len(key)} letters): a matching key lists, for each premise in turn, "
                                 "a different option id")
        elif item_type is ItemType.MULTIPLE_RESPONSE:
            if len(key) not in (2, 3):
                self.fail("key", f"A multiple response item keys 2 or 3 options, not {len(key)}")
            elif self.entry.get("select") != len(key):
                self.fail("select", f"must equal the number of keyed options ({len(key)})")
            elif len(key) >= len(options):
                self.fail("key", "a multiple-response item keys fewer options than it has")
        elif sorted(key) != sorted(ids):
            self.fail("key", f"The key must list every option ({listed}) once, in the right order: an ordering key "
                             "lists every option id once")
        elif key == ids:
            self.fail("options", "Write the options in another order than the key's: ordering options must not be "
                                 "listed already in the key's order")
        return tuple(key)

    def _images(self, shown: list[str]) -> None:
        """The stem shows each image the item has, and only those."""
        held = {medium.name for medium in self.media}
        missing = sorted(set(shown) - held)
        if missing:
            self.fail("stem", f"shows image(s) {', '.join(missing)} the item does not have (images come with a QTI "
                              f"package)")
        unused = sorted(held - set(shown))
        if unused:
            self.fail("stem", f"does not show image(s) {', '.join(unused)} the item has")

    def _rationale(self, choices: tuple[Option, ...], noun: str) -> None:
        """A reason for each option, or for each premise's match in a matching item."""
        rationale = self.entry["rationale"]
        if not isinstance(rationale, dict):
            self.fail("rationale", "must map each option id (a matching item: each premise id) to a reason")
            return
        missing = [o.id for o in choices if o.text and not str(rationale.get(o.id) or "").strip()]
        for choice_id in missing:
            why = "why the learner's match is right" if noun == "premise" else "why it is right or wrong"
            self.fail("rationale", f"Give a reason for {noun} {choice_id}: {why}", choice_id)

    def _review(self) -> Review | None:
        review = self.entry.get("review")
        if review is None:
            if self.entry.get("status") == "live":
                self.fail("review", "a live item needs a recorded review")
            return None
        if not isinstance(review, dict) or not {"reviewer", "date", "outcome", "checklist"} <= set(review):
            self.fail("review", "needs reviewer, date, outcome and checklist")
            return None
        checklist = review["checklist"] or {}
        if review["reviewer"] == self.entry.get("writer"):
            self.fail("review", "the reviewer must not be the item's writer")
        if review["outcome"] not in REVIEW_OUTCOMES:
            self.fail("review", f"outcome must be one of {', '.join(REVIEW_OUTCOMES)}")
        unchecked = [name for name in REVIEW_CHECKLIST if checklist.get(name) is not True]
        if unchecked:
            self.fail("review", f"checklist not passed: {', '.join(unchecked)}")
        return Review(str(review["reviewer"]), str(review["date"]), review["outcome"],
                      dict(checklist), review.get("changes"))

    def _difficulty_ratings(self) -> DifficultyRatings | None:
        if self.entry.get("difficulty_ratings") is None:
            return None
        ratings, problems = read_difficulty_ratings(self.entry["difficulty_ratings"], self.entry.get("writer"),
                                                    self.entry.get("difficulty_rating"))
        for name, message in problems:
            self.fail(name, message)
        return ratings

    def _cueing_review(self, spec: ItemSpec) -> CueingReview | None:
        """The cueing review's record (`item_bank.items.records.read_cueing_review`), its transcripts
        beside the item's file when it comes from one."""
        source = Path(spec.source)
        review, problems = read_cueing_review(
            self.entry["cueing_review"], Scored(spec.type, spec.key, spec.marks, content_hash(spec)), spec.writer,
            spec.review.reviewer if spec.review else None, source.parent if source.exists() else None)
        for message in problems:
            self.fail("cueing_review", message)
        return review

    def _legislation(self) -> tuple[str, ...]:
        laws = self.entry.get("legislation")
        if laws is None:
            return ()
        if not (isinstance(laws, list) and laws and all(isinstance(law, str) and law for law in laws)):
            self.fail("legislation", "must be a non-empty list of ids from the legislation register")
            return ()
        return tuple(laws)


def content_hash(spec: ItemSpec) -> str:
    """Fingerprint of everything that can change how a response is scored or read."""
    scored: dict[str, Any] = {
        "type": spec.type.value, "marks": spec.marks, "stem": spec.stem,
        "options": [[o.id, o.text] for o in spec.options], "key": spec.key,
    }
    if spec.premises:
        scored["premises"] = [[p.id, p.text] for p in spec.premises]
    if spec.media:
        scored["media"] = sorted([m.name, m.content_type, m.sha256] for m in spec.media)
    return hashlib.sha256(json.dumps(scored, sort_keys=True).encode()).hexdigest()


_KEY_HINT = {
    ItemType.SINGLE_BEST_ANSWER: "the letter of the right option",
    ItemType.MULTIPLE_RESPONSE: "the letters of the 2 or 3 right options",
    ItemType.ORDERING: "every option's letter, in the right order",
    ItemType.MATCHING: "for each premise in turn, the letter of its option",
}


def _type_name(item_type: ItemType) -> str:
    return item_type.value.replace("_", " ")


def _check_bank_wide(bank: BankFiles) -> None:
    """Ids unique across the bank; scenarios referenced by items exist in their unit."""
    seen: dict[str, str] = {}
    for item in bank.items:
        if item.id in seen:
            bank.problems.append(FileProblem(item.source, item.id, "id", f"is also used in {seen[item.id]}"))
        seen[item.id] = item.source
    scenarios = {(s.unit, s.id) for s in bank.scenarios}
    laws = {law.id for law in bank.laws}
    for item in bank.items:
        if item.scenario is not None and (item.unit, item.scenario) not in scenarios:
            bank.problems.append(FileProblem(item.source, item.id, "scenario",
                                             f"{item.scenario} is not in the unit's scenarios.yaml"))
        unknown = sorted(set(item.legislation) - laws)
        if unknown:
            bank.problems.append(FileProblem(item.source, item.id, "legislation",
                                             f"{', '.join(unknown)} not in the legislation register "
                                             f"({LEGISLATION_REGISTER})"))


def check_entry(source: str, unit: str, criterion: str, entry: dict[str, Any],
                media: tuple[Medium, ...] = ()) -> tuple[ItemSpec | None, list[FileProblem]]:
    """Validate one item entry, with the images it has, as if read from `criterion`'s file of
    `unit` (used by the web form)."""
    checker = _ItemChecker(source, unit, criterion, 1, entry, media=media)
    spec = checker.check()
    return spec, checker.problems
