"""QTI 2.2 and 3.0 import and export of items, in IMS content packages.

A package is a zip with `imsmanifest.xml` and one item file per item (`items/<id>.xml`),
each listed as a resource of type `imsqti_item_xmlv2p2` or `imsqti_item_xmlv3p0`.
Single best answer and multiple response items are a `choiceInteraction`
(`qti-choice-interaction`), ordering items an `orderInteraction`, matching items a
`matchInteraction`; one-mark types are scored by the standard `match_correct` template,
two-mark types by explicit processing of our rule; any other interaction, and any other
response processing than a standard template or ours, is rejected on import. Our tags
travel in each resource's `<metadata>`, inside its `lom:lom` record (the one place the
3.0 packaging schema lets other namespaces in), as an `<ee:item>` element in the
namespace `urn:exam-engine:item-metadata:1`: attributes id, unit, criterion, difficulty,
writer and enemy-set, and child elements criterion, amplification, scenario (id, title,
text), rationale (per option, or per premise of a matching item) and notes. Items with
no such element import untagged into the unit chosen at import, for its tagging queue. An
item identifier that is not one of the bank's codes (another bank's scheme) never blocks an
import: the item gets a code of the unit and keeps the identifier as its source id.

- `safety`: reading zips, folders and files safely; XML without DTDs or entities.
- `versions`: element, attribute and resource names of the two QTI versions.
- `writer` / `reader`: item versions to QTI, and QTI to the YAML path's `ItemSpec`s.
- `service`: the export and the all-or-nothing import; `commands`, `views`: their doors.
"""
