"""Released results as QTI results reports: valid against the official 2.2 and 3.0 result schemas, in
the identifiers of our exported items, saying what the attempt and its release hold (pretest items
unscored, no keys); for the awarding body only, and never before release; and the command line."""

import pytest
from lxml import etree

from exam_engine.auth.roles import Role
from exam_engine.cli import cli
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.services.attempts import marks_of
from exam_engine.results.services import decisions
from exam_engine.results.services.outcomes import result_line
from exam_engine.results.services.qti_results import ReportRefused, results_report
from invigilation.models.centres import CentreStaff
from item_bank.items.models import Item, ItemStatus, ItemVersion
from item_bank.items.scoring import ItemType
from item_bank.qti.versions import VERSIONS
from item_bank.qti.writer import item_identifier, item_xml
from tests.conftest import TEST_PASSWORD
from tests.delivery.factory import CALIBRATED, UNIT, blueprint, make_items
from tests.delivery.runner_client import seated
from tests.helpers import sign_in
from tests.results.factory import set_standard

SCHEMAS = {"2.2": "qtiv2p2/imsqti_result_v2p2.xsd", "3.0": "qtiv3p0/imsqti_resultv3p0_v1p0.xsd"}
ULN = "9276308686"


def matching_items(count: int = 2) -> None:
    """Live matching items of criterion AC1.1: three statements, four options."""
    for n in range(1, count + 1):
        premises = [{"id": f"P{p}", "text": f"Statement {p} of matching item {n}"} for p in (1, 2, 3)]
        options = [{"id": k, "text": f"Meaning {k}"} for k in "ABCD"]
        item = Item(code=f"T-M-{n:02d}", unit_reference=UNIT)
        item.versions.append(ItemVersion(
            number=1, status=ItemStatus.LIVE, type=ItemType.MATCHING, marks=2, stem="Match the statements.",
            premises=premises, options=options, key=["C", "A", "D"], content_hash=f"m{n:063d}", criteria=["AC1.1"],
            amplification=[], difficulty_rating="medium", rationale={}, writer="w", irt_a=1.0, irt_d=[0.5, -0.5],
            irt_c=0.0, **CALIBRATED))
        db.session.add(item)
    db.session.commit()


def sit(app, make_user, candidate_number: str = "0001", session=None, skip: ItemType | None = None) -> Attempt:
    """A submitted attempt, every item answered but the first scored item of type `skip`."""
    setup, runner = seated(app.test_client(), make_user, candidate_number=candidate_number, session=session)
    attempt_id = runner.start(setup.sitting.id)["attempt"]
    entries = db.session.get(Attempt, attempt_id).items
    skipped = next((e.position for e in entries if e.item_version.type is skip and not e.pretest), None)
    for entry in entries:
        if entry.position == skipped:
            continue
        answer(runner, attempt_id, entry.position)
    return submitted(runner, attempt_id)


def answer(runner, attempt_id: int, position: int) -> None:
    """Answer the item at `position`: a matching item with its last statement unmatched."""
    item = runner.call("GET", f"/api/runner/attempts/{attempt_id}/items/{position}").get_json()["item"]
    choices = [option["id"] for option in item["options"]]
    given = {"single_best_answer": choices[0], "multiple_response": choices[:item.get("select", 2)],
             "ordering": choices[::-1], "matching": choices[:2] + [None]}[item["type"]]
    assert runner.answer(attempt_id, position, given, f"k{position}").status_code == 200


def submitted(runner, attempt_id: int) -> Attempt:
    assert runner.call("POST", f"/api/runner/attempts/{attempt_id}/submit").status_code == 200
    db.session.expire_all()
    return db.session.get(Attempt, attempt_id)


@pytest.fixture
def released(app, make_user):
    """A released fixed test of every item type (two single best answer items, one of them not answered,
    a multiple-response, an ordering and a matching item) and one pretest item; the candidate has a ULN."""
    plan = blueprint("fixed", 5) | {"pretest_slots": 1, "total_marks": 7, "item_types": [
        {"type": "single_best_answer", "min_items": 2, "max_items": 2, "seconds": 60},
        {"type": "multiple_response", "min_items": 1, "max_items": 1, "seconds": 60},
        {"type": "ordering", "min_items": 1, "max_items": 1, "seconds": 60},
        {"type": "matching", "min_items": 1, "max_items": 1, "seconds": 60}]}
    app.config["DELIVERY_BLUEPRINTS"] = {UNIT: plan}
    for version in make_items(12)[9:]:
        version.status = ItemStatus.APPROVED_FOR_PRETEST
    matching_items()
    attempt = sit(app, make_user, skip=ItemType.SINGLE_BEST_ANSWER)
    attempt.sitting.candidate.uln = ULN
    admin = make_user(Role.AWARDING_BODY_ADMIN)
    set_standard(make_user, chair=admin)
    decisions.release([attempt], admin)
    db.session.commit()
    yield attempt
    app.config["DELIVERY_BLUEPRINTS"] = {}


def parsed(document: bytes, label: str, schema) -> etree._Element:
    """The report, checked against the official result schema of its version."""
    root = etree.fromstring(document)
    checker = schema(SCHEMAS[label])
    assert checker.validate(root), checker.error_log
    assert root.nsmap[None] == VERSIONS[label].result_namespace
    return root


def variables(parent: etree._Element, kind: str = "outcomeVariable") -> dict[str, list[str]]:
    return {v.get("identifier"): [value.text for value in v.iter("{*}value")] for v in parent.findall(f"{{*}}{kind}")}


@pytest.mark.parametrize("label", sorted(VERSIONS))
def test_a_released_result_is_reported_valid_and_as_released(app, released, schema, label):
    root = parsed(results_report(released, VERSIONS[label]), label, schema)
    outcome = result_line(released).outcome
    sitting = released.sitting
    context = root.find("{*}context")
    assert context.get("sourcedId") == f"candidate-{outcome.centre}-{outcome.candidate_number}"
    assert {i.get("sourceID"): i.get("identifier") for i in context} == {
        "urn:exam-engine:attempt": f"attempt-{released.id}", "urn:exam-engine:test-session":
        f"session-{sitting.session_id}", "urn:exam-engine:uln": f"uln-{ULN}"}
    assert sitting.candidate.name not in root.itertext()  # the candidate is identified, not named

    test = root.find("{*}testResult")
    assert test.get("identifier") == "Y-506-2152" and test.get("datestamp") == released.ended_at.isoformat(
        timespec="seconds")
    grade = outcome.grade
    pretest = [entry for entry in released.items if entry.pretest]
    assert len(pretest) == 1 and len(released.items) == 6
    assert variables(test) == {
        "SCORE": [str(float(outcome.marks))], "MAXSCORE": ["7.0"], "ADJUSTMENT": ["0"],
        "PASS_MARK": [str(grade.pass_mark)], "PASSED": [str(grade.passed).lower()],
        "PRETEST": [item_identifier(pretest[0].item_version.item.code)]}  # a linear test has no ability estimate

    results = root.findall("{*}itemResult")
    marks = marks_of(released.items)
    assert [int(r.get("sequenceIndex")) for r in results] == [entry.position for entry in released.items]
    assert sum(marks[n] for n, entry in enumerate(released.items) if not entry.pretest) == outcome.marks
    types = set()
    for result, entry, earned in zip(results, released.items, marks):
        version = entry.item_version
        types.add(version.type)
        exported = etree.fromstring(item_xml(version, version.item.code, VERSIONS[label]))
        assert result.get("identifier") == exported.get("identifier") == item_identifier(version.item.code)
        assert result.get("sessionStatus") == "final"
        response = result.find("{*}responseVariable")
        declared = exported.find("{*}responseDeclaration") if label == "2.2" else exported.find(
            "{*}qti-response-declaration")
        assert response.get("identifier") == declared.get("identifier") == "RESPONSE"
        assert response.get("cardinality") == declared.get("cardinality")
        assert response.get("baseType") == declared.get("baseType" if label == "2.2" else "base-type")
        given = [value.text for value in response.iter("{*}value")]
        answer = entry.response.answer if entry.response else None
        if version.type is ItemType.MATCHING:
            assert given == [f"P1 {answer[0]}", f"P2 {answer[1]}"] and answer[2] is None
        else:
            assert given == ([] if answer is None else [answer] if isinstance(answer, str) else answer)
        choices = {c.get("identifier") for c in exported.iter("{*}simpleChoice", "{*}qti-simple-choice",
                                                               "{*}simpleAssociableChoice",
                                                               "{*}qti-simple-associable-choice")}
        assert {part for value in given for part in value.split()} <= choices  # the exported item's identifiers
        assert variables(result) == ({} if entry.pretest else {"SCORE": [str(float(earned))]})
        if label == "3.0":
            assert response.get("scoreStatus") == ("notscored" if entry.pretest else "scored")
    assert types == set(ItemType)
    assert [e for e in released.items if e.response is None and not e.pretest]  # one item was not answered
    assert root.find(".//{*}correctResponse") is None  # never the keys


def test_an_adaptive_result_reports_the_ability_estimate_as_released(app, make_user, design, schema):
    design("cat", 3)
    make_items()
    setup, runner = seated(app.test_client(), make_user)
    attempt_id = runner.start(setup.sitting.id)["attempt"]
    for position in (1, 2, 3):
        answer(runner, attempt_id, position)
        runner.call("POST", f"/api/runner/attempts/{attempt_id}/next", {"after": position})
    attempt = submitted(runner, attempt_id)
    admin = make_user(Role.AWARDING_BODY_ADMIN)
    set_standard(make_user, chair=admin)
    decisions.release([attempt], admin)
    db.session.commit()
    grade = result_line(attempt).outcome.grade
    assert attempt.mode.value == "cat" and grade.theta is not None
    for label in VERSIONS:
        outcomes = variables(parsed(results_report(attempt, VERSIONS[label]), label, schema).find("{*}testResult"))
        assert {name: outcomes[name] for name in ("THETA", "SE", "EQUIVALENT_MARKS",
                                                  "CLASSIFICATION_PROBABILITY", "PASSED", "PRETEST")} == {
            "THETA": [str(grade.theta)], "SE": [str(grade.se)], "EQUIVALENT_MARKS": [str(grade.equivalent_marks)],
            "CLASSIFICATION_PROBABILITY": [str(grade.classification_probability)],
            "PASSED": [str(grade.passed).lower()], "PRETEST": []}


def test_only_released_results_of_ended_live_attempts_are_reported(app, make_user, ended):
    with pytest.raises(ReportRefused, match=rf"attempt {ended.id} \(candidate 0001\): the result is held "
                                            r"\(no pass mark: no pass standard has been set"):
        results_report(ended, VERSIONS["2.2"])
    set_standard(make_user)
    with pytest.raises(ReportRefused, match="the result is awaiting release; only released results are reported"):
        results_report(ended, VERSIONS["3.0"])
    ended.sitting.session.rehearsal = True
    with pytest.raises(ReportRefused, match="rehearsal, which has no results"):
        results_report(ended, VERSIONS["3.0"])
    db.session.rollback()


def _signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user.username, TEST_PASSWORD).status_code == 302
    return client


def test_the_awarding_body_downloads_a_report_once_the_result_is_released(app, make_user, ended, schema):
    url = f"/results/attempts/{ended.id}/qti-result"
    board = _signed_in(app, make_user(Role.AWARDING_BODY_ADMIN))
    waiting = board.get(url)
    assert waiting.status_code == 409 and "only released results are reported" in waiting.text
    admin = make_user(Role.AWARDING_BODY_ADMIN)
    set_standard(make_user, chair=admin)
    decisions.release([ended], admin)
    db.session.commit()
    for label in VERSIONS:
        download = board.get(url, query_string={"version": label})
        assert download.status_code == 200 and download.mimetype == "application/xml"
        assert download.headers["Content-Disposition"] == (
            f'attachment; filename="attempt-{ended.id}-result-qti-{label}.xml"')
        parsed(download.data, label, schema)
    assert board.get(url).data == results_report(ended, VERSIONS["2.2"])  # 2.2 unless asked otherwise
    assert f"{url}?version=3.0" in board.get(f"/results/attempts/{ended.id}").text
    refused = board.get(url, query_string={"version": "2.1"})
    assert refused.status_code == 400 and "Choose QTI version 2.2 or 3.0" in refused.text
    assert board.get(f"/results/attempts/{ended.id + 1000}/qti-result").status_code == 404

    centre_admin = make_user(Role.CENTRE_ADMIN)
    db.session.add(CentreStaff(centre_id=ended.sitting.session.centre_id, user_id=centre_admin.id))
    db.session.commit()
    own_centre = _signed_in(app, centre_admin)
    assert own_centre.get(url).status_code == 403  # the item scores would show the keys
    review = own_centre.get(f"/results/attempts/{ended.id}")
    assert review.status_code == 200 and f"{url}?version" not in review.text
    learner = app.test_client()
    assert sign_in(learner, ended.sitting.candidate.user.username, TEST_PASSWORD).status_code == 302
    assert learner.get(url).status_code == 403


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(cli, [str(arg) for arg in args])


def test_the_command_writes_one_attempts_or_a_whole_sessions_released_reports(app, make_user, ended, run, tmp_path,
                                                                              schema):
    other = sit(app, make_user, candidate_number="0002", session=ended.sitting.session)
    admin = make_user(Role.AWARDING_BODY_ADMIN)
    set_standard(make_user, chair=admin)
    decisions.release([ended], admin)
    db.session.commit()

    out = tmp_path / "one.xml"
    written = run("export-qti-results", "--attempt", ended.id, "--out", out, "--version", "3.0")
    assert written.exit_code == 0 and f"Wrote the result of attempt {ended.id} as QTI 3.0 to {out}." in written.output
    parsed(out.read_bytes(), "3.0", schema)

    folder = tmp_path / "session"
    session_id = ended.sitting.session_id
    result = run("export-qti-results", "--session", session_id, "--out", folder)
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in folder.iterdir()) == [f"attempt-{ended.id}-result-qti-2.2.xml"]
    parsed((folder / f"attempt-{ended.id}-result-qti-2.2.xml").read_bytes(), "2.2", schema)
    assert f"[1/2] skipped attempt {other.id} (candidate 0002): the result is awaiting release" in result.stderr
    assert f"[2/2] attempt {ended.id}: {folder}" in result.stdout
    assert result.stdout.endswith(f"Wrote 1 report(s) of test session {session_id} as QTI 2.2 to {folder}; "
                                  "1 result(s) not released were skipped.\n")


@pytest.mark.parametrize(("arguments", "message"), [
    (["--attempt", 999999], "there is no attempt 999999"),
    (["--session", 999999], "there is no test session 999999"),
    ([], "give --attempt or --session (one of them)"),
    (["--attempt", 1, "--session", 1], "give --attempt or --session (one of them)"),
])
def test_the_command_refuses_unknown_attempts_and_sessions_clearly(app, run, tmp_path, arguments, message):
    result = run("export-qti-results", *arguments, "--out", tmp_path / "out")
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_the_command_writes_nothing_for_a_result_not_released(app, ended, run, tmp_path):
    out = tmp_path / "one.xml"
    result = run("export-qti-results", "--attempt", ended.id, "--out", out)
    assert result.exit_code == 1 and "the result is held" in result.output and not out.exists()
    result = run("export-qti-results", "--session", ended.sitting.session_id, "--out", tmp_path / "folder")
    assert result.exit_code == 1 and "none of the 1 result(s) of test session" in result.output
    assert not (tmp_path / "folder").exists()
