"""Reading items from their reviewable YAML files, with clear errors.

The bank lives in the repository as one YAML file per assessment criterion
(`<unit slug>/AC1.3.yaml`) plus one `scenarios.yaml` per unit; the format is described
in `item_bank/data/items/README.md`. Every problem is reported with its file, item and
field, and a file with any problem yields no items at all. The same rules check items
imported from QTI (`check_item`); how many options each type may have is `OPTION_COUNTS`.
"""

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from item_bank.items.models import SOURCE_ID_LENGTH
from item_bank.items.scoring import MARKS, ItemType, score
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
DIFFICULTY_RATINGS = ("easy", "medium", "hard")
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
# The cueing checks of the review checklist, with the question each asks. An item fails them when a
# test-wise candidate who knows nothing of the subject can find its key from the wording alone.
CUEING_CHECKLIST = {
    "no_stem_words_in_key": "The key repeats no distinctive word of the stem or scenario that the distractors lack",
    "no_absolutes_pattern": "The distractors are not marked out by absolutes (only, never, always, all, nothing)",
    "key_not_odd_one_out": "The key does not stand out from the other options in form, category, length or detail",
    "key_not_only_positive": "Every distractor is something a real organisation might do, say or believe",
    "grammar_fits_every_option": "Every option fits the stem's grammar",
    "needs_subject_knowledge": "Everyday reasoning or English alone does not find the key",
    "answered_blind_without_cue": "A test-wise reviewer who saw neither the specification nor the key found no cue "
                                  "to it",
}
APPROVAL_CHECKLIST = REVIEW_CHECKLIST + tuple(CUEING_CHECKLIST)  # what approving a version in the workbench ticks
CHECKLIST_QUESTIONS = {point: point.replace("_", " ").capitalize() for point in REVIEW_CHECKLIST} | CUEING_CHECKLIST
# The cues a test-wise reviewer names (`none`: nothing in the wording points to one answer). An item
# answered through one of them falls. Two are referred to the subject pass instead: an answer through
# everyday reasoning (`common_sense`: the subject reviewer decides with the specification whether the
# item needs the subject, `needs_subject_knowledge`), and one given away by another item
# (`another_item`: the two are made enemies, so they never meet in a test, or one is reworded).
CUES = ("word_repetition", "absolutes", "odd_one_out", "only_positive", "grammatical_agreement", "length",
        "specificity", "option_pattern", "other", "common_sense", "another_item", "none")
REFERRED_CUES = ("common_sense", "another_item")
BLIND_OUTCOMES = ("fell", "referred", "stands")
SUBJECT_OUTCOMES = ("sound", "rewritten", "retired")
LEGISLATION_REGISTER = "legislation.yaml"  # beside the unit folders
CONTENT_PREFIX = 12  # hex digits of the content hash a test-wise record names the version by
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
class TestWiseAnswer:
    """One blind answer to an item version from its stem and options alone (the cueing review's first pass).

    `content` names the version answered (the first CONTENT_PREFIX hex digits of its content hash);
    `answer` is what the named `cue` picked (None for cue `none`); `outcome` is `fell` when that
    earned the item's marks through a cue of the wording, `referred` when through everyday
    reasoning (the subject pass decides), `stands` otherwise; `transcript` is the reviewer's
    working, a file beside the item files."""

    reviewer: str
    date: str
    content: str
    answer: str | tuple[str, ...] | None
    cue: str
    outcome: str
    transcript: str

    @property
    def fell(self) -> bool:
        return self.outcome == "fell"


@dataclass(frozen=True)
class SubjectPass:
    """The cueing review's second pass, against the specification and the key: the item kept as it
    is (`sound`), kept as rewritten (`rewritten`) or `retired`."""

    reviewer: str
    date: str
    outcome: str
    note: str | None


@dataclass(frozen=True)
class CueingReview:
    """An item's cueing review: its blind answers (the newest last), the subject pass and the checklist."""

    test_wise: tuple[TestWiseAnswer, ...]
    subject: SubjectPass | None  # None until the subject pass is made
    checklist: dict[str, bool]

    def stands(self, fingerprint: str) -> bool:
        """Whether the newest blind answer is to the content of this fingerprint (content hash) and found
        no cue of the wording to its key, the subject pass kept the item and the cueing checklist is
        ticked (so an answer through everyday reasoning was judged to need the subject after all)."""
        newest = self.test_wise[-1]
        return (newest.content == fingerprint[:CONTENT_PREFIX] and not newest.fell
                and self.subject is not None and self.subject.outcome != "retired"
                and all(self.checklist.get(point) is True for point in CUEING_CHECKLIST))

    def as_record(self) -> dict[str, Any]:
        """The review as the item files state it (and the item version stores it)."""
        return {
            "test_wise": [{"reviewer": a.reviewer, "date": a.date, "content": a.content,
                           "answer": list(a.answer) if isinstance(a.answer, tuple) else a.answer, "cue": a.cue,
                           "outcome": a.outcome, "transcript": a.transcript}
                          for a in self.test_wise],
            "subject": None if self.subject is None else {
                "reviewer": self.subject.reviewer, "date": self.subject.date, "outcome": self.subject.outcome,
                "note": self.subject.note},
            "checklist": dict(self.checklist),
        }


@dataclass(frozen=True)
class DifficultyRatings:
    """Independent difficulty ratings by two or more raters; `reconciliation` says how a disagreement
    was settled into the item's `difficulty_rating`."""

    ratings: dict[str, str]
    reconciliation: str | None

    def as_record(self) -> dict[str, Any]:
        return {"ratings": dict(self.ratings), "reconciliation": self.reconciliation}


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


@dataclass(frozen=True)
class Law:
    """One law the bank tests, as the legislation register (`legislation.yaml`) states it.

    `current` is the instrument in force; `replaced` what it replaced (often what the
    specification still names); `review_by` the date by which the entry and its items are
    checked against the law again."""

    id: str
    title: str
    current: str
    replaced: str | None
    specification_names: str | None
    reviewed: date
    review_by: date
    watch: str | None


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
        bank.laws.extend(_read_register(register, data, bank.problems))
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


def _read_register(path: Path, data: dict[str, Any], problems: list[FileProblem]) -> Iterator[Law]:
    """The legislation register's entries; each needs an id, the law, the current instrument and both dates."""
    entries = data.get("laws")
    if not isinstance(entries, list) or not entries:
        problems.append(FileProblem(str(path), None, "laws", "must be a non-empty list"))
        return
    for entry in entries:
        label = entry.get("id") if isinstance(entry, dict) else None
        needed = ("id", "law", "current", "reviewed", "review_by")
        if not isinstance(entry, dict) or not all(entry.get(key) for key in needed):
            problems.append(FileProblem(str(path), label, None, f"needs {', '.join(needed)}"))
            continue
        if not all(isinstance(entry[key], date) for key in ("reviewed", "review_by")):
            problems.append(FileProblem(str(path), label, "review_by", "reviewed and review_by must be dates "
                                                                      "like 2027-06-30"))
            continue
        yield Law(str(entry["id"]), str(entry["law"]), str(entry["current"]), entry.get("replaced"),
                  entry.get("specification_names"), entry["reviewed"], entry["review_by"], entry.get("watch"))


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
        cueing = _CueingChecker(self, spec).check() if entry.get("cueing_review") is not None else None
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
        """Two or more raters' independent ratings; a disagreement is settled in words."""
        raw = self.entry.get("difficulty_ratings")
        if raw is None:
            return None
        ratings = raw.get("ratings") if isinstance(raw, dict) else None
        if not (isinstance(ratings, dict) and len(ratings) >= 2
                and all(isinstance(rater, str) and value in DIFFICULTY_RATINGS for rater, value in ratings.items())):
            self.fail("difficulty_ratings", "needs `ratings`, two or more raters each with easy, medium or hard")
            return None
        if self.entry.get("writer") in ratings:
            self.fail("difficulty_ratings", "the raters must not include the item's writer")
        reconciliation = raw.get("reconciliation")
        agreed = set(ratings.values())
        rating = self.entry.get("difficulty_rating")
        if len(agreed) == 1 and rating not in agreed:
            self.fail("difficulty_rating", f"the raters agree on {agreed.pop()}: the rating must be theirs")
        elif len(agreed) > 1 and not (isinstance(reconciliation, str) and reconciliation.strip()):
            self.fail("difficulty_ratings", "the raters disagree: say in `reconciliation` how it was settled")
        return DifficultyRatings(dict(ratings), reconciliation if isinstance(reconciliation, str) else None)

    def _legislation(self) -> tuple[str, ...]:
        laws = self.entry.get("legislation")
        if laws is None:
            return ()
        if not (isinstance(laws, list) and laws and all(isinstance(law, str) and law for law in laws)):
            self.fail("legislation", "must be a non-empty list of ids from the legislation register")
            return ()
        return tuple(laws)


class _CueingChecker:
    """Validates an item's `cueing_review` as a record: its blind reviewers are neither the item's
    writer nor its approver, its subject reviewer is not its writer, its cues and outcomes are known
    ones, each transcript is beside the item files, and the newest blind answer, when it is to this
    content, has the outcome its cue and the key give (`blind_outcome`). Whether the item is sound (it
    stands, to this content, with the checklist ticked) is the bank check's question
    (`item_bank.items.checks`)."""

    def __init__(self, item: _ItemChecker, spec: ItemSpec) -> None:
        self.item, self.spec = item, spec

    def fail(self, message: str) -> None:
        self.item.fail("cueing_review", message)

    def check(self) -> CueingReview | None:
        raw = self.item.entry["cueing_review"]
        if not isinstance(raw, dict) or "test_wise" not in raw:
            self.fail("needs test_wise (the blind answers), and once made the subject pass and the checklist")
            return None
        answers = raw["test_wise"]
        if not isinstance(answers, list) or not answers:
            self.fail("test_wise must list at least one blind answer")
            return None
        checked = [self._answer(n, answer) for n, answer in enumerate(answers, start=1)]
        subject = self._subject(raw.get("subject"))
        checklist = raw.get("checklist") if isinstance(raw.get("checklist"), dict) else {}
        self._independent([str(a.get("reviewer")) for a in answers if isinstance(a, dict)], subject)
        if any(answer is None for answer in checked) or self.item.problems:
            return None
        review = CueingReview(tuple(a for a in checked if a is not None), subject, dict(checklist or {}))
        self._current(review)
        return review

    def _subject(self, raw: Any) -> SubjectPass | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or not {"reviewer", "date", "outcome"} <= set(raw):
            self.fail("subject needs reviewer, date and outcome")
            return None
        if raw["outcome"] not in SUBJECT_OUTCOMES:
            self.fail(f"subject outcome must be one of {', '.join(SUBJECT_OUTCOMES)}")
            return None
        return SubjectPass(str(raw["reviewer"]), str(raw["date"]), raw["outcome"], raw.get("note"))

    def _answer(self, n: int, raw: Any) -> TestWiseAnswer | None:
        needed = {"reviewer", "date", "content", "answer", "cue", "outcome", "transcript"}
        if not isinstance(raw, dict) or not needed <= set(raw):
            self.fail(f"blind answer {n} needs {', '.join(sorted(needed))}")
            return None
        if raw["cue"] not in CUES:
            self.fail(f"blind answer {n}: cue must be one of {', '.join(CUES)}")
            return None
        if (raw["cue"] == "none") != (raw["answer"] is None):
            self.fail(f"blind answer {n}: an answer goes with a named cue, and none with cue `none`")
            return None
        if raw["outcome"] not in BLIND_OUTCOMES:
            self.fail(f"blind answer {n}: outcome must be one of {', '.join(BLIND_OUTCOMES)}")
            return None
        transcript = Path(self.spec.source).parent / str(raw["transcript"])
        if Path(self.spec.source).exists() and not transcript.is_file():
            self.fail(f"blind answer {n}: transcript {raw['transcript']} is not beside the item file")
        answer = raw["answer"]
        return TestWiseAnswer(str(raw["reviewer"]), str(raw["date"]), str(raw["content"]),
                              tuple(answer) if isinstance(answer, list) else answer, raw["cue"],
                              raw["outcome"], str(raw["transcript"]))

    def _independent(self, blind: list[str], subject: SubjectPass | None) -> None:
        """Blind answers come from neither the writer nor the reviewer who approved the item (they have seen
        the key); the subject pass from anyone but the writer (for a new item it is the approving review)."""
        first = self.spec.review.reviewer if self.spec.review else None
        for reviewer in sorted(set(blind)):
            if reviewer in (self.spec.writer, first):
                self.fail(f"{reviewer} wrote or approved the item, so cannot answer it blind")
        if subject is not None and subject.reviewer == self.spec.writer:
            self.fail(f"{subject.reviewer} wrote the item, so cannot make its subject pass")

    def _current(self, review: CueingReview) -> None:
        """The newest blind answer's outcome is what the key says of it, when it is to this content."""
        newest = review.test_wise[-1]
        if newest.content != content_hash(self.spec)[:CONTENT_PREFIX]:
            return  # the item changed since: the bank check asks for a new blind answer
        outcome = blind_outcome(self.spec, newest.answer, newest.cue)
        if outcome != newest.outcome:
            earns = "earns" if outcome != "stands" else "does not earn"
            self.fail(f"the newest blind answer {earns} the item's marks through cue {newest.cue}, so its outcome is "
                      f"{outcome}")


def blind_outcome(spec: ItemSpec, answer: str | tuple[str, ...] | list[str] | None, cue: str) -> str:
    """`fell`, `referred` or `stands`: what a blind answer through `cue` says of the item (see `CUES`)."""
    if answer is None or cue == "none" or score(spec.type, spec.key, answer) != spec.marks:
        return "stands"
    return "referred" if cue in REFERRED_CUES else "fell"


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
