"""Hostile and malformed packages are refused with a clear message, and nothing is written."""

import os
import stat
import zipfile
from io import BytesIO

import pytest

from item_bank.qti import safety
from item_bank.qti.safety import UnsafePackage, read_zip
from item_bank.qti.services import import_package
from tests.item_bank.qti.conftest import read_entry, rezip, row_counts

ITEM = "items/U2-AC1.1-01.xml"
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2" identifier="X">&lol3;</assessmentItem>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE item [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2" identifier="X">&secret;</assessmentItem>"""


def refused_item(package: bytes) -> list[str]:
    """Import the package; it must be rejected with nothing written. Returns the reasons."""
    before = row_counts()
    report = import_package(read_zip(package, "hostile.zip"), None, "me")
    assert report.rejected and not report.written
    assert row_counts() == before
    return [str(rejection) for rejection in report.rejected]


def refused_package(package: bytes) -> str:
    with pytest.raises(UnsafePackage) as refusal:
        read_zip(package, "hostile.zip")
    return str(refusal.value)


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_declarations_in_an_item_are_refused(app, exported, payload):
    reasons = refused_item(rezip(exported["2.2"], {ITEM: payload}))
    assert reasons == [f"{ITEM}: refused, the XML declares a DTD or entities, which are not allowed"]


def test_a_doctype_in_the_manifest_refuses_the_whole_package(app, exported):
    manifest = read_entry(exported["2.2"], "imsmanifest.xml").replace(
        b"<manifest", b'<!DOCTYPE manifest [<!ENTITY x SYSTEM "http://attacker.invalid/">]>\n<manifest', 1)
    package = read_zip(rezip(exported["2.2"], {"imsmanifest.xml": manifest}), "hostile.zip")
    before = row_counts()
    with pytest.raises(UnsafePackage, match="imsmanifest.xml: refused, the XML declares a DTD or entities"):
        import_package(package, None, "me")
    assert row_counts() == before


@pytest.mark.parametrize(("name", "message"), [
    ("../../evil.xml", "climbs out of the package with '..'"),
    ("items/../../evil.xml", "climbs out of the package with '..'"),
    ("/etc/cron.d/evil", "has an absolute path"),
    ("C:/Windows/evil.xml", "has an absolute path"),
])
def test_path_escapes_are_refused(exported, name, message):
    assert message in refused_package(rezip(exported["3.0"], add={name: b"<x/>"}))


def test_symbolic_links_are_refused():
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        link = zipfile.ZipInfo("items/link.xml")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    assert "entry 'items/link.xml' is a symbolic link" in refused_package(out.getvalue())


def test_a_compression_bomb_is_refused(exported):
    bomb = rezip(exported["2.2"], add={"items/bomb.xml": b"\0" * 2_000_000})
    assert "a zip bomb?" in refused_package(bomb)


def test_oversized_archives_and_too_many_entries_are_refused(exported, monkeypatch):
    noise = os.urandom(40_000)  # incompressible, so the ratio check is not what refuses it
    monkeypatch.setattr(safety, "MAX_ENTRY_BYTES", 30_000)
    refusal = refused_package(rezip(exported["2.2"], add={"big.bin": noise}))
    assert "more than the limit of 30000 for one file" in refusal
    monkeypatch.setattr(safety, "MAX_ENTRY_BYTES", 100_000)
    monkeypatch.setattr(safety, "MAX_TOTAL_BYTES", 100_000)
    assert "would uncompress to" in refused_package(rezip(exported["2.2"], add={"big.bin": noise}))
    monkeypatch.setattr(safety, "MAX_ENTRIES", 10)
    assert "more than the limit of 10" in refused_package(exported["2.2"])


def test_not_a_zip_is_refused():
    assert "is not a readable zip archive" in refused_package(b"PK\x03\x04 but not really")


def test_an_unsupported_interaction_rejects_the_package_naming_file_and_interaction(app, exported):
    for version, old, new in (("2.2", b"choiceInteraction", b"textEntryInteraction"),
                              ("3.0", b"qti-choice-interaction", b"qti-text-entry-interaction")):
        item = read_entry(exported[version], ITEM).replace(old, new)
        reasons = refused_item(rezip(exported[version], {ITEM: item}))
        interaction = new.decode()
        assert reasons == [f"{ITEM}: uses {interaction}, which we do not import "
                           f"(only {old.decode()} is supported)"]


def test_malformed_xml_is_rejected(app, exported):
    truncated = read_entry(exported["2.2"], ITEM)[:200]
    [reason] = refused_item(rezip(exported["2.2"], {ITEM: truncated}))
    assert reason.startswith(f"{ITEM}: is not well-formed XML")


def test_a_file_missing_from_the_package_is_rejected(app, exported):
    [reason] = refused_item(rezip(exported["3.0"], {ITEM: None}))
    assert reason == f"{ITEM}: listed in imsmanifest.xml but not in the package: {ITEM}"


def test_an_item_failing_our_rules_rejects_the_package(app, exported):
    item = read_entry(exported["2.2"], ITEM).replace(b'identifier="D"', b'identifier="B"')
    [reason] = refused_item(rezip(exported["2.2"], {ITEM: item}))
    assert "option ids must be unique" in reason


def test_deeply_nested_xml_is_rejected(app, exported):
    item = read_entry(exported["3.0"], ITEM).replace(
        b"<qti-prompt>", b"<qti-prompt>" + b"<span>" * 5000 + b"x" + b"</span>" * 5000, 1)
    [reason] = refused_item(rezip(exported["3.0"], {ITEM: item}))
    assert reason == f"{ITEM}: refused, elements are nested more than 64 deep"
