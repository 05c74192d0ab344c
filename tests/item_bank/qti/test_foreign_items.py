"""Items from other banks: 2- and 3-option choices, any maxChoices, identifiers of other schemes."""

import zipfile
from io import BytesIO

import pytest
from sqlalchemy import select

from exam_engine.core.extensions import db
from item_bank.items.models import Item, ItemStatus
from item_bank.qti.safety import read_zip
from item_bank.qti.services import ImportReport, import_package
from tests.item_bank.qti.conftest import UNIT, load_unit, next_code

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p2"


TEMPLATES = "http://www.imsglobal.org/question/qti_v2p2/rptemplates"
# What other banks commonly use: one key, all or nothing; several keys, a point for each keyed option
PROCESSING = {"single": f'<responseProcessing template="{TEMPLATES}/match_correct"/>',
              "multiple": f'<responseProcessing template="{TEMPLATES}/map_response"/>'}


def item(identifier: str, options: int, keys: str, max_choices: str | None = None, stem: str = "Which fits?") -> str:
    """A QTI 2.2 choice item written as another bank would: its own identifier, options A.., keys `keys`."""
    cardinality = "single" if max_choices is None else "multiple"
    limit = "" if max_choices is None else f' maxChoices="{max_choices}"'
    values = "".join(f"<value>{key}</value>" for key in keys)
    choices = "".join(f'<simpleChoice identifier="{chr(65 + n)}">Answer {chr(65 + n)}</simpleChoice>'
                      for n in range(options))
    return (f'<assessmentItem xmlns="{QTI}" identifier="{identifier}" title="t" adaptive="false" '
            f'timeDependent="false"><responseDeclaration identifier="RESPONSE" cardinality="{cardinality}" '
            f'baseType="identifier"><correctResponse>{values}</correctResponse></responseDeclaration>'
            f'<itemBody><choiceInteraction responseIdentifier="RESPONSE"{limit}><prompt>{stem}</prompt>'
            f'{choices}</choiceInteraction></itemBody>{PROCESSING[cardinality]}</assessmentItem>')


def package(items: list[str], unit: str = UNIT, files: dict[str, str] | None = None) -> bytes:
    """A 2.2 package of the items, each tagged (our metadata, with no id) to AC1.1 of `unit`, with a
    reason for options A-H and premises S1-S5; `files` are other files of the package, by path."""
    resources = []
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, text in (files or {}).items():
            archive.writestr(path, text)
        for n, xml in enumerate(items):
            href = f"items/{n}.xml"
            archive.writestr(href, xml)
            rationale = "".join(f'<ee:rationale option="{choice}">why</ee:rationale>'
                                for choice in [*"ABCDEFGH", "S1", "S2", "S3", "S4", "S5"])
            resources.append(
                f'<resource identifier="R{n}" type="imsqti_item_xmlv2p2" href="{href}"><metadata>'
                f'<ee:item unit="{unit}" criterion="AC1.1" difficulty="medium"><ee:criterion>AC1.1</ee:criterion>'
                f'<ee:amplification>AC1.1/1</ee:amplification>{rationale}</ee:item></metadata>'
                f'<file href="{href}"/></resource>')
        archive.writestr("imsmanifest.xml", '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
                         'xmlns:ee="urn:exam-engine:item-metadata:1" identifier="M"><organizations/>'
                         f'<resources>{"".join(resources)}</resources></manifest>')
    return out.getvalue()


def imported(*items: str, unit: str = UNIT) -> ImportReport:
    report = import_package(read_zip(package(list(items), unit), "other-bank.zip"), None, "me")
    assert report.rejected == [] and report.written
    return report


def bank_item(code: str) -> Item:
    return db.session.scalar(select(Item).where(Item.code == code))


@pytest.mark.parametrize(("options", "keys", "max_choices"), [(2, "B", None), (3, "C", None), (3, "AC", "2")])
def test_two_and_three_option_choice_items_import(app, options, keys, max_choices):
    report = imported(item("U2-AC1.1-01", options, keys, max_choices))
    note = "; the package scores it by QTI's map_response template; the bank scores it by its rule for multiple " \
           "response" if max_choices else ""
    assert report.accepted == [("U2-AC1.1-01", "new item, draft" + note)]
    assert len(bank_item("U2-AC1.1-01").latest.options) == options


def test_max_choices_0_imports_as_multiple_response_asking_for_the_keys(app):
    report = imported(item("U2-AC1.1-01", 5, "AD", max_choices="0"))
    assert report.accepted == [("U2-AC1.1-01", "new item, draft; the package's maxChoices 0 let the learner choose "
                                               "any number of options; the bank asks for 2, the number of keys "
                                               "(\"Choose 2 answers.\"): check the stem; the package scores "
                                               "it by QTI's map_response template; the bank scores it by its rule "
                                               "for multiple response")]
    version = bank_item("U2-AC1.1-01").latest
    assert (version.marks, version.key, version.instruction) == (2, ["A", "D"], "Choose 2 answers.")


def test_max_choices_3_with_2_keys_imports_asking_for_2(app):
    report = imported(item("U2-AC1.1-01", 5, "BE", max_choices="3"))
    assert "let the learner choose up to 3 options; the bank asks for 2, the number of keys (\"Choose 2 answers.\"): " \
           "check the stem" in dict(report.accepted)["U2-AC1.1-01"]
    assert bank_item("U2-AC1.1-01").latest.instruction == "Choose 2 answers."


def test_identifiers_of_other_schemes_get_the_units_next_codes_and_are_kept(app, exported):
    load_unit()
    first = next_code("AC1.1")
    second = f"{first[:-2]}{int(first[-2:]) + 1:02d}"
    report = imported(item("item_00017", 4, "A"), item("Q-1.2", 3, "B"))
    assert report.accepted == [("item_00017", f"not a bank code: new item, draft as {first}"),
                               ("Q-1.2", f"not a bank code: new item, draft as {second}")]
    assert (bank_item(first).source_id, bank_item(second).source_id) == ("item_00017", "Q-1.2")
    assert bank_item(first).unit_reference == UNIT and bank_item("item_00017") is None


def test_a_code_another_units_item_has_gets_a_code_of_this_unit(app):
    imported(item("U4-AC1.1-01", 4, "A"), unit="D/506/1942")
    report = imported(item("U4-AC1.1-01", 4, "B"))
    assert report.accepted == [("U4-AC1.1-01", "code taken by another unit's item: new item, draft as "
                                               "Y5062152-AC1.1-01")]  # the unit has no codes yet: its reference
    assert bank_item("U4-AC1.1-01").latest.key == "A"
    new = bank_item("Y5062152-AC1.1-01")
    assert (new.unit_reference, new.source_id, new.latest.key) == (UNIT, "U4-AC1.1-01", "B")


def test_reimporting_a_source_id_makes_a_new_draft_version_of_its_item(app):
    imported(item("item_00017", 4, "A"))
    first = bank_item("Y5062152-AC1.1-01")
    first.latest.status = ItemStatus.LIVE
    db.session.flush()
    assert imported(item("item_00017", 4, "A")).accepted == [
        ("item_00017", "imported before as Y5062152-AC1.1-01: same as the bank, stays live")]
    report = imported(item("item_00017", 4, "A", stem="Which fits best?"))
    assert report.accepted == [("item_00017", "imported before as Y5062152-AC1.1-01: changed (content): "
                                              "new draft version 2; version 1 stays live")]
    live, draft = first.versions
    assert (live.status, live.stem, draft.status, draft.stem) == (
        ItemStatus.LIVE, "Which fits?", ItemStatus.DRAFT, "Which fits best?")
    assert db.session.scalars(select(Item)).all() == [first]


def test_reimporting_a_changed_draft_makes_a_new_version_keeping_the_first(app):
    """A package never changes an item in place, not even a draft: a writer's edits to it are kept in its history."""
    imported(item("item_00017", 4, "A"))
    report = imported(item("item_00017", 4, "A", stem="Which fits best?"))
    assert report.accepted == [("item_00017", "imported before as Y5062152-AC1.1-01: changed (content): "
                                              "new draft version 2; version 1 stays draft")]
    assert [(v.number, v.stem) for v in bank_item("Y5062152-AC1.1-01").versions] == [
        (1, "Which fits?"), (2, "Which fits best?")]
