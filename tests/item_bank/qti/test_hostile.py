"""Hostile and malformed packages are refused with a clear message, and nothing is written."""

import os
import stat
import struct
import zipfile
from collections.abc import Callable
from io import BytesIO

import pytest
from markupsafe import escape

from exam_engine.cli import cli
from item_bank.qti import safety
from item_bank.qti.safety import UnsafePackage, read_zip
from item_bank.qti.services import import_package
from tests.item_bank.qti.conftest import FIRST, read_entry, rezip, row_counts
from tests.item_bank.qti.test_page import signed_in_writer, upload

ITEM = f"items/{FIRST}.xml"
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
                           f"(only {old.decode()}, {old.decode().replace('choice', 'match')} and "
                           f"{old.decode().replace('choice', 'order')} are supported)"]


def test_malformed_xml_is_rejected(app, exported):
    truncated = read_entry(exported["2.2"], ITEM)[:200]
    [reason] = refused_item(rezip(exported["2.2"], {ITEM: truncated}))
    assert reason.startswith(f"{ITEM}: is not well-formed XML")


def test_a_file_missing_from_the_package_is_rejected(app, exported):
    [reason] = refused_item(rezip(exported["3.0"], {ITEM: None}))
    assert reason == f"{ITEM}: listed in imsmanifest.xml but not in the package: {ITEM}"


def test_an_item_failing_our_rules_rejects_the_package(app, exported):
    item = read_entry(exported["2.2"], ITEM).replace(b'identifier="D"', b'identifier="B"')
    reasons = refused_item(rezip(exported["2.2"], {ITEM: item}))  # and a key of D, if it was, is now no option
    assert any("option ids must be unique" in reason for reason in reasons)
    assert all(reason.startswith(f"{ITEM}: ") for reason in reasons)


def test_deeply_nested_xml_is_rejected(app, exported):
    item = read_entry(exported["3.0"], ITEM).replace(
        b"<qti-prompt>", b"<qti-prompt>" + b"<span>" * 5000 + b"x" + b"</span>" * 5000, 1)
    [reason] = refused_item(rezip(exported["3.0"], {ITEM: item}))
    assert reason == f"{ITEM}: refused, elements are nested more than 64 deep"


def with_href(href: str) -> Callable[[bytes], bytes]:
    """A package whose manifest names the first item (resource and file) by `href` instead."""
    def build(package: bytes) -> bytes:
        manifest = read_entry(package, "imsmanifest.xml").replace(f'href="{ITEM}"'.encode(), f'href="{href}"'.encode())
        return rezip(package, {"imsmanifest.xml": manifest})
    return build


def with_manifest(change: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    """A package whose manifest is changed by `change`."""
    return lambda package: rezip(package, {"imsmanifest.xml": change(read_entry(package, "imsmanifest.xml"))})


def item_stored_last(package: bytes) -> bytearray:
    """The package with the item moved to the end and stored uncompressed, so its bytes can be found."""
    buffer = BytesIO(rezip(package, {ITEM: None}))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(ITEM, read_entry(package, ITEM), compress_type=zipfile.ZIP_STORED)
    return bytearray(buffer.getvalue())


def bad_crc(package: bytes) -> bytes:
    """One byte of the item's stored data flipped: its CRC-32 no longer matches."""
    data = item_stored_last(package)
    data[data.index(read_entry(package, ITEM)) + 100] ^= 0x20
    return bytes(data)


def lying_size(package: bytes) -> bytes:
    """The central directory says the item is 10 bytes shorter than it is."""
    data = item_stored_last(package)
    record = data.rindex(b"PK\x01\x02")  # the item's, since it is the last entry
    compressed, size = struct.unpack_from("<II", data, record + 20)
    struct.pack_into("<II", data, record + 20, compressed - 10, size - 10)
    return bytes(data)


def corrupt_deflate(package: bytes) -> bytes:
    """The first byte of the item's deflate stream set to a block of the reserved type 3."""
    data = bytearray(package)
    with zipfile.ZipFile(BytesIO(package)) as archive:
        offset = archive.getinfo(ITEM).header_offset
    name_length, extra_length = struct.unpack_from("<HH", data, offset + 26)
    data[offset + 30 + name_length + extra_length] = 0xFF
    return bytes(data)


def entries(package: bytes) -> list[str]:
    with zipfile.ZipFile(BytesIO(package)) as archive:
        return archive.namelist()


def one_entry(name: str, version: int = 20, flag_bits: int = 0, compress_type: int = zipfile.ZIP_STORED) -> bytes:
    """A zip of one small entry whose central directory record claims this zip version needed
    to extract it, these flags and this compression method."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo(name), b"<x/>")
    data = bytearray(out.getvalue())
    record = data.index(b"PK\x01\x02")
    struct.pack_into("<HHH", data, record + 6, version, flag_bits, compress_type)
    return bytes(data)


def duplicated_item(package: bytes) -> bytes:
    """The item twice, once under a name that normalises to the same path."""
    return rezip(package, add={ITEM.replace("/", "/./"): b"<x/>"})


BROKEN_PACKAGES = [
    pytest.param(with_href("../../evil.xml"), "imsmanifest.xml: href '../../evil.xml' uses '..'", id="href-dotdot"),
    pytest.param(with_href("/etc/passwd"), "imsmanifest.xml: href '/etc/passwd' is an absolute path or URL",
                 id="href-absolute"),
    pytest.param(with_href("C:\\Windows\\win.ini"),
                 "imsmanifest.xml: href 'C:\\\\Windows\\\\win.ini' is an absolute path or URL", id="href-drive"),
    pytest.param(with_href("file:///etc/passwd"),
                 "imsmanifest.xml: href 'file:///etc/passwd' is an absolute path or URL", id="href-url"),
    pytest.param(with_manifest(lambda manifest: manifest[:300]), "imsmanifest.xml: is not well-formed XML",
                 id="manifest-malformed"),
    pytest.param(with_manifest(lambda manifest: manifest.replace(
        b"<manifest", b'<!DOCTYPE manifest [<!ENTITY x "y">]>\n<manifest', 1)),
        "imsmanifest.xml: refused, the XML declares a DTD or entities, which are not allowed", id="manifest-dtd"),
    pytest.param(with_manifest(lambda manifest: manifest.replace(b"<manifest", b"<manifest title='caf\xe9'", 1)),
                 "imsmanifest.xml: is not well-formed XML (not well-formed (invalid token)", id="manifest-not-utf8"),
    pytest.param(bad_crc, f"entry '{ITEM}' is corrupt (Bad CRC-32", id="bad-crc"),
    pytest.param(lying_size, f"entry '{ITEM}' is corrupt (Bad CRC-32", id="lying-size"),
    pytest.param(corrupt_deflate, f"entry '{ITEM}' is corrupt (Error -3 while decompressing data",
                 id="corrupt-deflate"),
    pytest.param(lambda package: rezip(package, dict.fromkeys(entries(package))), "hostile.zip: is empty",
                 id="empty-zip"),
    pytest.param(lambda package: rezip(package, dict.fromkeys(entries(package)), add={"notes.txt": b"hello"}),
                 "hostile.zip: holds neither an imsmanifest.xml nor any .xml item file", id="no-items"),
    pytest.param(with_manifest(lambda manifest: b'<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"/>'),
                 "imsmanifest.xml: lists no resources, so there is nothing to import", id="no-resources"),
    pytest.param(lambda package: one_entry(ITEM, flag_bits=1), f"entry '{ITEM}' is encrypted", id="encrypted"),
    pytest.param(lambda package: one_entry(ITEM, compress_type=99),
                 f"entry '{ITEM}' is compressed by a method we cannot read (99)", id="unknown-compression"),
    pytest.param(duplicated_item, f"entry '{ITEM.replace('/', '/./')}' is {ITEM}, which the package holds already",
                 id="duplicate-entry"),
    pytest.param(lambda package: one_entry(""), "hostile.zip: entry '' has no name", id="nameless-entry"),
    pytest.param(lambda package: one_entry(ITEM, version=255),
                 "hostile.zip: is not a readable zip archive (zip file version 25.5)", id="unknown-zip-version"),
]


@pytest.mark.parametrize(("build", "message"), BROKEN_PACKAGES)
def test_a_broken_upload_is_refused_on_the_page(client, make_user, exported, build, message):
    token = signed_in_writer(client, make_user)
    response = upload(client, build(exported["2.2"]), "hostile.zip", token=token)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Refused: hostile.zip: " in html and escape(message) in html
    assert "Nothing was written" in html and row_counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(("build", "message"), BROKEN_PACKAGES)
def test_a_broken_package_is_refused_by_the_import_and_the_command(app, exported, tmp_path, build, message):
    path = tmp_path / "hostile.zip"
    path.write_bytes(build(exported["2.2"]))
    with pytest.raises(UnsafePackage) as refusal:
        import_package(read_zip(path.read_bytes(), path.name), None, "me")
    assert str(refusal.value).startswith("hostile.zip: ") and message in str(refusal.value)
    assert row_counts() == (0, 0, 0, 0)
    result = app.test_cli_runner().invoke(cli, ["import-qti", str(path)])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, result.exception
    assert "Error: refused: hostile.zip: " in result.output and message in result.output
    assert "nothing was written" in result.output and "Traceback" not in result.output
    assert row_counts() == (0, 0, 0, 0)


def test_an_item_in_an_unknown_encoding_is_rejected(app, exported):
    item = b'<?xml version="1.0" encoding="x-unknown"?>' + read_entry(exported["2.2"], ITEM).split(b"?>", 1)[1]
    [reason] = refused_item(rezip(exported["2.2"], {ITEM: item}))
    assert reason == f"{ITEM}: is not readable XML: it declares the unknown encoding 'x-unknown'"

