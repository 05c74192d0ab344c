"""Rules of combination beyond the groups: credits at a level, credits from several groups and
barred combinations, read sentence by sentence from a document's structure section.

Each family parser finds its structure section and its groups, then passes the section here.
The patterns are the phrasings awarding bodies use for these rules, not one document's. A
sentence that states credits or a bar and matches no pattern is reported, never guessed at;
so is a group the document requires without saying how much of it (`unstated_groups`).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from .model import BarredCombination, CreditRule, ParseWarning, Qualification, Specification, UnitGroup
from .text import clean

_GROUPS = r"Groups? (?P<first>[A-Z])(?:\s*(?P<joint>/|or|to)\s*(?P<last>[A-Z]))?"
_LEVEL = r"at level (?P<level>\d)(?P<above> or above)?"
_AT_LEVEL = [
    re.compile(rf"credits that must be achieved {_LEVEL}:? (?P<credits>\d+)", re.IGNORECASE),
    re.compile(rf"(?P<credits>\d+) (?:of the )?credits (?:from {_GROUPS} )?must be (?:achieved )?{_LEVEL}",
               re.IGNORECASE),
]
_FROM_GROUPS = [
    re.compile(rf"optional credits that must be achieved:? {_GROUPS}:? (?P<credits>\d+)", re.IGNORECASE),
    re.compile(rf"total of (?P<credits>\d+) credits from {_GROUPS}", re.IGNORECASE),
]
_BAR = re.compile(r"\bbarred\b|cannot be (?:taken|achieved|combined)|may not be taken", re.IGNORECASE)
_REFERENCE = re.compile(r"[A-Z]/\d{3}/\d{4}")
# What the family parsers read themselves (totals, a group's own limits), so no rule of its own here.
_READ_ELSEWHERE = re.compile(
    r"(?:minimum|maximum) of \d+ credits|achieve \d+ credits from this group|must (?:successfully )?complete \d+ "
    r"credits|credits that must be achieved:? \d+$|mandatory credits that must be achieved|provide a total of \d+ "
    r"credits|remaining \d+ credits can come from", re.IGNORECASE)
_STATES_CREDITS = re.compile(r"\bcredits?\b", re.IGNORECASE)


def section(lines: list[str], starts: Callable[[str], bool], ends: Callable[[str], bool]) -> list[tuple[int, str]]:
    """The numbered lines from the first that `starts` up to (not including) the next that `ends`."""
    start = next((index for index, line in enumerate(lines) if starts(line)), len(lines))
    end = next((index for index in range(start + 1, len(lines)) if ends(lines[index])), len(lines))
    return [(index + 1, lines[index]) for index in range(start, end)]


def _sentences(line: str) -> list[str]:
    return [part for part in re.split(r"(?<=\.)\s+(?=[A-Z])", clean(line.replace("**", ""))) if part]


def _group_names(match: re.Match[str], groups: list[UnitGroup]) -> tuple[str, ...] | None:
    """The groups a `Group B/C`, `Groups B to E` or `Group B or C` names (none: every group);
    None if the structure has no such group."""
    found = match.groupdict()
    start, joint, end = found.get("first"), found.get("joint"), found.get("last")
    if start is None:
        return ()
    letters = [start] if end is None else (
        [chr(code) for code in range(ord(start), ord(end) + 1)] if joint == "to" else [start, end])
    names = []
    for letter in letters:
        name = next((group.name for group in groups
                     if group.name == f"Group {letter}" or group.name.startswith(f"Group {letter} ")), None)
        if name is None:
            return None
        names.append(name)
    return tuple(names)


def _credit_rule(sentence: str, groups: list[UnitGroup]) -> CreditRule | str | None:
    """The credit rule the sentence states, None if it states none, or why it cannot be read."""
    for pattern in _AT_LEVEL:
        if match := pattern.search(sentence):
            names = _group_names(match, groups)
            if names is None:
                return f"names a group the structure does not have: {sentence!r}"
            level = int(match.group("level"))
            return CreditRule(int(match.group("credits")), names, level, None if match.group("above") else level,
                              sentence)
    for pattern in _FROM_GROUPS:
        if match := pattern.search(sentence):
            names = _group_names(match, groups)
            if not names:
                return f"names a group the structure does not have: {sentence!r}"
            return CreditRule(int(match.group("credits")), names, text=sentence)
    return None


def read_rules(section: list[tuple[int, str]], qualification: Qualification, document: str,
               warnings: list[ParseWarning]) -> None:
    """Add the credit rules and barred combinations that the numbered lines of `section` state."""
    for number, line in section:
        for sentence in _sentences(line):
            rule = _credit_rule(sentence, qualification.groups)
            if isinstance(rule, CreditRule):
                qualification.credit_rules.append(replace(rule, line=number))
            elif isinstance(rule, str):
                warnings.append(ParseWarning(document, number, f"rule of combination not read: {rule}"))
            elif _BAR.search(sentence):
                references = tuple(dict.fromkeys(_REFERENCE.findall(sentence)))
                if len(references) > 1:
                    qualification.barred.append(BarredCombination(references, sentence, number))
                else:
                    warnings.append(ParseWarning(document, number, f"barred combination not read: {sentence!r}"))
            elif (_STATES_CREDITS.search(sentence) and re.search(r"\d", sentence)
                  and not _READ_ELSEWHERE.search(sentence)):
                warnings.append(ParseWarning(document, number, f"rule of combination not read: {sentence!r}"))
    note_unstated(qualification)


def drop_shared_codes(specification: Specification) -> None:
    """A code the document prints for two units names neither: drop it from both and say so."""
    owners: dict[str, list[str]] = {}
    for unit in specification.units:
        for code in unit.codes:
            owners.setdefault(code, []).append(unit.reference)
    for code, references in owners.items():
        if len(references) > 1:
            for unit in specification.units:
                if code in unit.codes:
                    unit.codes.remove(code)
            specification.warnings.append(ParseWarning(
                specification.document, 0, f"code {code!r} is printed for {', '.join(references)}; used for none"))


def note_unstated(qualification: Qualification) -> None:
    """Record each optional group whose requirement the document leaves open.

    An optional group with neither a minimum nor a maximum, in a qualification with no total
    and no rule naming the group, is required (or the document would not list it) by an amount
    the document does not state: no learner can be shown to meet it.
    """
    if qualification.total_credits is not None:
        return
    named = {name for rule in qualification.credit_rules for name in rule.groups}
    for group in qualification.groups:
        if not group.mandatory and group.min_credits is None and group.max_credits is None \
                and group.name not in named:
            qualification.unstated_groups.append(group.name)
