"""Writing item versions as QTI item XML and an IMS content package manifest.

Single best answer: `choiceInteraction maxChoices=1`, scored by the standard
`match_correct` template (SCORE 1 or 0). Multiple response (choose k): `maxChoices=k`
with explicit response processing reproducing our rule (`item_bank.items.scoring`):
SCORE 2 when all k keyed options are chosen, 1 when k - 1 are, else 0, and 0 when more
than k are chosen. The hits are counted with a mapping (keyed options map to 1).
Ordering: `orderInteraction` of all the options in the bank's order, the correct response
(cardinality ordered) the keyed order, scored by `match_correct`: 1 only for that order.
Matching (n premises): `matchInteraction` of two match sets, the premises then the options,
each choice matched at most once (`matchMax` 1); the correct response is each premise's
directed pair to its option; explicit response processing reproduces our rule: SCORE 2
when all n pairs are given, 1 when at least n/2 are, else 0 (pairs counted by a mapping).
Stems and scenario texts are written from the bank's markup (`item_bank.items.text`) as
XHTML: a one-paragraph stem as the interaction's prompt (inline content only), any other
before the interaction as paragraphs, lists, tables and images (the version's own, stored in
the package at `media_path`).
Tags travel as a namespaced extension inside a LOM record in each resource's manifest
metadata, in both versions: 3.0's content packaging admits only qtiMetadata,
curriculumStandardsMetadataSet and lom there (and the loose LOM binding any other
namespace), and a 2.2 package upgraded to 3.0 (Cito's converter keeps metadata as it is)
stays valid.

Elements are built with plain names and the namespaces declared on the root, so the
files use a default namespace (`<assessmentItem xmlns="...">`) as QTI players expect.
"""

import math
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from item_bank.items.models import ItemVersion
from item_bank.items.scoring import ItemType
from item_bank.items.text import Block, Spans, blocks
from item_bank.qti.versions import INTERACTIONS, LOM_NAMESPACE, METADATA_NAMESPACE, QtiVersion

XSI = "http://www.w3.org/2001/XMLSchema-instance"
# The two-mark types, scored by explicit processing, and the test giving 1 mark (`_partial_credit_processing`)
PARTIAL_CREDIT = {ItemType.MULTIPLE_RESPONSE: "equal", ItemType.MATCHING: "gte"}
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
    matching = version.type is ItemType.MATCHING
    keyed = [version.key] if isinstance(version.key, str) else list(version.key)
    if matching:  # each premise's directed pair to its option
        keyed = [f"{premise['id']} {option_id}" for premise, option_id in zip(version.premises, keyed)]
    interaction_name, cardinality = INTERACTIONS[version.type]
    response = SubElement(root, e("responseDeclaration"), {
        "identifier": "RESPONSE", "cardinality": cardinality,
        a("baseType"): "directedPair" if matching else "identifier",
    })
    correct = SubElement(response, e("correctResponse"))
    for value in keyed:
        SubElement(correct, e("value")).text = value
    if version.type in PARTIAL_CREDIT:
        mapping = SubElement(response, e("mapping"), {a("defaultValue"): "0"})
        for value in keyed:
            SubElement(mapping, e("mapEntry"), {a("mapKey"): value, a("mappedValue"): "1"})
    SubElement(root, e("outcomeDeclaration"), {
        "identifier": "SCORE", "cardinality": "single", a("baseType"): "float",
        a("normalMaximum"): str(version.marks),
    })
    body = SubElement(root, e("itemBody"))
    if version.scenario is not None:
        stimulus = SubElement(body, e("div"), {"class": "scenario"})
        SubElement(stimulus, e("h2")).text = version.scenario.title
        _formatted(stimulus, blocks(version.scenario.text), qti, code)
    stem = blocks(version.stem)
    in_prompt = len(stem) == 1 and stem[0]["kind"] == "paragraph"  # a prompt holds inline content only
    if not in_prompt:
        _formatted(body, stem, qti, code)
    attributes = {a("responseIdentifier"): "RESPONSE", "shuffle": "false"}
    if interaction_name == "choiceInteraction":  # an order interaction orders every option by default
        attributes |= {a("maxChoices"): str(len(keyed)), a("minChoices"): "0"}
    elif matching:
        attributes |= {a("maxAssociations"): str(len(keyed)), a("minAssociations"): "0"}
    interaction = SubElement(body, e(interaction_name), attributes)
    if in_prompt:
        _lines(SubElement(interaction, e("prompt")), stem[0]["lines"], qti)
    if matching:
        for choices in (version.premises, version.options):
            match_set = SubElement(interaction, e("simpleMatchSet"))
            for choice in choices:
                SubElement(match_set, e("simpleAssociableChoice"),
                           {"identifier": choice["id"], a("matchMax"): "1"}).text = choice["text"]
    else:
        for option in version.options:
            SubElement(interaction, e("simpleChoice"), {"identifier": option["id"]}).text = option["text"]
    root.append(response_processing(version.type, len(keyed), qti))
    indent(root)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def media_path(code: str, name: str) -> str:
    """Where an item's image lies in a package, relative to the item files' folder."""
    return f"media/{item_identifier(code)}/{name}"


def _formatted(parent: Element, text: list[Block], qti: QtiVersion, code: str) -> None:
    """Marked-up text's blocks (`item_bank.items.text.blocks`) as XHTML paragraphs, lists, tables
    and images (the item's own, at `media_path`)."""
    e = qti.element
    for block in text:
        if block["kind"] == "image":
            SubElement(SubElement(parent, e("p")), e("img"), {"src": media_path(code, block["name"]),
                                                              "alt": block["alt"]})
        elif block["kind"] == "paragraph":
            _lines(SubElement(parent, e("p")), block["lines"], qti)
        elif block["kind"] == "list":
            listed = SubElement(parent, e("ol" if block["ordered"] else "ul"))
            for item in block["items"]:
                _spans(SubElement(listed, e("li")), item, qti)
        else:
            table = SubElement(parent, e("table"))
            for section, cell, rows in (("thead", "th", block["head"]), ("tbody", "td", block["body"])):
                if rows or section == "tbody":
                    part = SubElement(table, e(section))
                    for cells in rows:
                        row = SubElement(part, e("tr"))
                        for content in cells:
                            _spans(SubElement(row, e(cell)), content, qti)


def _lines(parent: Element, lines: list[Spans], qti: QtiVersion) -> None:
    """A paragraph's lines as inline content, a line break between them."""
    for n, line in enumerate(lines):
        if n:
            SubElement(parent, qti.element("br"))
        _spans(parent, line, qti)


def _spans(parent: Element, line: Spans, qti: QtiVersion) -> None:
    for text, style in line:
        if style:
            SubElement(parent, qti.element(style)).text = text
        elif len(parent):
            parent[-1].tail = (parent[-1].tail or "") + text
        else:
            parent.text = (parent.text or "") + text


def response_processing(item_type: ItemType, keyed: int, qti: QtiVersion) -> Element:
    """The response processing that scores an item of `item_type` with `keyed` correct values by
    our rule (`item_bank.items.scoring`): the `match_correct` template for one-mark types, else
    explicit processing (`PARTIAL_CREDIT`)."""
    if item_type not in PARTIAL_CREDIT:
        return Element(qti.element("responseProcessing"), {"template": qti.template("match_correct")})
    return _partial_credit_processing(qti, keyed, item_type)


def _partial_credit_processing(qti: QtiVersion, k: int, item_type: ItemType) -> Element:
    """SCORE 0 for more than k values; 2 when the mapped (keyed) values given number k; 1 when
    they number k - 1 (multiple response) or at least k/2 rounded up (matching); else 0."""
    e, a = qti.element, qti.attribute
    comparison = PARTIAL_CREDIT[item_type]
    one_mark = k - 1 if item_type is ItemType.MULTIPLE_RESPONSE else math.ceil(k / 2)

    def set_score(parent: Element, value: int) -> None:
        setter = SubElement(parent, e("setOutcomeValue"), {"identifier": "SCORE"})
        SubElement(setter, e("baseValue"), {a("baseType"): "float"}).text = str(value)

    def hits(parent: Element, test: str, value: int) -> None:
        compared = SubElement(parent, e(test), {a("toleranceMode"): "exact"} if test == "equal" else {})
        SubElement(compared, e("mapResponse"), {"identifier": "RESPONSE"})
        SubElement(compared, e("baseValue"), {a("baseType"): "float"}).text = str(value)

    processing = Element(e("responseProcessing"))
    condition = SubElement(processing, e("responseCondition"))
    too_many = SubElement(condition, e("responseIf"))
    greater = SubElement(too_many, e("gt"))
    size = SubElement(greater, e("containerSize"))
    SubElement(size, e("variable"), {"identifier": "RESPONSE"})
    SubElement(greater, e("baseValue"), {a("baseType"): "integer"}).text = str(k)
    set_score(too_many, 0)
    for test, value, marks in (("equal", k, 2), (comparison, one_mark, 1)):
        branch = SubElement(condition, e("responseElseIf"))
        hits(branch, test, value)
        set_score(branch, marks)
    set_score(SubElement(condition, e("responseElse")), 0)
    return processing


def item_metadata(version: ItemVersion, code: str) -> Element:
    """Our tags for one item, as a namespaced extension inside the resource's metadata."""
    attributes = {"id": code, "unit": version.item.unit_reference}
    if version.criteria:  # an untagged draft has none yet
        attributes["criterion"] = version.criteria[0]
    attributes |= {"difficulty": version.difficulty_rating, "writer": version.writer}
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


def manifest_xml(entries: list[tuple[str, str, Element, list[str]]], qti: QtiVersion, unit_reference: str) -> bytes:
    """An IMS content package manifest listing one resource per item file, with its metadata and
    its files (the item file, then its images)."""
    root = Element("manifest", {"xmlns": qti.manifest_namespace, "xmlns:ee": METADATA_NAMESPACE,
                                "xmlns:lom": LOM_NAMESPACE,
                                "identifier": "MANIFEST-" + unit_reference.replace("/", "-")})
    metadata = SubElement(root, "metadata")
    SubElement(metadata, "schema").text = "QTI Package"
    SubElement(metadata, "schemaversion").text = "3.0.0" if qti.label == "3.0" else "2.2.0"
    SubElement(root, "organizations")
    resources = SubElement(root, "resources")
    for identifier, href, item_metadata_element, files in entries:
        resource = SubElement(resources, "resource",
                              {"identifier": identifier, "type": qti.resource_type, "href": href})
        metadata = SubElement(resource, "metadata")
        SubElement(metadata, "lom:lom").append(item_metadata_element)
        for file in (href, *files):
            SubElement(resource, "file", {"href": file})
    indent(root)
    return tostring(root, encoding="utf-8", xml_declaration=True)
