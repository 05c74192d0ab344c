"""The calibration loop: estimating items from stored responses, onto the live scale.

Approved items are seeded unscored into live tests by the assembly engine; live items
with provisional parameters (or an estimate the calibration rule does not accept) are
answered in the linear tests live sessions run until the adaptive gate opens. Once such
a version has `PRETEST_RESPONSES` responses, `calibrate_unit` estimates it by MML-EM
(GPCM, which is the 2PL for one-mark items) with every live version whose estimate the
rule accepts held at its parameters, so the estimate is on the live scale (with none
held, the scale is the one the response population's N(0, 1) prior sets), and records an
`ItemCalibration` proposing it with its evidence, labelled simulated if any response came
from a rehearsal. A reviewer then promotes (pretest) or adopts (live) it, or returns it
(`review.move_item`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from exam_engine.analysis.services.evidence import UnitEvidence, unit_evidence, version_statistics
from exam_engine.core.extensions import db
from exam_engine.psychometrics.calibration import Calibration, calibrate, fit_problems
from exam_engine.psychometrics.models import ItemParameters
from item_bank.items.models import RESPONSES_NEEDED, ItemCalibration, ItemStatus, ItemVersion
from item_bank.workbench.services.review import pending_calibration

MODEL = "gpcm"
PRETEST_RESPONSES = RESPONSES_NEEDED[MODEL]  # responses an item needs before it is calibrated

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CalibrationProgress:
    """How far an item version is from an estimate the adaptive gate accepts."""

    real_responses: int  # from live sessions, not rehearsals
    needed: int  # responses the calibration model needs (`RESPONSES_NEEDED`)
    shortfall: str | None  # why its current parameters are not accepted; None: accepted

    @property
    def still_needed(self) -> int:
        return max(0, self.needed - self.real_responses) if self.shortfall else 0


def calibration_progress(evidence: UnitEvidence, version: ItemVersion) -> CalibrationProgress:
    """The version's real responses so far against what a calibration (`MODEL`) needs."""
    column = evidence.matrix.scores[:, evidence.matrix.column(version.id)]
    real = int((~np.isnan(column) & ~evidence.matrix.simulated).sum())
    return CalibrationProgress(real, PRETEST_RESPONSES, version.calibration_shortfall)


@dataclass
class CalibrationOutcome:
    proposed: list[str]  # item codes (version numbers) proposed for promotion
    waiting: list[tuple[str, int]]  # (item, responses so far) still short of the minimum
    anchors: int


def calibrate_new_items(scores: NDArray[np.float64], bank: ItemParameters, live: NDArray[np.bool_],
                        new: NDArray[np.bool_], progress: Callable[[int, float, float], None] | None = None
                        ) -> Calibration:
    """Estimate the `new` columns with the `live` columns fixed at `bank`; other columns are left out.

    Returns the core's `Calibration` over the used columns (live first, then new, in order).
    """
    used = live | new
    data = scores[:, used]
    return calibrate(data, MODEL, fixed=bank.subset(used), fixed_mask=live[used], progress=progress)


def calibrate_unit(unit_reference: str, minimum: int = PRETEST_RESPONSES,
                   progress: Progress | None = None) -> CalibrationOutcome:
    """Calibrate the unit's ready versions (pretest, or live without an accepted estimate) and propose them."""
    say = progress or (lambda message: None)
    say(f"Reading the responses of unit {unit_reference} ...")
    evidence = unit_evidence(unit_reference)
    matrix, versions = evidence.matrix, evidence.versions
    counts = (~np.isnan(matrix.scores)).sum(axis=0)
    in_service = np.array([v.status is ItemStatus.LIVE for v in versions], bool)
    accepted = np.array([v.calibration_shortfall is None for v in versions], bool)
    live = in_service & accepted & (counts > 0)
    candidates = np.array([v.status is ItemStatus.APPROVED_FOR_PRETEST for v in versions], bool) | (
        in_service & ~accepted)
    new = candidates & (counts >= minimum)
    waiting = [(versions[j].item.code, int(counts[j])) for j in np.flatnonzero(candidates & ~new)]
    say(f"{matrix.n_persons} attempts; {int(live.sum())} calibrated live item versions as anchors; "
        f"{int(new.sum())} versions ready, {len(waiting)} still short of {minimum} responses.")
    if not new.any():
        return CalibrationOutcome([], waiting, int(live.sum()))

    def cycle(iteration: int, log_likelihood: float, change: float) -> None:
        if iteration % 10 == 0:
            say(f"  EM cycle {iteration}: log-likelihood {log_likelihood:.2f}, largest change {change:.5f}")

    result = calibrate_new_items(matrix.scores, evidence.bank, live, new, cycle)
    say(f"Converged: {result.converged} after {result.iterations} cycles.")
    problems = fit_problems(result, matrix.n_persons)
    for reason in problems.overall:
        say(f"Nothing proposed: {reason}.")
    proposed = []
    columns = np.flatnonzero(live | new)
    for position, j in enumerate(columns):
        if not new[j] or problems.overall:
            continue
        version = versions[j]
        if position in problems.items:
            say(f"Not proposed: {version.item.code} v{version.number}: {problems.items[position]}.")
            continue
        previous = pending_calibration(version)
        if previous is not None:
            db.session.delete(previous)  # a newer estimate replaces an undecided one
        simulated = bool((matrix.simulated & ~np.isnan(matrix.scores[:, j])).any())
        db.session.add(_record(version, result, position, int(counts[j]), int(live.sum()), evidence, simulated))
        proposed.append(f"{version.item.code} v{version.number}")
    db.session.flush()
    for line in proposed:
        say(f"Proposed for promotion: {line}")
    return CalibrationOutcome(proposed, waiting, int(live.sum()))


def _record(version, result: Calibration, position: int, responses: int, anchors: int, evidence,
            simulated: bool) -> ItemCalibration:
    marks = version.marks
    d = [float(x) for x in result.items.d[position, :marks]]
    se_d = [None if np.isnan(x) else float(x) for x in result.se_d[position, :marks]]
    se_a = float(result.se_a[position])
    stats, flags = version_statistics(evidence, version)
    return ItemCalibration(
        item_version=version, model=MODEL, irt_a=float(result.items.a[position]), irt_d=d, irt_c=0.0,
        se_a=None if np.isnan(se_a) else se_a, se_d=se_d, responses=responses, simulated=simulated, anchors=anchors,
        converged=bool(result.converged),
        evidence={"facility": stats.facility, "correlation": stats.correlation,
                  "flags": [{"code": f.code, "title": f.title, "task": f.task} for f in flags]},
    )


