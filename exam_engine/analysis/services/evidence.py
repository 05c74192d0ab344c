"""Item statistics from stored responses: the service the pages, CSV and calibration share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np
from sqlalchemy import select

from exam_engine.analysis.formatting import number
from exam_engine.analysis.services.flags import Flag, flags_for
from exam_engine.analysis.services.model_fit import (
    DependentPair,
    Dimensionality,
    UnitFit,
    fit_model,
    unit_dimensionality,
    unit_fit,
)
from exam_engine.analysis.services.responses import ResponseMatrix, unit_response_matrix
from exam_engine.analysis.services.statistics import (
    DIF_MINIMUM_WHY,
    ItemStatistics,
    VersionContent,
    abilities,
    dif_groups,
    item_statistics,
)
from exam_engine.core.downloads import csv_text
from exam_engine.core.extensions import db
from exam_engine.psychometrics.models import ItemParameters
from item_bank.items.models import ItemCalibration, ItemVersion


@dataclass
class UnitEvidence:
    matrix: ResponseMatrix
    versions: list[ItemVersion]  # in the matrix's column order
    bank: ItemParameters
    theta: np.ndarray

    @cached_property
    def fit(self) -> UnitFit:
        """S-X^2 and the scenario pairs' Q3 of the unit (computed once, when first asked for)."""
        return unit_fit(self.matrix, self.bank, self.theta, self.models,
                        [v.scenario.code if v.scenario else None for v in self.versions],
                        [f"{v.item.code} v{v.number}" for v in self.versions])

    @cached_property
    def dimensionality(self) -> Dimensionality:
        """M2 / RMSEA2 on the largest fixed form (computed once, when first asked for)."""
        return unit_dimensionality(self.matrix, self.bank, self.models)

    @property
    def models(self) -> list[str]:
        return [fit_model(v.parameter_source.value, v.calibration_model) for v in self.versions]


def bank_parameters(versions: list[ItemVersion]) -> ItemParameters:
    """The versions' stored parameters as one `ItemParameters` (intercepts NaN-padded)."""
    width = max((len(v.irt_d) for v in versions), default=1)
    d = np.full((len(versions), width), np.nan)
    for j, version in enumerate(versions):
        d[j, : len(version.irt_d)] = version.irt_d
    return ItemParameters(np.array([v.irt_a for v in versions], float), d,
                          np.array([v.irt_c for v in versions], float))


def unit_evidence(unit_reference: str, since: datetime | None = None, until: datetime | None = None) -> UnitEvidence:
    matrix = unit_response_matrix(unit_reference, since, until)
    by_id = {v.id: v for v in db.session.scalars(select(ItemVersion).where(ItemVersion.id.in_(matrix.version_ids)))}
    versions = [by_id[vid] for vid in matrix.version_ids]
    bank = bank_parameters(versions)
    return UnitEvidence(matrix, versions, bank, abilities(matrix, bank))


def latest_calibration(version: ItemVersion) -> ItemCalibration | None:
    return db.session.scalars(
        select(ItemCalibration).where(ItemCalibration.item_version_id == version.id)
        .order_by(ItemCalibration.id.desc()).limit(1)
    ).first()


def content_of(version: ItemVersion) -> VersionContent:
    """The version's content, with standard errors from the calibration its parameters came from."""
    calibration = latest_calibration(version) if version.calibrated_at else None
    return VersionContent(
        version_id=version.id, type=version.type.value, marks=version.marks, key=version.key,
        options=version.options, source=version.parameter_source.value,
        se_a=calibration.se_a if calibration else None, se_d=calibration.se_d if calibration else [],
        calibrated_at=version.calibrated_at,
    )


def version_statistics(evidence: UnitEvidence, version: ItemVersion) -> tuple[ItemStatistics, list[Flag]]:
    stats = item_statistics(evidence.matrix, evidence.bank, evidence.theta, content_of(version), evidence.fit)
    return stats, flags_for(stats)


CSV_COLUMNS = (
    "item", "version", "status", "responses", "facility", "facility_low", "facility_high",
    "correlation", "correlation_low", "correlation_high", "a", "difficulty", "source", "se_a",
    "infit", "outfit", "s_x2", "s_x2_df", "s_x2_p", "s_x2_learners", "q3_flagged_with", "median_seconds", "exposure",
    "worst_dif", "flags",
)


def statistics_csv(unit_reference: str, evidence: UnitEvidence | None = None) -> str:
    """Every item version of a unit with its statistics and flags, as CSV text; a statistic below its
    sample threshold (`statistics.SHOWN_FROM`) is left blank, as the page withholds it."""
    evidence = evidence or unit_evidence(unit_reference)
    rows = []
    for version in evidence.versions:
        stats, flags = version_statistics(evidence, version)
        categories = [row.category for row in stats.dif if row.category]
        rows.append([
            version.item.code, version.number, version.status.value, stats.responses,
            *_numbers(*_shown(stats, "facility", stats.facility, *(stats.facility_interval or (None, None)))),
            *_numbers(*_shown(stats, "correlation", stats.correlation, *(stats.correlation_interval or (None, None)))),
            *_numbers(stats.a, stats.difficulty), stats.source,
            *_numbers(stats.se_a, *_shown(stats, "fit", stats.infit, stats.outfit)),
            *_numbers(*_fit_cells(stats)), "; ".join(_partner(pair, version.id) for pair in stats.dependent
                                                     if pair.flagged),
            *_numbers(*_shown(stats, "seconds", stats.median_seconds), stats.exposure),
            max(categories, default=""), "; ".join(flag.code for flag in flags),
        ])
    return csv_text(CSV_COLUMNS, rows)


def fit_summary(evidence: UnitEvidence) -> list[str]:
    """The unit's unidimensionality check and flagged pairs, as sentences (for the command line)."""
    fit = evidence.fit
    dimension = evidence.dimensionality
    if dimension.result is None:
        lines = [f"unidimensionality: {dimension.reason}"]
    else:
        result = dimension.result
        lines = [f"unidimensionality: M2 = {result.m2:.4f} on {result.df} df (p = {result.p_value:.4g}), RMSEA2 = "
                 f"{result.rmsea:.4f}: {result.verdict} ({dimension.items} items, {result.persons} learners)"]
    flagged = [f"{pair.first_label} and {pair.second_label} (Q3 {pair.q3:+.2f}"
               + (f", scenario {pair.scenario})" if pair.scenario else ", no shared scenario)")
               for pair in fit.scenario_pairs + fit.other_pairs if pair.flagged and pair.q3 is not None]
    lines.append("local dependence: " + ("; ".join(flagged) if flagged else "no pair flagged"))
    lines += dif_groups(evidence.matrix)
    if any("too few" in line for line in lines):
        lines.append(f"(DIF minimum: {DIF_MINIMUM_WHY}.)")
    return lines


def _fit_cells(stats: ItemStatistics) -> tuple[float | None, ...]:
    fit = stats.item_fit
    if fit is None or fit.statistic is None:
        return None, None, None, None
    return fit.statistic, fit.df, fit.p_value, fit.learners


def _partner(pair: DependentPair, version_id: int) -> str:
    other = pair.second_label if pair.first == version_id else pair.first_label
    return f"{other} (Q3 {number(pair.q3, signed=True)})" if pair.q3 is not None else other


def _shown(stats: ItemStatistics, statistic: str, *values: float | None) -> tuple[float | None, ...]:
    """The values, or blanks when the sample is below the statistic's threshold."""
    return values if stats.withheld(statistic) is None else tuple(None for _ in values)


def _numbers(*values: float | None) -> list[str]:
    return ["" if value is None else f"{value:.6g}" for value in values]
