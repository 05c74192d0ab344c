"""The bank check: what an assessment editor would have fixed before a unit's items are relied on.

A pure core over the item files (`item_bank.items.files.BankFiles`), the unit's criteria and
top-level amplification points, and a date. It finds:

- **cueing**: an item with no cueing review, answered through a named cue, changed since its last
  blind answer, or without the cueing checklist ticked (`CueingReview.stands`);
- **depth**: a criterion with fewer than `SOUND_PER_CRITERION` sound items, a top-level
  amplification point with fewer than `SOUND_PER_POINT`; a *sound* item is live and its cueing
  review stands;
- **difficulty**: a live item whose difficulty was not rated by two raters independently;
- **wording**: a screen of items not yet sound for three cues a program can see in a single best
  answer item (`wording_cues`): the key alone repeats a word of the stem, the distractors use
  absolutes the key does not, the key is much the longest; a reviewer judges each;
- **chance**: a multiple-response item on which choosing at random earns more than `CHANCE_SHARE`
  of the marks (fewer than six options: `item_bank.items.scoring` says why);
- **near duplicates**: two items of a unit whose questions (stems, with a matching item's premises)
  are more than `NEAR_DUPLICATE` alike (difflib's ratio, 2M/T over matching characters);
- **legislation**: a law in the register whose review date has passed, or that no item tests.
"""

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from itertools import combinations

from item_bank.items.files import BankFiles, ItemSpec, content_hash
from item_bank.items.records import Law
from item_bank.items.scoring import ItemType, guessing_share

SOUND_PER_CRITERION = 14
SOUND_PER_POINT = 3
NEAR_DUPLICATE = 0.8
ABSOLUTES = re.compile(r"\b(only|never|always|all|every|none|nothing|guarantees?|guaranteed|completely|entirely|cannot|"
                       r"whatever|no longer)\b", re.IGNORECASE)
COMMON_WORDS = frozenset({"which", "there", "their", "these", "those", "about", "would", "could", "should", "because",
                          "before", "after", "while", "where", "being", "other"})
LONGER = 1.25  # the key is flagged when at least this many times as long as any other option
CHANCE_SHARE = 1 / 3  # two of six options keyed; three of six earn 0.275, two of five 0.4


@dataclass(frozen=True)
class Finding:
    """One thing to fix: `kind` is cueing, wording, depth, difficulty, chance, near duplicate or legislation."""

    kind: str
    unit: str | None
    subject: str  # an item id, a criterion, an amplification point or a law id
    message: str

    def __str__(self) -> str:
        return f"{self.unit or 'register'} {self.subject}: {self.message}"


def sound(item: ItemSpec) -> bool:
    """Live, and its cueing review stands for the content it has now."""
    return item.status == "live" and item.cueing_review is not None and item.cueing_review.stands(content_hash(item))


def check_bank(bank: BankFiles, points: Mapping[str, Mapping[str, list[str]]], today: date) -> list[Finding]:
    """Every finding for the units in `points` (unit -> criterion -> its top-level amplification ids)
    and for the legislation register, in that order."""
    findings: list[Finding] = []
    for unit, criteria in points.items():
        items = [item for item in bank.items if item.unit == unit and item.status != "retired"]
        findings += (_cueing(items) + _wording(items) + _depth(unit, items, criteria) + _difficulty(items)
                     + _chance(items) + _near_duplicates(items))
    return findings + _legislation(bank.laws, bank.items, today)


def _cueing(items: list[ItemSpec]) -> list[Finding]:
    findings = []
    for item in items:
        review = item.cueing_review
        if review is None:
            message = "no cueing review recorded"
        elif review.test_wise[-1].content != content_hash(item)[:len(review.test_wise[-1].content)]:
            message = "changed since its last blind answer: it must be answered blind again"
        elif review.test_wise[-1].fell:
            message = (f"answered through a named cue ({review.test_wise[-1].cue.replace('_', ' ')}): rewrite it as "
                       "a new version or retire it")
        elif review.subject is None and review.test_wise[-1].outcome == "referred":
            message = ("answered blind through everyday reasoning: the subject pass is to decide whether it needs "
                       "the subject")
        elif review.subject is None:
            message = "it stands the blind answer; the subject pass is still to be made"
        elif not review.stands(content_hash(item)):
            message = "the cueing checklist is not ticked, or the subject pass did not keep it"
        else:
            continue
        findings.append(Finding("cueing", item.unit, item.id, message))
    return findings


def wording_cues(item: ItemSpec) -> list[str]:
    """What a program can see of three wording cues in a single best answer item: the key alone
    repeats a word of five or more letters of the stem (compared on its first six letters, a crude
    stem), two or more distractors use absolutes the key does not, the key is `LONGER` times as
    long as every other option. Each is for a reviewer to judge: a repeated word may be the
    subject's own term."""
    if item.type is not ItemType.SINGLE_BEST_ANSWER:
        return []
    key = next(option.text for option in item.options if option.id == item.key)
    distractors = [option.text for option in item.options if option.id != item.key]
    cues = []
    repeated = _words(item.stem) & _words(key) - set().union(*map(_words, distractors))
    if repeated:
        cues.append(f"the key alone repeats the stem's {', '.join(sorted(repeated))}")
    if sum(bool(ABSOLUTES.search(text)) for text in distractors) >= 2 and not ABSOLUTES.search(key):
        cues.append("two or more distractors use absolutes (only, never, always, all) and the key does not")
    if len(key) >= LONGER * max(map(len, distractors)):
        cues.append("the key is much the longest option")
    return cues


def _words(text: str) -> set[str]:
    return {word[:6] for word in re.findall(r"[a-z]{5,}", text.lower()) if word not in COMMON_WORDS}


def _wording(items: list[ItemSpec]) -> list[Finding]:
    return [Finding("wording", item.unit, item.id, f"check for a cue: {cue}")
            for item in items if not sound(item) for cue in wording_cues(item)]


def _depth(unit: str, items: list[ItemSpec], criteria: Mapping[str, list[str]]) -> list[Finding]:
    by_criterion: Counter[str] = Counter()
    by_point: Counter[str] = Counter()
    for item in filter(sound, items):
        by_criterion[item.criterion] += 1
        by_point.update({"/".join(point.split("/")[:2]) for point in item.amplification})
    findings = []
    for criterion, tops in criteria.items():
        if by_criterion[criterion] < SOUND_PER_CRITERION:
            findings.append(Finding("depth", unit, criterion, f"{by_criterion[criterion]} sound items; at least "
                                                              f"{SOUND_PER_CRITERION} are needed"))
        findings += [Finding("depth", unit, point, f"{by_point[point]} sound items; at least {SOUND_PER_POINT} "
                                                   "are needed") for point in tops if by_point[point] < SOUND_PER_POINT]
    return findings


def _difficulty(items: list[ItemSpec]) -> list[Finding]:
    return [Finding("difficulty", item.unit, item.id, "its difficulty was not rated by two raters")
            for item in items if item.status == "live" and item.difficulty_ratings is None]


def _chance(items: list[ItemSpec]) -> list[Finding]:
    findings = []
    for item in items:
        share = guessing_share(item.type, item.key, [option.id for option in item.options])
        if item.type is ItemType.MULTIPLE_RESPONSE and share > CHANCE_SHARE + 1e-9:
            findings.append(Finding("chance", item.unit, item.id, f"a random choice earns {share:.0%} of its marks: "
                                                                  "give it six options"))
    return findings


def _near_duplicates(items: list[ItemSpec]) -> list[Finding]:
    """Pairs whose questions are alike: the stem, and a matching item's premises with it (its stem alone
    is an instruction that many items share)."""
    findings = []
    for first, second in combinations(items, 2):
        if _enemies(first, second):
            continue  # never in one test; told apart by the enemy set
        matcher = SequenceMatcher(None, _question(first), _question(second), autojunk=False)
        if matcher.real_quick_ratio() > NEAR_DUPLICATE and matcher.quick_ratio() > NEAR_DUPLICATE \
                and matcher.ratio() > NEAR_DUPLICATE:
            findings.append(Finding("near duplicate", first.unit, first.id,
                                    f"its question is {matcher.ratio():.0%} like {second.id}'s: keep one, or make "
                                    "them enemies"))
    return findings


def _enemies(first: ItemSpec, second: ItemSpec) -> bool:
    return bool(first.enemy_set and first.enemy_set == second.enemy_set)


def _question(item: ItemSpec) -> str:
    return " ".join([item.stem, *(premise.text for premise in item.premises)])


def _legislation(laws: Iterable[Law], items: list[ItemSpec], today: date) -> list[Finding]:
    tested = Counter(law for item in items if item.status != "retired" for law in item.legislation)
    findings = []
    for law in laws:
        if law.review_by < today:
            findings.append(Finding("legislation", None, law.id, f"its review was due on {law.review_by:%d %B %Y}: "
                                                                 f"check {law.title} and its items against the law"))
        if not tested[law.id]:
            findings.append(Finding("legislation", None, law.id, "no item in service tests it"))
    return findings


def items_testing(law: Law, items: Iterable[ItemSpec]) -> list[str]:
    """The ids of the items in service that test a law, for the register."""
    return sorted(item.id for item in items if law.id in item.legislation and item.status != "retired")
