"""Standard setting on a small panel worked by hand, and cuts through the test characteristic curve."""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics import standard_setting
from exam_engine.psychometrics.models import ItemParameters, expected_total_score

MAX_MARKS = [1, 1, 1, 1, 2]
ROUND_1 = np.array([
    [0.6, 0.7, 0.5, 0.8, 0.5],
    [0.8, 0.5, 0.4, 0.9, 0.3],
    [0.7, 0.6, 0.9, 0.7, 0.4],
])
ROUND_2 = np.array([
    [0.8, 0.7, 0.6, 0.9, 0.5],
    [0.8, 0.6, 0.5, 0.9, 0.5],
    [0.8, 0.8, 0.7, 0.9, 0.5],
])
PAST_TOTALS = [1, 2, 3, 3, 4, 4, 4, 5, 6, 6]
RP67_OFFSET = np.log(0.67 / 0.33)  # 0.708185: Rasch P = 0.67 at b + ln(0.67 / 0.33)


def test_angoff_round_one_by_hand() -> None:
    """3 judges x 5 items; item 5 is worth 2 marks (judgements are shares of its marks).

    Item means .7 .6 .6 .8 .4; item SDs (n - 1): item 3 deviates -.1 -.2 +.3, so
    sqrt(.14 / 2) = .264575, the others deviate +-.1 and 0, so .1.  Values in
    marks .7 .6 .6 .8 .8 sum to 3.5, so the pass mark is 4.  Judges' own cuts:
    .6+.7+.5+.8+1.0 = 3.6, .8+.5+.4+.9+.6 = 3.2, .7+.6+.9+.7+.8 = 3.7;
    deviations from 3.5 are .1 -.3 .2, SD sqrt(.14 / 2) = .264575, SE .264575 / sqrt 3 = .152753.
    """
    items = standard_setting.angoff_items(ROUND_1, MAX_MARKS)
    np.testing.assert_allclose(items.mean, [0.7, 0.6, 0.6, 0.8, 0.4])
    np.testing.assert_allclose(items.sd, [0.1, 0.1, 0.264575, 0.1, 0.1], atol=1e-6)
    np.testing.assert_allclose(items.value, [0.7, 0.6, 0.6, 0.8, 0.8])
    cut = standard_setting.angoff_cut(ROUND_1, MAX_MARKS)
    assert cut.raw_cut == pytest.approx(3.5)
    assert cut.pass_mark == 4
    np.testing.assert_allclose(cut.judge_totals, [3.6, 3.2, 3.7])
    assert cut.panel_sd == pytest.approx(0.264575, abs=1e-6)
    assert cut.standard_error == pytest.approx(0.152753, abs=1e-6)


def test_angoff_round_two_narrows_the_spread_and_sets_the_cut_of_any_form() -> None:
    """After discussion: means .8 .7 .6 .9 .5, values .8 .7 .6 .9 1.0, raw cut 4.0, pass mark 4.

    Judges' cuts 4.0, 3.8, 4.2: SD sqrt(.08 / 2) = .2 (round 1: .2646).  The form
    of items 1, 2 and 5 has raw cut .8 + .7 + 1.0 = 2.5, so pass mark 3, and
    judges' cuts 2.5, 2.4, 2.6 with SD .1.
    """
    whole = standard_setting.angoff_cut(ROUND_2, MAX_MARKS)
    assert whole.raw_cut == pytest.approx(4.0)
    assert whole.pass_mark == 4
    assert whole.panel_sd == pytest.approx(0.2)
    assert whole.panel_sd < standard_setting.angoff_cut(ROUND_1, MAX_MARKS).panel_sd
    form = standard_setting.angoff_cut(ROUND_2, MAX_MARKS, form=[0, 1, 4])
    assert form.raw_cut == pytest.approx(2.5)
    assert form.pass_mark == 3
    np.testing.assert_allclose(form.judge_totals, [2.5, 2.4, 2.6])
    assert form.panel_sd == pytest.approx(0.1)


def test_impact_on_ten_past_totals() -> None:
    """Totals 1 2 3 3 4 4 4 5 6 6: six are >= 4 (0.6), eight are >= 3 (0.8), the raw cut 3.5 passes six."""
    assert standard_setting.pass_rate(PAST_TOTALS, 4) == pytest.approx(0.6)
    assert standard_setting.pass_rate(PAST_TOTALS, 3) == pytest.approx(0.8)
    assert standard_setting.pass_rate(PAST_TOTALS, 3.5) == pytest.approx(0.6)


def test_pass_mark_rounds_up_but_forgives_floating_point_noise() -> None:
    assert standard_setting.pass_mark(4 * (0.1 + 0.2) / 0.3) == 4  # 4.000000000000001 in floating point
    assert standard_setting.pass_mark(4.01) == 5
    assert standard_setting.pass_mark(3.99) == 4


@pytest.mark.parametrize(("judgements", "max_marks", "message"), [
    ([0.5, 0.6, 0.7], None, "judges, items"),
    ([[0.5, 0.6, 0.7]], None, "at least 2 judges"),
    ([[0.5, 1.2], [0.5, 0.6]], None, "0..1"),
    ([[0.5, np.nan], [0.5, 0.6]], None, "NaN"),
    ([[0.5, 0.6], [0.5, 0.6]], [1, 2, 3], "one maximum mark per item"),
    ([[0.5, 0.6], [0.5, 0.6]], [1, 1.5], "whole numbers"),
])
def test_bad_angoff_judgements_are_refused(judgements: object, max_marks: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        standard_setting.angoff_cut(judgements, max_marks)  # type: ignore[arg-type]


def test_impact_needs_scores() -> None:
    with pytest.raises(ValueError, match="at least one"):
        standard_setting.pass_rate([], 3)


def test_theta_cut_of_symmetric_and_twin_rasch_forms_by_hand() -> None:
    """Rasch b = -1, 0, 1: TCC(0) = expit(1) + 1/2 + expit(-1) = 1.5 exactly, so raw 1.5 -> theta 0.

    Two Rasch items at b = 0: TCC = 2 expit(theta) = 1.5 gives expit(theta) = 3/4, theta = ln 3 = 1.098612.
    """
    symmetric = ItemParameters.dichotomous([1, 1, 1], [1, 0, -1])
    assert standard_setting.theta_cut_from_raw(1.5, symmetric) == pytest.approx(0.0, abs=1e-8)
    twins = ItemParameters.dichotomous([1, 1], [0, 0])
    assert standard_setting.theta_cut_from_raw(1.5, twins) == pytest.approx(1.098612, abs=1e-6)


def test_cut_carries_from_a_reference_form_to_another_form_and_back() -> None:
    """Reference form: 3PL and a 3-mark GPCM item; the other form's raw cut is its TCC at the ability cut."""
    reference = ItemParameters(
        a=np.array([1.2, 0.8, 1.5, 1.0]),
        d=np.array([[0.3, np.nan, np.nan], [-0.5, np.nan, np.nan], [1.0, np.nan, np.nan], [0.5, 0.2, -1.0]]),
        c=np.array([0.2, 0.0, 0.25, 0.0]),
    )
    other = ItemParameters.dichotomous([1.0, 0.7, 1.1, 1.4, 0.9], [0.2, -0.3, 0.8, -1.1, 0.0], [0, 0.2, 0, 0, 0.15])
    theta = standard_setting.theta_cut_from_raw(3.1, reference)
    assert expected_total_score(theta, reference)[0] == pytest.approx(3.1, abs=1e-8)
    raw_other = standard_setting.raw_cut_from_theta(theta, other)
    assert 0 < raw_other < 5
    assert standard_setting.theta_cut_from_raw(raw_other, other) == pytest.approx(theta, abs=1e-7)


def test_raw_cut_outside_the_reachable_marks_is_refused() -> None:
    """Four 3PL items with c = .25 expect at least 1 mark even at very low ability; 4 marks is the ceiling."""
    guessing = ItemParameters.dichotomous(np.ones(4), np.zeros(4), np.full(4, 0.25))
    with pytest.raises(ValueError, match="outside the marks"):
        standard_setting.theta_cut_from_raw(0.8, guessing)
    with pytest.raises(ValueError, match="outside the marks"):
        standard_setting.theta_cut_from_raw(4.0, guessing)


def test_bookmark_order_and_cut_by_hand() -> None:
    """Rasch b = .5, -1, 2, 0: RP67 abilities b + .708185 are 1.208185, -.291815, 2.708185, .708185.

    The booklet holds items 2, 4, 1, 3 (positions 1, 3, 0, 2).  Bookmarks 2, 3, 3, 2, 3
    give cuts .708185 (page 2) and 1.208185 (page 3); the median is 1.208185.
    An even panel with bookmarks 2 and 3 takes the mean of the two, .958185.
    """
    b = np.array([0.5, -1.0, 2.0, 0.0])
    booklet = standard_setting.ordered_item_booklet(ItemParameters.dichotomous(np.ones(4), -b))
    np.testing.assert_array_equal(booklet.items, [1, 3, 0, 2])
    np.testing.assert_allclose(booklet.theta, [-0.291815, 0.708185, 1.208185, 2.708185], atol=1e-6)
    cut = standard_setting.bookmark_cut(booklet, [2, 3, 3, 2, 3])
    assert cut.theta_cut == pytest.approx(1.208185, abs=1e-6)
    np.testing.assert_allclose(cut.panellist_cuts, [0.708185, 1.208185, 1.208185, 0.708185, 1.208185], atol=1e-6)
    assert standard_setting.bookmark_cut(booklet, [2, 3]).theta_cut == pytest.approx(0.958185, abs=1e-6)


def test_rp_ability_of_a_3pl_item_and_of_a_two_mark_item() -> None:
    """3PL a = 1.2, d = .3, c = .2: P* = (.67 - .2) / .8 = .5875, theta = (ln(.5875 / .4125) - .3) / 1.2 = .044700.

    Two-mark PCM item with d = (0, 0): E[X] = (e^t + 2 e^2t) / (1 + e^t + e^2t) = 2 x .67 = 1.34
    at e^t = x solving .66 x^2 - .34 x - 1.34 = 0, x = (.34 + sqrt(.34^2 + 4 x .66 x 1.34)) / 1.32.
    """
    guessing = ItemParameters.dichotomous([1.2], [0.3], [0.2])
    assert standard_setting.response_probability_theta(guessing)[0] == pytest.approx(0.044700, abs=1e-6)
    two_mark = ItemParameters.gpcm([1.0], [[0.0, 0.0]])
    x = (0.34 + np.sqrt(0.34**2 + 4 * 0.66 * 1.34)) / 1.32
    assert standard_setting.response_probability_theta(two_mark)[0] == pytest.approx(np.log(x), abs=1e-8)
    rasch = ItemParameters.dichotomous([1.0], [0.0])
    assert standard_setting.response_probability_theta(rasch, 0.5)[0] == pytest.approx(0.0, abs=1e-8)


def test_rp_at_or_below_guessing_and_bad_bookmarks_are_refused() -> None:
    with pytest.raises(ValueError, match="does not reach"):
        standard_setting.response_probability_theta(ItemParameters.dichotomous([1.0], [0.0], [0.7]))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        standard_setting.response_probability_theta(ItemParameters.dichotomous([1.0], [0.0]), 1.0)
    booklet = standard_setting.ordered_item_booklet(ItemParameters.dichotomous(np.ones(3), [1.0, 0.0, -1.0]))
    with pytest.raises(ValueError, match="pages 1..3"):
        standard_setting.bookmark_cut(booklet, [0, 2])
    with pytest.raises(ValueError, match="whole page numbers"):
        standard_setting.bookmark_cut(booklet, [1.5])
