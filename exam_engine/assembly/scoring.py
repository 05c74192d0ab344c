"""Scoring a sitting: ability, equivalent marks, pass or fail, and how sure that is.

* ability and SE: EAP on the scored items (`exam_engine.psychometrics.ability.eap`,
  Bock & Mislevy, 1982), on a fine grid so that the classification probability is
  resolved near the cut;
* equivalent marks: the reference form's test characteristic curve at the ability,
  ``sum_j E[X_j | theta]`` (Lord, 1980, ch. 4): the marks the learner would be expected
  to earn on the reference form, which is how the pass mark is stated to centres;
* pass if ``theta >= cut``; the probability that this classification is right is the
  posterior mass on the same side of the cut (Rudner, 2001, "Computing the expected
  proportions of misclassified examinees").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike

from exam_engine.psychometrics.ability import eap
from exam_engine.psychometrics.models import ItemParameters, expected_total_score, log_likelihood
from exam_engine.psychometrics.quadrature import normal_grid

SCORING_GRID = normal_grid(n_nodes=241, limit=6.0)


@dataclass(frozen=True)
class Score:
    theta: float
    se: float
    equivalent_marks: float  # on the reference form
    pass_marks: float  # the cut in marks on the reference form
    passed: bool
    classification_probability: float

    def as_dict(self) -> dict[str, float | bool]:
        return asdict(self)


def pass_marks(cut_theta: float, reference: ItemParameters) -> float:
    """The cut expressed as expected marks on the reference form."""
    return float(expected_total_score(cut_theta, reference)[0])


def score(responses: ArrayLike, items: ItemParameters, reference: ItemParameters, cut_theta: float) -> Score:
    """Score the scored items ``items`` answered with ``responses`` (marks; NaN = not answered)."""
    responses = np.asarray(responses, float)
    theta, se = eap(responses, items, SCORING_GRID)
    answered = ~np.isnan(responses)
    log_post = log_likelihood(SCORING_GRID.nodes, responses[answered], items.subset(answered))
    log_post = log_post + np.log(SCORING_GRID.weights)
    posterior = np.exp(log_post - log_post.max())
    posterior /= posterior.sum()
    above = float(posterior[SCORING_GRID.nodes >= cut_theta].sum())
    passed = theta >= cut_theta
    return Score(theta, se, float(expected_total_score(theta, reference)[0]), pass_marks(cut_theta, reference),
                 bool(passed), above if passed else 1.0 - above)
