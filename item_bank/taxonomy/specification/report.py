"""The import report: what a document yielded, what the parser inferred, what was corrected."""
from __future__ import annotations

from dataclasses import dataclass

from .model import AmplificationPoint, Qualification, Specification, UnitGroup


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


def _group_rule(group: UnitGroup) -> str:
    parts = [f"all {len(group.unit_references)} units" if group.mandatory
             else f"optional, {len(group.unit_references)} units"]
    if group.min_credits is not None:
        parts.append(f"at least {group.min_credits} credits")
    if group.max_credits is not None:
        parts.append(f"at most {group.max_credits} credits count")
    return f"{group.name}: {', '.join(parts)}"


def rules_of_combination(qualification: Qualification) -> list[str]:
    """Each rule of combination read, one per line, with the line of the document it came from."""
    rules = [_group_rule(group) for group in qualification.groups]
    if qualification.total_credits is not None:
        rules.append(f"total: {qualification.total_credits} credits")
    rules += [f"{rule} (line {rule.line})" for rule in qualification.credit_rules]
    rules += [f"{bar} (line {bar.line})" for bar in qualification.barred]
    return rules + [f"not stated: how many units or credits of {name} are needed"
                    for name in qualification.unstated_groups]


def format_report(specification: Specification, verbose: bool = True) -> str:
    """Plain-text report; `verbose` lists every warning and correction, not only their number."""
    counts = Counts.of(specification)
    qualification = specification.qualification
    lines = [
        f"{specification.document}: {qualification.title} ({qualification.number}), {qualification.awarding_body}",
        f"  units {counts.units}, learning outcomes {counts.learning_outcomes}, "
        f"assessment criteria {counts.criteria}, amplification points {counts.amplification_points}",
        f"  warnings {len(specification.warnings)}, corrections applied {len(specification.corrections)}",
        *(f"  rule {rule}" for rule in rules_of_combination(qualification)),
    ]
    coded = [unit for unit in specification.units if unit.codes]
    if coded:
        lines.append(f"  unit codes: {len(coded)} units also known by the document's own codes "
                     f"({coded[0].codes[0]} = {coded[0].reference}, ...)")
    if verbose:
        corrected_lines = {correction.line for correction in specification.corrections}
        lines += [f"  warning {warning}" + (" [corrected below]" if warning.line in corrected_lines else "")
                  for warning in specification.warnings]
        lines += [f"  corrected {correction}" for correction in specification.corrections]
    return "\n".join(lines)
