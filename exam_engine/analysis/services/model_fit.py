"""Does the IRT model fit the unit's stored responses? Item fit, local dependence, one dimension.

Pure: it takes a `ResponseMatrix`, the bank's parameters, the learners' abilities and, per
column, the model the parameters came from and the item's scenario; it knows nothing of the
database. Only scored answers count (pretest items given unscored are left out of the summed
scores and of the ability estimates).

* **S-X^2** (Orlando & Thissen, 2000; `psychometrics.fit.s_x2_by_form`) needs a summed score
  over a common set of items. Decision: it is computed on the attempts whose items were set
  before the sitting (fixed forms, LOFT), grouped into forms of identical scored items with at
  least `MIN_FORM_PERSONS` learners each, and added over the forms an item appears on. It is
  **not available for adaptive sittings**: their items were chosen from the answers, so the
  summed score of a form is not what the model's score distribution describes. An item
  without a qualifying form gets the reason instead of a number.
* **Yen's Q3** for the pairs of items that share a scenario (the bank's scenario links), each
  against the mean Q3 of every pair (Christensen et al., 2017; flagged above it by more than
  `Q3_CRITERION`). Residuals are taken at each learner's EAP ability, so adaptive attempts
  count too; a pair needs `MIN_PAIR_PERSONS` learners given both. A flagged scenario pair
  becomes a task for the writer; pairs outside any scenario that are flagged are only listed
  (on the unit's page, as candidates for an enemy set), since among many pairs some pass the
  criterion by chance. Enemy items are never given together and so have no Q3.
* **Unidimensionality**: M2 and RMSEA2 (Maydeu-Olivares & Joe, 2005, 2014; criterion in
  `psychometrics.dimensionality`) on the largest fixed form of one-mark items with at least
  `MIN_FORM_PERSONS` learners.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from exam_engine.analysis.services.responses import ResponseMatrix
from exam_engine.psychometrics.dimensionality import MIN_PAIR_PERSONS as MIN_PAIR_PERSONS
from exam_engine.psychometrics.dimensionality import Q3_CRITERION as Q3_CRITERION
from exam_engine.psychometrics.dimensionality import (
    RMSEA_ADEQUATE,
    RMSEA_CLOSE,
    LimitedInformationFit,
    local_dependence,
    m2,
)
from exam_engine.psychometrics.fit import MIN_FORM_PERSONS, common_forms, s_x2_by_form
from exam_engine.psychometrics.models import ItemParameters

# parameters estimated per one-mark item under each calibration model ("fixed": not estimated)
ESTIMATED = {"rasch": 1, "1pl": 1, "rasch-fixed": 1, "2pl": 2, "3pl": 3, "4pl": 4, "fixed": 0}
MISFIT_P = 0.01  # S-X^2 p-value below which an item is flagged (one test per item: a strict level)


def fit_model(source: str, calibration_model: str | None) -> str:
    """The model name `ESTIMATED` knows for a version's parameters: "fixed" when provisional."""
    if source != "calibrated":
        return "fixed"
    model = calibration_model or "gpcm"
    return {"gpcm": "2pl", "grm": "2pl", "grm-equal": "2pl", "pcm": "rasch"}.get(
        model, model if model in ESTIMATED else "2pl")


@dataclass(frozen=True)
class ItemFitResult:
    """S-X^2 of one version, or why there is none."""

    statistic: float | None = None
    df: int | None = None
    p_value: float | None = None
    learners: int = 0
    forms: int = 0
    reason: str | None = None  # set when there is no statistic

    @property
    def misfit(self) -> bool:
        return self.p_value is not None and self.p_value < MISFIT_P


@dataclass(frozen=True)
class DependentPair:
    """Q3 of two versions given together, against the mean Q3 of the unit."""

    first: int  # version ids
    second: int
    first_label: str  # e.g. "C-1 v2"
    second_label: str
    scenario: str | None  # the scenario they share (None: they share none)
    q3: float | None
    above_mean: float | None
    learners: int
    flagged: bool


@dataclass(frozen=True)
class Dimensionality:
    """M2 / RMSEA2 on one fixed form, or why there is none."""

    result: LimitedInformationFit | None
    items: int = 0
    reason: str | None = None
    criterion: str = (f"RMSEA2 at most {RMSEA_CLOSE}: close fit; at most {RMSEA_ADEQUATE}: adequate; above: "
                      "one ability does not explain the items' associations (Maydeu-Olivares & Joe, 2014)")


@dataclass
class UnitFit:
    items: dict[int, ItemFitResult] = field(default_factory=dict)  # by version id
    scenario_pairs: list[DependentPair] = field(default_factory=list)
    other_pairs: list[DependentPair] = field(default_factory=list)  # flagged pairs sharing no scenario
    mean_q3: float | None = None

    def pairs_of(self, version_id: int) -> list[DependentPair]:
        return [pair for pair in self.scenario_pairs + self.other_pairs if version_id in (pair.first, pair.second)]


def unit_fit(matrix: ResponseMatrix, bank: ItemParameters, theta: NDArray[np.float64], models: list[str],
             scenarios: list[str | None], labels: list[str] | None = None) -> UnitFit:
    """Item fit and scenario pairs' Q3 of a unit (see module docstring); `models`, `scenarios` and
    `labels` give each column's parameter model (`fit_model`), scenario code (None: none) and name."""
    scored = np.where(matrix.pretest, np.nan, matrix.scores)
    found = UnitFit()
    if matrix.n_persons == 0:
        found.items = {vid: ItemFitResult(reason="no responses yet") for vid in matrix.version_ids}
        return found
    estimated = np.array([ESTIMATED[model] for model in models], np.int64)
    fixed = scored[matrix.fixed_rows()]
    found.items = _item_fit(matrix, scored, fixed, bank, estimated)
    names = labels or [str(vid) for vid in matrix.version_ids]
    _dependence(found, matrix, scored, theta, bank, scenarios, names)
    return found


def _item_fit(matrix: ResponseMatrix, scored: NDArray[np.float64], fixed: NDArray[np.float64], bank: ItemParameters,
              estimated: NDArray[np.int64]) -> dict[int, ItemFitResult]:
    result = s_x2_by_form(fixed, bank, estimated)
    one_mark = bank.max_scores == 1
    on_forms = (~np.isnan(fixed)).sum(axis=0)
    items = {}
    for j, version_id in enumerate(matrix.version_ids):
        if result.df[j] > 0:
            items[version_id] = ItemFitResult(float(result.statistic[j]), int(result.df[j]), float(result.p_value[j]),
                                              int(result.persons[j]), int(result.forms[j]))
        elif np.isnan(scored[:, j]).all():
            items[version_id] = ItemFitResult(reason="no scored responses (only pretest or none): S-X^2 is computed "
                                                     "once the item is scored")
        elif not one_mark[j]:
            items[version_id] = ItemFitResult(reason="not available for multi-mark items (the summed-score "
                                                     "recursion used is for one-mark items)")
        else:
            items[version_id] = ItemFitResult(learners=int(on_forms[j]), reason=(
                f"not available: S-X^2 needs at least {MIN_FORM_PERSONS} learners who took the same fixed form of "
                f"one-mark items, enough to leave degrees of freedom; {int(on_forms[j])} took this item on fixed "
                "forms or LOFT tests. Adaptive sittings do not count: their items were chosen from the answers, "
                "so their summed scores do not follow the model's score distribution"))
    return items


def _dependence(found: UnitFit, matrix: ResponseMatrix, scored: NDArray[np.float64], theta: NDArray[np.float64],
                bank: ItemParameters, scenarios: list[str | None], names: list[str]) -> None:
    every = local_dependence(scored, theta, bank)
    found.mean_q3 = None if np.isnan(every.mean) else every.mean
    ids = matrix.version_ids
    for (j, k), q3, above, learners, flagged in zip(every.pairs, every.q3, every.excess, every.persons,
                                                    every.flagged):
        shared = scenarios[j] if scenarios[j] is not None and scenarios[j] == scenarios[k] else None
        if shared is None and not flagged:
            continue
        pair = DependentPair(ids[j], ids[k], names[j], names[k], shared, None if np.isnan(q3) else float(q3),
                             None if np.isnan(above) else float(above), int(learners), bool(flagged))
        (found.scenario_pairs if shared is not None else found.other_pairs).append(pair)


def unit_dimensionality(matrix: ResponseMatrix, bank: ItemParameters, models: list[str]) -> Dimensionality:
    """M2 / RMSEA2 on the largest fixed form of one-mark scored items (see module docstring)."""
    fixed = np.where(matrix.pretest, np.nan, matrix.scores)[matrix.fixed_rows()]
    one_mark = bank.max_scores == 1
    forms = [(rows, columns) for rows, columns in common_forms(fixed) if one_mark[columns].all() and columns.size >= 3]
    if not forms:
        return Dimensionality(None, reason=(
            f"not available: M2 needs at least {MIN_FORM_PERSONS} learners who took the same fixed form of three or "
            "more one-mark items (adaptive sittings have no common form)"))
    rows, columns = forms[0]
    try:
        result = m2(fixed[np.ix_(rows, columns)], bank.subset(columns), [models[j] for j in columns])
    except (ValueError, np.linalg.LinAlgError) as error:
        return Dimensionality(None, reason=f"not available: {error}")
    return Dimensionality(result, int(columns.size))

