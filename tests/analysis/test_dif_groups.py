"""DIF groups in the app: centre, access arrangement (any and each kind), recorded groups, and refusals."""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.analysis.services.responses import (
    arrangement_kinds,
    membership_groups,
    recorded_groups,
    unit_response_matrix,
)
from exam_engine.auth.roles import Role
from exam_engine.cli import cli
from invigilation.models.centres import AccessArrangement
from item_bank.items.scoring import ItemType
from tests.analysis.factory import KEYS, Taker, make_version, seed_attempts
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in


def test_arrangement_kinds_and_recorded_groups() -> None:
    assert arrangement_kinds(None) == set() and arrangement_kinds(AccessArrangement(extra_time_percent=0)) == set()
    profile = AccessArrangement(extra_time_percent=25, reader=True, font_size_percent=150)
    assert arrangement_kinds(profile) == {"extra time", "reader", "modified presentation"}
    assert recorded_groups(" English as a second language; Care leaver,") == {"english as a second language",
                                                                             "care leaver"}
    assert membership_groups([{"a"}, set(), {"a", "b"}], "g: ") == {"g: a": ["yes", "no", "yes"],
                                                                   "g: b": ["no", "no", "yes"]}


@pytest.fixture
def grouped(app):
    versions = [make_version(f"G-{n}", ItemType.SINGLE_BEST_ANSWER) for n in range(4)]
    rng = np.random.default_rng(3)
    takers = []
    for i in range(120):
        answers = {v.id: KEYS[ItemType.SINGLE_BEST_ANSWER] if rng.random() < 0.6 else "A" for v in versions}
        takers.append(Taker(answers, centre=i % 2, arrangements=i < 10, groups="ESL" if i % 3 == 0 else None))
    seed_attempts(takers)
    return versions


def test_the_matrix_and_page_carry_the_groups_and_refuse_small_ones(grouped, client, make_user):
    matrix = unit_response_matrix("Y/506/2152")
    assert matrix.groups["access arrangement"].count("yes") == 10
    assert matrix.groups["access arrangement: extra time"].count("yes") == 10
    assert matrix.groups["recorded group: esl"].count("yes") == 40
    assert set(matrix.groups["centre"]) == {"S0000", "S0001"}
    sign_in(client, make_user(Role.REVIEWER).username, TEST_PASSWORD)
    page = client.get(f"/workbench/versions/{grouped[0].id}/statistics").get_data(as_text=True)
    assert "not tested: 10 yes and 110 no learners were given it. Mantel-Haenszel needs at least 50" in page
    assert "not tested: 40 yes and 80 no learners were given it" in page  # recorded group: esl
    assert 'data-dif-category="centre: S0001">A<' in page or 'data-dif-category="centre: S0001">B<' in page \
        or 'data-dif-category="centre: S0001">C<' in page


def test_the_bank_command_states_the_groups(grouped, app):
    result = app.test_cli_runner().invoke(cli, ["item-stats-bank", "--unit", "Y/506/2152"])
    assert result.exit_code == 0, result.output
    assert "DIF by access arrangement: reference no (110 learners); yes 10 (too few: not tested)" in result.stderr
    assert "DIF by centre: reference S0000 (60 learners); S0001 60" in result.stderr
    assert "DIF minimum: Mantel-Haenszel needs at least 50" in result.stderr
    assert "unidimensionality:" in result.stderr and "G-0" in result.stdout
