"""Reading a bank from CSV for the simulator: ``item,lo,ac,marks,a,b,c`` (+ optional columns).

* ``lo`` is a learning outcome number (``1``), ``ac`` a criterion of it (``1.3``);
* ``a``, ``b``, ``c``: logistic IRT parameters, D = 1. A one-mark item is 3PL
  (``c`` may be 0); an item of ``k`` marks is generalised partial credit with ``k`` step
  difficulties in ``b`` separated by ``;`` (``-0.4;0.8``) and ``c = 0``;
* optional ``enemy``: enemy-set labels (``;``-separated; items sharing one never meet),
  ``type`` (default ``single_best_answer`` for one mark, ``multiple_response`` otherwise)
  and ``status`` (``live`` or ``pretest``; pretest rows fill the pretest slots).

Every problem names the file, the line and the column; a file with any problem gives no bank.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from exam_engine.assembly.pool import ItemPool
from exam_engine.psychometrics.models import ItemParameters, gpcm_intercepts_from_steps

REQUIRED = ("item", "lo", "ac", "marks", "a", "b", "c")
OPTIONAL = ("enemy", "type", "status")
TYPES = ("single_best_answer", "multiple_response", "ordering", "matching")


class BankFileError(ValueError):
    pass


def read_bank(path: Path) -> tuple[ItemPool, ItemPool | None]:
    """The live pool and the pretest pool (None if the file has no pretest rows)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
            header = list(rows[0].keys()) if rows else []
    except OSError as error:
        raise BankFileError(f"{path}: cannot read: {error}") from None
    missing = [column for column in REQUIRED if column not in header]
    unknown = [column for column in header if column not in REQUIRED + OPTIONAL]
    if not rows or missing or unknown:
        raise BankFileError(f"{path}: " + ("no rows" if not rows else
                            f"missing columns {missing}, unknown columns {unknown}; expected {', '.join(REQUIRED)}"))
    problems: list[str] = []
    parsed = [_row(row, f"{path}: line {n + 2}", problems) for n, row in enumerate(rows)]
    ids = [row["item"] for row in rows]
    duplicates = sorted({item for item in ids if ids.count(item) > 1})
    if duplicates:
        problems.append(f"{path}: item ids repeated: {', '.join(duplicates)}")
    if problems:
        raise BankFileError("\n".join(problems))
    live = [p for p in parsed if p["status"] == "live"]
    pretest = [p for p in parsed if p["status"] == "pretest"]
    if not live:
        raise BankFileError(f"{path}: no live items")
    return _pool(live), (_pool(pretest) if pretest else None)


def _row(row: dict[str, str], where: str, problems: list[str]) -> dict[str, Any]:
    def number(column: str, text: str, low: float, high: float) -> float:
        try:
            value = float(text)
        except ValueError:
            problems.append(f"{where}, column {column}: {text!r} is not a number")
            return low
        if not low <= value <= high:
            problems.append(f"{where}, column {column}: {value} is outside {low}..{high}")
        return value

    lo, ac = row["lo"].strip(), row["ac"].strip()
    if not lo.isdigit() or not ac.startswith(lo + ".") or not ac[len(lo) + 1:].isdigit():
        problems.append(f"{where}, columns lo/ac: {lo!r}/{ac!r} must look like 1 / 1.3, "
                        "the criterion within the outcome")
    marks = int(number("marks", row["marks"], 1, 10))
    steps = [number("b", part, -8, 8) for part in row["b"].split(";")]
    if len(steps) != marks:
        problems.append(f"{where}, column b: a {marks}-mark item needs {marks} step difficulties, got {len(steps)}")
    c = number("c", row["c"], 0, 0.5)
    if marks > 1 and c != 0:
        problems.append(f"{where}, column c: must be 0 for a multi-mark item")
    item_type = (row.get("type") or "").strip() or ("single_best_answer" if marks == 1 else "multiple_response")
    if item_type not in TYPES:
        problems.append(f"{where}, column type: {item_type!r} is not one of {', '.join(TYPES)}")
    status = (row.get("status") or "").strip() or "live"
    if status not in ("live", "pretest"):
        problems.append(f"{where}, column status: {status!r} must be live or pretest")
    enemies = frozenset(label.strip() for label in (row.get("enemy") or "").split(";") if label.strip())
    return {"item": row["item"].strip(), "lo": lo, "ac": ac, "marks": marks, "a": number("a", row["a"], 0.01, 10),
            "steps": steps, "c": c, "type": item_type, "status": status, "enemies": enemies}


def _pool(rows: list[dict[str, Any]]) -> ItemPool:
    width = max(row["marks"] for row in rows)
    a = np.array([row["a"] for row in rows])
    d = np.full((len(rows), width), np.nan)
    for n, row in enumerate(rows):
        d[n, : row["marks"]] = gpcm_intercepts_from_steps(a[n:n + 1], np.array([row["steps"]]))[0]
    parameters = ItemParameters(a, d, np.array([row["c"] for row in rows]))
    return ItemPool(tuple(row["item"] for row in rows), parameters, np.array([row["marks"] for row in rows], np.int64),
                    tuple(row["lo"] for row in rows), tuple(row["ac"] for row in rows),
                    tuple(row["type"] for row in rows), tuple(row["enemies"] for row in rows))
