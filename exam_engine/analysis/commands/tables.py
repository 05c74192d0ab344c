"""The CSV files the file-reading commands take and write: reading a response table, writing a
result table (to a file or standard output), and a parameter file's items in a table's order."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.response_table import (
    ResponseTable,
    TableError,
    format_table,
    read_parameters,
    read_responses,
)

INPUT = click.Path(exists=True, dir_okay=False, path_type=Path)
OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


def load_table(path: Path) -> ResponseTable:
    """A response table; a clear CLI error naming the file, row and column of any problem."""
    try:
        return read_responses(path)
    except TableError as error:
        raise click.ClickException(str(error)) from None


def emit(out: Path | None, header: list[str], rows: list[list[object]]) -> None:
    """A result table written to `out`, or to standard output."""
    text = format_table(header, rows)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text)


def parameters_for(params_file: Path, table: ResponseTable, responses: Path) -> ItemParameters:
    """The parameters of a response table's items, in its column order; a clear error for a missing
    item or a score above an item's maximum."""
    try:
        names, items = read_parameters(params_file)
    except TableError as error:
        raise click.ClickException(str(error)) from None
    missing = [item for item in table.items if item not in names]
    if missing:
        raise click.ClickException(f"{params_file}: no parameters for item(s) {', '.join(missing)}")
    bank = items.subset(np.array([names.index(item) for item in table.items]))
    too_high = np.nan_to_num(table.scores, nan=0) > bank.max_scores
    if too_high.any():
        row, col = np.argwhere(too_high)[0]
        raise click.ClickException(f"{responses}: row {row + 2}, column {table.items[col]!r}: score above the "
                                   f"item's maximum {bank.max_scores[col]}")
    return bank

