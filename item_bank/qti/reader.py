"""Reading QTI 2.2 / 3.0 items into the same `ItemSpec`s the YAML item files give.

Each item file becomes an entry shaped like a YAML item and goes through the same
validation (`item_bank.items.files.check_item`). Accepted: a `choiceInteraction` of one
choice (single best answer), or of cardinality multiple (multiple response), an
`orderInteraction` ordering every option (ordering), and a `matchInteraction` pairing each
premise of its first match set with a different option of its second (matching). Any other
interaction, media we cannot hold, a missing file or a malformed file rejects that file with
a message naming it. Our tags come from the manifest: an `ee:item` element in the resource's
metadata, in its LOM record, or directly (as packages exported before had it). An item with
none (another bank's package, or a folder of item files), or one naming no criterion or
amplification (an untagged draft exported), is read untagged, into the unit chosen at
import or its metadata's: a draft with no criteria or amplification yet, for the unit's
tagging queue (`PackageContents.untagged`).

Scoring: an item is scored by the bank's rule for its type (`item_bank.items.scoring`).
Its response processing may be a standard template (`TEMPLATES`; a note says when that
scores otherwise than our rule) or exactly what our export writes; any other processing is
the package's own rule, which the bank cannot run, and the item is refused saying so.

An identifier that is not one of the bank's codes (`ITEM_CODE`, e.g. "item_00017" or
"Q-1.2") is read as the item's source id; loading gives the item a code
(`item_bank.items.services.sync_specs`). A multiple-response item asks for as many options
as it keys ("Choose 2 answers."), scored by our rule; when the package's `maxChoices`
differs (0: no limit, or another number) the item still imports, with a note saying so for
the import report (`PackageContents.notes`): its stem may need a reviewer's edit.
"""

import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from item_bank.items.files import ITEM_CODE, FileProblem, ItemSpec, Medium, ScenarioSpec, check_item
from item_bank.items.scoring import MARKS, ItemType
from item_bank.items.text import escaped, kept_as_text, normalise, plain
from item_bank.qti.safety import MANIFEST, PackageFiles, UnsafePackage, parse_xml, safe_member_path
from item_bank.qti.versions import (
    BY_NAMESPACE,
    INTERACTIONS,
    LOM_NAMESPACE,
    METADATA_NAMESPACE,
    QTI_22,
    RESOURCE_TYPES,
    TEMPLATES,
    QtiVersion,
)
from item_bank.qti.writer import response_processing

MD = f"{{{METADATA_NAMESPACE}}}"
MEDIA = frozenset({"img", "object", "audio", "video", "math", "include"})
IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF87a": "image/gif",
                    b"GIF89a": "image/gif", b"RIFF": "image/webp"}
MAX_IMAGE_BYTES = 1024 * 1024
HEADINGS = ("h1", "h2", "h3")  # a passage's title when it has none of its own: its first heading
PASSAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml", "text/xml"})
# Never the learner's text: feedback (shown after responding, and it can name the key), rubrics
# (for scorers or for other views), templates and printed template variables.
HIDDEN = frozenset({"feedbackInline", "feedbackBlock", "modalFeedback", "rubricBlock", "templateInline",
                    "templateBlock", "printedVariable"})
# Elements that make a paragraph of their text (lists, list items, rows and line breaks are marked up apart).
BLOCKS = frozenset({"p", "div", "hr", "ul", "ol", "dl", "dt", "dd", "table", "caption", "h1", "h2", "h3", "h4",
                    "h5", "h6", "blockquote", "pre"})
EMPHASIS = {"em": "*", "i": "*", "strong": "**", "b": "**"}
LINE_MARK, CELL = "\x00", "\x01"  # a line the walk made a list item or table row; a table cell's start
SCRIPTS = {"sup": str.maketrans("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ"),
           "sub": str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")}
SUPPORTED = sorted({interaction for interaction, _ in INTERACTIONS.values()})


@dataclass(frozen=True)
class Rejection:
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass
class PackageContents:
    items: list[ItemSpec] = field(default_factory=list)
    scenarios: list[ScenarioSpec] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # resources that are not items
    notes: dict[str, str] = field(default_factory=dict)  # item id -> how the bank's item differs from the package's
    untagged: list[str] = field(default_factory=list)  # ids of items that came without our metadata


class _Rejected(Exception):
    pass


def read_package(package: PackageFiles, unit: str | None, writer: str) -> PackageContents:
    """Every item of a package (or folder, or single file) as a spec, or why it was rejected.

    `unit` is the unit to import into when the metadata names none (it must agree when
    it does); `writer` is recorded for items whose metadata names no writer.
    """
    contents = PackageContents()
    for href, metadata in _item_files(package, contents):
        try:
            read = _read_item(package.files, href, metadata, unit, writer)
        except _Rejected as error:
            contents.rejected.append(Rejection(href, str(error)))
            continue
        entry, scenario, note = read.entry, read.scenario, read.note
        problems: list[FileProblem] = []
        foreign = isinstance(entry["id"], str) and not ITEM_CODE.match(entry["id"])
        untagged = not (entry["criteria"] or entry["amplification"])
        spec = check_item(href, read.unit, read.criterion, 1, entry, problems, foreign_id=foreign, untagged=untagged,
                          media=read.media)
        contents.rejected.extend(Rejection(href, problem_text(problem)) for problem in problems)
        if spec is not None:
            contents.items.append(spec)
            if untagged:
                contents.untagged.append(spec.id)
            if note:
                contents.notes[spec.id] = note
            if scenario is not None:
                contents.scenarios.append(scenario)
    _check_package_wide(contents)
    return contents


def _item_files(package: PackageFiles, contents: PackageContents) -> list[tuple[str, Element | None]]:
    """(href, our metadata) of each item file: from the manifest, or every .xml without one."""
    manifests = sorted((name for name in package.files if name.rsplit("/", 1)[-1] == MANIFEST), key=len)
    if not manifests:
        return [(name, None) for name in sorted(package.files) if name.lower().endswith(".xml")]
    try:
        manifest = parse_xml(package.files[manifests[0]], f"{package.name}: {manifests[0]}")
    except ValueError as error:
        raise UnsafePackage(str(error)) from error
    base = manifests[0].removesuffix(MANIFEST)  # hrefs are relative to the manifest's folder

    def member(href: str) -> str:
        return safe_member_path(base + href, package.name)

    found = []
    for resource in manifest.iter():
        if _local(resource.tag) != "resource":
            continue
        kind, href = resource.get("type", ""), resource.get("href")
        if package.only is not None and (not href or member(href) != package.only):
            continue
        if kind not in RESOURCE_TYPES:
            contents.skipped.append(f"{href or resource.get('identifier')} ({kind or 'no type'})")
            continue
        if not href:
            contents.rejected.append(Rejection(MANIFEST, f"item resource {resource.get('identifier')!r} has no href"))
            continue
        referenced = dict.fromkeys([href] + [f.get("href", "") for f in resource if _local(f.tag) == "file"])
        missing = [name for name in referenced if member(name) not in package.files]
        if missing:
            contents.rejected.append(Rejection(href, f"listed in {MANIFEST} but not in the package: "
                                                     f"{', '.join(missing)}"))
            continue
        found.append((member(href), _our_metadata(resource)))
    return found


def _our_metadata(resource: Element) -> Element | None:
    """Our `item` element in a resource's metadata, directly or in its LOM record."""
    metadata = next((el for el in resource if _local(el.tag) == "metadata"), None)
    if metadata is None:
        return None
    direct = metadata.find(f"{MD}item")
    return direct if direct is not None else metadata.find(f"{{{LOM_NAMESPACE}}}lom/{MD}item")


@dataclass(frozen=True)
class _Read:
    """One item file as read, before our rules check it."""

    entry: dict[str, Any]  # shaped as an item file's entry
    unit: str
    criterion: str
    scenario: ScenarioSpec | None
    note: str | None  # how the bank's item differs from the package's
    media: tuple[Medium, ...]  # the images its stem shows


def _read_item(files: dict[str, bytes], href: str, metadata: Element | None, unit: str | None,
               writer: str) -> _Read:
    """The item's entry, unit, criterion, scenario and images, and a note if the bank asks the learner otherwise."""
    try:
        root = parse_xml(files[href], href)
    except ValueError as error:
        raise _Rejected(str(error).removeprefix(f"{href}: ")) from error
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    qti = BY_NAMESPACE.get(namespace)
    if qti is None or qti.local(root.tag) != "assessmentItem":
        raise _Rejected(f"is not a QTI 2.2 or 3.0 assessment item (root element {_local(root.tag)!r})")
    body = _child(root, qti, "itemBody")
    assert body is not None  # a required child: _child refuses the item without one
    references = _passage_references(root, body, qti)
    interaction = _the_interaction(body, qti)
    pictures = [el for el in body.iter() if _local(el.tag) == "img"]
    _no_media(body, qti, references, pictures)
    images = {el: _image(el, href, files) for el in pictures}
    entry, note = _entry_from_item(root, body, interaction, qti, references,
                                   {el: medium.name for el, medium in images.items()})
    tags = _tags(metadata, writer)
    entry.update(tags.fields)
    if unit and tags.unit and unit != tags.unit:
        raise _Rejected(f"belongs to unit {tags.unit}, not {unit}")
    item_unit = tags.unit or unit
    if item_unit is None:
        raise _Rejected("names no unit in its metadata; give one with --unit" if metadata is not None else
                        "has no exam-engine metadata (no unit, criteria or other tags): choose the unit to import "
                        "it into as an untagged draft (--unit, or the unit on the import page)")
    criterion = tags.criterion or next(iter(entry["criteria"]), "")
    scenario = _scenario(tags.scenario, item_unit)
    if references:
        if scenario is not None or len(references) > 1:
            raise _Rejected(f"refers to {len(references) + (scenario is not None)} shared stimuli; a bank item has "
                            f"one scenario at most")
        scenario = _passage(references[0], href, files, item_unit)
        entry["scenario"] = scenario.id
    return _Read(entry, item_unit, criterion, scenario, note, tuple(images.values()))


def _passage_references(root: Element, body: Element, qti: QtiVersion) -> list[Element]:
    """The item's references to a shared reading passage: a QTI 3 stimulus reference, an XInclude, or
    an `object` of an (X)HTML or XML document; other objects are media."""
    stimuli = [el for el in root if qti.local(el.tag) == "assessmentStimulusRef"]
    return stimuli + [el for el in body.iter() if _local(el.tag) == "include" or (
        _local(el.tag) == "object" and el.get("type", "").split(";")[0].strip() in PASSAGE_TYPES)]


def _passage(reference: Element, href: str, files: dict[str, bytes], unit: str) -> ScenarioSpec:
    """The scenario a passage reference names: the referenced file's learner text, its title (the
    stimulus's title, the document's title or first heading, else its file name; a heading repeating
    the title is not text), and an id of the unit and the text's digest, so every item reading the
    same passage shares one scenario."""
    target = reference.get("href") or reference.get("data") or ""
    path = _in_package(target, href, files)
    if path is None:
        raise _Rejected(f"refers to a shared passage {target!r} that is not in the package")
    try:
        document = parse_xml(files[path], path)
    except ValueError as error:
        raise _Rejected(f"its shared passage {target}: {str(error).removeprefix(f'{path}: ')}") from error
    qti = BY_NAMESPACE.get(document.tag[1:].split("}")[0] if document.tag.startswith("{") else "", QTI_22)
    media = sorted({_local(el.tag) for el in document.iter() if _local(el.tag) in MEDIA})
    if media:
        raise _Rejected(f"its shared passage {target} contains {', '.join(media)}; the bank holds text only")
    body = next((el for el in document.iter() if _local(el.tag) in ("body", "qti-stimulus-body")), document)
    heading = next((el for el in document.iter() if _local(el.tag) in ("title", *HEADINGS)), None)
    title = document.get("title") or (_text(heading) if heading is not None else "") or posixpath.basename(path)
    text = _learner_text(body, qti, {el for el in body.iter() if _local(el.tag) in HEADINGS and _text(el) == title})
    if not text:
        raise _Rejected(f"its shared passage {target} has no text")
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:10]
    return ScenarioSpec(f"{unit.replace('/', '')}-P{digest}", unit, title[:200], text)


def _the_interaction(body: Element, qti: QtiVersion) -> Element:
    interactions = [el for el in body.iter() if qti.local(el.tag).endswith("Interaction")]
    unsupported = sorted({_local(el.tag) for el in interactions if qti.local(el.tag) not in SUPPORTED})
    if unsupported:
        raise _Rejected(f"uses {', '.join(unsupported)}, which we do not import "
                        f"(only {', '.join(map(qti.element, SUPPORTED[:-1]))} and {qti.element(SUPPORTED[-1])} "
                        f"are supported)")
    if len(interactions) != 1:
        raise _Rejected(f"has {len(interactions)} interactions; an item needs exactly one")
    return interactions[0]


def _no_media(body: Element, qti: QtiVersion, passages: list[Element], images: list[Element]) -> None:
    """Refuse media the bank cannot hold: an image in an option or premise (they are text), audio,
    video, maths markup and objects other than passages."""
    in_choices = [el for interaction in body.iter() if qti.local(interaction.tag).endswith("Interaction")
                  for choice in interaction if qti.local(choice.tag) != "prompt"
                  for el in choice.iter() if el in images]
    if in_choices:
        raise _Rejected("has an image in an option or premise; options and premises are text only")
    media = sorted({_local(el.tag) for el in body.iter()
                    if _local(el.tag) in MEDIA and el not in passages and el not in images})
    if media:
        raise _Rejected(f"contains {', '.join(media)}; the bank holds images in the question but no audio, video, "
                        f"maths markup or other objects (give what it shows in words, or leave the item out)")


def _image(element: Element, href: str, files: dict[str, bytes]) -> Medium:
    """An `img`'s image from the package: PNG, JPEG, GIF or WebP (by its content, not its name), at
    most `MAX_IMAGE_BYTES`, with a text alternative (WCAG 1.1.1)."""
    source = element.get("src", "")
    if not _alt(element):
        raise _Rejected(f"has an image {source!r} with no alt text: a learner who cannot see it must be told "
                        f"what it shows")
    path = _in_package(source, href, files)
    if path is None:
        raise _Rejected(f"has an image {source!r} that is not in the package")
    data = files[path]
    kind = next((kind for signature, kind in IMAGE_SIGNATURES.items() if data.startswith(signature)), None)
    if kind is None or (kind == "image/webp" and data[8:12] != b"WEBP"):
        raise _Rejected(f"has an image {source!r} that is not PNG, JPEG, GIF or WebP (SVG and others can carry "
                        f"scripts or fail to show)")
    if len(data) > MAX_IMAGE_BYTES:
        raise _Rejected(f"has an image {source!r} of {len(data):,} bytes; the most an image may be is "
                        f"{MAX_IMAGE_BYTES:,} bytes")
    digest = hashlib.sha256(data).hexdigest()[:8]  # names unique by content: "1f2e3d4c-shop.png"
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", posixpath.basename(path)).lstrip("._-") or "image"
    return Medium((base if base.startswith(f"{digest}-") else f"{digest}-{base}")[:120], kind, data)


def _in_package(reference: str, href: str, files: dict[str, bytes]) -> str | None:
    """The package path a reference from the item file `href` names, relative to its folder; None
    when it names nothing in the package (empty, a URL, outside the package, or missing)."""
    path = posixpath.normpath(posixpath.join(posixpath.dirname(href), reference))
    if not reference or "://" in reference or path.startswith("../") or path not in files:
        return None
    return path


def _alt(image: Element) -> str:
    """An image's text alternative on one line, square brackets made round (they delimit it in markup)."""
    return " ".join((image.get("alt") or "").replace("[", "(").replace("]", ")").split())


def _entry_from_item(root: Element, body: Element, interaction: Element, qti: QtiVersion,
                     passages: list[Element], images: dict[Element, str]) -> tuple[dict[str, Any], str | None]:
    """The item's entry, and a note when the bank asks for another number of choices than `maxChoices`.

    A choice interaction lets `maxChoices` options be chosen (1 by default), an order
    interaction orders `maxChoices` of them (all by default).
    """
    a = qti.attribute
    response_id = interaction.get(a("responseIdentifier"))
    declaration = next((el for el in root if qti.local(el.tag) == "responseDeclaration"
                        and el.get("identifier") == response_id), None)
    if declaration is None:
        raise _Rejected(f"has no responseDeclaration for the interaction's response {response_id!r}")
    correct = _child(declaration, qti, "correctResponse", required=False)
    key = [_text(value) for value in correct if qti.local(value.tag) == "value"] if correct is not None else []
    if not key:
        raise _Rejected("declares no correctResponse, so it has no key")
    name = qti.local(interaction.tag)
    entry: dict[str, Any] = {"id": root.get("identifier"), "stem": _stem(body, interaction, qti, passages, images),
                             "status": "draft"}
    notes = []
    if name == "matchInteraction":
        item_type = _item_type(name, declaration.get("cardinality"), "", len(key), 0, qti)
        notes += _matching(interaction, declaration, key, qti, entry)
    else:
        entry["options"] = [{"id": choice.get("identifier"), "text": plain(_learner_text(choice, qti))}
                            for choice in interaction if qti.local(choice.tag) == "simpleChoice"]
        options = len(entry["options"])
        max_choices = interaction.get(a("maxChoices"), "1" if name == "choiceInteraction" else str(options))
        item_type = _item_type(name, declaration.get("cardinality"), max_choices, len(key), options, qti)
        entry["key"] = key[0] if item_type is ItemType.SINGLE_BEST_ANSWER else key
        if item_type is ItemType.MULTIPLE_RESPONSE:
            entry["select"] = len(key)
            if max_choices != str(len(key)):
                allowed = "any number of options" if max_choices == "0" else f"up to {max_choices} options"
                notes.append(f"the package's {a('maxChoices')} {max_choices} let the learner choose {allowed}; "
                             f"the bank asks for {len(key)}, the number of keys (\"Choose {len(key)} answers.\"): "
                             f"check the stem")
    entry |= {"type": item_type.value, "marks": MARKS[item_type]}
    notes += _scoring(root, item_type, len(key), qti)
    return entry, "; ".join(notes) or None


def _matching(interaction: Element, declaration: Element, pairs: list[str], qti: QtiVersion,
              entry: dict[str, Any]) -> list[str]:
    """A match interaction's premises (its first match set), options (its second) and key (each
    premise's option, from the directed pairs of the correct response) into `entry`; notes when
    the package lets an option match more than one premise."""
    a = qti.attribute
    if declaration.get(a("baseType")) != "directedPair":
        raise _Rejected(f"its {qti.element('matchInteraction')} response is not of base type directedPair")
    sets = [el for el in interaction if qti.local(el.tag) == "simpleMatchSet"]
    if len(sets) != 2:
        raise _Rejected(f"its {qti.element('matchInteraction')} has {len(sets)} match sets, not 2")
    premises, options = ([{"id": choice.get("identifier", ""), "text": plain(_learner_text(choice, qti))}
                          for choice in match_set if qti.local(choice.tag) == "simpleAssociableChoice"]
                         for match_set in sets)
    matched: dict[str, str] = {}
    for pair in pairs:
        source, _, target = pair.partition(" ")
        if source in matched:
            raise _Rejected(f"keys premise {source} to more than one option; a bank matching item pairs each "
                            f"premise with one option")
        matched[source] = target
    if sorted(matched) != sorted(p["id"] for p in premises) or len(set(matched.values())) != len(matched):
        raise _Rejected("its correct response does not pair every premise with a different option, as the "
                        "bank's matching items do")
    entry |= {"premises": premises, "options": options, "key": [matched[p["id"]] for p in premises]}
    shared = [choice.get("identifier", "") for match_set in sets for choice in match_set
              if qti.local(choice.tag) == "simpleAssociableChoice" and choice.get(a("matchMax")) != "1"]
    if shared:
        return [f"the package lets {', '.join(shared)} match more than once; the bank's learner uses each "
                f"premise and option once at most"]
    return []


def _scoring(root: Element, item_type: ItemType, keyed: int, qti: QtiVersion) -> list[str]:
    """A note when the package scores the item otherwise than the bank's rule for its type; refused
    when its response processing is its own rather than a standard template or ours."""
    processing = _child(root, qti, "responseProcessing", required=False)
    label = item_type.value.replace("_", " ")
    if processing is None:
        return [f"the package states no response processing; the bank scores it by its rule for {label}"]
    ours = response_processing(item_type, keyed, qti)
    template = _template(processing)
    if template in TEMPLATES and not len(processing):
        if template == _template(ours):
            return []
        return [f"the package scores it by QTI's {template} template; the bank scores it by its rule for {label}"]
    if _same_tree(processing, ours, qti):
        return []
    raise _Rejected(f"scores responses by its own {qti.element('responseProcessing')}, which the bank does not "
                    f"run; only the standard templates ({', '.join(TEMPLATES)}) or the bank's own rules import")


def _template(processing: Element) -> str:
    """The name of the standard template a response processing uses ("match_correct"), from its URI
    of any QTI version; "" for none."""
    return (processing.get("template") or "").rsplit("/", 1)[-1].removesuffix(".xml")


def _same_tree(found: Element, expected: Element, qti: QtiVersion) -> bool:
    """Whether two elements have the same names (in this version), attributes, text and children."""
    return (qti.local(found.tag) == qti.local(expected.tag) and found.attrib == expected.attrib
            and (found.text or "").strip() == (expected.text or "").strip() and len(found) == len(expected)
            and all(_same_tree(f, e, qti) for f, e in zip(found, expected)))


def _item_type(name: str, cardinality: str | None, max_choices: str, keyed: int, options: int,
               qti: QtiVersion) -> ItemType:
    """Our item type for an interaction, its response's cardinality and `maxChoices`, or why there is none.

    Multiple response takes any `maxChoices` (0 is no limit): the bank asks for as many as are keyed.
    """
    fixed = {ItemType.SINGLE_BEST_ANSWER: "1", ItemType.ORDERING: str(options), ItemType.MATCHING: ""}
    for item_type, shape in INTERACTIONS.items():
        if shape == (name, cardinality) and max_choices == fixed.get(item_type, max_choices):
            return item_type
    raise _Rejected(f"{qti.element(name)} with cardinality {cardinality!r}, {qti.attribute('maxChoices')} "
                    f"{max_choices} and {keyed} correct response(s) is none of single best answer (choice, "
                    f"1 of 1), multiple response (choice, cardinality multiple), ordering (order, "
                    f"of every option) or matching (match, cardinality multiple)")


def _stem(body: Element, interaction: Element, qti: QtiVersion, passages: list[Element],
          images: dict[Element, str]) -> str:
    """Body text outside the interaction, our scenario block and passage references, then the
    prompt as a paragraph of its own, as the bank's markup (`item_bank.items.text`)."""
    skipped = {interaction, *passages, *(el for el in body.iter() if el.get("class") == "scenario")}
    prompt = _child(interaction, qti, "prompt", required=False)
    parts = [_learner_text(body, qti, skipped, images),
             _learner_text(prompt, qti, images=images) if prompt is not None else ""]
    return "\n\n".join(part for part in parts if part)


def _learner_text(element: Element, qti: QtiVersion, skipped: frozenset[Element] | set[Element] = frozenset(),
                  images: dict[Element, str] | None = None) -> str:
    """What a learner reads in an element, in the bank's markup (`item_bank.items.text`): its text
    and its descendants' in order, without feedback, rubrics and templates (`HIDDEN`) or `skipped`;
    paragraphs, line breaks, lists, tables, emphasis and strong emphasis kept; a space where a
    block separates text and none invented elsewhere ("H<sub>2</sub>O" stays one word); sub- and
    superscript digits and signs in their Unicode forms ("x²"), or the item is refused where
    they have none; an image named in `images` as a line of its own with its text alternative.
    Text that would read as markup is escaped."""

    shown = images or {}

    def walk(node: Element, numbered: bool = False) -> str:
        parts = [_words(node.text)]
        count = 0
        for child in node:
            name = qti.local(child.tag)
            if child not in skipped and name not in HIDDEN:
                inner = walk(child, name == "ol" or (numbered and name not in ("ul", "li")))
                if child in shown:
                    inner = f"\n\n{LINE_MARK}![{_alt(child)}]({shown[child]})\n\n"
                if name == "li":
                    count += 1
                    inner = f"\n{LINE_MARK}{count if numbered else '-'}{'.' if numbered else ''} {_one_line(inner)}"
                parts.append(_marked(name, inner))
            parts.append(_words(child.tail))
        return "".join(parts)

    lines = normalise(walk(element)).split("\n")
    return "\n".join(line.removeprefix(LINE_MARK) if line.startswith(LINE_MARK) else kept_as_text(line)
                     for line in lines)


def _marked(name: str, inner: str) -> str:
    """An element's marked-up text from its content's."""
    if name in SCRIPTS:
        shown = inner.translate(SCRIPTS[name])
        if any(char == original and not char.isspace() for char, original in zip(shown, inner)):
            kind = "superscript" if name == "sup" else "subscript"
            raise _Rejected(f"has {kind} text {inner.strip()!r} the bank's plain text cannot show")
        return shown
    if name in EMPHASIS and inner.strip() and "\n" not in inner.strip():
        mark, core = EMPHASIS[name], inner.strip()
        return f"{inner[:len(inner) - len(inner.lstrip())]}{mark}{core}{mark}{inner[len(inner.rstrip()):]}"
    if name == "br":
        return "\n"
    if name == "tr":
        cells = inner.split(CELL)[1:]
        return f"\n{LINE_MARK}| " + " | ".join(_one_line(cell) for cell in cells) + " |"
    if name in ("td", "th"):
        return CELL + inner
    if name == "thead":
        columns = max((line.strip().count(" | ") + 1 for line in inner.split("\n") if line.startswith(LINE_MARK)),
                      default=1)
        return inner + f"\n{LINE_MARK}|" + "---|" * columns
    return f"\n\n{inner}\n\n" if name in BLOCKS else inner


def _words(text: str | None) -> str:
    """A text node's words as markup: whitespace one space (only elements break lines), markup characters escaped."""
    return escaped(re.sub(r"\s+", " ", text or ""))


def _one_line(text: str) -> str:
    """A list item's or table cell's text on one line (a list inside it run into it)."""
    return " ".join(text.replace(LINE_MARK, "").split())


@dataclass(frozen=True)
class _Tags:
    """What the manifest metadata says about an item beyond its QTI content."""

    unit: str | None
    criterion: str | None
    scenario: Element | None
    fields: dict[str, Any]  # item entry fields, named as in the YAML item files


def _tags(metadata: Element | None, writer: str) -> _Tags:
    """Our tags from the manifest metadata; absent ones are left for validation to report."""
    if metadata is None:  # an untagged draft: rated medium until a writer rates it when tagging
        return _Tags(None, None, None, {"criteria": [], "amplification": [], "difficulty_rating": "medium",
                                        "rationale": {}, "writer": writer})
    scenario = metadata.find(f"{MD}scenario")
    fields = {
        "criteria": [_text(el) for el in metadata.findall(f"{MD}criterion")],
        "amplification": [_text(el) for el in metadata.findall(f"{MD}amplification")],
        "difficulty_rating": metadata.get("difficulty"),
        "enemy_set": metadata.get("enemy-set"),
        "scenario": None if scenario is None else scenario.get("id"),
        "rationale": {el.get("option"): (el.text or "").strip() for el in metadata.findall(f"{MD}rationale")},
        "notes": (metadata.findtext(f"{MD}notes") or "").strip() or None,
        "writer": writer,  # the importing user: a package's own claim of writer is not taken
    }
    if metadata.get("id"):
        fields["id"] = metadata.get("id")
    return _Tags(metadata.get("unit"), metadata.get("criterion"), scenario, fields)


def _scenario(element: Element | None, unit: str) -> ScenarioSpec | None:
    if element is None:
        return None
    spec = ScenarioSpec(element.get("id", ""), unit, element.get("title", "").strip(), (element.text or "").strip())
    if not (spec.id and spec.title and spec.text):
        raise _Rejected("its scenario metadata needs an id, a title and a text")
    return spec


def _check_package_wide(contents: PackageContents) -> None:
    """Ids are unique in the package; a scenario has one text throughout."""
    seen: dict[str, str] = {}
    for item in contents.items:
        if item.id in seen:
            contents.rejected.append(Rejection(item.source, f"item id {item.id} is also used by {seen[item.id]}"))
        seen[item.id] = item.source
    texts: dict[str, ScenarioSpec] = {}
    for scenario in contents.scenarios:
        first = texts.setdefault(scenario.id, scenario)
        if first != scenario:
            contents.rejected.append(Rejection(MANIFEST, f"scenario {scenario.id} has different texts in the package"))
    contents.scenarios = list(texts.values())


def _child(parent: Element, qti: QtiVersion, name: str, required: bool = True) -> Element | None:
    found = next((el for el in parent if qti.local(el.tag) == name), None)
    if found is None and required:
        raise _Rejected(f"has no {qti.element(name)} element")
    return found


def problem_text(problem: FileProblem) -> str:
    """A problem's text without its path (the report names the file already)."""
    return str(FileProblem("", problem.item, problem.field, problem.message)).removeprefix(", ")


def _text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
