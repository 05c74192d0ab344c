"""A real unit of the bank exported once per database, helpers to tamper with packages, and
the official QTI schemas to validate exports against."""

import zipfile
from collections.abc import Callable
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import func, select

from exam_engine.core.extensions import db
from item_bank.items.files import ItemSpec, ScenarioSpec, read_bank
from item_bank.items.models import Item, ItemVersion, Scenario, StatusChange
from item_bank.items.services import BANK_FOLDER, sync_specs
from item_bank.qti.services import export_package
from item_bank.qti.versions import VERSIONS
from tests.conftest import REPOSITORY_ROOT, unavailable

UNIT = "Y/506/2152"
SCHEMAS = REPOSITORY_ROOT.parent / "shared" / "qti-schemas"  # see its README.md: which file validates what


@cache
def unit_files() -> tuple[list[ItemSpec], list[ScenarioSpec]]:
    """The real bank's item and scenario specs of UNIT, read once."""
    bank = read_bank(BANK_FOLDER)
    return ([item for item in bank.items if item.unit == UNIT],
            [scenario for scenario in bank.scenarios if scenario.unit == UNIT])


def load_unit() -> None:
    """Load UNIT's items into the bank (the other units would only slow the tests down)."""
    sync_specs(*unit_files(), actor="item files", keep_history=True)
    db.session.commit()


@pytest.fixture(scope="session")
def exported(migrated_app: Flask) -> dict[str, bytes]:
    """The unit's package in each QTI version, exported from the loaded bank; the database is left empty."""
    with migrated_app.app_context():
        load_unit()
        packages = {label: export_package(UNIT, qti).data for label, qti in VERSIONS.items()}
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()
    return packages


def rezip(data: bytes, replace: dict[str, bytes | None] | None = None,
          add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip with entries replaced (None removes them) or added."""
    replace = replace or {}
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    target.writestr(info.filename, replace[info.filename])
            else:
                target.writestr(info, source.read(info))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def read_entry(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return archive.read(name)


def row_counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Item, ItemVersion, Scenario, StatusChange))


class LocalSchemas(etree.Resolver):
    """Resolves the schemas' imports (xml.xsd, MathML, LOM...) to files under SCHEMAS, never the network."""

    def resolve(self, url: str, public_id: str, context: object) -> object:
        path = Path(url.removeprefix("file://")).resolve()
        if not path.is_relative_to(SCHEMAS.resolve()):
            raise LookupError(f"schema import {url} is not under {SCHEMAS}; schemas are never fetched")
        return self.resolve_filename(str(path), context)


@pytest.fixture(scope="session")
def schema() -> Callable[[str], etree.XMLSchema]:
    """The official schema at a path under SCHEMAS, each loaded once (the 2.2 ones take seconds)."""
    if not SCHEMAS.is_dir():
        unavailable(f"the QTI schemas are not at {SCHEMAS}")

    @cache
    def load(relative: str) -> etree.XMLSchema:
        parser = etree.XMLParser(no_network=True)
        parser.resolvers.add(LocalSchemas())
        return etree.XMLSchema(etree.parse(str(SCHEMAS / relative), parser))

    return load
