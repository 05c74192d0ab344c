"""Solving the 0-1 assembly program with `scipy.optimize.milp` (HiGHS).

Two objectives serve all modes:

* `maximise` - ``max sum_i w_i x_i`` (shadow tests: ``w`` is information at the current
  ability; van der Linden & Reese, 1998);
* `meet_target` - ``min sum_k s_k - eps sum_i w_i x_i`` subject to
  ``sum_i I_i(theta_k) x_i + s_k >= T_k``, ``s_k >= 0``: the shortfall below a target
  information curve (van der Linden, 2005, sect. 5.1), with a small per-item term that
  breaks ties (randomly, for variety between tests) among tests that meet it.

When the program is infeasible, `why_infeasible` names the kinds of rule whose removal
makes it feasible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from exam_engine.assembly.constraints import ConstraintModel

TIME_LIMIT_SECONDS = 10.0
RULE_KINDS = ("total", "outcome", "criterion", "type", "time", "enemy")


class Infeasible(Exception):
    """No test meets the rules; ``reasons`` says which rules are in conflict.

    Given a model instead of reasons, the diagnosis (several more solves) runs only when
    the reasons are asked for, so callers that merely fall back pay nothing for it.
    """

    def __init__(self, reasons: list[str] | None = None, model: ConstraintModel | None = None) -> None:
        super().__init__()
        self._reasons = reasons
        self._model = model

    @property
    def reasons(self) -> list[str]:
        if self._reasons is None:
            self._reasons = why_infeasible(self._model) if self._model is not None else ["no test meets the rules"]
        return self._reasons

    def __str__(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class Solution:
    """The chosen items (pool positions) and the model's rules at a bound."""

    items: NDArray[np.int64]
    binding: list[str]
    shortfall: NDArray[np.float64]


def _run(model: ConstraintModel, cost: NDArray[np.float64], extra: int = 0,
         extra_rows: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None) -> NDArray[np.float64] | None:
    """The solution vector (None if there is none); ``extra_rows`` are rows and their lower bounds."""
    n = model.candidates.size
    if n + extra == 0:
        raise Infeasible(model=model)  # no item may be used at all
    lower_bounds = np.r_[model.forced.astype(float), np.zeros(extra)]
    upper_bounds = np.r_[np.ones(n), np.full(extra, np.inf)]
    rows = model.needed()
    matrix = np.hstack([model.matrix[rows], np.zeros((int(rows.sum()), extra))])
    constraints = [LinearConstraint(matrix, model.lower[rows], model.upper[rows])] if rows.any() else []
    if extra_rows is not None:
        constraints.append(LinearConstraint(extra_rows[0], extra_rows[1], np.inf))
    integrality = np.r_[np.ones(n), np.zeros(extra)]
    return milp(cost, constraints=constraints, integrality=integrality, bounds=Bounds(lower_bounds, upper_bounds),
                options={"time_limit": TIME_LIMIT_SECONDS, "presolve": False}).x


def _solution(model: ConstraintModel, x: NDArray[np.float64] | None, extra: int = 0) -> Solution:
    if x is None:
        raise Infeasible(model=model)
    n = model.candidates.size
    chosen = x[:n] > 0.5
    return Solution(model.candidates[chosen], model.binding(chosen), x[n:n + extra])


def maximise(model: ConstraintModel, weights: NDArray[np.float64]) -> Solution:
    """The test maximising ``sum w_i x_i``; ``weights`` are per candidate."""
    return _solution(model, _run(model, -weights))


def meet_target(model: ConstraintModel, information: NDArray[np.float64], target: NDArray[np.float64],
                tie_break: NDArray[np.float64]) -> Solution:
    """The test with the least information shortfall below ``target``.

    ``information`` is ``(K, n)`` item information at the K target abilities over the
    candidates; ``tie_break`` (n,) small weights preferred among equally good tests.
    """
    k = target.size
    rows = np.hstack([information, np.eye(k)])
    scale = 1e-3 / max(float(np.abs(tie_break).max(initial=0.0)), 1e-12)
    cost = np.r_[-scale * tie_break, np.ones(k)]
    return _solution(model, _run(model, cost, k, (rows, target)), k)


def why_infeasible(model: ConstraintModel) -> list[str]:
    """Reasons a model has no solution: the kinds of rule that, dropped alone, restore feasibility."""
    reasons = []
    for kind in RULE_KINDS:
        if kind not in model.kinds:
            continue
        relaxed = model.without(kind)
        if _run(relaxed, np.zeros(model.candidates.size)) is not None:
            rows = [r for r, k in enumerate(model.kinds) if k == kind]
            reasons.append(f"conflict with the {kind} rules ({_rule_summary(model, rows)})")
    return reasons or ["no test meets the rules even with any one kind of rule dropped"]


def _rule_summary(model: ConstraintModel, rows: list[int]) -> str:
    """The rules' names, or for enemy rules (one per group, naming every item) the largest groups."""
    if model.kinds[rows[0]] != "enemy":
        more = ", ..." if len(rows) > 6 else ""
        return ", ".join(model.names[r] for r in rows[:6]) + more
    sizes = model.matrix[rows].sum(axis=1)
    groups = []
    for k in np.argsort(-sizes, kind="stable")[:3]:
        first = model.names[rows[k]].removeprefix("enemies ").split(", ")[0]
        groups.append(f"the group of {first} ({int(sizes[k])} items)")
    count = f"{len(rows)} group" + ("s" if len(rows) > 1 else "")
    return f"{count} of items that may not share a test; the largest: {'; '.join(groups)}"
