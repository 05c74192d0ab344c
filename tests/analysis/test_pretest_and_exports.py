"""The pretest loop from stored responses, the statistics CSV, the YAML export and the coverage page."""

import csv
import io

import numpy as np
import pytest
from sqlalchemy import select

from exam_engine.analysis.services.pretest import calibrate_unit
from exam_engine.auth.roles import Role
from exam_engine.cli import cli
from exam_engine.core.extensions import db
from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.simulation import simulate_responses
from item_bank.items.files import APPROVAL_CHECKLIST
from item_bank.items.models import ItemCalibration, ItemStatus, ParameterSource
from item_bank.items.pools import adaptive_gate
from item_bank.items.scoring import ItemType
from item_bank.items.services import load_bank
from item_bank.workbench.services.authoring import create_item, entry_from_form
from item_bank.workbench.services.review import move_item
from tests.analysis.factory import Taker, make_version, seed_attempts
from tests.conftest import TEST_PASSWORD
from tests.helpers import item_form, sign_in

UNIT = "Y/506/2152"


def _seed_pretest(persons: int = 400, miskeyed: bool = False):
    """Eight live items with known parameters and one pretest item, answered by simulated learners
    (the abler getting the pretest item wrong when it is `miskeyed`)."""
    rng = np.random.default_rng(3)
    a = np.array([1.0, 1.4, 0.8, 1.2, 1.6, 0.9, 1.1, 1.3, 1.2])
    b = np.array([-1.5, -1.0, -0.5, 0.0, 0.3, 0.7, 1.0, 1.5, 0.5])
    versions = [make_version(f"L-{n}", ItemType.SINGLE_BEST_ANSWER, a=a[n], d=[-a[n] * b[n]]) for n in range(8)]
    versions.append(make_version("P-1", ItemType.SINGLE_BEST_ANSWER, status=ItemStatus.APPROVED_FOR_PRETEST))
    scores = simulate_responses(rng.normal(0, 1, persons), ItemParameters.dichotomous(a, -a * b), rng)
    if miskeyed:
        scores[:, -1] = 1 - scores[:, -1]
    takers = [Taker({v.id: ("B" if s == 1 else "A") for v, s in zip(versions, row)},
                    pretest=frozenset({versions[-1].id})) for row in scores]
    seed_attempts(takers)
    return versions, b[-1]


def test_calibrate_bank_proposes_the_pretest_item_and_a_reviewer_promotes_it(app, make_user):
    versions, true_b = _seed_pretest()
    result = app.test_cli_runner().invoke(cli, ["calibrate-bank", "--unit", UNIT, "--min-responses", "300"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "8 calibrated live item versions as anchors" in result.output
    assert "Proposed for promotion: P-1 v1" in result.output
    proposal = db.session.scalar(select(ItemCalibration))
    estimated_b = -proposal.irt_d[0] / proposal.irt_a
    assert abs(estimated_b - true_b) < 0.35 and proposal.se_a is not None  # 400 responses
    move_item(versions[-1].id, "promote", make_user(Role.REVIEWER), "Fits, discriminates, no flags.")
    assert versions[-1].status is ItemStatus.LIVE and versions[-1].irt_a == proposal.irt_a


@pytest.mark.parametrize("rehearsal", [False, True])
def test_live_items_on_provisional_parameters_are_calibrated_and_adopted_but_rehearsals_never_open_the_gate(
        app, make_user, rehearsal):
    """With no calibrated item to anchor on, the live items are estimated freely; a reviewer
    adopts the estimates. Responses from a rehearsal label the estimate simulated."""
    rng = np.random.default_rng(11)
    a = np.array([1.0, 1.4, 0.8, 1.2, 1.6, 0.9])
    b = np.array([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0])
    versions = [make_version(f"L-{n}", ItemType.SINGLE_BEST_ANSWER) for n in range(6)]
    for version in versions:
        version.parameter_source = ParameterSource.PROVISIONAL
    db.session.commit()
    assert not adaptive_gate(UNIT).open
    scores = simulate_responses(rng.normal(0, 1, 500), ItemParameters.dichotomous(a, -a * b), rng)
    seed_attempts([Taker({v.id: ("B" if s == 1 else "A") for v, s in zip(versions, row)}) for row in scores],
                  rehearsal=rehearsal)
    outcome = calibrate_unit(UNIT)
    assert outcome.anchors == 0 and len(outcome.proposed) == 6
    reviewer = make_user(Role.REVIEWER)
    for version in versions:
        move_item(version.id, "adopt", reviewer, "Estimates fit; adopted.")
    db.session.commit()
    proposal = db.session.scalars(select(ItemCalibration).order_by(ItemCalibration.id)).first()
    assert proposal is not None and proposal.simulated is rehearsal
    assert all(v.status is ItemStatus.LIVE for v in versions)
    assert adaptive_gate(UNIT).open is not rehearsal


def test_a_miskeyed_pretest_item_is_not_proposed_and_the_reason_is_said(app):
    _seed_pretest(miskeyed=True)
    result = app.test_cli_runner().invoke(cli, ["calibrate-bank", "--unit", UNIT, "--min-responses", "300"],
                                          catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Not proposed: P-1 v1: slope" in result.output and "at or below 0 (miskeyed" in result.output
    assert db.session.scalar(select(ItemCalibration)) is None


def test_calibrate_bank_waits_for_enough_responses(app):
    _seed_pretest(persons=50)
    result = app.test_cli_runner().invoke(cli, ["calibrate-bank", "--unit", UNIT], catch_exceptions=False)
    assert "Waiting: P-1 has 50 of 500 responses." in result.output
    assert db.session.scalar(select(ItemCalibration)) is None


def test_statistics_csv_has_a_row_per_item_version(app, client, make_user):
    _seed_pretest(persons=60)
    sign_in(client, make_user(Role.REVIEWER).username, TEST_PASSWORD)
    response = client.get("/workbench/units/Y-506-2152/statistics.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv" and [r["item"] for r in rows] == [f"L-{n}" for n in range(8)] + ["P-1"]
    assert all(r["responses"] == "60" for r in rows)


def test_web_items_export_to_files_that_load_back_unchanged(taxonomy, app, make_user, tmp_path):
    writer, reviewer = make_user(Role.ITEM_WRITER), make_user(Role.REVIEWER)
    version = create_item(UNIT, entry_from_form(item_form(), writer.username), writer)
    move_item(version.id, "submit", writer, None)
    move_item(version.id, "approve", reviewer, None, APPROVAL_CHECKLIST)
    result = app.test_cli_runner().invoke(cli, ["export-item-files", "--unit", UNIT, "--out", str(tmp_path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "Y-506-2152" / "AC1.1.yaml").exists()
    report = load_bank(tmp_path)
    assert (report.created, report.new_versions, report.unchanged) == (0, 0, 1)


def test_coverage_page_draws_the_matrix_and_names_empty_points(taxonomy, client, make_user):
    make_version("C-1", ItemType.SINGLE_BEST_ANSWER, criterion="AC1.1")
    make_version("C-2", ItemType.ORDERING, criterion="AC1.2")
    sign_in(client, make_user(Role.ITEM_WRITER).username, TEST_PASSWORD)
    page = client.get("/workbench/units/Y-506-2152/coverage").get_data(as_text=True)
    assert '<svg class="chart" id="coverage-grid" role="img"' in page
    assert "AC1.1/1" not in page.split('id="uncovered"')[1].split("</ul>")[0]
    assert "AC1.3/1" in page.split('id="uncovered"')[1]
    assert 'id="feasibility"' in page
