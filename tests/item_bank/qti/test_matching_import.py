"""Matching items and response processing from other banks: a `matchInteraction` imports as a
matching item, scored by our rule with a note when the package's template scores otherwise;
keys that are not one-to-one and the package's own response processing are refused with the
reason, and nothing is written."""

import pytest
from sqlalchemy import func, select

from exam_engine.core.extensions import db
from item_bank.items.models import Item
from item_bank.qti.safety import read_zip
from item_bank.qti.services import import_package
from tests.item_bank.qti.test_foreign_items import QTI, TEMPLATES, bank_item, imported, package

CODE = "Y5062152-AC1.1-01"  # the code the unit's first item gets in an empty bank
PAIRS = ("S1 C", "S2 A", "S3 B")


def match_item(pairs: tuple[str, ...] = PAIRS, processing: str = f'<responseProcessing template="{TEMPLATES}/'
               f'match_correct"/>', match_max: str = "1", mapping: str = "") -> str:
    """A QTI 2.2 matching item as other banks write it: premises S1-S3, options A-D."""
    values = "".join(f"<value>{pair}</value>" for pair in pairs)
    premises = "".join(f'<simpleAssociableChoice identifier="S{n}" matchMax="1">Statement {n}</simpleAssociableChoice>'
                       for n in (1, 2, 3))
    options = "".join(f'<simpleAssociableChoice identifier="{k}" matchMax="{match_max}">Meaning {k}'
                      f'</simpleAssociableChoice>' for k in "ABCD")
    return (f'<assessmentItem xmlns="{QTI}" identifier="match-7" title="t" adaptive="false" timeDependent="false">'
            f'<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="directedPair">'
            f'<correctResponse>{values}</correctResponse>{mapping}</responseDeclaration>'
            f'<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>'
            f'<itemBody><matchInteraction responseIdentifier="RESPONSE" shuffle="true" maxAssociations="3">'
            f'<prompt>Match each statement with its meaning.</prompt><simpleMatchSet>{premises}</simpleMatchSet>'
            f'<simpleMatchSet>{options}</simpleMatchSet></matchInteraction></itemBody>{processing}</assessmentItem>')


def refused(xml: str) -> list[str]:
    report = import_package(read_zip(package([xml]), "other-bank.zip"), None, "me")
    assert not report.written and db.session.scalar(select(func.count()).select_from(Item)) == 0
    return [rejection.reason for rejection in report.rejected]


def outcome(xml: str) -> str:
    return imported(xml).accepted[0][1]


def test_a_match_interaction_imports_as_a_matching_item_scored_by_our_rule(app):
    assert outcome(match_item()) == ("not a bank code: new item, draft as Y5062152-AC1.1-01; the package scores it by "
                                     "QTI's match_correct template; the bank scores it by its rule for matching")
    version = bank_item(CODE).latest
    assert (version.type.value, version.marks, version.key) == ("matching", 2, ["C", "A", "B"])
    assert version.premises == [{"id": f"S{n}", "text": f"Statement {n}"} for n in (1, 2, 3)]
    assert [o["text"] for o in version.options] == [f"Meaning {k}" for k in "ABCD"]
    assert version.stem == "Match each statement with its meaning." and version.item.source_id == "match-7"


def test_map_response_and_options_matched_more_than_once_import_with_notes(app):
    mapping = '<mapping defaultValue="0">' + "".join(
        f'<mapEntry mapKey="{pair}" mappedValue="1"/>' for pair in PAIRS) + "</mapping>"
    note = outcome(match_item(processing=f'<responseProcessing template="{TEMPLATES}/map_response"/>',
                              match_max="0", mapping=mapping))
    assert note.endswith("the package lets A, B, C, D match more than once; the bank's learner uses each premise "
                         "and option once at most; the package scores it by QTI's map_response template; the bank "
                         "scores it by its rule for matching")


@pytest.mark.parametrize(("pairs", "reason"), [
    (("S1 C", "S1 A", "S2 A", "S3 B"), "keys premise S1 to more than one option"),
    (("S1 C", "S2 A"), "does not pair every premise with a different option"),
    (("S1 C", "S2 C", "S3 B"), "does not pair every premise with a different option"),
])
def test_keys_that_are_not_one_to_one_are_refused_with_the_reason(app, pairs, reason):
    reasons = refused(match_item(pairs))
    assert len(reasons) == 1 and reason in reasons[0], reasons


def test_the_packages_own_response_processing_is_refused_naming_what_imports(app):
    negative_marking = ('<responseProcessing><responseCondition><responseIf><match><variable identifier="RESPONSE"/>'
                        '<correct identifier="RESPONSE"/></match><setOutcomeValue identifier="SCORE"><baseValue '
                        'baseType="float">1</baseValue></setOutcomeValue></responseIf><responseElse><setOutcomeValue '
                        'identifier="SCORE"><baseValue baseType="float">-0.25</baseValue></setOutcomeValue>'
                        '</responseElse></responseCondition></responseProcessing>')
    choice = (f'<assessmentItem xmlns="{QTI}" identifier="U2-AC1.1-01" title="t" adaptive="false" '
              f'timeDependent="false"><responseDeclaration identifier="RESPONSE" cardinality="single" '
              f'baseType="identifier"><correctResponse><value>A</value></correctResponse></responseDeclaration>'
              f'<itemBody><choiceInteraction responseIdentifier="RESPONSE" maxChoices="1"><prompt>Which?</prompt>'
              + "".join(f'<simpleChoice identifier="{k}">Answer {k}</simpleChoice>' for k in "ABCD")
              + f'</choiceInteraction></itemBody>{negative_marking}</assessmentItem>')
    expected = ("scores responses by its own responseProcessing, which the bank does not run; only the standard "
                "templates (match_correct, map_response) or the bank's own rules import")
    assert refused(choice) == [expected]
    assert refused(match_item(processing=negative_marking)) == [expected]


def test_an_item_stating_no_response_processing_imports_with_a_note(app):
    assert outcome(match_item(processing="")).endswith(
        "the package states no response processing; the bank scores it by its rule for matching")
