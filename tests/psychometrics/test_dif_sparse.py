"""Mantel-Haenszel DIF on sparse data (adaptive tests, on-the-fly forms): each item's tables hold only
the test takers given it, matched on ability strata; the whole-bank computation equals one run per
item on its takers alone, an item one group never took has no estimate (not an infinite delta),
and the command line matches on ability or refuses, saying why."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from exam_engine.analysis.commands import calibrate_csv_command as calibrate
from exam_engine.analysis.commands import item_stats_csv_command as item_stats
from exam_engine.psychometrics.dif import ability_strata, mantel_haenszel
from tests.analysis.test_csv_commands import read, write


def sparse_sample(seed: int = 3, persons: int = 2000, items: int = 12) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2PL responses, each person given 6 of the items (as an adaptive test would), the focal group
    finding item 0 (of middling difficulty) harder by 0.8 logits: (scores with NaN, focal, true ability)."""
    rng = np.random.default_rng(seed)
    theta, focal = rng.normal(size=persons), rng.random(persons) < 0.4
    a, b = rng.uniform(0.8, 1.8, items), rng.normal(size=items)
    b[0] = 0.0  # the studied item: of middling difficulty
    shift = np.zeros((persons, items))
    shift[focal, 0] = 0.8
    scores = (rng.random((persons, items)) < 1 / (1 + np.exp(-a * (theta[:, None] - b - shift)))).astype(float)
    for person in range(persons):
        scores[person, rng.choice(items, items - 6, replace=False)] = np.nan
    return scores, focal, theta


def test_each_item_uses_the_takers_it_had_and_equals_a_run_on_them_alone():
    scores, focal, theta = sparse_sample()
    strata = ability_strata(theta)
    result = mantel_haenszel(scores, focal, strata)
    for j in range(scores.shape[1]):
        took = ~np.isnan(scores[:, j])
        alone = mantel_haenszel(scores[took][:, [j]], focal[took], strata[took])
        np.testing.assert_allclose([result.delta[j], result.chi_square[j], result.delta_se[j]],
                                   [alone.delta[0], alone.chi_square[0], alone.delta_se[0]], rtol=1e-12)
    assert result.category[0] in ("B", "C") and result.delta[0] < -1  # harder for the focal group
    assert np.isfinite(result.delta).all()


def test_sparse_data_without_a_matching_level_is_refused():
    scores, focal, _ = sparse_sample()
    with pytest.raises(ValueError, match="sparse data .* needs a matching level"):
        mantel_haenszel(scores, focal)


def test_an_item_one_group_never_took_has_no_estimate():
    scores, focal, theta = sparse_sample()
    scores[focal, 1] = np.nan
    result = mantel_haenszel(scores, focal, ability_strata(theta))
    assert np.isnan([result.alpha[1], result.delta[1], result.chi_square[1], result.p_value[1]]).all()
    assert result.category[1] == "" and result.category[0] != ""


def test_the_command_line_matches_sparse_data_on_ability_or_refuses(tmp_path: Path):
    scores, focal, _ = sparse_sample()
    lines = ["person," + ",".join(f"q{j}" for j in range(scores.shape[1]))]
    lines += [f"p{i}," + ",".join("" if np.isnan(x) else str(int(x)) for x in row) for i, row in enumerate(scores)]
    responses = write(tmp_path / "r.csv", "\n".join(lines) + "\n")
    groups = write(tmp_path / "g.csv", "person,group\n" + "".join(f"p{i},{int(f)}\n" for i, f in enumerate(focal)))
    runner = CliRunner()

    refused = runner.invoke(item_stats, [str(responses), "--group", str(groups)])
    assert refused.exit_code == 2 and "did not take every item, so there is no common total score to match on: " \
        "give --params PARAMS.csv" in refused.output

    params = tmp_path / "params.csv"
    assert runner.invoke(calibrate, [str(responses), "--model", "2pl", "--out", str(params)]).exit_code == 0
    out = tmp_path / "stats.csv"
    result = runner.invoke(item_stats, [str(responses), "--group", str(groups), "--params", str(params),
                                        "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read(out)
    assert all(np.isfinite(float(row["mh_delta"])) for row in rows) and rows[0]["ets_category"] in ("B", "C")
    assert [row["ets_category"] for row in rows[1:]].count("C") == 0
    assert float(rows[0]["lr_uniform_p"]) < 0.001 and rows[0]["lr_category"] in ("A", "B", "C")


def test_a_group_too_small_for_dif_is_refused(tmp_path: Path):
    responses = write(tmp_path / "r.csv", "person,q1,q2\n" + "".join(f"p{i},{i % 2},{(i // 2) % 2}\n"
                                                                    for i in range(80)))
    groups = write(tmp_path / "g.csv", "person,group\n" + "".join(f"p{i},{int(i < 10)}\n" for i in range(80)))
    result = CliRunner().invoke(item_stats, [str(responses), "--group", str(groups)])
    assert result.exit_code == 2 and "DIF needs at least 50 persons in each group; the focal group has 10" \
        in result.output
