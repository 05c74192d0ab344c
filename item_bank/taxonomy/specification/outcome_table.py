"""Learning outcome / assessment criterion tables split into tab-separated cells.

Rows come as `LO | LO text | AC | AC text`, with the LO text wrapped into the rows below,
`| AC text` rows that carry the AC number in the text (`1.5 Explain ...`), and the damage
the conversion did: lost LO or AC numbers, repeated header rows, garbage cell fragments.
The reader turns the rows into learning outcomes and criteria and warns, with the line,
wherever it had to infer a number or join a wrapped line.
"""
from __future__ import annotations

import re

from .model import AssessmentCriterion, LearningOutcome, ParseWarning
from .text import clean, join

_LO_NUMBER = re.compile(r"^(\d{1,2})$")
_LO_WITH_TEXT = re.compile(r"^(\d{1,2})\.?\s+([A-Z].*)$")
_AC_NUMBER = re.compile(r"^(\d{1,2})\.(\d{1,2})$")
_AC_WITH_TEXT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?\s+(\S.*)$")
_HEADER = re.compile(r"(learn|outcome|assess|criteri)", re.IGNORECASE)


class OutcomeTableReader:
    """Feed table rows one at a time; read `learning_outcomes` at the end."""

    def __init__(self, document: str, warnings: list[ParseWarning]) -> None:
        self.document = document
        self.warnings = warnings
        self.learning_outcomes: list[LearningOutcome] = []
        self._last_text: str = "lo"  # which text a numberless fragment continues

    def _warn(self, line: int, message: str) -> None:
        self.warnings.append(ParseWarning(self.document, line, message))

    def _outcome(self, number: str, line: int) -> LearningOutcome:
        if self.learning_outcomes and self.learning_outcomes[-1].number == number:
            return self.learning_outcomes[-1]
        outcome = LearningOutcome(number, "", line)
        self.learning_outcomes.append(outcome)
        return outcome

    def is_header(self, cells: list[str]) -> bool:
        texts = [cell for cell in cells if cell]
        return bool(texts) and not any(re.search(r"\d", cell) for cell in texts) and (
            any(_HEADER.search(cell) for cell in texts) or all(len(cell) <= 3 for cell in texts))

    def add_row(self, line: int, cells: list[str]) -> None:
        """Read one row; `cells` are the raw tab-separated cells, empty ones included."""
        cells = [clean(cell) for cell in cells]
        if self.is_header(cells):
            return
        lo_number: str | None = None
        lo_text: list[str] = []
        ac_number: str | None = None
        ac_text: list[str] = []
        numbered_cells = [index for index, cell in enumerate(cells) if _AC_NUMBER.match(cell)]
        for index, cell in enumerate(cells):
            if not cell:
                continue
            if ac_number is None and not ac_text:
                if index == 0 and (match := _LO_NUMBER.match(cell)):
                    lo_number = match.group(1)
                    continue
                if index == 0 and numbered_cells[:1] == [0] and len(numbered_cells) > 1:
                    lo_number = cell.split(".")[0]
                    self._warn(line, f"LO number printed as {cell!r}; read as LO {lo_number}")
                    continue
                if index == 0 and (match := _LO_WITH_TEXT.match(cell)):
                    lo_number, cell = match.group(1), match.group(2)
                    lo_text.append(cell)
                    continue
                if match := _AC_NUMBER.match(cell):
                    ac_number = cell
                    continue
                if match := _AC_WITH_TEXT.match(cell):
                    ac_number = f"{match.group(1)}.{match.group(2)}"
                    ac_text.append(match.group(3))
                    continue
                if index <= 1:
                    lo_text.append(cell)
                    continue
            ac_text.append(cell)
        if lo_number is not None and not lo_text and ac_number is None and all(len(t) <= 2 for t in ac_text):
            if ac_text:
                self._warn(line, f"table fragment {' '.join(ac_text)!r} after LO {lo_number} ignored")
            self._outcome(lo_number, line)
            return
        self._apply(line, lo_number, " ".join(lo_text), ac_number, " ".join(ac_text))

    def _apply(self, line: int, lo_number: str | None, lo_text: str,
               ac_number: str | None, ac_text: str) -> None:
        if ac_number is not None and lo_number is None:
            implied = ac_number.split(".")[0]
            current = self.learning_outcomes[-1].number if self.learning_outcomes else None
            if implied != current:
                lo_number = implied
                self._warn(line, f"LO number lost; LO {implied} implied by AC {ac_number}")
        if lo_number is not None:
            outcome = self._outcome(lo_number, line)
        elif self.learning_outcomes:
            outcome = self.learning_outcomes[-1]
        else:
            self._warn(line, "table row before any learning outcome ignored")
            return
        if lo_text:
            outcome.text = join(outcome.text, lo_text) if outcome.text else lo_text
        if ac_number is None and ac_text:
            if lo_number is not None and not outcome.criteria:
                ac_number = f"{lo_number}.1"
                self._warn(line, f"AC number lost; read as AC {ac_number}, the first of LO {lo_number}")
            elif outcome.criteria:
                criterion = outcome.criteria[-1]
                criterion.text = join(criterion.text, ac_text)
                return
            else:
                self._warn(line, f"criterion text without a number ignored: {ac_text!r}")
                return
        if ac_number is not None:
            expected = f"{outcome.number}.{len(outcome.criteria) + 1}"
            if ac_number != expected:
                self._warn(line, f"AC printed as {ac_number} in position {expected}; read as {expected}")
                ac_number = expected
            if not ac_text:
                self._warn(line, f"AC {ac_number} has no text in the table")
            outcome.criteria.append(AssessmentCriterion(ac_number, ac_text, line))
