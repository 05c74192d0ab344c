"""Finding the blueprint and bank a command names: a file or a unit reference, a CSV or the live bank."""

from __future__ import annotations

from pathlib import Path

import click

from blueprints.files import BlueprintError, load, load_all
from blueprints.model import Blueprint
from blueprints.services import unit_pools
from exam_engine.assembly.bank_file import BankFileError, read_bank
from exam_engine.assembly.pool import ItemPool


def find_blueprint(name: str) -> Blueprint:
    """``name`` is a blueprint file or the unit reference of one under `blueprints/data/`."""
    try:
        if Path(name).is_file():
            return load(Path(name))
        blueprints = load_all()
    except BlueprintError as error:
        raise click.ClickException(str(error)) from None
    if name not in blueprints:
        raise click.ClickException(f"no blueprint file or unit {name!r}; units with blueprints: "
                                   f"{', '.join(sorted(blueprints))}")
    return blueprints[name]


def find_pools(blueprint: Blueprint, bank: Path | None) -> tuple[ItemPool, ItemPool | None]:
    """The bank CSV's pools, or the unit's live and pretest items in the database."""
    if bank is not None:
        try:
            return read_bank(bank)
        except BankFileError as error:
            raise click.ClickException(str(error)) from None
    live, pretest = unit_pools(blueprint.unit)
    if live is None:
        raise click.ClickException(f"unit {blueprint.unit} has no live items in the bank; load items "
                                   "(exam-engine load-items) or pass --bank BANK.csv")
    return live, pretest
