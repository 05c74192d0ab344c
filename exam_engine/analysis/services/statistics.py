"""Statistics of one item version from a response matrix, by the psychometrics core.

Pure: it takes a `ResponseMatrix`, the bank's parameters and the version's content, and
knows nothing of the database. Abilities are EAP estimates from each learner's scored
(not pretest) items at the bank's current parameters. Classical statistics use every
item the learner was given. Thresholds below which a statistic is not trusted are named
constants (`SHOWN_FROM`); below its threshold a statistic is withheld, not shown with a
caveat: the page and the CSV leave it out and say from how many responses it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from exam_engine.analysis.services.model_fit import DependentPair, ItemFitResult, UnitFit
from exam_engine.analysis.services.responses import NOT_RECORDED, ResponseMatrix
from exam_engine.psychometrics import classical, dif
from exam_engine.psychometrics.ability import eap_many
from exam_engine.psychometrics.fit import mean_squares
from exam_engine.psychometrics.models import ItemParameters, expected_scores

MIN_CLASSICAL = 30  # responses before facility, correlation and distractors are trusted
MIN_IRT = 100  # responses before item fit and the observed curve are trusted
MIN_DIF_GROUP = dif.MIN_GROUP  # learners in each of the focal and reference groups for Mantel-Haenszel
DIF_MINIMUM_WHY = (f"Mantel-Haenszel needs at least {MIN_DIF_GROUP} learners in each group: spread over five ability "
                   "strata, fewer leave tables of a handful of learners, whose odds ratio is too uncertain for an "
                   "ETS category to mean anything (operational programmes often require more)")
# The responses each statistic needs before it is shown (`ItemStatistics.withheld`).
SHOWN_FROM = {
    "facility": MIN_CLASSICAL, "correlation": MIN_CLASSICAL, "options": MIN_CLASSICAL,
    "seconds": MIN_CLASSICAL, "drift": MIN_CLASSICAL, "fit": MIN_IRT, "observed": MIN_IRT,
}
ICC_GROUPS = 6  # ability groups whose observed proportions are drawn over the curve
CURVE_THETA = np.linspace(-4.0, 4.0, 81)


@dataclass(frozen=True)
class VersionContent:
    """What of an item version the statistics need."""

    version_id: int
    type: str
    marks: int
    key: str | list[str]
    options: list[dict[str, str]]
    source: str  # parameter source: provisional or calibrated
    se_a: float | None = None
    se_d: list[float | None] = field(default_factory=list)
    calibrated_at: datetime | None = None


@dataclass
class OptionRow:
    id: str
    text: str
    keyed: bool
    count: int
    share: float
    mean_ability: float | None


@dataclass
class DifRow:
    group: str
    focal: str
    reference: str
    n_focal: int
    n_reference: int
    delta: float | None
    p_value: float | None
    category: str | None  # None: too few learners to test
    refusal: str | None = None  # why it was not tested, when it was not


@dataclass
class ItemStatistics:
    version_id: int
    responses: int
    facility: float | None
    facility_interval: tuple[float, float] | None
    correlation: float | None
    correlation_interval: tuple[float, float] | None
    options: list[OptionRow]
    a: float
    d: list[float]
    c: float
    difficulty: float  # b: the ability (logits) at which the expected score is half the marks
    source: str
    se_a: float | None
    se_d: list[float | None]
    infit: float | None
    outfit: float | None
    observed: list[tuple[float, float, int]]  # (mean ability, observed proportion of marks, learners)
    curve: list[tuple[float, float]]  # (ability, expected proportion of marks)
    dif: list[DifRow]
    median_seconds: float | None
    exposure: float  # share of the attempts in the matrix that were given the item
    drift: tuple[float, float, int] | None  # (observed, expected facility, responses) since calibration
    item_fit: ItemFitResult | None = None  # S-X^2, or why there is none
    dependent: list[DependentPair] = field(default_factory=list)  # Q3 with items sharing its scenario, and flagged

    @property
    def small_sample(self) -> bool:
        return self.responses < MIN_CLASSICAL

    def withheld(self, statistic: str) -> str | None:
        """Why `statistic` (a key of `SHOWN_FROM`) is not shown ("shown from 30 responses"), or None
        when the sample is large enough to show it."""
        needed = SHOWN_FROM[statistic]
        if self.responses >= needed:
            return None
        return f"shown from {needed} responses"


def abilities(matrix: ResponseMatrix, bank: ItemParameters) -> NDArray[np.float64]:
    """EAP ability of every learner from their scored items, ``(n,)``."""
    scored = np.where(matrix.pretest, np.nan, matrix.scores)
    if matrix.n_persons == 0:
        return np.zeros(0)
    theta, _ = eap_many(scored, bank)
    return theta


def item_statistics(matrix: ResponseMatrix, bank: ItemParameters, theta: NDArray[np.float64],
                    content: VersionContent, fit: UnitFit | None = None) -> ItemStatistics:
    """Every statistic of the workbench's item page for one version (column); S-X^2 and Q3 from the
    unit's `fit` when given."""
    j = matrix.column(content.version_id)
    took = ~np.isnan(matrix.scores[:, j])
    n = int(took.sum())
    item = bank.subset([j])
    facility = facility_interval = correlation = correlation_interval = None
    if n:
        facility = float(classical.facility(matrix.scores[:, [j]], [content.marks])[0])
        low, high = classical.wilson_interval(facility * n, n)
        facility_interval = (float(low), float(high))
        r = float(classical.item_rest_correlation(matrix.scores)[j])
        if not np.isnan(r):
            correlation = r
            if n > 3:
                low, high = classical.correlation_interval(r, n)
                correlation_interval = (float(low), float(high))
    infit = outfit = None
    if n:
        squares = mean_squares(matrix.scores[took][:, [j]], theta[took], item)
        infit, outfit = float(squares.infit[0]), float(squares.outfit[0])
    seconds = matrix.seconds[took, j]
    seconds = seconds[~np.isnan(seconds)]
    return ItemStatistics(
        version_id=content.version_id, responses=n, facility=facility, facility_interval=facility_interval,
        correlation=correlation, correlation_interval=correlation_interval,
        options=option_rows(matrix, j, theta, content),
        a=float(item.a[0]), d=[float(x) for x in item.d[0] if not np.isnan(x)], c=float(item.c[0]),
        difficulty=_difficulty(item, content.marks), source=content.source,
        se_a=content.se_a, se_d=list(content.se_d), infit=infit, outfit=outfit,
        observed=observed_groups(matrix.scores[took, j] / content.marks, theta[took]),
        curve=[(float(t), float(p)) for t, p in
               zip(CURVE_THETA, expected_scores(CURVE_THETA, item)[:, 0] / content.marks)],
        dif=dif_rows(matrix, j, theta, content.marks),
        median_seconds=float(np.median(seconds)) if seconds.size else None,
        exposure=n / matrix.n_persons if matrix.n_persons else 0.0,
        drift=_drift(matrix, j, theta, item, content),
        item_fit=fit.items.get(content.version_id) if fit else None,
        dependent=fit.pairs_of(content.version_id) if fit else [],
    )


def _difficulty(item: ItemParameters, marks: int) -> float:
    """Ability where the expected score is half the marks (b for one-mark items without guessing)."""
    grid = np.linspace(-6, 6, 1201)
    expected = expected_scores(grid, item)[:, 0] / marks
    return float(np.interp(0.5, expected, grid))


def option_rows(matrix: ResponseMatrix, j: int, theta: NDArray[np.float64],
                content: VersionContent) -> list[OptionRow]:
    """Share choosing each option and mean ability of its choosers (ordering: placed first)."""
    given = [i for i in range(matrix.n_persons) if not np.isnan(matrix.scores[i, j])]
    keyed = {content.key} if isinstance(content.key, str) else set(content.key)
    if content.type == "ordering":
        keyed = {content.key[0]}
    rows = []
    for option in content.options:
        choosers = [i for i in given if _chose(matrix.choices[i][j], option["id"], content.type)]
        rows.append(OptionRow(
            option["id"], option["text"], option["id"] in keyed, len(choosers),
            len(choosers) / len(given) if given else 0.0,
            float(np.mean(theta[choosers])) if choosers else None,
        ))
    return rows


def _chose(answer: object, option_id: str, item_type: str) -> bool:
    if answer is None:
        return False
    if item_type == "single_best_answer":
        return answer == option_id
    if item_type == "ordering":
        return isinstance(answer, list) and bool(answer) and answer[0] == option_id
    return isinstance(answer, list) and option_id in answer


def observed_groups(proportion: NDArray[np.float64], theta: NDArray[np.float64],
                    groups: int = ICC_GROUPS) -> list[tuple[float, float, int]]:
    """Learners split by ability into equal groups: (mean ability, mean proportion of marks, size)."""
    if proportion.size == 0:
        return []
    order = np.argsort(theta, kind="stable")
    return [(float(theta[part].mean()), float(proportion[part].mean()), int(part.size))
            for part in np.array_split(order, min(groups, proportion.size)) if part.size]


def dif_rows(matrix: ResponseMatrix, j: int, theta: NDArray[np.float64], marks: int) -> list[DifRow]:
    """Mantel-Haenszel DIF for each recorded group against the largest group of its kind.

    Learners are matched on ability quintile (sparse tests have no common total score);
    multi-mark items are scored right only at full marks.
    """
    took = ~np.isnan(matrix.scores[:, j])
    right = (matrix.scores[took, j] == marks).astype(float)[:, None]
    strata = dif.ability_strata(theta[took])
    rows = []
    for name, labels in matrix.groups.items():
        labels_taken = np.array(labels, dtype=object)[took]
        recorded = [label for label in labels_taken if label != NOT_RECORDED]
        if not recorded:
            continue
        values, counts = np.unique(np.array(recorded, dtype=str), return_counts=True)
        reference = str(values[np.argmax(counts)])
        for focal in values:
            if focal == reference:
                continue
            in_focal, in_reference = labels_taken == focal, labels_taken == reference
            rows.append(_dif_row(name, str(focal), reference, right, strata, in_focal, in_reference))
    return rows


def dif_groups(matrix: ResponseMatrix) -> list[str]:
    """Each recorded grouping's sizes over the unit's attempts, the reference group (the largest) and which
    focal groups are too small for DIF on any item (per item, only learners given it count)."""
    lines = []
    for name, labels in matrix.groups.items():
        recorded = [label for label in labels if label != NOT_RECORDED]
        if not recorded:
            continue
        values, counts = np.unique(np.array(recorded, dtype=str), return_counts=True)
        reference = int(np.argmax(counts))
        parts = [f"{values[k]} {counts[k]}" + ("" if counts[k] >= MIN_DIF_GROUP else " (too few: not tested)")
                 for k in range(values.size) if k != reference]
        if parts:
            lines.append(f"DIF by {name}: reference {values[reference]} ({counts[reference]} learners); "
                         + "; ".join(parts))
    return lines


def _dif_row(name: str, focal: str, reference: str, right: NDArray[np.float64], strata: NDArray[np.intp],
             in_focal: NDArray[np.bool_], in_reference: NDArray[np.bool_]) -> DifRow:
    n_focal, n_reference = int(in_focal.sum()), int(in_reference.sum())
    row = DifRow(name, focal, reference, n_focal, n_reference, None, None, None)
    if min(n_focal, n_reference) < MIN_DIF_GROUP:
        row.refusal = (f"not tested: {n_focal} {focal} and {n_reference} {reference} learners were given it. "
                       + DIF_MINIMUM_WHY)
        return row
    both = in_focal | in_reference
    result = dif.mantel_haenszel(right[both], in_focal[both], matching=strata[both])
    delta = float(result.delta[0])
    if np.isfinite(delta):
        row.delta, row.p_value, row.category = delta, float(result.p_value[0]), str(result.category[0])
    else:
        row.refusal = "no estimate: within the ability strata one group answered it all right or all wrong"
    return row


def _drift(matrix: ResponseMatrix, j: int, theta: NDArray[np.float64], item: ItemParameters,
           content: VersionContent) -> tuple[float, float, int] | None:
    """Observed and expected facility of the responses since calibration (None if not calibrated)."""
    if content.calibrated_at is None:
        return None
    since = np.array([started >= content.calibrated_at for started in matrix.started], bool)
    took = since & ~np.isnan(matrix.scores[:, j])
    if not took.any():
        return None
    expected = expected_scores(theta[took], item)[:, 0] / content.marks
    observed = matrix.scores[took, j] / content.marks
    return float(observed.mean()), float(expected.mean()), int(took.sum())
