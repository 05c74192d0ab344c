"""A unit's export is valid against the official 1EdTech schemas, every item and the manifest, in 2.2 and 3.0.

The schemas (`../shared/qti-schemas`, README.md there says which file validates what) are
resolved from local files only; outside CI their absence skips these tests, under CI it fails them.
"""

import zipfile
from collections.abc import Callable
from io import BytesIO

import pytest
from lxml import etree

from item_bank.qti.versions import METADATA_NAMESPACE
from tests.item_bank.qti.conftest import unit_files

ITEM_SCHEMAS = {
    "2.2": ("qtiv2p2p2/imsqti_v2p2p2.xsd", "qtiv2p2/imsqti_v2p2.xsd"),
    "3.0": ("qtiv3p0/imsqti_asiv3p0_sbacv1p0_v1p0.xsd",),
}
MANIFEST_SCHEMAS = {"2.2": "imscp_v1p1.xsd", "3.0": "qtiv3p0/imsqtiv3p0_imscpv1p2_v1p0.xsd"}
Schemas = Callable[[str], etree.XMLSchema]


def parsed(package: bytes) -> dict[str, etree._Element]:
    """Each XML file of a package, parsed (without DTDs or the network); images left out."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    with zipfile.ZipFile(BytesIO(package)) as archive:
        return {name: etree.fromstring(archive.read(name), parser) for name in archive.namelist()
                if name.endswith(".xml")}


def problems(schema: etree.XMLSchema, name: str, document: etree._Element) -> list[str]:
    if schema.validate(document):
        return []
    return [f"{name}:{error.line}: {error.message}" for error in schema.error_log]


@pytest.mark.parametrize("version", ["2.2", "3.0"])
def test_every_item_of_the_unit_is_exported_valid_against_the_official_schema(schema: Schemas, exported, version):
    items = {name: document for name, document in parsed(exported[version]).items() if name.startswith("items/")}

    for path in ITEM_SCHEMAS[version]:
        assert [problem for name, document in items.items() for problem in problems(schema(path), name, document)
                ] == [], path
    assert len(items) == len(unit_files()[0])  # every item type is exported, ordering too
    cardinalities = {el.get("cardinality") for document in items.values() for el in document
                     if etree.QName(el).localname in ("responseDeclaration", "qti-response-declaration")}
    assert cardinalities == {"single", "multiple", "ordered"}


@pytest.mark.parametrize("version", ["2.2", "3.0"])
def test_the_manifest_is_valid_against_the_official_schema(schema: Schemas, exported, version):
    manifest = parsed(exported[version])["imsmanifest.xml"]

    assert problems(schema(MANIFEST_SCHEMAS[version]), "imsmanifest.xml", manifest) == []
    resources = [el for el in manifest.iter() if etree.QName(el).localname == "resource"]
    assert len(resources) == len(unit_files()[0])
    assert all(resource.find(f".//{{{METADATA_NAMESPACE}}}item") is not None for resource in resources)
