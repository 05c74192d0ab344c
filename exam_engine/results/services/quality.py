"""How sure the unit's pass/fail decisions are, shown to the awarding body next to its pass mark.

* Adaptive tests and calibrated banks: Rudner's (2001, 2005) accuracy and consistency from
  each candidate's ability estimate and standard error at the ability cut.
* Linear forms scored by marks: Livingston & Lewis (1995) from the candidates' marks, with
  the reliability estimated by KR-21 (candidates sat different forms of the same length, so
  KR-20 cannot be computed across them; KR-21 is its lower bound, so the indices err low)
  and the cut at the mean of the candidates' own pass marks.

Candidates as for impact data (`panel.evidence_attempts`): live, else simulated.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from exam_engine.psychometrics.classical import kr21
from exam_engine.psychometrics.classification import livingston_lewis, rudner
from exam_engine.results.services.outcomes import outcome
from exam_engine.results.services.panel import evidence_attempts
from item_bank.standards.models import StandardStudy

MIN_CANDIDATES = 30


@dataclass(frozen=True)
class ClassificationReport:
    method: str
    candidates: int
    simulated: bool
    accuracy: float | None = None
    consistency: float | None = None
    note: str = ""


def classification_quality(study: StandardStudy) -> ClassificationReport:
    attempts, simulated = evidence_attempts(study.unit_reference)
    results = [outcome(attempt, study) for attempt in attempts]
    grades = [r.grade for r in results]
    adaptive = [(g.theta, g.se) for g in grades if g.theta is not None and g.se is not None]
    if study.theta_cut is not None and len(adaptive) >= MIN_CANDIDATES:
        theta, se = zip(*adaptive)
        quality = rudner(theta, se, study.theta_cut)
        return ClassificationReport("Rudner (ability estimates)", len(adaptive), simulated, quality.accuracy,
                                    quality.consistency)
    marked = [r for r in results if r.grade.pass_mark is not None and r.grade.theta is None]
    if not marked:
        return ClassificationReport("Livingston-Lewis (marks)", 0, simulated,
                                    note="no scored candidates under this standard yet")
    length = Counter(r.available for r in marked).most_common(1)[0][0]  # forms of the blueprint's length
    marked = [r for r in marked if r.available == length]
    if len(marked) < MIN_CANDIDATES:
        return ClassificationReport("Livingston-Lewis (marks)", len(marked), simulated,
                                    note=f"needs at least {MIN_CANDIDATES} candidates")
    totals = np.array([r.marks for r in marked], float)
    try:
        reliability = kr21(totals, length)
        indices = livingston_lewis(totals, reliability, float(np.mean([r.grade.pass_mark for r in marked])), length)
    except ValueError as error:
        return ClassificationReport("Livingston-Lewis (marks)", len(marked), simulated, note=str(error))
    return ClassificationReport(f"Livingston-Lewis (marks, KR-21 reliability {reliability:.2f})", len(marked),
                                simulated, indices.accuracy, indices.consistency)
