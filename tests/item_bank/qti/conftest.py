"""A real unit of the bank exported once per database, helpers to tamper with packages, and
the official QTI schemas to validate exports against."""

import hashlib
import struct
import zipfile
import zlib
from collections.abc import Callable
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import func, select

from exam_engine.core.extensions import db
from item_bank.items.files import FileProblem, ItemSpec, Medium, ScenarioSpec, check_item, read_bank
from item_bank.items.models import Item, ItemVersion, Scenario, StatusChange
from item_bank.items.scoring import ItemType
from item_bank.items.services import BANK_FOLDER, sync_specs
from item_bank.qti.services import export_package
from item_bank.qti.versions import VERSIONS
from tests.conftest import REPOSITORY_ROOT, unavailable

UNIT = "Y/506/2152"
SCHEMAS = REPOSITORY_ROOT.parent / "shared" / "qti-schemas"  # see its README.md: which file validates what


def matching_entry(code: str, premises: list[str], options: list[str], key: list[str], **fields: object) -> dict:
    """An item file entry of a matching item of UNIT's AC1.2 (premises P1..., options A...)."""
    premise_ids = [f"P{n}" for n in range(1, len(premises) + 1)]
    return {"id": code, "type": "matching", "marks": 2, "difficulty_rating": "medium", "criteria": ["AC1.2"],
            "amplification": ["AC1.2/2"], "scenario": None, "enemy_set": None, "writer": "writer-u2a",
            "stem": "Match each step of mapping a customer journey with what it involves.",
            "premises": [{"id": i, "text": text} for i, text in zip(premise_ids, premises)],
            "options": [{"id": i, "text": text} for i, text in zip("ABCDEF", options)], "key": key,
            "rationale": {i: f"The amplification's wording for step {i}." for i in premise_ids},
            "notes": None, "status": "draft"} | fields


def png(width: int = 2, height: int = 1) -> bytes:
    """A real PNG image (grey pixels)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PICTURE = png()
# The second matching item's stem is formatted and shows an image, so the unit's round trips, schema
# checks and conversions cover formatting and media too.
IMAGE = Medium(f"{hashlib.sha256(PICTURE).hexdigest()[:8]}-journey.png", "image/png", PICTURE)
FORMATTED_STEM = ("A travel company mapped its customer journey.\n\n![The journey map: booking, travel, refund]"
                  f"({IMAGE.name})\n\n| Stage | Complaints |\n|---|---|\n"
                  "| Booking | 12 |\n| Refund | 41 |\n\nMatch each finding with the **benefit** of mapping it shows:\n"
                  "- one benefit each\n- one left over")
# Matching items of UNIT until the bank has its own: every exported type round-trips.
MATCHING_ENTRIES = [
    matching_entry("U2-AC1.2-91", ["Identify the key journey steps", "Identify the customer's response",
                                   "Identify the points of interaction"],
                   ["Listing the stages a customer passes through, in the order they happen",
                    "Recording what customers do, think and feel against what the organisation intended",
                    "Noting where the customer meets staff face to face, by voice or physically",
                    "Setting the price charged at each stage"], ["A", "B", "C"]),
    matching_entry("U2-AC1.2-92", ["Staff saw that the booking form confused first-time customers",
                                   "The refund step was found to cause most complaints",
                                   "Managers rewrote the cancellation policy after the mapping",
                                   "Fewer customers went to competitors after the changes"],
                   ["Identifying areas of weakness in service", "Seeing things from the customer's perspective",
                    "Improving customer retention", "Influencing policies and procedures"], ["B", "A", "D", "C"],
                   amplification=["AC1.2/3"], stem=FORMATTED_STEM),
]


@cache
def unit_files() -> tuple[list[ItemSpec], list[ScenarioSpec]]:
    """The real bank's item and scenario specs of UNIT in service (retired items are not exported), read
    once, and `MATCHING_ENTRIES`."""
    bank = read_bank(BANK_FOLDER)
    problems: list[FileProblem] = []
    matching = [check_item("tests", UNIT, "AC1.2", n, entry, problems, media=(IMAGE,) if "![" in entry["stem"] else ())
                for n, entry in enumerate(MATCHING_ENTRIES)]
    assert problems == []
    return ([item for item in bank.items if item.unit == UNIT and item.status != "retired"]
            + [spec for spec in matching if spec],
            [scenario for scenario in bank.scenarios if scenario.unit == UNIT])


def bank_items_of(item_type: ItemType) -> list[ItemSpec]:
    """UNIT's items of a type, by code: the tests pick the items they tamper with from the bank as it is."""
    return sorted((item for item in unit_files()[0] if item.type is item_type and item.source != "tests"),
                  key=lambda item: item.id)


def next_code(criterion: str) -> str:
    """The code the bank gives UNIT's next new item of `criterion`: one above the highest in use."""
    used = [int(item.id.rsplit("-", 1)[1]) for item in unit_files()[0] if item.id.startswith(f"U2-{criterion}-")]
    return f"U2-{criterion}-{max(used, default=0) + 1:02d}"


FIRST, SECOND = (item.id for item in bank_items_of(ItemType.SINGLE_BEST_ANSWER)[:2])


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
