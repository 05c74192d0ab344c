"""Haebara and Stocking-Lord links, anchor drift, IRT true- and observed-score equating, raw-to-scale tables.

Published figures (see `equating_examples`): STUIRT's links for Kolen & Brennan's example (3PL) and
for STUIRT example 2 (3PL + GPCM); POLYEQUATE's true-score equating of both; Equating Recipes'
observed-score equating of Kolen & Brennan's example and of a 3PL + graded response example.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from exam_engine.psychometrics.equating import (
    equipercentile,
    observed_score_equating,
    raw_to_scale,
    score_distribution,
    summed_score_likelihood,
    synthetic,
    tcc_theta,
    true_score_equating,
)
from exam_engine.psychometrics.linking import (
    Link,
    anchor_drift,
    haebara,
    inverse,
    location,
    mean_sigma,
    stocking_lord,
    transform,
)
from exam_engine.psychometrics.models import ItemParameters, category_probability, expected_total_score
from exam_engine.psychometrics.quadrature import Quadrature, normal_grid
from tests.psychometrics import equating_examples as ex


def mixed_bank(rng: np.random.Generator, n_one: int = 10, n_multi: int = 4) -> ItemParameters:
    """``n_one`` 3PL items and ``n_multi`` GPCM items with 2 or 3 marks."""
    a = rng.uniform(0.7, 2.0, n_one + n_multi)
    d = np.full((a.size, 3), np.nan)
    d[:n_one, 0] = rng.normal(0, 1, n_one)
    for j in range(n_one, a.size):
        k = 2 + (j % 2)
        d[j, :k] = -a[j] * np.cumsum(np.sort(rng.normal(0, 1, k)))
    c = np.concatenate([rng.uniform(0.1, 0.25, n_one), np.zeros(n_multi)])
    return ItemParameters(a, d, c)


@pytest.mark.parametrize("method", [haebara, stocking_lord])
@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("kind", ["3pl", "mixed"])
def test_a_known_link_is_recovered_exactly(method, symmetric, kind) -> None:
    rng = np.random.default_rng(11)
    source = mixed_bank(rng, 12, 0) if kind == "3pl" else mixed_bank(rng)
    link = Link(0.8, -0.45)
    found = method(source, transform(source, link), symmetric=symmetric)
    assert found.slope == pytest.approx(link.slope, abs=1e-6)
    assert found.intercept == pytest.approx(link.intercept, abs=1e-6)


def test_graded_items_move_with_the_link_and_the_link_is_recovered() -> None:
    """Graded response items: ``d*_k = d_k - a B / A`` for every boundary, so probabilities are kept."""
    rng = np.random.default_rng(12)
    graded = ItemParameters.graded_response(rng.uniform(0.8, 2.0, 6), -np.sort(rng.normal(0, 1, (6, 3)), axis=1))
    link = Link(1.2, 0.5)
    theta = np.linspace(-3, 3, 7)
    moved = transform(graded, link)
    assert moved.is_graded.all()
    np.testing.assert_allclose(category_probability(link.slope * theta + link.intercept, moved),
                               category_probability(theta, graded), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(location(moved), link.slope * location(graded) + link.intercept)
    for method in (haebara, stocking_lord):
        found = method(graded, moved)
        assert (found.slope, found.intercept) == pytest.approx(link, abs=1e-6)


def test_mean_sigma_refuses_multi_mark_items() -> None:
    items = mixed_bank(np.random.default_rng(5))
    with pytest.raises(ValueError, match="one-mark items only"):
        mean_sigma(items, items)
    one_mark = items.subset(np.arange(10))  # still padded to three intercepts: fine
    assert mean_sigma(one_mark, transform(one_mark, Link(1.1, 0.2))) == pytest.approx((1.1, 0.2))


def test_inverse_link_undoes_the_link() -> None:
    items = mixed_bank(np.random.default_rng(3))
    link = Link(1.3, 0.4)
    back = transform(transform(items, link), inverse(link))
    np.testing.assert_allclose(back.a, items.a)
    np.testing.assert_allclose(back.d, items.d)


def test_stuirt_example_1_symmetric_links() -> None:
    """Kolen & Brennan's 12 common items (Table 6.5) with STUIRT example 1's distributions."""
    x, y = ex.three_pl(ex.KB_COMMON_X), ex.three_pl(ex.KB_COMMON_Y)
    on_x, on_y = ex.grid(ex.KB_POINTS, ex.KB_X_DENSITY), ex.grid(ex.KB_POINTS, ex.KB_Y_DENSITY)
    sl = stocking_lord(x, y, on_y, symmetric=True, source_grid=on_x)
    assert (sl.slope, sl.intercept) == pytest.approx(ex.STUIRT_KB_STOCKING_LORD, abs=1e-6)
    hb = haebara(x, y, on_y, symmetric=True, source_grid=on_x)
    assert hb.slope == pytest.approx(ex.STUIRT_KB_HAEBARA[0], abs=1e-4)
    assert hb.intercept == pytest.approx(ex.STUIRT_KB_HAEBARA[1], abs=1e-6)


def test_stuirt_example_2_mixed_format_links() -> None:
    """3PL + GPCM anchors on 25 equally weighted points in [-3, 3]."""
    x = ex.mixed(ex.STUIRT2_X_3PL, ex.STUIRT2_X_GPCM)
    y = ex.mixed(ex.MIXED_Y_3PL, ex.MIXED_Y_GPCM)
    uniform = Quadrature(np.linspace(-3, 3, 25), np.full(25, 1 / 25))
    sl = stocking_lord(x, y, uniform, symmetric=True)
    assert (sl.slope, sl.intercept) == pytest.approx(ex.STUIRT2_STOCKING_LORD, abs=1e-6)
    hb = haebara(x, y, uniform, symmetric=True)
    assert (hb.slope, hb.intercept) == pytest.approx(ex.JMETRIK2_HAEBARA, abs=1e-5)


def test_mean_sigma_gives_kolen_and_brennans_converted_form_x() -> None:
    """The form X parameters of the POLYEQUATE example are the mean/sigma conversion on 11 anchors."""
    x11, y11 = ex.three_pl(ex.KB11_X), ex.three_pl(ex.KB11_Y)
    link = mean_sigma(x11, y11)
    assert link.slope == pytest.approx(1.1761, abs=1e-4) and link.intercept == pytest.approx(-0.5042, abs=1e-4)
    converted = transform(x11, link)
    published = ex.three_pl([ex.KB_FORM_X_ON_Y[j] for j in ex.KB11_POSITIONS])
    np.testing.assert_allclose(converted.a, published.a, atol=2e-5)
    np.testing.assert_allclose(location(converted), location(published), atol=2e-5)


@pytest.mark.parametrize("criterion", ["robust-z", "rmsd"])
@pytest.mark.parametrize("method", [stocking_lord, haebara])
def test_anchor_drift_drops_the_planted_item_and_relinks(criterion, method) -> None:
    """Sixteen 2PL/GPCM anchors, small estimation noise; anchor 5 drifts 0.8 logits harder."""
    rng = np.random.default_rng(8)
    source = mixed_bank(rng, 12, 4)
    source = ItemParameters(source.a, source.d, np.zeros(source.n_items))
    truth = Link(1.1, 0.3)
    target = transform(source, truth)
    k = np.arange(1, 4)
    noise = rng.normal(0, 0.03, source.n_items)
    drift = np.where(np.arange(source.n_items) == 5, 0.8, 0.0)
    target = ItemParameters(target.a, target.d - k * (target.a * (noise + drift))[:, None], target.c)

    report = anchor_drift(source, target, method, criterion)
    assert report.dropped[0] == 5
    if criterion == "robust-z":  # |z| > 1.645 also catches about 1 in 10 stable anchors (here anchor 7)
        assert report.dropped == [5, 7] and abs(report.statistic[7]) < 2.5
        report = anchor_drift(source, target, method, criterion, threshold=2.5)
    assert report.dropped == [5]
    assert list(np.flatnonzero(~report.kept)) == [5]
    assert report.link.slope == pytest.approx(truth.slope, abs=0.03)
    assert report.link.intercept == pytest.approx(truth.intercept, abs=0.03)
    assert report.difference[5] == pytest.approx(0.8, abs=0.1)
    everything = method(source, target)  # the drifted anchor pulls the link
    assert abs(everything.intercept - truth.intercept) > abs(report.link.intercept - truth.intercept)


def test_anchor_drift_keeps_stable_anchors_under_rmsd() -> None:
    rng = np.random.default_rng(9)
    source = mixed_bank(rng, 12, 0)
    report = anchor_drift(source, transform(source, Link(0.9, -0.2)), haebara, "rmsd")
    assert report.kept.all() and report.dropped == []
    assert report.link.slope == pytest.approx(0.9, abs=1e-5)


def test_anchor_drift_rejects_an_unknown_criterion() -> None:
    items = mixed_bank(np.random.default_rng(1), 6, 0)
    with pytest.raises(ValueError, match="unknown drift criterion"):
        anchor_drift(items, items, criterion="area")


def test_summed_score_likelihood_matches_enumeration() -> None:
    """The generalised Lord-Wingersky recursion against every response pattern of a small mixed form."""
    items = mixed_bank(np.random.default_rng(4), 3, 2)
    theta = np.array([-1.3, 0.2, 2.0])
    p = category_probability(theta, items)
    expected = np.zeros((theta.size, int(items.max_scores.sum()) + 1))
    for pattern in itertools.product(*(range(int(k) + 1) for k in items.max_scores)):
        expected[:, sum(pattern)] += np.prod([p[:, j, s] for j, s in enumerate(pattern)], axis=0)
    np.testing.assert_allclose(summed_score_likelihood(theta, items), expected, rtol=1e-12)


def test_true_score_equating_reproduces_polyequate_for_kolen_and_brennan() -> None:
    x, y = ex.three_pl(ex.KB_FORM_X_ON_Y), ex.three_pl(ex.KB_FORM_Y)
    result = true_score_equating(x, y)
    np.testing.assert_allclose(result.equivalent, ex.KB_Y_EQUIVALENTS, atol=1e-5)
    published = np.array([np.nan if t is None else t for t in ex.KB_X_THETA])
    np.testing.assert_allclose(result.theta, published, atol=1e-5)  # NaN where POLYEQUATE has none


def test_true_score_equating_reproduces_polyequate_for_mixed_format() -> None:
    x = ex.mixed(ex.MIXED_X_3PL, ex.MIXED_X_GPCM)
    y = ex.mixed(ex.MIXED_Y_3PL, ex.MIXED_Y_GPCM)
    result = true_score_equating(x, y)
    np.testing.assert_allclose(result.equivalent, ex.MIXED_Y_EQUIVALENTS, atol=1e-5)
    published = np.array([np.nan if t is None else t for t in ex.MIXED_X_THETA])
    np.testing.assert_allclose(result.theta, published, atol=1e-5)


def test_observed_score_equating_reproduces_equating_recipes_for_kolen_and_brennan() -> None:
    x, y = ex.three_pl(ex.ER_KB_X), ex.three_pl(ex.ER_KB_Y)
    result = observed_score_equating(x, y, ex.population(ex.ER_KB_X_GROUP))
    np.testing.assert_allclose(result, ex.ER_KB_Y_EQUIVALENTS, atol=1e-5)


def test_observed_score_equating_reproduces_equating_recipes_for_3pl_and_graded_items() -> None:
    x, y = ex.three_pl_and_graded(ex.ER_MIXED_X), ex.three_pl_and_graded(ex.ER_MIXED_Y)
    result = observed_score_equating(x, y, ex.population(ex.ER_MIXED_X_GROUP))
    np.testing.assert_allclose(result, ex.ER_MIXED_Y_EQUIVALENTS, atol=1e-5)


def test_identical_forms_equate_to_the_identity() -> None:
    items = mixed_bank(np.random.default_rng(6))
    top = int(items.max_scores.sum())
    true = true_score_equating(items, items)
    np.testing.assert_allclose(true.equivalent, np.arange(top + 1), atol=1e-8)
    np.testing.assert_allclose(observed_score_equating(items, items), np.arange(top + 1), atol=1e-10)
    two_groups = synthetic(normal_grid(), normal_grid(mean=0.5, sd=1.2), 0.3)
    np.testing.assert_allclose(observed_score_equating(items, items, two_groups), np.arange(top + 1), atol=1e-10)


def test_equipercentile_follows_kolen_and_brennan_eq_2_17() -> None:
    """A hand-checkable case: X uniform on 0..3, Y on 0..1 with probabilities 1/4, 3/4."""
    f, g = np.full(4, 0.25), np.array([0.25, 0.75])
    # P(x) = 12.5, 37.5, 62.5, 87.5; e(x) = (p - G(y*-1)) / g(y*) + y* - 0.5
    expected = [0.125 / 0.25 - 0.5, (0.375 - 0.25) / 0.75 + 0.5, (0.625 - 0.25) / 0.75 + 0.5,
                (0.875 - 0.25) / 0.75 + 0.5]
    np.testing.assert_allclose(equipercentile(f, g), expected)


def test_observed_score_equating_is_monotone_and_close_to_true_score_in_the_middle() -> None:
    """Lord & Wingersky (1984): the two IRT equatings agree closely away from the ends of the scale."""
    x, y = ex.three_pl(ex.KB_FORM_X_ON_Y), ex.three_pl(ex.KB_FORM_Y)
    observed = observed_score_equating(x, y)
    assert np.all(np.diff(observed) > 0)
    true = true_score_equating(x, y).equivalent
    np.testing.assert_allclose(observed[10:30], true[10:30], atol=0.3)
    assert score_distribution(x).sum() == pytest.approx(1.0)


def test_tcc_theta_inverts_the_curve_and_refuses_impossible_scores() -> None:
    items = ex.three_pl(ex.KB_FORM_Y)
    theta = tcc_theta(20.0, items)
    assert expected_total_score(np.array([theta]), items)[0] == pytest.approx(20.0, abs=1e-9)
    with pytest.raises(ValueError, match="not between"):
        tcc_theta(2.0, items)


def test_raw_to_scale_eap_and_tcc() -> None:
    items = mixed_bank(np.random.default_rng(2))
    table = raw_to_scale(items, slope=10, intercept=100, scale_range=(70, 130))
    assert list(table.score) == list(range(int(items.max_scores.sum()) + 1))
    assert np.all(np.diff(table.theta) > 0) and np.all(table.se > 0) and np.all(table.se < 1)
    np.testing.assert_array_equal(table.scale, np.clip(np.floor(10 * table.theta + 100 + 0.5), 70, 130))
    tcc = raw_to_scale(items, method="tcc", bounds=(-5.0, 5.0))
    inside = np.abs(tcc.theta) < 5
    assert inside.sum() >= table.score.size - 4
    np.testing.assert_allclose(expected_total_score(tcc.theta[inside], items), table.score[inside], atol=1e-8)
    assert tcc.theta[0] == -5.0 and tcc.theta[-1] == 5.0
    with pytest.raises(ValueError, match="unknown method"):
        raw_to_scale(items, method="ml")


def test_raw_to_scale_rounds_halves_up() -> None:
    items = ItemParameters.dichotomous([1.0, 1.0], [0.0, 0.0])  # symmetric: EAP of score 1 is 0
    table = raw_to_scale(items, slope=1.0, intercept=2.5)
    assert table.theta[1] == pytest.approx(0.0, abs=1e-12) and table.scale[1] == 3.0
