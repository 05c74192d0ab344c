"""Linking a new form onto a reference form's scale and equating its raw scores: the work of `equate-csv`.

The new form X and the reference form Y were calibrated separately (each with a N(0, 1)
ability distribution), sharing anchor items.  `equate_forms`:

1. links X onto Y's scale on the anchors (Stocking-Lord, Haebara or mean/sigma; or none when
   X was calibrated with Y's items held fixed), dropping anchors that drifted
   (`exam_engine.psychometrics.linking.anchor_drift`);
2. builds X's conversion table on Y's scale: each raw score's summed-score EAP ability and
   SE (prior: X's group on Y's scale, ``N(B, A^2)``), the scale score, and the Y equivalents by
   IRT true-score and observed-score equating (synthetic population: half each group,
   Kolen & Brennan, 2014, sec. 6.7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from exam_engine.psychometrics.equating import observed_score_equating, raw_to_scale, synthetic, true_score_equating
from exam_engine.psychometrics.linking import METHODS, DriftReport, Link, anchor_drift, location, transform
from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.quadrature import normal_grid

MIN_ANCHORS = 2  # a link needs at least two anchors
MIN_DRIFT_ANCHORS = 5  # the drift check needs a few more to judge any one of them


class EquatingError(ValueError):
    """The inputs cannot be linked or equated; the message says why."""


@dataclass(frozen=True)
class Equating:
    """What `equate_forms` found: the link, the anchors used and dropped, and the tables."""

    method: str
    link: Link
    anchors: list[str]
    dropped: list[str]
    drift: DriftReport | None
    table_header: list[str]
    table: list[list[object]]
    drift_header: list[str]
    drift_rows: list[list[object]]


def equate_forms(
    names_x: list[str], form_x: ItemParameters, names_y: list[str], form_y: ItemParameters,
    anchors: list[str] | None = None, method: str = "stocking-lord", drift: str | None = "robust-z",
    drift_threshold: float | None = None, scale: tuple[float, float] = (1.0, 0.0),
    scale_range: tuple[float, float] | None = None,
) -> Equating:
    """Link form X onto form Y's scale and equate X's raw scores to Y (see module docstring).

    Parameters
    ----------
    names_x, form_x, names_y, form_y : the two forms' item names and parameters.
    anchors : the anchor items (default: every item in both forms).
    method : ``stocking-lord``, ``haebara``, ``mean-sigma`` or ``none`` (already on one scale).
    drift : ``robust-z``, ``rmsd`` or None (no drift check).
    scale : slope and intercept of the reported scale ``S = slope theta + intercept``.
    scale_range : lowest and highest reported scale score.
    """
    for label, names in (("form X", names_x), ("form Y", names_y)):
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise EquatingError(f"{label} lists item(s) {', '.join(repeated)} more than once")
    link, used, dropped, report = Link(1.0, 0.0), [], [], None
    drift_rows: list[list[object]] = []
    if method != "none":
        used = _anchors(names_x, names_y, anchors)
        source = form_x.subset([names_x.index(name) for name in used])
        target = form_y.subset([names_y.index(name) for name in used])
        if method == "mean-sigma" and (np.any(source.max_scores > 1) or np.any(target.max_scores > 1)):
            raise EquatingError("mean-sigma links on one-mark anchors only; use stocking-lord or haebara")
        link_method = METHODS[method]
        if drift is not None and len(used) >= MIN_DRIFT_ANCHORS:
            report = anchor_drift(source, target, link_method, drift, drift_threshold)
            link, dropped = report.link, [used[j] for j in report.dropped]
            drift_rows = [[name, float(location(transform(source.subset([j]), link))[0]),
                           float(location(target.subset([j]))[0]), float(report.difference[j]),
                           float(report.statistic[j]), "kept" if report.kept[j] else "dropped"]
                          for j, name in enumerate(used)]
        else:
            link = link_method(source, target)
        if not (np.isfinite(link.slope) and link.slope > 0 and np.isfinite(link.intercept)):
            raise EquatingError(f"the {method} link is undefined for these anchors (do their difficulties all "
                                f"agree?); use stocking-lord or haebara")
    return Equating(method, link, used, dropped, report, *_tables(form_x, form_y, link, scale, scale_range),
                    ["item", "location_x_linked", "location_y", "difference", drift or "statistic", "anchor"],
                    drift_rows)


def _anchors(names_x: list[str], names_y: list[str], anchors: list[str] | None) -> list[str]:
    if anchors is None:
        used = [name for name in names_x if name in names_y]
        if len(used) < MIN_ANCHORS:
            raise EquatingError(f"the forms share {len(used)} item(s) by name; a link needs at least {MIN_ANCHORS} "
                                f"anchors (or --method none if form X is already on form Y's scale)")
        return used
    missing = [f"{name} (form {form})" for name in anchors for form, names in (("X", names_x), ("Y", names_y))
               if name not in names]
    if missing:
        raise EquatingError(f"anchor item(s) not found: {', '.join(missing)}")
    used = list(dict.fromkeys(anchors))
    if len(used) < MIN_ANCHORS:
        raise EquatingError(f"a link needs at least {MIN_ANCHORS} anchors; {len(used)} given")
    return used


def _tables(
    form_x: ItemParameters, form_y: ItemParameters, link: Link, scale: tuple[float, float],
    scale_range: tuple[float, float] | None,
) -> tuple[list[str], list[list[object]]]:
    linked = transform(form_x, link)
    reach = max(6.0, abs(link.intercept) + 6.0 * link.slope)  # the grid covers X's group on Y's scale
    group_x, group_y = normal_grid(mean=link.intercept, sd=link.slope, limit=reach), normal_grid()
    conversion = raw_to_scale(linked, scale[0], scale[1], scale_range, population=group_x)
    true = true_score_equating(linked, form_y)
    observed = observed_score_equating(linked, form_y, synthetic(group_x, group_y))
    header = ["raw_score", "theta", "se", "scale_score", "true_score_theta", "y_true_score", "y_observed_score"]
    rows: list[list[object]] = [
        [int(x), float(conversion.theta[x]), float(conversion.se[x]), float(conversion.scale[x]),
         float(true.theta[x]), float(true.equivalent[x]), float(observed[x])]
        for x in conversion.score
    ]
    return header, rows
