"""QTI export of a unit's items and import of a package, each one transaction or none.

Import is all or nothing: a package with any rejected file writes nothing, and the
report still says which items would have been accepted. A package that is broken or
hostile as a whole (see `item_bank.qti.safety`) raises `UnsafePackage` before anything
is read from it. Accepted items enter the bank
through `item_bank.items.services.sync_specs`, the same path as the YAML item files, as
changes by the importing user: new items arrive as drafts for review; an item the bank
has already is unchanged when the package states it as the bank does, and otherwise gets
a new draft version, its version in service staying in service. The writer and review a
package names are never taken. An identifier that is not one of the bank's codes, or is
another unit's item's code, never blocks an import: the item gets a code of the unit and
keeps the identifier as its source id (`item_bank.items.services.sync_specs`). Each
accepted item's outcome ends with the reader's note when the bank's item asks the learner
for another number of choices than the package's (`PackageContents.notes`).
"""

import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exam_engine.core.extensions import db
from item_bank.items.files import ItemFileError, ItemSpec, ScenarioSpec
from item_bank.items.models import Item, ItemStatus, ItemVersion, Scenario
from item_bank.items.services import LoadReport, preview, sync_specs
from item_bank.qti.reader import PackageContents, Rejection, problem_text, read_package
from item_bank.qti.safety import PackageFiles, check_package
from item_bank.qti.versions import QtiVersion
from item_bank.qti.writer import item_identifier, item_metadata, item_xml, manifest_xml, media_path


@dataclass
class ImportReport:
    package: str
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (item id, what happens to it)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    untagged: int = 0  # items that came without our metadata: untagged drafts for the tagging queue
    written: bool = False
    load: LoadReport | None = None


@dataclass
class ExportResult:
    data: bytes
    exported: list[str]


def import_package(package: PackageFiles, unit: str | None, writer: str) -> ImportReport:
    """Read, check and (unless anything is rejected) write a package's items, as changes by `writer`;
    raises UnsafePackage, having written nothing, for a package refused as a whole."""
    check_package(package)
    contents = read_package(package, unit, writer)
    new_scenarios = _new_scenarios(contents)
    report = ImportReport(package.name, rejected=list(contents.rejected), skipped=contents.skipped,
                          untagged=len(contents.untagged))
    if report.rejected or not contents.items:
        report.accepted = _accepted(contents, report.rejected)
        return report
    try:
        report.load = sync_specs(contents.items, new_scenarios, writer)
    except ItemFileError as error:  # tags the imported taxonomy does not have (checked before any write)
        report.rejected = [Rejection(problem.path, problem_text(problem)) for problem in error.problems]
        report.accepted = _accepted(contents, report.rejected)
        return report
    report.accepted = _noted(contents.items, report.load.outcomes, contents.notes)
    report.written = True
    return report


def _accepted(contents: PackageContents, rejected: list[Rejection]) -> list[tuple[str, str]]:
    """The items that were acceptable in a package that was not written, and what would have happened to them."""
    rejected_files = {rejection.file for rejection in rejected}
    acceptable = [spec for spec in contents.items if spec.source not in rejected_files]
    return _noted(acceptable, preview(acceptable), contents.notes)


def _noted(specs: list[ItemSpec], outcomes: dict[str, str], notes: dict[str, str]) -> list[tuple[str, str]]:
    """(item id, outcome) of each spec, the outcome followed by the reader's note on the item if any."""
    return [(spec.id, "; ".join(filter(None, (outcomes[spec.id], notes.get(spec.id))))) for spec in specs]


def _new_scenarios(contents: PackageContents) -> list[ScenarioSpec]:
    """Scenarios the bank lacks. One it has must be the same (items of other units and
    live items read it), else the items using it are rejected; it is never overwritten."""
    existing = {scenario.code: scenario for scenario in db.session.scalars(
        select(Scenario).where(Scenario.code.in_([spec.id for spec in contents.scenarios])))}
    new = []
    for spec in contents.scenarios:
        found = existing.get(spec.id)
        if found is None:
            new.append(spec)
        elif (found.unit_reference, found.title, found.text) != (spec.unit, spec.title, spec.text):
            contents.rejected.extend(
                Rejection(item.source, f"scenario {spec.id} differs from the bank's scenario of that id, "
                                       f"which an import does not change")
                for item in contents.items if item.scenario == spec.id)
    return new


def export_package(unit_reference: str, qti: QtiVersion) -> ExportResult:
    """A zip (IMS content package) of the unit's items: the latest version of each item not retired."""
    items = db.session.scalars(
        select(Item).where(Item.unit_reference == unit_reference).order_by(Item.code)
        .options(selectinload(Item.versions).selectinload(ItemVersion.scenario))
    ).all()
    buffer = BytesIO()
    entries, exported = [], []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in items:
            version = item.latest
            if version.status is ItemStatus.RETIRED:
                continue
            href = f"items/{item_identifier(item.code)}.xml"
            archive.writestr(href, item_xml(version, item.code, qti))
            images = [f"items/{media_path(item.code, medium.name)}" for medium in version.media]
            for path, medium in zip(images, version.media):
                archive.writestr(path, medium.data)
            entries.append((f"RES-{item_identifier(item.code)}", href, item_metadata(version, item.code), images))
            exported.append(item.code)
        archive.writestr("imsmanifest.xml", manifest_xml(entries, qti, unit_reference))
    return ExportResult(buffer.getvalue(), exported)


def summary(report: ImportReport, dry_run: bool = False) -> str:
    """One line saying what happened to the package as a whole."""
    if report.rejected:
        return (f"{report.package}: rejected; {len(report.rejected)} problem(s), "
                f"so nothing was written ({len(report.accepted)} item(s) were acceptable).")
    if not report.accepted:
        return f"{report.package}: no items found, nothing was written."
    untagged = (f" {report.untagged} came without exam-engine metadata: untagged drafts for the unit's tagging "
                f"queue." if report.untagged else "")
    if dry_run:
        return f"{report.package}: {len(report.accepted)} item(s) acceptable; dry run, nothing was written.{untagged}"
    return f"{report.package}: {len(report.accepted)} item(s) imported.{untagged}"
