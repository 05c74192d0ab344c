"""Records about an item's content, beside its review: the cueing review (blind answers, the subject
pass and the cueing checklist), two raters' difficulty ratings, and the legislation register that
items name the laws they test from.

Each reader takes what a file states and returns what it read with every problem in plain words;
`item_bank.items.files` places the problems in their file, item and field. Whether an item is
sound is the bank check's question (`item_bank.items.checks`).
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from item_bank.items.scoring import ItemType, Key, score

DIFFICULTY_RATINGS = ("easy", "medium", "hard")
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


@dataclass(frozen=True)
class Scored:
    """What a blind answer is scored against: the item as it now stands, and its content hash."""

    type: ItemType
    key: Key
    marks: int
    fingerprint: str


def blind_outcome(item: Scored, answer: str | tuple[str, ...] | list[str] | None, cue: str) -> str:
    """`fell`, `referred` or `stands`: what a blind answer through `cue` says of the item (see `CUES`)."""
    if answer is None or cue == "none" or score(item.type, item.key, answer) != item.marks:
        return "stands"
    return "referred" if cue in REFERRED_CUES else "fell"


def read_laws(data: dict[str, Any]) -> tuple[list[Law], list[tuple[str | None, str | None, str]]]:
    """The legislation register's entries, each with an id, the law, the current instrument and both
    dates, and its problems as (entry id, field, message)."""
    entries = data.get("laws")
    if not isinstance(entries, list) or not entries:
        return [], [(None, "laws", "must be a non-empty list")]
    laws: list[Law] = []
    problems: list[tuple[str | None, str | None, str]] = []
    for entry in entries:
        label = entry.get("id") if isinstance(entry, dict) else None
        needed = ("id", "law", "current", "reviewed", "review_by")
        if not isinstance(entry, dict) or not all(entry.get(key) for key in needed):
            problems.append((label, None, f"needs {', '.join(needed)}"))
        elif not all(isinstance(entry[key], date) for key in ("reviewed", "review_by")):
            problems.append((label, "review_by", "reviewed and review_by must be dates like 2027-06-30"))
        else:
            laws.append(Law(str(entry["id"]), str(entry["law"]), str(entry["current"]), entry.get("replaced"),
                            entry.get("specification_names"), entry["reviewed"], entry["review_by"],
                            entry.get("watch")))
    return laws, problems


def read_difficulty_ratings(raw: Any, writer: Any, rating: Any) -> tuple[DifficultyRatings | None,
                                                                         list[tuple[str, str]]]:
    """Two or more raters' independent ratings, none the writer's, a disagreement settled in words;
    problems as (field, message)."""
    ratings = raw.get("ratings") if isinstance(raw, dict) else None
    if not (isinstance(ratings, dict) and len(ratings) >= 2
            and all(isinstance(rater, str) and value in DIFFICULTY_RATINGS for rater, value in ratings.items())):
        return None, [("difficulty_ratings", "needs `ratings`, two or more raters each with easy, medium or hard")]
    problems = []
    if writer in ratings:
        problems.append(("difficulty_ratings", "the raters must not include the item's writer"))
    reconciliation = raw.get("reconciliation")
    agreed = set(ratings.values())
    if len(agreed) == 1 and rating not in agreed:
        problems.append(("difficulty_rating", f"the raters agree on {agreed.pop()}: the rating must be theirs"))
    elif len(agreed) > 1 and not (isinstance(reconciliation, str) and reconciliation.strip()):
        problems.append(("difficulty_ratings", "the raters disagree: say in `reconciliation` how it was settled"))
    return DifficultyRatings(dict(ratings), reconciliation if isinstance(reconciliation, str) else None), problems


def read_cueing_review(raw: Any, item: Scored, writer: str, approver: str | None,
                       folder: Path | None) -> tuple[CueingReview | None, list[str]]:
    """An item's `cueing_review` as a record, and its problems: its blind reviewers are neither the
    item's writer nor its approver (they have seen the key), its subject reviewer is not its writer
    (for a new item the subject pass is the approving review), its cues and outcomes are known ones,
    each transcript is in `folder` (the item file's, when the item comes from one), and the newest
    blind answer, when it is to this content, has the outcome its cue and the key give."""
    if not isinstance(raw, dict) or "test_wise" not in raw:
        return None, ["needs test_wise (the blind answers), and once made the subject pass and the checklist"]
    answers = raw["test_wise"]
    if not isinstance(answers, list) or not answers:
        return None, ["test_wise must list at least one blind answer"]
    problems: list[str] = []
    checked = [_answer(n, answer, folder, problems) for n, answer in enumerate(answers, start=1)]
    subject = _subject(raw.get("subject"), problems)
    for reviewer in sorted({str(a.get("reviewer")) for a in answers if isinstance(a, dict)}):
        if reviewer in (writer, approver):
            problems.append(f"{reviewer} wrote or approved the item, so cannot answer it blind")
    if subject is not None and subject.reviewer == writer:
        problems.append(f"{subject.reviewer} wrote the item, so cannot make its subject pass")
    if problems:
        return None, problems
    checklist = raw.get("checklist")
    review = CueingReview(tuple(a for a in checked if a is not None), subject,
                          dict(checklist) if isinstance(checklist, dict) else {})
    newest = review.test_wise[-1]
    if newest.content == item.fingerprint[:CONTENT_PREFIX]:  # else changed since: the bank check asks again
        outcome = blind_outcome(item, newest.answer, newest.cue)
        if outcome != newest.outcome:
            earns = "earns" if outcome != "stands" else "does not earn"
            problems.append(f"the newest blind answer {earns} the item's marks through cue {newest.cue}, so its "
                            f"outcome is {outcome}")
    return review, problems


def _subject(raw: Any, problems: list[str]) -> SubjectPass | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not {"reviewer", "date", "outcome"} <= set(raw):
        problems.append("subject needs reviewer, date and outcome")
        return None
    if raw["outcome"] not in SUBJECT_OUTCOMES:
        problems.append(f"subject outcome must be one of {', '.join(SUBJECT_OUTCOMES)}")
        return None
    return SubjectPass(str(raw["reviewer"]), str(raw["date"]), raw["outcome"], raw.get("note"))


def _answer(n: int, raw: Any, folder: Path | None, problems: list[str]) -> TestWiseAnswer | None:
    needed = {"reviewer", "date", "content", "answer", "cue", "outcome", "transcript"}
    if not isinstance(raw, dict) or not needed <= set(raw):
        problems.append(f"blind answer {n} needs {', '.join(sorted(needed))}")
        return None
    if raw["cue"] not in CUES:
        problems.append(f"blind answer {n}: cue must be one of {', '.join(CUES)}")
        return None
    if (raw["cue"] == "none") != (raw["answer"] is None):
        problems.append(f"blind answer {n}: an answer goes with a named cue, and none with cue `none`")
        return None
    if raw["outcome"] not in BLIND_OUTCOMES:
        problems.append(f"blind answer {n}: outcome must be one of {', '.join(BLIND_OUTCOMES)}")
        return None
    if folder is not None and not (folder / str(raw["transcript"])).is_file():
        problems.append(f"blind answer {n}: transcript {raw['transcript']} is not beside the item file")
    answer = raw["answer"]
    return TestWiseAnswer(str(raw["reviewer"]), str(raw["date"]), str(raw["content"]),
                          tuple(answer) if isinstance(answer, list) else answer, raw["cue"],
                          raw["outcome"], str(raw["transcript"]))
