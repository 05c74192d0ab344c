"""A released result as a QTI results report (`assessmentResult`, QTI 2.2 or 3.0), for platforms and
the awarding body's systems.

Only a released result is reported: it is final (a release is never changed), so a report
says what the candidate's centre and learner were told, and the same attempt always gives the
same report. Held results, results awaiting release, open attempts and rehearsals are refused
(`ReportRefused`), saying why.

- `context`: the candidate as `candidate-<centre number>-<candidate number>`, with session
  identifiers for the attempt, the test session and, where recorded, the Unique Learner Number
  (each prefixed, as 3.0 wants identifiers that do not start with a digit). No name.
- `testResult`: the unit test (`Y-506-2152` for unit Y/506/2152), dated at the attempt's end,
  with the outcomes as released: SCORE (marks on the scored items) and MAXSCORE, ADJUSTMENT
  (marks granted by special consideration), PASS_MARK, PASSED, and for an adaptive test THETA,
  SE, EQUIVALENT_MARKS and CLASSIFICATION_PROBABILITY; PRETEST lists the pretest items.
- one `itemResult` per item given, in order, identified as our QTI export identifies the item
  (`item_bank.qti.writer.item_identifier`): RESPONSE in the exported item's cardinality and base
  type, its values the exported choice identifiers (a matching item's as `premise option`
  directed pairs), empty when not answered; SCORE, the marks earned. A pretest item is unscored:
  it has no SCORE, PRETEST names it, and in 3.0 its RESPONSE says `scoreStatus="notscored"`.

No key (`correctResponse`) is written. A correct response's SCORE still shows the key of that
item, so a report is as confidential as the live items: for the awarding body only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from exam_engine.delivery.models import Attempt, AttemptItem
from exam_engine.delivery.services.attempts import marks_of
from exam_engine.results.services.outcomes import Outcome, result_line
from item_bank.items.scoring import ItemType
from item_bank.qti.versions import INTERACTIONS, QtiVersion
from item_bank.qti.writer import XSI, item_identifier
from item_bank.taxonomy.services import unit_slug

SOURCE = "urn:exam-engine"  # the system that assigned the session identifiers


class ReportRefused(ValueError):
    """No results report may be written for the attempt, saying why."""


def released_outcome(attempt: Attempt) -> Outcome:
    """The attempt's result as released; ReportRefused for an attempt without one."""
    if attempt.is_open:
        raise ReportRefused(f"attempt {attempt.id} has not ended")
    if attempt.sitting.session.rehearsal:
        raise ReportRefused(f"attempt {attempt.id} was sat in a rehearsal, which has no results")
    line = result_line(attempt)
    if line.release is None:
        reasons = f" ({'; '.join(line.holds)})" if line.holds else ""
        raise ReportRefused(f"attempt {attempt.id} (candidate {line.outcome.candidate_number}): the result is "
                            f"{line.state}{reasons}; only released results are reported")
    return line.outcome


def results_report(attempt: Attempt, qti: QtiVersion) -> bytes:
    """The attempt's released result as an `assessmentResult` document of `qti`'s version."""
    result = released_outcome(attempt)
    root = Element("assessmentResult", {"xmlns": qti.result_namespace, "xmlns:xsi": XSI,
                                        "xsi:schemaLocation": f"{qti.result_namespace} {qti.result_schema_location}"})
    _context(root, attempt, result)
    _test_result(root, attempt, result)
    for entry, marks in zip(attempt.items, marks_of(attempt.items)):
        _item_result(root, entry, marks, qti)
    indent(root)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def report_name(attempt: Attempt, qti: QtiVersion) -> str:
    """The file name of an attempt's report."""
    return f"attempt-{attempt.id}-result-qti-{qti.label}.xml"


def _context(root: Element, attempt: Attempt, result: Outcome) -> None:
    context = SubElement(root, "context", {"sourcedId": f"candidate-{result.centre}-{result.candidate_number}"})
    identifiers = {"attempt": f"attempt-{attempt.id}", "test-session": f"session-{attempt.sitting.session_id}"}
    if result.uln:
        identifiers["uln"] = f"uln-{result.uln}"
    for kind, identifier in identifiers.items():
        SubElement(context, "sessionIdentifier", {"sourceID": f"{SOURCE}:{kind}", "identifier": identifier})


def _test_result(root: Element, attempt: Attempt, result: Outcome) -> None:
    test = SubElement(root, "testResult", {"identifier": unit_slug(result.unit),
                                           "datestamp": _datestamp(attempt.ended_at or attempt.created_at)})
    grade = result.grade
    _outcome(test, "SCORE", "float", result.marks, normalMaximum=str(float(result.available)))
    _outcome(test, "MAXSCORE", "float", result.available)
    _outcome(test, "ADJUSTMENT", "integer", result.adjustment,
             interpretation="marks added by special consideration")
    _outcome(test, "PASS_MARK", "integer", grade.pass_mark, interpretation=grade.basis)
    _outcome(test, "PASSED", "boolean", grade.passed)
    _outcome(test, "THETA", "float", grade.theta, interpretation="ability estimate (logits)")
    _outcome(test, "SE", "float", grade.se, interpretation="standard error of the ability estimate")
    _outcome(test, "EQUIVALENT_MARKS", "float", grade.equivalent_marks,
             interpretation="equivalent marks on the reference form")
    _outcome(test, "CLASSIFICATION_PROBABILITY", "float", grade.classification_probability,
             interpretation="probability that the pass/fail decision is right")
    pretest = SubElement(test, "outcomeVariable", {"identifier": "PRETEST", "cardinality": "multiple",
                                                   "baseType": "identifier",
                                                   "interpretation": "the unscored (pretest) items"})
    _values(pretest, [item_identifier(entry.item_version.item.code) for entry in attempt.items if entry.pretest])


def _item_result(root: Element, entry: AttemptItem, marks: int, qti: QtiVersion) -> None:
    version = entry.item_version
    item = SubElement(root, "itemResult", {
        "identifier": item_identifier(version.item.code), "sequenceIndex": str(entry.position),
        "datestamp": _datestamp(entry.response.saved_at if entry.response else entry.assigned_at),
        "sessionStatus": "final"})
    matching = version.type is ItemType.MATCHING
    response = SubElement(item, "responseVariable", {"identifier": "RESPONSE",
                                                     "cardinality": INTERACTIONS[version.type][1],
                                                     "baseType": "directedPair" if matching else "identifier"})
    if qti.label == "3.0":
        response.set("scoreStatus", "notscored" if entry.pretest else "scored")
    _values(SubElement(response, "candidateResponse"), _response_values(entry))
    if not entry.pretest:
        _outcome(item, "SCORE", "float", marks, normalMaximum=str(float(version.marks)))


def _response_values(entry: AttemptItem) -> list[str]:
    """The stored answer (`item_bank.items.scoring`'s shapes) as the exported item's RESPONSE values."""
    answer = entry.response.answer if entry.response else None
    if answer is None:
        return []
    if isinstance(answer, str):
        return [answer]
    if entry.item_version.type is ItemType.MATCHING:  # each premise in turn: its option, or None
        premises = [premise["id"] for premise in entry.item_version.premises]
        return [f"{premise} {option}" for premise, option in zip(premises, answer) if option is not None]
    return list(answer)


def _outcome(parent: Element, identifier: str, base_type: str, value: float | bool | None,
             **attributes: str) -> None:
    """A single outcome variable; none when the result has no such value."""
    if value is None:
        return
    variable = SubElement(parent, "outcomeVariable", {"identifier": identifier, "cardinality": "single",
                                                      "baseType": base_type, **attributes})
    text = str(value).lower() if isinstance(value, bool) else str(float(value) if base_type == "float" else value)
    _values(variable, [text])


def _values(parent: Element, values: Iterable[str]) -> None:
    for value in values:
        SubElement(parent, "value").text = value


def _datestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
