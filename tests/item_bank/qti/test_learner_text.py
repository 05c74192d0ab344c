"""What reaches the learner from another system's item: its text, never feedback, rubrics or
templates, with no space invented and sub- and superscripts kept."""

from item_bank.items.models import Item
from item_bank.items.text import blocks, plain
from item_bank.qti.safety import read_zip
from item_bank.qti.services import export_package, import_package
from item_bank.qti.versions import QTI_22
from tests.item_bank.qti.test_foreign_items import QTI, bank_item, package


def choice_item(body: str, choices: str, outside: str = "") -> str:
    """A QTI 2.2 single-answer item with `body` before the interaction and the given choices (key A)."""
    return (f'<assessmentItem xmlns="{QTI}" identifier="other-1" title="t" adaptive="false" timeDependent="false">'
            '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">'
            '<correctResponse><value>A</value></correctResponse></responseDeclaration>'
            '<outcomeDeclaration identifier="FEEDBACK" cardinality="single" baseType="identifier"/>'
            f'<itemBody>{body}<choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">{choices}'
            f'</choiceInteraction></itemBody><responseProcessing template="http://www.imsglobal.org/question/qti_v2p2/rptemplates/match_correct"/>{outside}</assessmentItem>')


def four(first: str = "Vicente Fox") -> str:
    return "".join(f'<simpleChoice identifier="{key}">{text}</simpleChoice>'
                   for key, text in zip("ABCD", (first, "Felipe Calderón", "Ernesto Zedillo", "Carlos Salinas")))


def imported_item(xml: str) -> Item:
    report = import_package(read_zip(package([xml]), "other.zip"), None, "me")
    assert report.rejected == [], report.rejected
    code = next(iter(report.accepted))[1].rsplit(" as ", 1)[-1]
    return bank_item(code)


def test_feedback_rubrics_and_templates_never_reach_the_learner(app):
    body = ('<rubricBlock view="scorer"><p>Award the mark only for Fox.</p></rubricBlock>'
            '<p>Who was president of Mexico in 2001?</p>'
            '<feedbackBlock outcomeIdentifier="FEEDBACK" identifier="A" showHide="show"><p>Well done.</p>'
            '</feedbackBlock><templateBlock templateIdentifier="T" identifier="x" showHide="show">Hidden'
            '</templateBlock>')
    choices = four('Vicente Fox <feedbackInline outcomeIdentifier="FEEDBACK" identifier="A" showHide="show">Yes.'
                   '</feedbackInline>')
    modal = ('<modalFeedback outcomeIdentifier="FEEDBACK" identifier="A" showHide="show">Correct: Fox took office '
             'in December 2000.</modalFeedback>')
    version = imported_item(choice_item(body, choices, modal)).latest
    assert version.stem == "Who was president of Mexico in 2001?"
    assert version.options[0]["text"] == "Vicente Fox"
    seen = version.stem + " ".join(option["text"] for option in version.options)
    for hidden in ("Award", "Well done", "Hidden", "Yes.", "took office"):
        assert hidden not in seen


def test_no_space_is_invented_and_sub_and_superscripts_are_kept(app):
    body = ('<p>Water is H<sub>2</sub>O and <em>one</em> of <span>these</span>? Which is the '
            '<strong>greatest</strong>?</p><p>Take x<sup>2</sup> + 1.</p><ul><li>first</li><li>second</li></ul>')
    version = imported_item(choice_item(body, four())).latest
    assert version.stem == ("Water is H₂O and *one* of these? Which is the **greatest**?\n\nTake x² + 1.\n\n"
                            "- first\n- second")


def test_formatting_the_player_shows_is_kept_and_exports_as_it_came(app):
    """Paragraphs, line breaks, both kinds of list, a table with a header row and emphasis come in
    as the bank's markup; text that would read as markup stays text; the export writes the same
    XHTML back, so the item re-imports unchanged."""
    body = ('<div><p>Read the notice.<br/>Then answer.</p><ol><li>Greet the customer</li><li>Listen</li></ol>'
            '<table><thead><tr><th>Law</th><th>Year</th></tr></thead><tbody><tr><td>Equality Act</td>'
            '<td>2010</td></tr></tbody></table><p>- a dash, 5 * 3 and a | bar are <i>only</i> text</p></div>')
    version = imported_item(choice_item(body, four())).latest
    assert version.stem == ("Read the notice.\nThen answer.\n\n1. Greet the customer\n2. Listen\n\n"
                            "| Law | Year |\n|---|---|\n| Equality Act | 2010 |\n\n"
                            "\\- a dash, 5 \\* 3 and a \\| bar are *only* text")
    assert [block["kind"] for block in blocks(version.stem)] == ["paragraph", "list", "table", "paragraph"]
    assert plain(version.stem).endswith("- a dash, 5 * 3 and a | bar are only text")

    exported = export_package(version.item.unit_reference, QTI_22)
    again = import_package(read_zip(exported.data, "ours.zip"), None, "me")
    assert [outcome for _, outcome in again.accepted] == ["same as the bank, stays draft"]


def test_a_superscript_plain_text_cannot_show_refuses_the_item_with_the_reason(app):
    xml = choice_item("<p>Solve x<sup>a+b</sup> = 1.</p>", four())
    report = import_package(read_zip(package([xml]), "other.zip"), None, "me")
    assert [r.reason for r in report.rejected] == ["has superscript text 'a+b' the bank's plain text cannot show"]
    assert not report.written


def test_qti_3_feedback_is_left_out_too(app):
    xml = choice_item("<p>Pick one.</p>", four('Fox <feedbackInline outcomeIdentifier="FEEDBACK" identifier="A" '
                                              'showHide="show">Yes.</feedbackInline>'))
    xml = (xml.replace(QTI, "http://www.imsglobal.org/xsd/imsqtiasi_v3p0")
           .replace("assessmentItem", "qti-assessment-item").replace("responseDeclaration", "qti-response-declaration")
           .replace("correctResponse", "qti-correct-response").replace("<value>", "<qti-value>")
           .replace("</value>", "</qti-value>").replace("outcomeDeclaration", "qti-outcome-declaration")
           .replace("itemBody", "qti-item-body").replace("choiceInteraction", "qti-choice-interaction")
           .replace("simpleChoice", "qti-simple-choice").replace("feedbackInline", "qti-feedback-inline")
           .replace("responseIdentifier", "response-identifier").replace("maxChoices", "max-choices")
           .replace("baseType", "base-type").replace("outcomeIdentifier", "outcome-identifier")
           .replace("showHide", "show-hide")
           .replace("responseProcessing", "qti-response-processing").replace("timeDependent", "time-dependent")
           .replace(' adaptive="false"', ""))
    assert imported_item(xml).latest.options[0]["text"] == "Fox"
