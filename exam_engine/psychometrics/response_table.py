"""Reading and writing the CSV files of the psychometrics commands.

RESPONSES.csv: a header row; one row per person; columns are item
identifiers; cells are integer scores (or chosen options), empty where not
administered; an optional first column named ``person`` holds person ids.

Every problem is reported as a `TableError` naming the file, row (1-based,
counting the header as row 1) and column, so that the command line can show
it without a traceback.  `problems_for_calibration` lists data that cannot be
calibrated (items no one answered, items everyone scored the same).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from exam_engine.psychometrics.models import ItemParameters

FloatArray = NDArray[np.float64]
MAX_MARKS = 100  # the most marks an item's score may be: more is a typing error (and would exhaust memory)


class TableError(ValueError):
    """A problem in an input file, with its location in the message."""


@dataclass(frozen=True)
class ResponseTable:
    """Scores of persons on items; ``scores`` is ``(n, m)`` with NaN where not administered."""

    persons: list[str]
    items: list[str]
    scores: FloatArray


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise TableError(f"{path}: cannot be read as CSV ({error})") from error
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise TableError(f"{path}: the file is empty")
    header = [cell.strip() for cell in rows[0]]
    separator = next((mark for mark in (";", "\t", "|") if len(header) == 1 and mark in header[0]), None)
    if separator is not None:
        shown = "a tab" if separator == "\t" else repr(separator)
        raise TableError(f"{path}: the header is one column holding {shown}: the file looks separated by {shown}; "
                         f"save it as comma-separated CSV")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise TableError(f"{path}: row {number} has {len(row)} cells but the header has {len(header)}")
    return header, rows[1:]


def _number(path: Path, row: int, column: str, cell: str, integer: bool = True) -> float:
    text = cell.strip()
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise TableError(f"{path}: row {row}, column {column!r}: {text!r} is not a number") from None
    if not math.isfinite(value) or (integer and (value != int(value) or value < 0)):
        kind = "a whole number of marks (0 or more)" if integer else "a finite number"
        raise TableError(f"{path}: row {row}, column {column!r}: {text!r} is not {kind}")
    if integer and value > MAX_MARKS:
        raise TableError(f"{path}: row {row}, column {column!r}: {text!r} is more marks than an item may have "
                         f"(at most {MAX_MARKS})")
    return value


def read_responses(path: Path) -> ResponseTable:
    """Read RESPONSES.csv (see module docstring)."""
    header, rows = _rows(path)
    has_person = header[0].lower() == "person"
    items = header[1:] if has_person else header
    if not items:
        raise TableError(f"{path}: no item columns in the header")
    duplicated = sorted({item for item in items if items.count(item) > 1})
    if duplicated or any(not item for item in items):
        raise TableError(f"{path}: item names in the header must be unique and non-empty ({', '.join(duplicated)})")
    if not rows:
        raise TableError(f"{path}: there are no persons (only a header row)")
    start = 1 if has_person else 0
    scores = np.array(
        [[_number(path, number, item, cell) for item, cell in zip(items, row[start:])]
         for number, row in enumerate(rows, start=2)]
    )
    persons = [row[0].strip() for row in rows] if has_person else [str(i) for i in range(1, len(rows) + 1)]
    return ResponseTable(persons, items, scores)


def problems_for_calibration(table: ResponseTable) -> dict[str, str]:
    """Items that cannot be calibrated (never answered, or one score from everyone), with the reason."""
    problems = {}
    for j, item in enumerate(table.items):
        column = table.scores[:, j]
        seen = np.unique(column[~np.isnan(column)])
        if seen.size == 0:
            problems[item] = f"item {item!r}: no one answered it"
        elif seen.size == 1:
            problems[item] = f"item {item!r}: every response is {seen[0]:g}, so its parameters cannot be estimated"
        elif not np.array_equal(seen, np.arange(seen[-1] + 1)):
            missing = sorted(set(range(int(seen[-1]) + 1)) - set(seen.astype(int)))
            problems[item] = f"item {item!r}: no one scored {', '.join(map(str, missing))}; scores must run 0..max"
    return problems


def read_key(path: Path, items: list[str]) -> FloatArray:
    """Read KEY.csv (columns ``item,key``) and return the key in the order of ``items``."""
    header, rows = _rows(path)
    if header[:2] != ["item", "key"]:
        raise TableError(f"{path}: the header must start with 'item,key'")
    key = {row[0].strip(): _number(path, number, "key", row[1], integer=False) for number, row in enumerate(rows, 2)}
    missing = [item for item in items if item not in key]
    if missing:
        raise TableError(f"{path}: no key for item(s) {', '.join(missing)}")
    return np.array([key[item] for item in items])


def read_groups(path: Path, persons: list[str], focal: str) -> NDArray[np.bool_]:
    """Read GROUP.csv (columns ``person,group``); True where the group is ``focal``."""
    header, rows = _rows(path)
    if header[:2] != ["person", "group"]:
        raise TableError(f"{path}: the header must start with 'person,group'")
    groups = {row[0].strip(): row[1].strip() for row in rows}
    missing = [person for person in persons if person not in groups]
    if missing:
        raise TableError(f"{path}: no group for person(s) {', '.join(missing[:5])}")
    values = sorted({groups[person] for person in persons})
    if len(values) != 2 or focal not in values:
        raise TableError(f"{path}: need exactly two groups, one of them {focal!r}; found {', '.join(values)}")
    return np.array([groups[person] == focal for person in persons])


PARAMETER_MODELS = ("gpcm", "grm", "2pl", "3pl", "4pl")
"""Values of PARAMS.csv's optional ``model`` column: ``grm`` marks graded response items; the
others (and an empty cell, or no column) are read as GPCM / 3PL items."""


def read_scenarios(path: Path, items: list[str]) -> list[str]:
    """Read SCENARIOS.csv (columns ``item,scenario``): each item's scenario in the order of ``items``
    ("" for an item the file does not list, or lists with an empty scenario)."""
    header, rows = _rows(path)
    if header[:2] != ["item", "scenario"]:
        raise TableError(f"{path}: the header must start with 'item,scenario'")
    scenario = {row[0].strip(): row[1].strip() for row in rows}
    unknown = [item for item in scenario if item not in items]
    if unknown:
        raise TableError(f"{path}: item(s) {', '.join(unknown[:5])} are not in the responses")
    return [scenario.get(item, "") for item in items]


def read_parameters(path: Path) -> tuple[list[str], ItemParameters]:
    """Read PARAMS.csv as written by `write_parameters` (``a,d,c`` or ``a,d1..dK``, and an optional
    ``model`` column, ``grm`` for graded response items, and an optional ``u`` column, the 4PL's
    upper asymptote, 1 where empty)."""
    header, rows = _rows(path)
    if header[:2] != ["item", "a"]:
        raise TableError(f"{path}: the header must start with 'item,a'")
    steps = [name for name in header if name[:1] == "d" and name[1:].isdigit()]
    columns = steps if steps else ["d"]
    if "d" not in header and not steps:
        raise TableError(f"{path}: no 'd' or 'd1' column")
    index = {name: header.index(name) for name in ["a", *columns, *(["c"] if "c" in header else [])]}

    def value(number: int, row: list[str], name: str) -> float:
        return _number(path, number, name, row[index[name]], integer=False)

    a = np.array([value(n, row, "a") for n, row in enumerate(rows, 2)])
    d = np.array([[value(n, row, name) for name in columns] for n, row in enumerate(rows, 2)])
    c = np.array([value(n, row, "c") if "c" in index else 0.0 for n, row in enumerate(rows, 2)])
    if "u" in header:
        index["u"] = header.index("u")
    u = np.nan_to_num(np.array([value(n, row, "u") if "u" in index else 1.0 for n, row in enumerate(rows, 2)]), nan=1.0)
    if np.isnan(a).any() or np.isnan(d[:, 0]).any():
        raise TableError(f"{path}: every item needs a slope 'a' and a first intercept")
    names = [row[0].strip() for row in rows]
    models = [row[header.index("model")].strip().lower() if "model" in header else "" for row in rows]
    for j, model in enumerate(models):
        if model not in ("", *PARAMETER_MODELS):
            raise TableError(f"{path}: row {j + 2}, item {names[j]!r}: model {model!r} is not one of "
                             f"{', '.join(PARAMETER_MODELS)}")
    graded = np.array([model == "grm" for model in models])
    for j, item in enumerate(names):
        if a[j] <= 0:
            raise TableError(f"{path}: row {j + 2}, item {item!r}: slope a = {a[j]:g} must be above 0 (an item "
                             f"that favours the less able is miskeyed, not calibrated)")
        if not 0 <= np.nan_to_num(c[j]) < 1:
            raise TableError(f"{path}: row {j + 2}, item {item!r}: guessing c = {c[j]:g} must be from 0 up to "
                             f"(not including) 1")
        given = int((~np.isnan(d[j])).sum())
        if graded[j] and (np.isnan(d[j][:given]).any() or not np.all(np.diff(d[j][:given]) < 0)):
            raise TableError(f"{path}: row {j + 2}, item {item!r}: a graded item's intercepts d1, d2, ... must "
                             f"decrease (each score is harder to reach than the one below it)")
        if not np.nan_to_num(c[j]) < u[j] <= 1:
            raise TableError(f"{path}: row {j + 2}, item {item!r}: upper asymptote u = {u[j]:g} must be above c and "
                             f"at most 1")
        if graded[j] and np.nan_to_num(c[j]) > 0:
            raise TableError(f"{path}: row {j + 2}, item {item!r}: a graded item has no guessing c")
    return names, ItemParameters(a, d, np.nan_to_num(c), graded if graded.any() else None,
                                 u if np.any(u < 1) else None)


def _cell(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.10g}"


def format_table(header: list[str], rows: list[list[object]]) -> str:
    """CSV text of ``rows`` under ``header``; floats to 10 significant digits, NaN as empty."""
    lines = [",".join(header)]
    for row in rows:
        lines.append(",".join(_cell(x) if isinstance(x, float) else str(x) for x in row))
    return "\n".join(lines) + "\n"
