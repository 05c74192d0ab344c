"""Statistics become tasks: each flag on a response matrix built to show it, and none on a sound item."""

from datetime import UTC, datetime, timedelta

import numpy as np

from exam_engine.analysis.services.flags import flags_for
from exam_engine.analysis.services.responses import ResponseMatrix
from exam_engine.analysis.services.statistics import VersionContent, abilities, item_statistics
from exam_engine.psychometrics.models import ItemParameters

N_LIVE, PERSONS = 12, 600
OPTIONS = [{"id": o, "text": f"Option {o}"} for o in "ABCD"]


def _matrix(rng, studied_choice, groups=None, started=None):
    """Twelve sound live items and one studied SBA item whose chosen option is `studied_choice(theta, i)`."""
    theta = rng.normal(size=PERSONS)
    b = np.linspace(-1.5, 1.5, N_LIVE)
    live = (rng.random((PERSONS, N_LIVE)) < 1 / (1 + np.exp(-(theta[:, None] - b)))).astype(float)
    choices = [studied_choice(t, i) for i, t in enumerate(theta)]
    scores = np.hstack([live, np.array([[1.0 if c == "B" else 0.0] for c in choices])])
    matrix = ResponseMatrix(
        list(range(1, N_LIVE + 2)), scores, np.zeros(scores.shape, bool),
        [[None] * N_LIVE + [c] for c in choices], np.full(scores.shape, 40.0),
        started=started or [datetime(2026, 1, 1, tzinfo=UTC)] * PERSONS, groups=groups or {})
    bank = ItemParameters.dichotomous(np.ones(N_LIVE + 1), np.append(-b, 0.0))
    return matrix, bank


def _codes(matrix, bank, **content):
    stats = item_statistics(matrix, bank, abilities(matrix, bank), VersionContent(
        version_id=N_LIVE + 1, type="single_best_answer", marks=1, key="B", options=OPTIONS,
        source="provisional", **content))
    return {flag.code for flag in flags_for(stats)}, stats


def _sound(rng):
    def choose(theta, i):
        if rng.random() < 1 / (1 + np.exp(-1.3 * theta)):
            return "B"
        return str(rng.choice(["A", "C", "D"]))
    return choose


def test_a_sound_item_raises_no_flag():
    rng = np.random.default_rng(1)
    codes, stats = _codes(*_matrix(rng, _sound(rng)))
    assert codes == set() and stats.correlation > 0.3


def test_a_miskeyed_item_and_an_unused_distractor_become_tasks():
    rng = np.random.default_rng(2)

    def miskeyed(theta, i):  # strong learners choose C, which is the real answer; nobody chooses D
        if rng.random() < 1 / (1 + np.exp(-1.5 * theta)):
            return "C"
        return str(rng.choice(["A", "B"]))

    codes, stats = _codes(*_matrix(rng, miskeyed))
    assert {"miskey", "unused_distractor"} <= codes
    tasks = " ".join(f.task for f in flags_for(stats))
    assert "Check the key: option C" in tasks and "Rewrite option D" in tasks


def test_dif_category_c_becomes_a_task():
    rng = np.random.default_rng(3)
    sex = ["female" if i % 2 else "male" for i in range(PERSONS)]

    def biased(theta, i):  # right for almost everyone, except half the men get it wrong regardless of ability
        if sex[i] == "male" and rng.random() < 0.5:
            return "A"
        return "B" if rng.random() < 0.97 else "C"

    codes, stats = _codes(*_matrix(rng, biased, groups={"sex": sex}))
    assert "dif" in codes
    assert [row.category for row in stats.dif] == ["C"]


def test_drift_since_calibration():
    rng = np.random.default_rng(4)
    calibrated = datetime(2026, 6, 1, tzinfo=UTC)
    started = [calibrated + timedelta(days=1)] * PERSONS

    def leaked(theta, i):  # since calibration almost everyone knows the answer
        return "B" if rng.random() < 0.95 else "A"

    codes, stats = _codes(*_matrix(rng, leaked, started=started), calibrated_at=calibrated)
    observed, expected, n = stats.drift
    assert "drift" in codes and observed > expected + 0.3 and n == PERSONS


def test_items_outside_the_units_range():
    rng = np.random.default_rng(5)
    easy, _ = _codes(*_matrix(rng, lambda theta, i: "B" if rng.random() < 0.96 else "A"))
    hard, _ = _codes(*_matrix(rng, lambda theta, i: "B" if rng.random() < 0.1 else str(rng.choice(["A", "C", "D"]))))
    assert "too_easy" in easy and "too_hard" in hard
