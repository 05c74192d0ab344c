"""Writing item versions as QTI item XML and an IMS content package manifest.

Single best answer: `choiceInteraction maxChoices=1`, scored by the standard
`match_correct` template (SCORE 1 or 0). Multiple response (choose k): `maxChoices=k`
with explicit response processing reproducing our rule (`item_bank.items.scoring`):
SCORE 2 when all k keyed options are chosen, 1 when k - 1 are, else 0, and 0 when more
than k are chosen. The hits are counted with a mapping (keyed options map to 1).
Ordering: `orderInteraction` of all the options in the bank's order, the correct response
(cardinality ordered) the keyed order, scored by `match_correct`: 1 only for that order.
Tags travel as a namespaced extension in each resource's manifest metadata, inside its
LOM record in 3.0 (`QtiVersion.metadata_in_lom`).

Elements are built with plain names and the namespaces declared on the root, so the
files use a default namespace (`<assessmentItem xmlns="...">`) as QTI players expect.
"""

from xml.etree.ElementTree import Element, SubElement, indent, tostring

from item_bank.items.models import ItemVersion
from item_bank.items.scoring import ItemType
from item_bank.qti.versions import INTERACTIONS, LOM_NAMESPACE, METADATA_NAMESPACE, QtiVersion

XSI = "http://www.w3.org/2001/XMLSchema-instance"
MD = "ee:"  # the prefix the manifest declares for METADATA_NAMESPACE


def item_identifier(code: str) -> str:
    """A QTI identifier for an item code (identifiers may not start with a digit)."""
    return code if code[0].isalpha() else f"item-{code}"


def item_xml(version: ItemVersion, code: str, qti: QtiVersion) -> bytes:
    """An item version as a QTI item file of `qti`'s version."""
    e, a = qti.element, qti.attribute
    root = Element(e("assessmentItem"), {
        "xmlns": qti.namespace, "xmlns:xsi": XSI,
        "xsi:schemaLocation": f"{qti.namespace} {qti.schema_location}",
        "identifier": item_identifier(code), "title": code, a("timeDependent"): "false", "xml:lang": "en-GB",
    })
    if qti.label == "2.2":
        root.set("adaptive", "false")  # required in 2.2; 3.0 has no adaptive items
    multiple = version.type is ItemType.MULTIPLE_RESPONSE
    keyed = [version.key] if isinstance(version.key, str) else list(version.key)
    interaction_name, cardinality = INTERACTIONS[version.type]
    response = SubElement(root, e("responseDeclaration"), {
        "identifier": "RESPONSE", "cardinality": cardinality, a("baseType"): "identifier",
    })
    correct = SubElement(response, e("correctResponse"))
    for option_id in keyed:
        SubElement(correct, e("value")).text = option_id
    if multiple:
        mapping = SubElement(response, e("mapping"), {a("defaultValue"): "0"})
        for option_id in keyed:
            SubElement(mapping, e("mapEntry"), {a("mapKey"): option_id, a("mappedValue"): "1"})
    SubElement(root, e("outcomeDeclaration"), {
        "identifier": "SCORE", "cardinality": "single", a("baseType"): "float",
        a("normalMaximum"): str(version.marks),
    })
    body = SubElement(root, e("itemBody"))
    if version.scenario is not None:
        stimulus = SubElement(body, e("div"), {"class": "scenario"})
        SubElement(stimulus, e("h2")).text = version.scenario.title
        SubElement(stimulus, e("p")).text = version.scenario.text
    attributes = {a("responseIdentifier"): "RESPONSE", "shuffle": "false"}
    if interaction_name == "choiceInteraction":  # an order interaction orders every option by default
        attributes |= {a("maxChoices"): str(len(keyed)), a("minChoices"): "0"}
    interaction = SubElement(body, e(interaction_name), attributes)
    SubElement(interaction, e("prompt")).text = version.stem
    for option in version.options:
        SubElement(interaction, e("simpleChoice"), {"identifier": option["id"]}).text = option["text"]
    if multiple:
        _partial_credit_processing(root, qti, len(keyed))
    else:
        SubElement(root, e("responseProcessing"), {"template": qti.match_correct()})
    indent(root)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def _partial_credit_processing(root: Element, qti: QtiVersion, k: int) -> None:
    e, a = qti.element, qti.attribute

    def set_score(parent: Element, value: int) -> None:
        setter = SubElement(parent, e("setOutcomeValue"), {"identifier": "SCORE"})
        SubElement(setter, e("baseValue"), {a("baseType"): "float"}).text = str(value)

    def hits_equal(parent: Element, value: int) -> None:
        equal = SubElement(parent, e("equal"), {a("toleranceMode"): "exact"})
        SubElement(equal, e("mapResponse"), {"identifier": "RESPONSE"})
        SubElement(equal, e("baseValue"), {a("baseType"): "float"}).text = str(value)

    processing = SubElement(root, e("responseProcessing"))
    condition = SubElement(processing, e("responseCondition"))
    too_many = SubElement(condition, e("responseIf"))
    greater = SubElement(too_many, e("gt"))
    size = SubElement(greater, e("containerSize"))
    SubElement(size, e("variable"), {"identifier": "RESPONSE"})
    SubElement(greater, e("baseValue"), {a("baseType"): "integer"}).text = str(k)
    set_score(too_many, 0)
    for hits, marks in ((k, 2), (k - 1, 1)):
        branch = SubElement(condition, e("responseElseIf"))
        hits_equal(branch, hits)
        set_score(branch, marks)
    set_score(SubElement(condition, e("responseElse")), 0)


def item_metadata(version: ItemVersion, code: str) -> Element:
    """Our tags for one item, as a namespaced extension inside the resource's metadata."""
    attributes = {
        "id": code, "unit": version.item.unit_reference, "criterion": version.criteria[0],
        "difficulty": version.difficulty_rating, "writer": version.writer,
    }
    if version.enemy_set:
        attributes["enemy-set"] = version.enemy_set
    root = Element(f"{MD}item", attributes)
    for criterion in version.criteria:
        SubElement(root, f"{MD}criterion").text = criterion
    for point in version.amplification:
        SubElement(root, f"{MD}amplification").text = point
    if version.scenario is not None:
        SubElement(root, f"{MD}scenario", {"id": version.scenario.code,
                                          "title": version.scenario.title}).text = version.scenario.text
    for option_id, reason in version.rationale.items():
        SubElement(root, f"{MD}rationale", {"option": option_id}).text = reason
    if version.notes:
        SubElement(root, f"{MD}notes").text = version.notes
    return root


def manifest_xml(entries: list[tuple[str, str, Element]], qti: QtiVersion, unit_reference: str) -> bytes:
    """An IMS content package manifest listing one resource per item file, with its metadata."""
    root = Element("manifest", {"xmlns": qti.manifest_namespace, "xmlns:ee": METADATA_NAMESPACE,
                                "identifier": "MANIFEST-" + unit_reference.replace("/", "-")})
    if qti.metadata_in_lom:
        root.set("xmlns:lom", LOM_NAMESPACE)
    metadata = SubElement(root, "metadata")
    SubElement(metadata, "schema").text = "QTI Package"
    SubElement(metadata, "schemaversion").text = "3.0.0" if qti.label == "3.0" else "2.2.0"
    SubElement(root, "organizations")
    resources = SubElement(root, "resources")
    for identifier, href, item_metadata_element in entries:
        resource = SubElement(resources, "resource",
                              {"identifier": identifier, "type": qti.resource_type, "href": href})
        metadata = SubElement(resource, "metadata")
        (SubElement(metadata, "lom:lom") if qti.metadata_in_lom else metadata).append(item_metadata_element)
        SubElement(resource, "file", {"href": href})
    indent(root)
    return tostring(root, encoding="utf-8", xml_declaration=True)
