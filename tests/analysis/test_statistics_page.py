"""The statistics page shows what the psychometrics core computes from the same stored responses."""

import re

import numpy as np
import pytest

from exam_engine.analysis.services.evidence import unit_evidence
from exam_engine.analysis.services.responses import unit_response_matrix
from exam_engine.auth.roles import Role
from exam_engine.psychometrics import classical
from item_bank.items.models import ItemStatus
from item_bank.items.scoring import ItemType, score
from tests.analysis.factory import KEYS, OPTIONS, Taker, make_version, seed_attempts
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in


def _answers(rng, kinds, versions, ability):
    """Answers that are right more often for abler learners, wrong ones spread over the options."""
    answers = {}
    for kind, version in zip(kinds, versions):
        right = rng.random() < 1 / (1 + np.exp(-(ability - 0.2)))
        options = list(OPTIONS[kind])
        if kind is ItemType.SINGLE_BEST_ANSWER:
            answers[version.id] = KEYS[kind] if right else str(rng.choice([o for o in options if o != "B"]))
        elif kind is ItemType.MULTIPLE_RESPONSE:
            answers[version.id] = ["A", "C"] if right else sorted(rng.choice(options, 2, replace=False).tolist())
        else:
            answers[version.id] = KEYS[kind] if right else rng.permutation(options).tolist()
    return answers


@pytest.fixture
def seeded(app):
    rng = np.random.default_rng(7)
    kinds = [ItemType.SINGLE_BEST_ANSWER, ItemType.MULTIPLE_RESPONSE, ItemType.ORDERING, ItemType.SINGLE_BEST_ANSWER]
    versions = [make_version(f"T-{n}", kind) for n, kind in enumerate(kinds)]
    versions[3].status = ItemStatus.APPROVED_FOR_PRETEST
    takers = []
    for n in range(60):
        answers = _answers(rng, kinds, versions, rng.normal())
        if n % 10 == 0:
            answers[versions[0].id] = None  # given, not answered: scores 0
        takers.append(Taker(answers, pretest=frozenset({versions[3].id}), sex="female" if n % 2 else "male",
                            centre=n % 2, seconds=20 + n))
    seed_attempts(takers)
    return versions, takers


def _independent_scores(versions, takers):
    scores = np.full((len(takers), len(versions)), np.nan)
    for i, taker in enumerate(takers):
        for j, version in enumerate(versions):
            if version.id in taker.answers:
                scores[i, j] = score(version.type, version.key, taker.answers[version.id])
    return scores


def test_the_matrix_holds_the_stored_responses(seeded):
    versions, takers = seeded
    matrix = unit_response_matrix("Y/506/2152")
    assert matrix.n_persons == 60
    np.testing.assert_array_equal(matrix.scores, _independent_scores(versions, takers))
    assert matrix.pretest[:, 3].all() and not matrix.pretest[:, :3].any()
    assert matrix.groups["sex"][:2] == ["male", "female"]
    assert matrix.seconds[1, 0] == pytest.approx(21.0)  # the first answer, 21 s after the start


def test_the_page_shows_the_cores_statistics_for_the_same_responses(seeded, client, make_user):
    versions, takers = seeded
    scores = _independent_scores(versions, takers)
    reviewer = make_user(Role.REVIEWER)
    sign_in(client, reviewer.username, TEST_PASSWORD)
    for j, version in enumerate(versions):
        page = client.get(f"/workbench/versions/{version.id}/statistics").get_data(as_text=True)
        taken = scores[~np.isnan(scores[:, j]), j]
        facility = classical.facility(scores[:, [j]], [version.marks])[0]
        low, high = classical.wilson_interval(facility * taken.size, taken.size)
        r = classical.item_rest_correlation(scores)[j]
        r_low, r_high = classical.correlation_interval(r, taken.size)
        assert _cell(page, "responses") == str(taken.size)
        assert _cell(page, "facility") == f"{facility:.2f} ({low:.2f} to {high:.2f})"
        assert _cell(page, "correlation") == f"{r:.2f} ({r_low:.2f} to {r_high:.2f})"
        assert "<svg" in page and "Item characteristic curve" in page


def test_option_shares_and_flags(seeded, app):
    versions, takers = seeded
    evidence = unit_evidence("Y/506/2152")
    from exam_engine.analysis.services.evidence import version_statistics

    stats, _ = version_statistics(evidence, versions[0])
    chose_b = sum(1 for t in takers if t.answers[versions[0].id] == "B")
    assert [o.id for o in stats.options if o.keyed] == ["B"]
    assert stats.options[1].share == pytest.approx(chose_b / 60)
    assert stats.median_seconds is not None


def _cell(page: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}">(.*?)</td>', page, re.S)
    assert match, f"no {name} on the page"
    return " ".join(match.group(1).split())
