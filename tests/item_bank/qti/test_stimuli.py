"""Shared reading passages from other banks: a QTI 2 `object` of an XHTML document or an XInclude,
and a QTI 3 stimulus reference, import as the item's scenario (one scenario for every item that
reads the same passage), never as stem text and never dropped; a passage the package lacks, or
one with media, refuses the item with the reason and writes nothing."""

import pytest
from sqlalchemy import func, select

from exam_engine.core.extensions import db
from item_bank.items.models import Item, Scenario
from item_bank.qti.safety import read_zip
from item_bank.qti.services import import_package
from tests.item_bank.qti.test_foreign_items import QTI, package

QTI3 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
PASSAGE = ('<html xmlns="http://www.w3.org/1999/xhtml"><head><title>The corner shop</title></head><body>'
           '<h1>The corner shop</h1><p>Asha runs a shop.</p><p>Customers ask for <em>local</em> bread.</p>'
           '</body></html>')
CHOICES = "".join(f'<simpleChoice identifier="{k}">Answer {k}</simpleChoice>' for k in "ABCD")
TEMPLATE = '<responseProcessing template="http://www.imsglobal.org/question/qti_v2p2/rptemplates/match_correct"/>'


def item_reading(identifier: str, reference: str, stem: str = "What do customers ask for?") -> str:
    """A 2.2 single-answer item whose body holds `reference` before its question."""
    return (f'<assessmentItem xmlns="{QTI}" xmlns:xi="http://www.w3.org/2001/XInclude" identifier="{identifier}" '
            f'title="t" adaptive="false" timeDependent="false"><responseDeclaration identifier="RESPONSE" '
            f'cardinality="single" baseType="identifier"><correctResponse><value>B</value></correctResponse>'
            f'</responseDeclaration><itemBody>{reference}<choiceInteraction responseIdentifier="RESPONSE" '
            f'maxChoices="1"><prompt>{stem}</prompt>{CHOICES}</choiceInteraction></itemBody>{TEMPLATE}'
            f'</assessmentItem>')


def load(items: list[str], files: dict[str, str]) -> tuple[list[str], bool]:
    report = import_package(read_zip(package(items, files=files), "other-bank.zip"), None, "me")
    return [rejection.reason for rejection in report.rejected], report.written


def scenarios_of_items() -> dict[str, tuple[str, str]]:
    return {item.source_id: (item.latest.scenario.title, item.latest.scenario.text)
            for item in db.session.scalars(select(Item)) if item.latest.scenario is not None}


def test_an_html_object_passage_is_one_scenario_shared_by_the_items_reading_it(app):
    reference = '<object type="text/html" data="../passages/shop.xhtml">The shop passage</object>'
    rejected, written = load([item_reading("q1", reference), item_reading("q2", reference, "Who runs it?")],
                             {"passages/shop.xhtml": PASSAGE})
    assert (rejected, written) == ([], True)
    expected = ("The corner shop", "Asha runs a shop.\n\nCustomers ask for *local* bread.")
    assert scenarios_of_items() == {"q1": expected, "q2": expected}
    assert db.session.scalar(select(func.count()).select_from(Scenario)) == 1
    assert db.session.scalar(select(Item).where(Item.source_id == "q1")).latest.stem == "What do customers ask for?"


def test_an_xinclude_passage_imports_as_the_scenario(app):
    reference = '<xi:include href="shop.xml"/>'
    rejected, written = load([item_reading("q1", reference)], {"items/shop.xml": PASSAGE})
    assert (rejected, written) == ([], True)
    assert scenarios_of_items()["q1"][1] == "Asha runs a shop.\n\nCustomers ask for *local* bread."


def test_a_qti_3_stimulus_reference_imports_as_the_scenario(app):
    stimulus = (f'<qti-assessment-stimulus xmlns="{QTI3}" identifier="S1" title="Asha\'s shop"><qti-stimulus-body>'
                '<p>Asha runs a shop.</p><qti-rubric-block view="scorer"><p>Not for learners.</p></qti-rubric-block>'
                '</qti-stimulus-body></qti-assessment-stimulus>')
    item = (f'<qti-assessment-item xmlns="{QTI3}" identifier="q3" title="t" time-dependent="false">'
            '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
            '<qti-correct-response><qti-value>A</qti-value></qti-correct-response></qti-response-declaration>'
            '<qti-assessment-stimulus-ref identifier="S1" href="stimuli/shop.xml" title="Asha\'s shop"/>'
            '<qti-item-body><qti-choice-interaction response-identifier="RESPONSE" max-choices="1">'
            '<qti-prompt>Who runs the shop?</qti-prompt>'
            + "".join(f'<qti-simple-choice identifier="{k}">Answer {k}</qti-simple-choice>' for k in "ABCD")
            + '</qti-choice-interaction></qti-item-body><qti-response-processing template="https://purl.'
            'imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/></qti-assessment-item>')
    rejected, written = load([item], {"items/stimuli/shop.xml": stimulus})
    assert (rejected, written) == ([], True)
    assert scenarios_of_items() == {"q3": ("Asha's shop", "Asha runs a shop.")}


@pytest.mark.parametrize(("files", "reason"), [
    ({}, "refers to a shared passage '../passages/shop.xhtml' that is not in the package"),
    ({"passages/shop.xhtml": PASSAGE.replace("<p>Asha", '<p><img src="a.png" alt="Asha"/>Asha')},
     "its shared passage ../passages/shop.xhtml contains img; the bank holds text only"),
    ({"passages/shop.xhtml": "<html><body><p>Asha"}, "its shared passage ../passages/shop.xhtml: is not well-formed"),
])
def test_a_passage_that_cannot_be_read_refuses_the_item_with_the_reason(app, files, reason):
    reference = '<object type="text/html" data="../passages/shop.xhtml">The shop passage</object>'
    rejected, written = load([item_reading("q1", reference)], files)
    assert not written and len(rejected) == 1 and rejected[0].startswith(reason), rejected
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0


REFUSED = ("the bank holds images in the question but no audio, video, maths markup or other objects (give what "
           "it shows in words, or leave the item out)")


@pytest.mark.parametrize("media", ['<object type="image/png" data="shop.png"/>', '<audio src="a.mp3"/>',
                                   '<video src="v.mp4"/>', '<math xmlns="http://www.w3.org/1998/Math/MathML"/>'])
def test_audio_video_maths_and_other_objects_are_refused_naming_the_medium(app, media):
    rejected, written = load([item_reading("q1", f"<p>{media}</p>")], {"items/shop.png": "png"})
    name = media[1:].split(" ")[0].rstrip("/>")
    assert not written and rejected == [f"contains {name}; {REFUSED}"]
