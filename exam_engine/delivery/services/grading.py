"""Applying a pass standard to an ended attempt (`item_bank.standards`).

* A linear test (fixed or linear-on-the-fly form) passes when its marks, plus any marks
  granted by special consideration, reach the form's own pass mark (`form_cut`: the sum of
  its items' Angoff values, or its test characteristic curve at the ability cut once the
  bank is calibrated).
* An adaptive test passes when the ability estimate reaches the ability cut; it also
  reports the standard error, the equivalent marks on the reference form and the
  probability that the pass/fail decision is right (the posterior mass on its side of the
  cut; Rudner, 2001). Marks granted by special consideration are added to the equivalent
  marks and compared with the reference form's pass mark. Under a standard without an
  ability cut (decided before the bank was calibrated) an adaptive test is graded as the
  form of the items it gave, by their Angoff values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from exam_engine.assembly.blueprint import Mode
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.services import engine
from exam_engine.delivery.services.attempts import given_marks
from item_bank.standards.models import StandardStudy
from item_bank.standards.services import StandardError, form_cut, standard_in_force


@dataclass(frozen=True)
class Grade:
    """Pass or fail under a standard; `passed` is None while no standard applies (`basis` says why)."""

    pass_mark: int | None
    raw_cut: float | None
    passed: bool | None
    standard: int | None  # the study whose decision set the pass mark
    basis: str
    theta: float | None = None
    se: float | None = None
    equivalent_marks: float | None = None
    classification_probability: float | None = None

    @property
    def verdict(self) -> str:
        return "no result" if self.passed is None else ("pass" if self.passed else "fail")


def grade(attempt: Attempt, study: StandardStudy | None = None, adjustment: int = 0) -> Grade:
    """The ended attempt's grade under `study` (by default the unit's standard in force)."""
    study = study or standard_in_force(attempt.unit_reference)
    if study is None:
        return Grade(None, None, None, None, f"no pass standard has been set for unit {attempt.unit_reference}")
    return grade_at(attempt, study.item_values, study.theta_cut, study.id, adjustment)


def grade_at(attempt: Attempt, item_values: Mapping[str, float] | None, theta_cut: float | None,
             study_id: int | None = None, adjustment: int = 0) -> Grade:
    """The ended attempt's grade at a standard of item values (marks, by item version id) and an
    ability cut (logits; None before the bank is calibrated): a decided study's, or a round's
    the panel has not decided yet (its impact data, `exam_engine.results.services.panel`)."""
    if attempt.mode is Mode.CAT and theta_cut is not None:
        scored = [pair for pair, entry in zip(given_marks(attempt), attempt.items) if not entry.pretest]
        score = engine.score(attempt.snapshot, scored, theta_cut)
        reference_cut = float(score["pass_marks"])
        passed = bool(score["passed"]) if not adjustment else score["equivalent_marks"] + adjustment >= reference_cut
        return Grade(round(reference_cut), reference_cut, passed, study_id,
                     f"ability cut {theta_cut:.2f} (logits)", float(score["theta"]), float(score["se"]),
                     float(score["equivalent_marks"]), float(score["classification_probability"]))
    try:
        cut = form_cut(item_values, theta_cut, [entry.item_version for entry in attempt.items if not entry.pretest])
    except StandardError as error:
        return Grade(None, None, None, study_id, str(error))
    marks = int((attempt.score or {}).get("marks", 0))
    return Grade(cut.pass_mark, cut.raw_cut, marks + adjustment >= cut.pass_mark, study_id, cut.basis)
