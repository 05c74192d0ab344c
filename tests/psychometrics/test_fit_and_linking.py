"""Item fit (S-X^2) against mirt, and linking against known transformations."""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics.calibration import calibrate
from exam_engine.psychometrics.fit import s_x2
from exam_engine.psychometrics.linking import Link, mean_sigma, stocking_lord, transform
from exam_engine.psychometrics.models import ItemParameters, category_probability

# mirt test-01-mirtOne.R: itemfit(<LSAT7 2PL>)$S_X2, df.S_X2 = 2 for every item.
MIRT_LSAT7_S_X2 = [4.749440, 14.451071, 1.270381, 5.237400, 0.941125]


@pytest.mark.reference_data
def test_s_x2_matches_mirt_on_lsat7(load_table) -> None:
    """Tolerance 0.01, as mirt's own test; the fits differ slightly in the last digit."""
    data = load_table("lsat7.csv")[1]
    fit = s_x2(data, calibrate(data, "2pl").items, n_parameters=2)
    np.testing.assert_allclose(fit.statistic, MIRT_LSAT7_S_X2, atol=0.01)
    assert list(fit.df) == [2] * 5


def test_transform_preserves_probabilities() -> None:
    items = ItemParameters(np.array([1.2, 0.8]), np.array([[0.5, np.nan], [1.0, -0.5]]), np.array([0.2, 0.0]))
    link = Link(1.3, -0.4)
    theta = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(
        category_probability(link.slope * theta + link.intercept, transform(items, link)),
        category_probability(theta, items),
        rtol=1e-12,
    )


@pytest.mark.parametrize("method", [mean_sigma, stocking_lord])
def test_known_link_is_recovered_exactly(method) -> None:
    rng = np.random.default_rng(5)
    source = ItemParameters.dichotomous(rng.uniform(0.6, 2.0, 20), rng.normal(0, 1, 20))
    link = Link(1.25, 0.6)
    found = method(source, transform(source, link))
    assert found.slope == pytest.approx(link.slope, abs=1e-5)
    assert found.intercept == pytest.approx(link.intercept, abs=1e-5)
