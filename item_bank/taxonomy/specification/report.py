"""The import report: what a document yielded, what the parser inferred, what was corrected."""
from __future__ import annotations

from dataclasses import dataclass

from .model import AmplificationPoint, Specification


def count_points(points: list[AmplificationPoint]) -> int:
    return sum(1 + count_points(point.children) for point in points)


@dataclass(frozen=True)
class Counts:
    units: int
    learning_outcomes: int
    criteria: int
    amplification_points: int

    @classmethod
    def of(cls, specification: Specification) -> Counts:
        outcomes = [lo for unit in specification.units for lo in unit.learning_outcomes]
        criteria = [ac for lo in outcomes for ac in lo.criteria]
        return cls(len(specification.units), len(outcomes), len(criteria),
                   sum(count_points(ac.amplification) for ac in criteria))


def format_report(specification: Specification, verbose: bool = True) -> str:
    """Plain-text report; `verbose` lists every warning and correction, not only their number."""
    counts = Counts.of(specification)
    qualification = specification.qualification
    lines = [
        f"{specification.document}: {qualification.title} ({qualification.number}), {qualification.awarding_body}",
        f"  units {counts.units}, learning outcomes {counts.learning_outcomes}, "
        f"assessment criteria {counts.criteria}, amplification points {counts.amplification_points}",
        f"  warnings {len(specification.warnings)}, corrections applied {len(specification.corrections)}",
    ]
    if verbose:
        corrected_lines = {correction.line for correction in specification.corrections}
        lines += [f"  warning {warning}" + (" [corrected below]" if warning.line in corrected_lines else "")
                  for warning in specification.warnings]
        lines += [f"  corrected {correction}" for correction in specification.corrections]
    return "\n".join(lines)
