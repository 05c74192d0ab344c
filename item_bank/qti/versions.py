"""The two QTI versions we read and write, and how their names differ.

QTI 2.2 names elements and attributes in camelCase (`choiceInteraction`, `maxChoices`);
QTI 3.0 uses the same information model with kebab-case names prefixed `qti-` for
elements (`qti-choice-interaction`, `max-choices`). HTML content (`p`, `div`, `h2`) is
named alike in both. Code here speaks 2.2 names and `QtiVersion` translates.

Our item types are the same in both: each is one interaction with a response of one
cardinality (`INTERACTIONS`).
"""

import re
from dataclasses import dataclass

from item_bank.items.scoring import ItemType

HTML_ELEMENTS = frozenset({"p", "div", "h2", "span", "br", "em", "strong", "ul", "ol", "li", "table", "thead", "tbody",
                           "tr", "th", "td", "img"})
TEMPLATES = ("match_correct", "map_response")  # the standard response processing templates we read
METADATA_NAMESPACE = "urn:exam-engine:item-metadata:1"
LOM_NAMESPACE = "http://ltsc.ieee.org/xsd/LOM"
# (interaction, response cardinality) of each item type, in 2.2 names
INTERACTIONS = {
    ItemType.SINGLE_BEST_ANSWER: ("choiceInteraction", "single"),
    ItemType.MULTIPLE_RESPONSE: ("choiceInteraction", "multiple"),
    ItemType.ORDERING: ("orderInteraction", "ordered"),
    ItemType.MATCHING: ("matchInteraction", "multiple"),
}


@dataclass(frozen=True)
class QtiVersion:
    label: str  # "2.2" or "3.0"
    namespace: str
    schema_location: str
    resource_type: str
    manifest_namespace: str
    templates: str  # response processing template base URI
    result_namespace: str  # results reports (`assessmentResult`), named alike in both versions
    result_schema_location: str

    def element(self, name: str) -> str:
        """This version's element name for a 2.2 local name (HTML elements kept as they are)."""
        if self.label == "3.0" and name not in HTML_ELEMENTS:
            return "qti-" + _kebab(name)
        return name

    def attribute(self, name: str) -> str:
        return _kebab(name) if self.label == "3.0" else name

    def local(self, tag: str) -> str:
        """The 2.2 local name of a qualified element of this version."""
        name = tag.rsplit("}", 1)[-1]
        if self.label == "3.0" and name.startswith("qti-"):
            return _camel(name[4:])
        return name

    def template(self, name: str) -> str:
        """The URI of a standard response processing template ("match_correct", "map_response")."""
        suffix = ".xml" if self.label == "3.0" else ""
        return f"{self.templates}/{name}{suffix}"


QTI_22 = QtiVersion(
    label="2.2",
    namespace="http://www.imsglobal.org/xsd/imsqti_v2p2",
    schema_location="http://www.imsglobal.org/xsd/qti/qtiv2p2/imsqti_v2p2p2.xsd",
    resource_type="imsqti_item_xmlv2p2",
    manifest_namespace="http://www.imsglobal.org/xsd/imscp_v1p1",
    templates="http://www.imsglobal.org/question/qti_v2p2/rptemplates",
    result_namespace="http://www.imsglobal.org/xsd/imsqti_result_v2p2",
    result_schema_location="http://www.imsglobal.org/xsd/qti/qtiv2p2/imsqti_result_v2p2.xsd",
)
QTI_30 = QtiVersion(
    label="3.0",
    namespace="http://www.imsglobal.org/xsd/imsqtiasi_v3p0",
    schema_location="https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd",
    resource_type="imsqti_item_xmlv3p0",
    manifest_namespace="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1",
    templates="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates",
    result_namespace="http://www.imsglobal.org/xsd/imsqti_result_v3p0",
    result_schema_location="https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_resultv3p0_v1p0.xsd",
)
VERSIONS = {QTI_22.label: QTI_22, QTI_30.label: QTI_30}
BY_NAMESPACE = {QTI_22.namespace: QTI_22, QTI_30.namespace: QTI_30}
# Older 2.x namespaces read like 2.2: the elements we accept did not change.
BY_NAMESPACE["http://www.imsglobal.org/xsd/imsqti_v2p1"] = QTI_22
RESOURCE_TYPES = {QTI_22.resource_type: QTI_22, QTI_30.resource_type: QTI_30, "imsqti_item_xmlv2p1": QTI_22}
MANIFEST_NAMESPACES = {QTI_22.manifest_namespace, QTI_30.manifest_namespace}


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda match: "-" + match.group(1).lower(), name)


def _camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(part.capitalize() for part in rest)
