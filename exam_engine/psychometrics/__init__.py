"""Pure item response theory and classical test statistics (numpy/scipy only).

Conventions
-----------
Logistic models with D = 1 in slope-intercept form, as mirt:
one-mark items ``P = c + (1 - c) expit(a theta + d)`` with ``b = -d / a``;
multi-mark items by the generalised partial credit model
``P_k ~ exp(a k theta + d_k)``, ``d_0 = 0`` (partial credit: ``a = 1``).
or by the graded response model ``P(X >= k) = expit(a theta + d_k)``, ``d`` decreasing
(``ItemParameters.graded_response(a, d)``; mirt's ``graded``).
Abilities are in logits.  Responses are float arrays of integer scores with
NaN where an item was not administered.

For the adaptive engine
-----------------------
Vectorised over many items (``theta`` (n,), parameters (m,) -> (n, m))::

    from exam_engine.psychometrics import models
    models.probability(theta, a, d, c)        # P(correct), one-mark items
    models.information(theta, a, d, c)        # Fisher information
    models.gpcm_probability(theta, a, d)      # (n, m, K+1), d is (m, K), NaN-padded
    models.gpcm_information(theta, a, d)      # (n, m)

A bank of any mix of items is an `ItemParameters` (``a`` (m,), ``d`` (m, K),
``c`` (m,)); build it with ``ItemParameters.dichotomous(a, d, c)`` or
``ItemParameters.gpcm(a, d)`` and use ``models.category_probability``,
``models.item_information``, ``models.total_information``,
``models.expected_total_score`` (test characteristic curve) and
``models.log_likelihood``.

One learner's ability after any subset of items (``responses`` (m,), NaN for
items not given)::

    from exam_engine.psychometrics.ability import eap, map_estimate, ml_estimate, wle
    theta, se = eap(responses, bank)          # ~0.1 ms for 30 answers
    theta, se = eap(values, bank, administered=mask)   # or mark the items given with a mask

``ability.eap_many`` scores many learners at once.

Calibration and analysis
------------------------
``calibration.calibrate(responses, model)`` - MML-EM (Bock & Aitkin, 1981) for
``rasch``, ``rasch-fixed``, ``1pl``, ``2pl``, ``3pl``, ``gpcm``, ``pcm``, ``grm``,
``grm-equal`` on sparse data, with standard errors, log-likelihood and convergence;
``fixed``/``fixed_mask`` hold live items so pretest items land on their scale, and
``fix={(item, "c"): 0.1}`` holds single parameters.  ``linking`` (mean/sigma,
Stocking-Lord, Haebara, anchor drift), ``equating`` (IRT true- and observed-score
equating, raw-to-scale tables), ``classical`` (facility, corrected item-total r, upper-lower
index, discriminative efficiency, distractors, alpha/KR-20, SEM, intervals),
``fit`` (S-X^2, by form for sparse data; infit/outfit), ``dimensionality`` (Yen's Q3, M2 and
RMSEA2), ``dif`` (Mantel-Haenszel with ETS A/B/C, purification), ``simulation``.

Standards and decisions
-----------------------
``standard_setting`` - modified Angoff cuts and the panel's spread, impact
data, cuts carried between marks and ability through the test characteristic
curve, the bookmark method; ``classification`` - accuracy and consistency of
pass/fail decisions (Rudner on ability, Livingston-Lewis on raw marks).

The ``exam-engine calibrate | item-stats | score`` commands
(`exam_engine.analysis.commands`) wrap these for CSV files.
"""
