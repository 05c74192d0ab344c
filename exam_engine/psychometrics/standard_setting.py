"""Standard setting: a panel's pass mark in marks and on the ability scale.

* Modified Angoff (Angoff, 1971; Cizek & Bunch, 2007, ch. 6): each judge
  states, item by item, how a *just-passing* candidate would do.  For an item
  worth ``m`` marks the judgement is the expected mark as a share of the
  item's marks, ``E[X] / m`` in 0..1 (for a one-mark item simply the chance
  of a correct answer), so the item's value is ``m`` times the panel's mean
  judgement, in marks.  A form's raw cut is the sum of its items' values; its
  pass mark is the smallest whole mark at or above the raw cut.  Rounds are
  separate calls: the panel judges, sees the spread and the impact data
  (`pass_rate`), discusses and judges again; the last round counts.
* From marks to ability and back (Lord, 1980, ch. 4): the ability cut is the
  ``theta`` at which the reference form's test characteristic curve
  ``TCC(theta) = sum_j E[X_j | theta]`` equals the raw cut; any other form,
  or an adaptive test, takes that ability cut, and a fixed form's raw cut is
  its own TCC there.
* Bookmark (Mitzel, Lewis, Patz & Green, 2001; Cizek & Bunch, 2007, ch. 10):
  items are ordered by the ability at which the expected share of the item's
  marks reaches the response probability RP (0.67 by default) and each
  panellist marks the last page a just-passing candidate would master.

Abilities are in logits (the scale of `models`); marks are raw marks.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from exam_engine.psychometrics.models import ItemIndex, ItemParameters, expected_scores, expected_total_score

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DEFAULT_BOUNDS = (-8.0, 8.0)
"""Ability interval (logits) searched for cuts and RP-abilities."""
RP67 = 0.67
ROUNDING_TOLERANCE = 1e-9
"""Marks by which a raw cut may exceed a whole mark through floating-point sums alone."""


class AngoffItems(NamedTuple):
    """Per-item Angoff summary, each ``(m,)``.

    ``mean`` and ``sd`` are of the judgements (share of the item's marks, 0..1;
    SD across judges with the ``n - 1`` denominator); ``value`` is
    ``max_mark * mean`` in marks.
    """

    mean: FloatArray
    sd: FloatArray
    value: FloatArray


class AngoffCut(NamedTuple):
    """A form's Angoff cut in marks.

    Attributes
    ----------
    raw_cut : sum of the form's item values (marks, unrounded).
    pass_mark : the smallest whole mark ``>= raw_cut`` (see `pass_mark`).
    judge_totals : (judges,) each judge's own cut, ``sum_j m_j r_ij`` in marks.
    panel_sd : SD of the judges' cuts (marks, ``n - 1`` denominator).
    standard_error : ``panel_sd / sqrt(judges)``, the standard error of the
        panel's cut in marks.
    """

    raw_cut: float
    pass_mark: int
    judge_totals: FloatArray
    panel_sd: float
    standard_error: float


class OrderedItemBooklet(NamedTuple):
    """Items in bookmark order: ``items[p]`` is on page ``p + 1``, whose RP-ability is ``theta[p]`` (logits)."""

    items: IntArray
    theta: FloatArray


class BookmarkCut(NamedTuple):
    """The panel's ability cut (median of the panellists') and each panellist's, in logits."""

    theta_cut: float
    panellist_cuts: FloatArray


def _judgements(judgements: ArrayLike, max_marks: ArrayLike | None) -> tuple[FloatArray, FloatArray]:
    """Validated ``(judges, items)`` judgements and ``(items,)`` maximum marks."""
    ratings = np.asarray(judgements, dtype=np.float64)
    if ratings.ndim != 2:
        raise ValueError(f"Angoff judgements must be a (judges, items) table; got {ratings.ndim} dimension(s)")
    n_judges, n_items = ratings.shape
    if n_judges < 2:
        raise ValueError(f"Angoff needs at least 2 judges to measure the panel's spread; got {n_judges}")
    if n_items < 1:
        raise ValueError("Angoff judgements cover no items")
    if not np.all(np.isfinite(ratings)):
        raise ValueError("Angoff judgements must all be given (no NaN or infinite values)")
    if np.any((ratings < 0) | (ratings > 1)):
        raise ValueError("Angoff judgements must lie in 0..1 (expected share of the item's marks)")
    marks = np.ones(n_items) if max_marks is None else np.asarray(max_marks, dtype=np.float64)
    if marks.shape != (n_items,):
        raise ValueError(f"max_marks must give one maximum mark per item ({n_items}); got shape {marks.shape}")
    if np.any(marks < 1) or np.any(marks != np.round(marks)):
        raise ValueError("max_marks must be whole numbers of at least 1")
    return ratings, marks


def angoff_items(judgements: ArrayLike, max_marks: ArrayLike | None = None) -> AngoffItems:
    """Each item's mean and SD of judgements and its value in marks.

    Parameters
    ----------
    judgements : (judges, items) expected share of each item's marks that a
        just-passing candidate earns, 0..1; at least 2 judges.
    max_marks : (items,) whole maximum marks; all 1 when omitted.
    """
    ratings, marks = _judgements(judgements, max_marks)
    mean = ratings.mean(axis=0)
    return AngoffItems(mean, ratings.std(axis=0, ddof=1), marks * mean)


def pass_mark(raw_cut: float) -> int:
    """The smallest whole mark at or above a raw cut: ``ceil(raw_cut - 1e-9)``.

    A candidate passes with a total ``>= pass_mark``.  The tolerance keeps a
    floating-point sum such as ``4.000000000000001`` at 4 marks.
    """
    return math.ceil(raw_cut - ROUNDING_TOLERANCE)


def angoff_cut(judgements: ArrayLike, max_marks: ArrayLike | None = None, form: ItemIndex | None = None) -> AngoffCut:
    """A form's raw cut, pass mark and the panel's spread from Angoff judgements.

    ``raw_cut = sum_{j in form} m_j * mean_i r_ij`` marks; each judge's own
    cut is ``sum_{j in form} m_j r_ij`` and the panel's spread is their SD.

    Parameters
    ----------
    judgements, max_marks : as `angoff_items`.
    form : the judged items that make up the form (mask or positions); all when omitted.
    """
    ratings, marks = _judgements(judgements, max_marks)
    if form is not None:
        ratings, marks = ratings[:, form], marks[form]
        if marks.size == 0:
            raise ValueError("the form holds none of the judged items")
    judge_totals: FloatArray = ratings @ marks
    raw_cut = float(judge_totals.mean())
    panel_sd = float(judge_totals.std(ddof=1))
    return AngoffCut(raw_cut, pass_mark(raw_cut), judge_totals, panel_sd, panel_sd / math.sqrt(judge_totals.size))


def pass_rate(scores: ArrayLike, cut: float) -> float:
    """Impact data: the share of candidates whose score is ``>= cut``.

    ``scores`` are past candidates' raw totals (with a cut in marks) or ability
    estimates (with a cut in logits).
    """
    values = np.asarray(scores, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("impact data needs at least one past candidate's score")
    if not np.all(np.isfinite(values)):
        raise ValueError("past candidates' scores must all be finite")
    return float(np.mean(values >= cut))


def theta_cut_from_raw(raw_cut: float, reference_form: ItemParameters,
                       bounds: tuple[float, float] = DEFAULT_BOUNDS) -> float:
    """The ability (logits) at which the reference form's expected total equals the raw cut.

    Solves ``TCC(theta) = raw_cut`` with Brent's method on ``bounds``, where
    ``TCC(theta) = sum_j E[X_j | theta]`` (Lord, 1980, ch. 4) under each
    item's model (1PL/2PL/3PL or GPCM).  Pass the unrounded Angoff raw cut to
    carry the panel's standard without the rounding of one form.

    Raises
    ------
    ValueError
        If the raw cut is not strictly between the TCC at the two bounds: the
        expected total cannot reach it there (below the sum of the guessing
        asymptotes, or at or above the maximum mark).
    """
    low, high = expected_total_score(np.array(bounds, dtype=np.float64), reference_form)
    if not low < raw_cut < high:
        raise ValueError(
            f"raw cut {raw_cut:g} is outside the marks the reference form's expected total reaches "
            f"between theta {bounds[0]:g} and {bounds[1]:g} ({low:.3f} to {high:.3f})"
        )
    root: float = brentq(lambda theta: float(expected_total_score(theta, reference_form)[0]) - raw_cut,
                         bounds[0], bounds[1], xtol=1e-10)
    return root


def raw_cut_from_theta(theta_cut: float, form: ItemParameters) -> float:
    """A form's raw cut in marks at an ability cut: its TCC at ``theta_cut`` (unrounded; see `pass_mark`)."""
    return float(expected_total_score(theta_cut, form)[0])


def response_probability_theta(items: ItemParameters, response_probability: float = RP67,
                               bounds: tuple[float, float] = DEFAULT_BOUNDS) -> FloatArray:
    """Each item's RP-ability: the ``theta`` (logits) where ``E[X_j | theta] / K_j = RP``, ``(m,)``.

    For a one-mark item this is where ``P(correct) = RP``: for the Rasch model
    ``b + ln(RP / (1 - RP))``; for the 3PL it exists only when ``RP > c``.  For
    a multi-mark item it is where the expected mark reaches ``RP`` of its
    maximum ``K_j``.  Found with Brent's method on ``bounds`` from the models'
    own expected scores.

    Raises
    ------
    ValueError
        If RP is not inside (0, 1) or an item does not reach RP within ``bounds``.
    """
    if not 0 < response_probability < 1:
        raise ValueError(f"the response probability must lie strictly between 0 and 1; got {response_probability}")
    theta = np.empty(items.n_items)
    for j in range(items.n_items):
        args = (items.subset([j]), float(items.max_scores[j]), response_probability)
        if not _share_above(bounds[0], *args) < 0 < _share_above(bounds[1], *args):
            raise ValueError(
                f"item {j} does not reach a success rate of {response_probability:g} between theta "
                f"{bounds[0]:g} and {bounds[1]:g} (guessing at or above RP, or a non-positive slope)"
            )
        theta[j] = brentq(_share_above, bounds[0], bounds[1], args=args, xtol=1e-10)
    return theta


def _share_above(theta: float, item: ItemParameters, max_mark: float, target: float) -> float:
    """One item's expected share of its marks at ``theta``, less ``target``."""
    return float(expected_scores(theta, item)[0, 0]) / max_mark - target


def ordered_item_booklet(items: ItemParameters, response_probability: float = RP67,
                         bounds: tuple[float, float] = DEFAULT_BOUNDS) -> OrderedItemBooklet:
    """The items sorted by RP-ability, easiest first (ties keep bank order)."""
    theta = response_probability_theta(items, response_probability, bounds)
    order: IntArray = np.argsort(theta, kind="stable").astype(np.int64)
    return OrderedItemBooklet(order, theta[order])


def bookmark_cut(booklet: OrderedItemBooklet, bookmarks: ArrayLike) -> BookmarkCut:
    """The ability cut from panellists' bookmarks.

    Convention: a bookmark ``k`` (1..pages) says the just-passing candidate
    masters pages ``1..k`` and not page ``k + 1``; the panellist's cut is the
    RP-ability of page ``k``, the hardest item that candidate is expected to
    master.  The panel's cut is the median of the panellists' cuts (for an
    even panel the mean of the middle two).
    """
    pages = np.asarray(bookmarks)
    n_pages = booklet.theta.size
    if pages.ndim != 1 or pages.size == 0:
        raise ValueError("bookmarks must be a non-empty list, one page number per panellist")
    if not np.all(np.isfinite(pages.astype(np.float64))) or np.any(pages != np.round(pages)):
        raise ValueError("bookmarks must be whole page numbers")
    if np.any((pages < 1) | (pages > n_pages)):
        raise ValueError(f"bookmarks must be pages 1..{n_pages} of the ordered item booklet")
    cuts: FloatArray = booklet.theta[pages.astype(np.int64) - 1]
    return BookmarkCut(float(np.median(cuts)), cuts)


__all__ = [
    "AngoffCut",
    "AngoffItems",
    "BookmarkCut",
    "OrderedItemBooklet",
    "angoff_cut",
    "angoff_items",
    "bookmark_cut",
    "ordered_item_booklet",
    "pass_mark",
    "pass_rate",
    "raw_cut_from_theta",
    "response_probability_theta",
    "theta_cut_from_raw",
]
