"""Model fit in the workflow: S-X^2 on fixed forms, Q3 for scenario pairs, M2, on the pages and the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import numpy as np
import pytest

from exam_engine.analysis.services.flags import flags_for
from exam_engine.analysis.services.model_fit import fit_model, unit_dimensionality, unit_fit
from exam_engine.analysis.services.responses import ResponseMatrix
from exam_engine.analysis.services.statistics import VersionContent, abilities, item_statistics
from exam_engine.assembly.blueprint import Mode
from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from exam_engine.psychometrics.ability import eap_many
from exam_engine.psychometrics.dimensionality import local_dependence, m2
from exam_engine.psychometrics.fit import s_x2
from exam_engine.psychometrics.models import ItemParameters
from item_bank.items.models import Scenario
from item_bank.items.scoring import ItemType
from tests.analysis.factory import KEYS, Taker, make_version, seed_attempts
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in

M = 10
OPTIONS = [{"id": o, "text": f"Option {o}"} for o in "ABCD"]


def _responses(rng: np.random.Generator, n: int, items: ItemParameters, scenario_sd: float) -> np.ndarray:
    """One-mark answers; items 0 and 1 share a scenario whose per-learner effect has SD `scenario_sd`."""
    theta = rng.normal(size=n)
    logits = items.a * theta[:, None] + items.d[:, 0]
    logits[:, :2] += rng.normal(0, scenario_sd, n)[:, None] if scenario_sd else 0.0
    return (rng.random((n, items.n_items)) < 1 / (1 + np.exp(-logits))).astype(float)


def _matrix(scores: np.ndarray, adaptive: np.ndarray) -> ResponseMatrix:
    n, m = scores.shape
    return ResponseMatrix(list(range(1, m + 1)), scores, np.zeros((n, m), bool), [[None] * m for _ in range(n)],
                          np.full((n, m), 30.0), started=[datetime(2026, 1, 1, tzinfo=UTC)] * n, adaptive=adaptive)


def test_unit_fit_uses_fixed_forms_for_s_x2_and_every_attempt_for_q3() -> None:
    rng = np.random.default_rng(12)
    items = ItemParameters.dichotomous(rng.uniform(0.9, 1.5, M), rng.normal(0, 0.8, M))
    fixed = _responses(rng, 400, items, scenario_sd=2.5)
    adaptive = _responses(rng, 300, items, scenario_sd=2.5)
    adaptive[np.argsort(rng.random((300, M)), axis=1) < 5] = np.nan  # five items each, chosen per attempt
    matrix = _matrix(np.vstack([fixed, adaptive]), np.r_[np.zeros(400, bool), np.ones(300, bool)])
    theta = abilities(matrix, items)
    scenarios = ["S1", "S1"] + [None] * (M - 2)
    found = unit_fit(matrix, items, theta, ["fixed"] * M, scenarios)

    expected = s_x2(fixed, items, 0)  # only the 400 fixed-form attempts
    assert [found.items[j + 1].statistic for j in range(M)] == pytest.approx(list(expected.statistic))
    assert all(found.items[j + 1].learners == 400 and found.items[j + 1].forms == 1 for j in range(M))
    pair = found.scenario_pairs[0]
    assert (pair.first, pair.second, pair.scenario, pair.learners) == (1, 2, "S1", 400 + int(
        (~np.isnan(adaptive[:, 0]) & ~np.isnan(adaptive[:, 1])).sum()))
    every = local_dependence(matrix.scores, theta, items)
    assert pair.q3 == pytest.approx(every.q3[0]) and pair.flagged and len(found.scenario_pairs) == 1
    dimensionality = unit_dimensionality(matrix, items, ["fixed"] * M)
    assert dimensionality.result == m2(fixed, items, "fixed") and dimensionality.items == M

    stats = item_statistics(matrix, items, theta, VersionContent(1, "single_best_answer", 1, "B", OPTIONS,
                                                                 "provisional"), found)
    assert stats.item_fit == found.items[1] and stats.dependent == [pair]
    codes = {flag.code for flag in flags_for(stats)}
    assert "local_dependence" in codes


def test_adaptive_only_units_say_why_there_is_no_s_x2_or_m2() -> None:
    rng = np.random.default_rng(13)
    items = ItemParameters.dichotomous(np.ones(M), rng.normal(0, 0.8, M))
    scores = _responses(rng, 300, items, 0.0)
    scores[np.argsort(rng.random((300, M)), axis=1) < 5] = np.nan
    found = unit_fit(_matrix(scores, np.ones(300, bool)), items, eap_many(scores, items)[0], ["rasch"] * M,
                     [None] * M)
    assert all(result.statistic is None and "Adaptive sittings do not count" in (result.reason or "")
               for result in found.items.values())
    dimensionality = unit_dimensionality(_matrix(scores, np.ones(300, bool)), items, ["rasch"] * M)
    assert dimensionality.result is None and "adaptive sittings" in (dimensionality.reason or "")
    assert found.scenario_pairs == []


def test_the_model_of_stored_parameters() -> None:
    assert fit_model("provisional", None) == "fixed"
    assert fit_model("calibrated", None) == "2pl" and fit_model("calibrated", "gpcm") == "2pl"
    assert fit_model("calibrated", "rasch") == "rasch" and fit_model("calibrated", "3pl") == "3pl"


@pytest.fixture
def fixed_forms(app):
    """Six live SBA items on one fixed form for 120 learners (items 0 and 1 share a scenario), and
    30 adaptive attempts."""
    scenario = Scenario(code="SC-1", unit_reference="Y/506/2152", title="A shop", text="A customer walks in.")
    db.session.add(scenario)
    db.session.commit()
    versions = [make_version(f"F-{n}", ItemType.SINGLE_BEST_ANSWER, d=[0.3 * n - 0.6]) for n in range(6)]
    for version in versions[:2]:
        version.scenario_id = scenario.id
    db.session.commit()
    rng = np.random.default_rng(21)
    items = ItemParameters.dichotomous(np.ones(6), [0.3 * n - 0.6 for n in range(6)])
    data = _responses(rng, 150, items, 0.0)
    takers = [Taker({v.id: (KEYS[ItemType.SINGLE_BEST_ANSWER] if data[i, j] else "A") for j, v in enumerate(versions)},
                    mode=Mode.FIXED if i < 120 else Mode.CAT, sex="female" if i % 2 else "male")
              for i in range(150)]
    seed_attempts(takers)
    return versions, data


def _cell(page: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}">(.*?)</td>', page, re.S)
    assert match, f"no {name} on the page"
    return " ".join(match.group(1).split())


def test_the_pages_and_csv_show_fit(fixed_forms, client, make_user):
    versions, data = fixed_forms
    sign_in(client, make_user(Role.REVIEWER).username, TEST_PASSWORD)
    items = ItemParameters.dichotomous(np.ones(6), [0.3 * n - 0.6 for n in range(6)])
    expected = s_x2(data[:120], items, 2)  # live versions calibrated by the GPCM: 2 parameters each
    page = client.get(f"/workbench/versions/{versions[0].id}/statistics").get_data(as_text=True)
    assert _cell(page, "s_x2").startswith(f"{expected.statistic[0]:.2f} on {expected.df[0]} df, "
                                          f"p = {expected.p_value[0]:.2f} (120 learners on 1 form)")
    assert "F-1 v1" in page and "SC-1" in page  # its scenario partner in the Q3 table

    unit = client.get("/workbench/units/Y-506-2152/statistics").get_data(as_text=True)
    assert "150 attempts, 120 of them on fixed forms" in unit
    assert _cell(unit, "m2").startswith(f"{m2(data[:120], items, '2pl').m2:.2f} (")
    assert "F-0 v1 and F-1 v1" in unit
    rows = list(csv.DictReader(io.StringIO(client.get("/workbench/units/Y-506-2152/statistics.csv")
                                           .get_data(as_text=True))))
    assert float(rows[0]["s_x2"]) == pytest.approx(expected.statistic[0], rel=1e-5)
    assert rows[0]["s_x2_learners"] == "120"


def test_the_unit_page_is_only_for_known_units(client, make_user, app):
    sign_in(client, make_user(Role.REVIEWER).username, TEST_PASSWORD)
    assert client.get("/workbench/units/no-such-unit/statistics").status_code == 404
