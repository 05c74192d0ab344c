"""A centre's results as rows: for its page, and as CSV and JSON for its own systems.

A released result gives its grade as released; one not yet released gives its state only
(marks and grades are the awarding body's to release), with the reasons it is held.
"""

from __future__ import annotations

from typing import Any

from exam_engine.core.downloads import csv_text
from exam_engine.results.services.outcomes import ResultLine

COLUMNS = ("centre", "candidate_number", "uln", "name", "unit", "sat_on", "state", "held_because", "marks",
           "available_marks", "special_consideration_marks", "pass_mark", "result", "ability", "standard_error",
           "equivalent_marks", "classification_probability", "released_at")


def result_row(line: ResultLine) -> dict[str, Any]:
    result = line.outcome
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(centre=result.centre, candidate_number=result.candidate_number, uln=result.uln, name=result.name,
               unit=result.unit, sat_on=result.sat_on, state=line.state, held_because="; ".join(line.holds) or None)
    if line.release is not None:
        grade = result.grade
        row.update(marks=result.marks, available_marks=result.available,
                   special_consideration_marks=result.adjustment, pass_mark=grade.pass_mark, result=result.verdict,
                   ability=grade.theta, standard_error=grade.se, equivalent_marks=grade.equivalent_marks,
                   classification_probability=grade.classification_probability,
                   released_at=line.release.released_at.isoformat())
    return row


def results_csv(lines: list[ResultLine]) -> str:
    return csv_text(COLUMNS, ([row[column] for column in COLUMNS] for row in map(result_row, lines)))


def results_json(lines: list[ResultLine]) -> list[dict[str, Any]]:
    return [result_row(line) for line in lines]
