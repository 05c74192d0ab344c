"""The export shape of the taxonomy (`export-taxonomy --format json`), built from parsed units.

Amplification ids follow the counting rule the item writers use: `AC1.3/2` is the second
top-level point of AC 1.3, `AC1.3/2/1` the first sub-point under it.
"""
from __future__ import annotations

from typing import Any

from .model import AmplificationPoint, Unit


def amplification_id(criterion_number: str, path: tuple[int, ...]) -> str:
    """`AC1.3/2/1` for the first sub-point of the second top-level point of AC 1.3."""
    return "/".join([f"AC{criterion_number}", *(str(step) for step in path)])


def amplification_tree(criterion_number: str, points: list[AmplificationPoint],
                       parent: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    return [{"id": amplification_id(criterion_number, parent + (index,)),
             "text": point.text,
             "children": amplification_tree(criterion_number, point.children, parent + (index,))}
            for index, point in enumerate(points, start=1)]


def unit_dict(unit: Unit) -> dict[str, Any]:
    """One unit as the document states it, in the export shape."""
    return {
        "reference": unit.reference,
        "title": unit.title,
        "level": unit.level,
        "credit": unit.credit,
        "glh": unit.glh,
        "type": unit.unit_type,
        "onscreen_test": ({"minutes": unit.onscreen_test.minutes, "marks": unit.onscreen_test.marks}
                          if unit.onscreen_test else None),
        "learning_outcomes": [
            {"number": outcome.number, "text": outcome.text,
             "criteria": [{"number": criterion.number, "text": criterion.text,
                           "amplification": amplification_tree(criterion.number, criterion.amplification)}
                          for criterion in outcome.criteria]}
            for outcome in unit.learning_outcomes],
    }
