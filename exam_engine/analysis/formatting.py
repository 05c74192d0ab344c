"""How the statistics pages write numbers: two decimals, never "-0.00", p-values below 0.01 as "< 0.01"."""

from __future__ import annotations

import math

MISSING = "n/a"


def number(value: float | None, places: int = 2, signed: bool = False) -> str:
    """`value` to `places` decimals; a value that rounds to zero is written without a sign
    ("0.00", never "-0.00" or "+0.00"); `signed` writes "+" before positive values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = f"{value:+.{places}f}" if signed else f"{value:.{places}f}"
    if float(text) == 0:
        return f"{0:.{places}f}"
    return text


def p_value(value: float | None) -> str:
    """A p-value to two decimals, "< 0.01" below 0.01 (an S-X² misfit is flagged below 0.01)."""
    if value is None or math.isnan(value):
        return MISSING
    return "< 0.01" if value < 0.01 else number(value)
