"""Classical statistics reproduce mirt's ``itemstats`` on LSAT7 and SAT12.

Published values: mirt's reference pages (rendered examples) for ``itemstats``,
``itemstats(expand.table(LSAT7))`` and ``itemstats(key2binary(SAT12, key),
ts.tables = TRUE)``, and for ``Science``, ``itemstats(Science)`` (four-point
items, so facility is the mean mark over the maximum).  They are printed to 3 decimals, so the tolerance is
0.0005 (0.00001 for the 5-decimal mean totals).
"""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics import classical

pytestmark = pytest.mark.reference_data

ROUNDED = 0.0005

LSAT7_ALPHA, LSAT7_SEM = 0.453, 0.886
LSAT7_MEAN = [0.828, 0.658, 0.772, 0.606, 0.843]
LSAT7_REST_R = [0.246, 0.247, 0.313, 0.223, 0.175]
LSAT7_ALPHA_IF_RM = [0.396, 0.394, 0.345, 0.415, 0.438]

SAT12_ALPHA, SAT12_SEM = 0.798, 2.272
SAT12_REST_R = [0.300, 0.464, 0.371, 0.235, 0.340, 0.351, 0.289, 0.233, 0.127, 0.383, 0.156, 0.076, 0.358, 0.333,
                0.325, 0.278, 0.202, 0.508, 0.314, 0.318, 0.136, 0.238, 0.253, 0.346, 0.297, 0.489, 0.367, 0.383,
                0.324, 0.159, 0.419, 0.037]
SAT12_ALPHA_IF_RM = [0.793, 0.785, 0.789, 0.796, 0.791, 0.791, 0.793, 0.795, 0.798, 0.789, 0.797, 0.803, 0.790,
                     0.791, 0.792, 0.794, 0.796, 0.783, 0.792, 0.792, 0.798, 0.795, 0.795, 0.791, 0.793, 0.783,
                     0.791, 0.789, 0.791, 0.799, 0.788, 0.802]
# total.score_means[, "1"] for the first five items: mean total of those choosing the key.
SAT12_KEY_MEAN_TOTAL = [21.25294, 20.57478, 21.81548, 20.30396, 19.87634]

SCIENCE_ALPHA, SCIENCE_SEM = 0.598, 1.27
SCIENCE_MEAN = [3.120, 2.722, 2.990, 2.837]  # on the 1..4 scale
SCIENCE_REST_R = [0.352, 0.332, 0.488, 0.363]
SCIENCE_ALPHA_IF_RM = [0.552, 0.567, 0.437, 0.541]


def test_lsat7_itemstats(load_table) -> None:
    data = load_table("lsat7.csv")[1]
    np.testing.assert_allclose(classical.facility(data), LSAT7_MEAN, atol=ROUNDED)
    np.testing.assert_allclose(classical.item_rest_correlation(data), LSAT7_REST_R, atol=ROUNDED)
    np.testing.assert_allclose(classical.alpha_if_deleted(data), LSAT7_ALPHA_IF_RM, atol=ROUNDED)
    assert classical.cronbach_alpha(data) == pytest.approx(LSAT7_ALPHA, abs=ROUNDED)
    assert classical.standard_error_of_measurement(data) == pytest.approx(LSAT7_SEM, abs=ROUNDED)


def test_sat12_itemstats_and_key_choosers(load_table, reference_data) -> None:
    raw = load_table("sat12_raw.csv")[1]
    key = np.loadtxt(reference_data / "sat12_key.csv", delimiter=",", skiprows=1, usecols=1)
    data = (raw == key).astype(float)
    assert classical.cronbach_alpha(data) == pytest.approx(SAT12_ALPHA, abs=ROUNDED)
    assert classical.standard_error_of_measurement(data) == pytest.approx(SAT12_SEM, abs=ROUNDED)
    np.testing.assert_allclose(classical.item_rest_correlation(data), SAT12_REST_R, atol=ROUNDED)
    np.testing.assert_allclose(classical.alpha_if_deleted(data), SAT12_ALPHA_IF_RM, atol=ROUNDED)
    table = classical.distractor_analysis(raw, key)
    key_column = np.searchsorted(table.options, key)
    key_means = table.mean_total[np.arange(32), key_column]
    np.testing.assert_allclose(key_means[:5], SAT12_KEY_MEAN_TOTAL, atol=1e-5)


def test_science_itemstats_for_multi_mark_items(load_table) -> None:
    """Recoded 0..3: the mean mark is mirt's mean minus 1, the facility that over 3.

    mirt prints this SEM to 2 decimals (1.27), so its tolerance is 0.005.
    """
    data = load_table("science.csv")[1] - 1
    np.testing.assert_allclose(classical.facility(data) * 3 + 1, SCIENCE_MEAN, atol=ROUNDED)
    np.testing.assert_allclose(classical.item_rest_correlation(data), SCIENCE_REST_R, atol=ROUNDED)
    np.testing.assert_allclose(classical.alpha_if_deleted(data), SCIENCE_ALPHA_IF_RM, atol=ROUNDED)
    assert classical.cronbach_alpha(data) == pytest.approx(SCIENCE_ALPHA, abs=ROUNDED)
    assert classical.standard_error_of_measurement(data) == pytest.approx(SCIENCE_SEM, abs=0.005)
