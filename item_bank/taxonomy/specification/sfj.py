"""SFJ Awards qualification handbook (document 002).

Section 2.3 lists each group's units (reference, title, level, credit) and its rules; the
unit pages in section 5 follow in the same order but print no unit code, so each page takes
the reference of its row in the structure table (checked by title). The conversion
interleaved the LO and AC columns in many pages; the reader splits each row into its LO part
(text before the first `1.1.` number) and its AC part, numbers the criteria from their own
`N.M.` markers, and warns wherever it had to infer a number or found LO text out of place.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from .model import AssessmentCriterion, LearningOutcome, ParseWarning, Qualification, Specification, Unit, UnitGroup
from .rules import read_rules, section
from .text import clean, join

AWARDING_BODY = "SFJ Awards"
TITLE = "SFJ Awards Level 3 NVQ Diploma in Customer Service"
_STRUCTURE_ROW = re.compile(r"^([A-Z]/\d{3}/\d{4})\t([^\t]+)\t(\d?)\t(\d+)")
_GROUP = re.compile(r"^(Mandatory Group|Optional Group (\d))")
_GROUP_RULE = re.compile(r"A minimum of (\d+) credits from Group ([B-E])")
_FIELD = re.compile(r"^(Level|Credit value|GLH):\s*(\d+)")
_AC_MARK = re.compile(r"(?<!\d)(?<!\d\.)(\d{1,2})\.(\d{1,2})\.?(?=\s|[A-Za-z]|$)")
_LO_MARK = re.compile(r"(?:^|(?<=\s))(\d{1,2})\.\s+(?=[A-Za-z])")
_BOILERPLATE = re.compile(r"Learning outcomes|Assessment criteria|The learner will:|The learner can:")
_SKIP = re.compile(r"Additional in|itional information|requirements specified|requirement for this unit|"
                   r"sector or regulatory|towards A and V|rds A and V|^Version \d|quality assurance|"
                   r"^Optional group|^Mandatory group|^Copyright|©")


def _is_boilerplate(line: str) -> bool:
    """The per-unit assessment note and page furniture, not LO/AC content."""
    cleaned = clean(line)
    return bool(_SKIP.search(line)) and not _AC_MARK.search(line) and (
        len(line) < 160 or cleaned.startswith(("Additional in", "Addi", "Ad ", "Assessment requirements", "Ass ",
                                               "Copyright")))


def _strip_unit_note(line: str) -> str:
    """Drop the per-unit assessment note where the conversion ran it into a table row."""
    head, marker, tail = line.partition("Additional information about the unit")
    if not marker:
        return line
    return head + " " + tail if _AC_MARK.search(tail) else head


def _sentences(text: str) -> list[str]:
    return [clean(part) for part in re.split(r"(?<=\.)\s+(?=[A-Z])", text) if clean(part)]


def is_sfj(text: str) -> bool:
    return "SFJ Awards" in text[:1000] and "Title:" in text


def _structure(lines: list[str]) -> tuple[list[UnitGroup], list[tuple[str, str, int | None, int]]]:
    groups: list[UnitGroup] = []
    rows: list[tuple[str, str, int | None, int]] = []
    rules = {letter: int(credits) for credits, letter in _GROUP_RULE.findall("\n".join(lines))}
    for line in lines:
        if line.startswith("2.4 Total Qualification Time"):
            break
        if match := _GROUP.match(line):
            if match.group(2) is None:
                groups.append(UnitGroup("Group A (mandatory)", True))
            else:
                letter = "BCDE"[int(match.group(2)) - 1]
                groups.append(UnitGroup(f"Group {letter} (optional group {match.group(2)})", False,
                                        min_credits=rules.get(letter)))
        elif groups and (match := _STRUCTURE_ROW.match(line)):
            reference, title, level, credit = match.groups()
            groups[-1].unit_references.append(reference)
            rows.append((reference, clean(title), int(level) if level else None, int(credit)))
    return groups, rows


class _UnitReader:
    """Turns one unit page's rows into learning outcomes and criteria."""

    def __init__(self, unit: Unit, document: str, warnings: list[ParseWarning]) -> None:
        self.unit = unit
        self.document = document
        self.warnings = warnings
        self.pending_lo_text: list[tuple[str | None, str, int]] = []

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(ParseWarning(self.document, line, f"unit {self.unit.reference}: {message}"))

    def outcome(self, number: str, line: int) -> LearningOutcome:
        for outcome in self.unit.learning_outcomes:
            if outcome.number == number:
                return outcome
        outcome = LearningOutcome(number, "", line)
        self.unit.learning_outcomes.append(outcome)
        return outcome

    def last_criterion(self) -> AssessmentCriterion | None:
        for outcome in reversed(self.unit.learning_outcomes):
            if outcome.criteria:
                return outcome.criteria[-1]
        return None

    def add_lo_text(self, number: str | None, text: str, line: int) -> None:
        """LO text arrives before its criteria; keep it until the criteria say which LO it is."""
        text = clean(text)
        if text:
            self.pending_lo_text.append((number, text, line))

    def flush_lo_text(self, lo_number: str) -> None:
        for number, text, line in self.pending_lo_text:
            outcome = self.outcome(number or lo_number, line)
            outcome.text = join(outcome.text, text) if outcome.text else text
        self.pending_lo_text = []

    def add_criteria(self, text: str, line: int, bullet: bool) -> None:
        marks = list(_AC_MARK.finditer(text))
        lead = text[:marks[0].start()] if marks else text
        last = self.last_criterion()
        continues = last is not None and not last.text.endswith(".")
        if clean(lead) and self.pending_lo_text and not bullet and not continues and lead.strip()[:1].isupper():
            lo_number = self.pending_lo_text[-1][0] or str(len(self.unit.learning_outcomes) + 1)
            self.flush_lo_text(lo_number)
            outcome = self.outcome(lo_number, line)
            for sentence in _sentences(lead):
                number = f"{lo_number}.{len(outcome.criteria) + 1}"
                self.warn(line, f"AC number lost; sentence read as AC {number}")
                outcome.criteria.append(AssessmentCriterion(number, sentence, line))
        elif clean(lead):
            lost_number = bullet or (last is not None and last.text.endswith(".") and lead.strip()[:1].isupper())
            if last is not None and lost_number:
                major, minor = last.number.split(".")
                number = f"{major}.{int(minor) + 1}"
                self.warn(line, f"AC number lost; read as AC {number}")
                self.outcome(major, line).criteria.append(AssessmentCriterion(number, clean(lead), line))
            elif last is not None:
                last.text = join(last.text, lead)
            else:
                self.warn(line, f"criterion text before any AC number ignored: {clean(lead)[:50]!r}")
        for index, mark in enumerate(marks):
            major, minor = mark.group(1), mark.group(2)
            end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
            body = clean(text[mark.end():end])
            if minor == "0":
                self.warn(line, f"damaged number {mark.group(0)!r} read as text")
                last = self.last_criterion()
                if last is not None:
                    last.text = join(last.text, body)
                continue
            self.flush_lo_text(major)
            self.outcome(major, line).criteria.append(AssessmentCriterion(f"{major}.{minor}", body, line))

    def add_row(self, raw: str, line: int) -> None:
        bullet = bool(re.match(r"^\s*-\s", raw))
        raw = re.sub(r"^\s*-\s+", "", raw)
        cells = [clean(_BOILERPLATE.sub(" ", cell)) for cell in raw.split("\t")]
        if not any(cells):
            return
        first_ac = next((i for i, cell in enumerate(cells) if _AC_MARK.match(cell)), None)
        marked = next((i for i, cell in enumerate(cells) if _AC_MARK.search(cell)), None)
        if first_ac is None and marked is not None and marked > 0 and cells[0]:
            first_ac = marked  # "LO text<TAB>end of the last AC. 1.2. next AC": the mark is inside a later cell
        if first_ac is None:
            joined = " ".join(cell for cell in cells if cell)
            inside = _AC_MARK.search(joined)
            lo_cell_text = cells[0] if cells[0] else ""
            if inside and inside.start() > 0 and lo_cell_text and not joined[:inside.start()].rstrip().endswith("."):
                self.warn(line, "LO text interleaved with AC text; LO read as the text before the first AC number")
            if inside and lo_cell_text:
                lo_part, ac_part = joined[:inside.start()], joined[inside.start():]
            elif (cells[0] and len([c for c in cells if c]) == 1 and not raw.startswith("\t")
                  and _LO_MARK.match(cells[0])):
                lo_part, ac_part = cells[0], ""
            elif cells[0] and len([c for c in cells if c]) > 1:
                lo_part, ac_part = cells[0], " ".join(c for c in cells[1:] if c)
            else:
                lo_part, ac_part = "", joined
        else:
            lo_cells = [cell for cell in cells[:first_ac] if cell]
            if len(lo_cells) > 1:
                self.warn(line, f"LO text split across {len(lo_cells)} cells and may be garbled: "
                                f"{' | '.join(lo_cells)[:80]!r}")
            lo_part = " ".join(lo_cells)
            ac_part = " ".join(cell for cell in cells[first_ac:] if cell)
        if lo_part:
            pieces = _LO_MARK.split(lo_part)
            if clean(pieces[0]):
                self.add_lo_text(None, pieces[0], line)
            for number, text in zip(pieces[1::2], pieces[2::2]):
                self.add_lo_text(number, text, line)
        if ac_part:
            self.add_criteria(ac_part, line, bullet and not lo_part)

    def drop_repeated_criteria(self, outcome: LearningOutcome) -> None:
        """A row the conversion printed twice: keep the fuller copy of a repeated criterion."""
        kept: list[AssessmentCriterion] = []
        for criterion in outcome.criteria:
            earlier = next((ac for ac in kept if ac.number == criterion.number), None)
            if earlier is not None and (criterion.text.startswith(earlier.text)
                                        or earlier.text.startswith(criterion.text)):
                self.warn(criterion.line, f"AC {criterion.number} printed twice; the fuller copy kept")
                if len(criterion.text) > len(earlier.text):
                    kept[kept.index(earlier)] = criterion
                continue
            kept.append(criterion)
        outcome.criteria = kept

    def split_unnumbered_criterion(self, outcome: LearningOutcome) -> None:
        """Where one number is missing (4.3, 4.5), its criterion is the last sentence of the one before."""
        for index in range(len(outcome.criteria) - 1, 0, -1):
            before, after = outcome.criteria[index - 1], outcome.criteria[index]
            gap = int(after.number.split(".")[1]) - int(before.number.split(".")[1])
            sentences = _sentences(before.text)
            if gap == 2 and len(sentences) > 1:
                number = f"{outcome.number}.{int(before.number.split('.')[1]) + 1}"
                before.text = " ".join(sentences[:-1])
                outcome.criteria.insert(index, AssessmentCriterion(number, sentences[-1], before.line))
                self.warn(before.line, f"AC number {number} lost inside AC {before.number}; "
                                       f"its last sentence read as AC {number}")

    def finish(self) -> None:
        if self.pending_lo_text:
            for _, text, line in self.pending_lo_text:
                self.warn(line, f"LO text with no criteria after it: {text[:50]!r}")
        self.unit.learning_outcomes.sort(key=lambda lo: int(lo.number))
        for outcome in self.unit.learning_outcomes:
            self.drop_repeated_criteria(outcome)
            outcome.criteria.sort(key=lambda ac: int(ac.number.split(".")[1]))
            self.split_unnumbered_criterion(outcome)
            numbers = [int(ac.number.split(".")[1]) for ac in outcome.criteria]
            if numbers != list(range(1, len(numbers) + 1)):
                self.warn(outcome.line, f"LO {outcome.number} criteria numbered {numbers}")
            if not outcome.text:
                self.warn(outcome.line, f"LO {outcome.number} has no text")
            elif not outcome.text.endswith("."):
                self.warn(outcome.line, f"LO {outcome.number} text looks cut or garbled "
                                        f"(SFJ LOs end with a full stop): {outcome.text[:60]!r}")


def parse(text: str, document: str) -> Specification:
    lines = text.splitlines()
    warnings: list[ParseWarning] = []
    groups, rows = _structure(lines)
    starts = [index for index, line in enumerate(lines) if line.startswith("Title:")]
    units: list[Unit] = []
    if len(starts) != len(rows):
        warnings.append(ParseWarning(document, starts[0] + 1 if starts else 0,
                                     f"{len(starts)} unit pages but {len(rows)} units in the structure table"))
    for position, start in enumerate(starts[:len(rows)]):
        reference, title, level, credit = rows[position]
        page_title = clean(lines[start].replace("Title:", "").replace("\t", ""))
        if SequenceMatcher(None, page_title.lower(), title.lower()).ratio() < 0.6:
            warnings.append(ParseWarning(document, start + 1,
                                         f"page title {page_title!r} does not match {title!r} ({reference})"))
        unit = Unit(reference, title, start + 1, level=level, credit=credit, unit_type="competence")
        reader = _UnitReader(unit, document, warnings)
        end = starts[position + 1] if position + 1 < len(starts) else next(
            (index for index in range(start, len(lines)) if lines[index].startswith("Copyright")), len(lines))
        for index in range(start + 1, end):
            line = lines[index]
            if match := _FIELD.match(line):
                setattr(unit, {"Level": "level", "Credit value": "credit", "GLH": "glh"}[match.group(1)],
                        int(match.group(2)))
            elif (line.strip() and not _is_boilerplate(line)
                  and not line.startswith(("Level:", "Credit value:", "GLH:"))):
                line = _strip_unit_note(line)
                if unit.glh is None and re.match(r"^\d+\t\d+\t?$", line):
                    continue  # a damaged credit row ("5<TAB>5"); the structure table gives the credit
                reader.add_row(line, index + 1)
        reader.finish()
        units.append(unit)
    number_match = re.search(r"Qualification Number:\s*(\d{3}/\d{4}/\d)", text)
    credits = re.search(r"must successfully complete (\d+) credits", text)
    qualification = Qualification(number_match.group(1) if number_match else "", TITLE, AWARDING_BODY, level=3,
                                  total_credits=int(credits.group(1)) if credits else None, groups=groups)
    structure = section(lines, lambda line: line.strip() == "2.3 Unit Content and Rules of Combination",
                        lambda line: line.startswith("2.4 Total Qualification Time"))
    read_rules(structure, qualification, document, warnings)
    return Specification(document, qualification, units, warnings)
