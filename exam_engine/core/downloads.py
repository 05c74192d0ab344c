"""Files the app hands out: cells that cannot attack the spreadsheet that opens them, and file
names that cannot break the header they travel in.

A spreadsheet takes a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return
for a formula (OWASP, "CSV Injection"); such a text cell is written with a leading
apostrophe, which spreadsheets show as text. Numbers are left as they are: a negative
number is a number, not a formula.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def spreadsheet_cell(value: object) -> object:
    """The value, with a text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV with a header row, every cell made safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def attachment(filename: str) -> dict[str, str]:
    """The Content-Disposition header for a download, its name reduced to letters, digits, `.`, `_` and `-`."""
    safe = _UNSAFE_IN_NAME.sub("-", filename).strip("-.") or "download"
    return {"Content-Disposition": f'attachment; filename="{safe}"'}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
