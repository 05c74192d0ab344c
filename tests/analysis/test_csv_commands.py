"""The calibrate, item-stats and score commands, run through click's test runner."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from exam_engine.analysis.commands import calibrate_csv_command as calibrate
from exam_engine.analysis.commands import item_stats_csv_command as item_stats
from exam_engine.analysis.commands import score_command as score

LSAT7_2PL_A = [0.988, 1.081, 1.706, 0.7651, 0.7358]  # mirt, as in test_calibration_reference.py


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def lsat7_csv(tmp_path: Path, load_table) -> Path:
    data = load_table("lsat7.csv")[1].astype(int)
    lines = ["person," + ",".join(f"q{j + 1}" for j in range(5))]
    lines += [f"p{i + 1}," + ",".join(map(str, row)) for i, row in enumerate(data)]
    return write(tmp_path / "lsat7.csv", "\n".join(lines) + "\n")


@pytest.mark.reference_data
def test_calibrate_then_score(tmp_path: Path, lsat7_csv: Path) -> None:
    runner = CliRunner()
    params = tmp_path / "params.csv"
    result = runner.invoke(calibrate, [str(lsat7_csv), "--model", "2pl", "--out", str(params)])
    assert result.exit_code == 0, result.output
    assert "log-likelihood: -2658.80" in result.output and "converged" in result.output
    rows = read(params)
    assert list(rows[0]) == ["item", "a", "d", "b", "c", "se_a", "se_d", "se_c", "loglik"]
    assert all(row["se_c"] == "" for row in rows)  # a 2PL estimates no guessing
    np.testing.assert_allclose([float(r["a"]) for r in rows], LSAT7_2PL_A, atol=0.01)
    for r in rows:
        assert float(r["b"]) == pytest.approx(-float(r["d"]) / float(r["a"]), rel=1e-5)

    scores = tmp_path / "scores.csv"
    result = runner.invoke(score, [str(lsat7_csv), "--params", str(params), "--method", "eap", "--out", str(scores)])
    assert result.exit_code == 0, result.output
    out = read(scores)
    assert len(out) == 1000 and out[0]["person"] == "p1"
    assert float(out[0]["theta"]) == pytest.approx(-1.8698, abs=0.002)  # all wrong; mirt EAPsum -1.86979


@pytest.mark.reference_data
def test_item_stats_with_groups(tmp_path: Path, lsat7_csv: Path) -> None:
    groups = write(tmp_path / "g.csv", "person,group\n" + "".join(f"p{i},{i % 2}\n" for i in range(1, 1001)))
    result = CliRunner().invoke(item_stats, [str(lsat7_csv), "--group", str(groups)])
    assert result.exit_code == 0, result.output
    assert "alpha (KR-20 for one-mark items): 0.453" in result.output
    rows = list(csv.DictReader(line for line in result.output.splitlines() if not line.startswith("alpha")))
    assert [r["item"] for r in rows] == ["q1", "q2", "q3", "q4", "q5"]
    assert {r["ets_category"] for r in rows} <= {"A", "B", "C"}


def test_item_stats_with_key_adds_distractors(tmp_path: Path) -> None:
    responses = write(tmp_path / "r.csv", "q1,q2,q3\n1,2,3\n1,3,3\n2,2,1\n1,2,3\n3,1,2\n")
    key = write(tmp_path / "k.csv", "item,key\nq1,1\nq2,2\nq3,3\n")
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(item_stats, [str(responses), "--key", str(key), "--out", str(out)])
    assert result.exit_code == 0, result.output
    first = read(out)[0]
    assert float(first["facility"]) == pytest.approx(3 / 5)
    assert float(first["option_1_share"]) == pytest.approx(3 / 5)
    assert float(first["option_2_mean_total"]) == pytest.approx(1.0)  # person 3 scored 1 (q2 only)


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b\n1,2\n3\n", "row 3 has 1 cells but the header has 2"),
        ("a,b\n1,x\n0,1\n", "row 2, column 'b': 'x' is not a number"),
        ("a,b\n1,1.5\n0,1\n", "row 2, column 'b': '1.5' is not a whole number"),
        ("a,b,c\n1,,1\n0,,1\n", "item 'b': no one answered it"),
        ("a,b,c\n1,1,1\n0,0,1\n", "item 'c': every response is 1"),
        ("", "the file is empty"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "bad.csv", text)
    result = CliRunner().invoke(calibrate, [str(path), "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a ClickException, not a crash


def test_item_stats_warns_instead_of_failing(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "a,b,c\n1,,1\n0,,1\n")
    result = CliRunner().invoke(item_stats, [str(path)])
    assert result.exit_code == 0
    assert "warning: item 'b': no one answered it" in result.output


def test_score_rejects_items_without_parameters(tmp_path: Path) -> None:
    responses = write(tmp_path / "r.csv", "a,b\n1,0\n")
    params = write(tmp_path / "p.csv", "item,a,d,b,c\na,1,0,0,0\n")
    result = CliRunner().invoke(score, [str(responses), "--params", str(params)])
    assert result.exit_code == 1 and "no parameters for item(s) b" in result.output


def test_gpcm_parameters_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    trait = rng.normal(size=(300, 1)) + rng.normal(size=(300, 4))  # one trait, with noise per item
    data = (trait > -0.5).astype(int) + (trait > 0.5)  # 0, 1 or 2 marks
    responses = write(tmp_path / "r.csv", "a,b,c,d\n" + "".join(",".join(map(str, row)) + "\n" for row in data))
    params = tmp_path / "p.csv"
    result = CliRunner().invoke(calibrate, [str(responses), "--model", "gpcm", "--out", str(params)])
    assert result.exit_code == 0, result.output
    assert list(read(params)[0])[:4] == ["item", "a", "d1", "d2"]
    result = CliRunner().invoke(score, [str(responses), "--params", str(params), "--method", "map"])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 301


def test_calibrate_with_fixed_live_items(tmp_path: Path) -> None:
    """Live items q1-q8 held at their bank values; pretest q9-q10 estimated on that scale."""
    rng = np.random.default_rng(4)
    a, d = rng.uniform(0.8, 1.6, 10), rng.normal(0, 1, 10)
    theta = rng.normal(0.4, 1.1, 3000)
    data = (rng.random((3000, 10)) < 1 / (1 + np.exp(-(np.outer(theta, a) + d)))).astype(int)
    responses = write(tmp_path / "r.csv", ",".join(f"q{j}" for j in range(1, 11)) + "\n"
                      + "".join(",".join(map(str, row)) + "\n" for row in data))
    live = write(tmp_path / "live.csv", "item,a,d,b,c\n"
                 + "".join(f"q{j + 1},{a[j]},{d[j]},{-d[j] / a[j]},0\n" for j in range(8)))
    params = tmp_path / "p.csv"
    result = CliRunner().invoke(calibrate, [str(responses), "--fixed", str(live), "--out", str(params)])
    assert result.exit_code == 0, result.output
    assert "held 8 item(s) fixed" in result.output
    rows = read(params)
    assert float(rows[0]["a"]) == pytest.approx(a[0], rel=1e-5) and rows[0]["se_a"] == ""
    np.testing.assert_allclose([float(r["d"]) for r in rows[8:]], d[8:], atol=0.15)


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b\n1,1e308\n0,1\n", "row 2, column 'b': '1e308' is more marks than an item may have (at most 100)"),
        ("a,b\n1,999999999\n0,1\n", "'999999999' is more marks than an item may have"),
        ("a;b\n1;0\n0;1\n", "the header is one column holding ';': the file looks separated by ';'; save it as "
                            "comma-separated CSV"),
    ],
)
def test_absurd_scores_and_other_separators_are_refused_saying_what_is_wrong(tmp_path: Path, text: str,
                                                                               message: str) -> None:
    path = write(tmp_path / "bad.csv", text)
    result = CliRunner().invoke(calibrate, [str(path), "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 1 and message in result.output and isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(("params", "message"), [
    ("item,a,d,c\na,1,0,1.5\n", "row 2, item 'a': guessing c = 1.5 must be from 0 up to (not including) 1"),
    ("item,a,d,c\na,0,0,0\n", "row 2, item 'a': slope a = 0 must be above 0"),
    ("item,a,d,c\na,-0.5,0,0\n", "slope a = -0.5 must be above 0"),
])
def test_impossible_parameters_are_refused(tmp_path: Path, params: str, message: str) -> None:
    responses = write(tmp_path / "r.csv", "a\n1\n0\n")
    result = CliRunner().invoke(score, [str(responses), "--params", str(write(tmp_path / "p.csv", params))])
    assert result.exit_code == 1 and message in result.output


@pytest.mark.parametrize("prior_sd", ["0", "-1", "nan"])
def test_a_prior_sd_that_is_not_a_spread_is_refused(tmp_path: Path, prior_sd: str) -> None:
    responses = write(tmp_path / "r.csv", "a\n1\n0\n")
    params = write(tmp_path / "p.csv", "item,a,d,c\na,1,0,0\n")
    result = CliRunner().invoke(score, [str(responses), "--params", str(params), "--prior-sd", prior_sd])
    assert result.exit_code == 2 and "Invalid value for '--prior-sd'" in result.output


def responses_file(tmp_path: Path, data: np.ndarray) -> Path:
    return write(tmp_path / "r.csv", ",".join(f"q{j + 1}" for j in range(data.shape[1])) + "\n"
                 + "".join(",".join(map(str, row)) + "\n" for row in data.astype(int)))


@pytest.mark.parametrize(("data", "problem"), [
    (np.random.default_rng(5).integers(0, 2, (400, 6)), "is not identified by the data"),  # pure noise
    (np.array([[1, 0], [0, 1]]), "only 2 person(s) answered; a calibration needs at least 30"),
    (np.random.default_rng(6).integers(0, 2, (200, 1)), "a single item cannot be calibrated"),
])
def test_a_fit_that_is_not_usable_is_refused_and_nothing_is_written(tmp_path: Path, data, problem) -> None:
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(calibrate, [str(responses_file(tmp_path, data)), "--out", str(out)])
    assert result.exit_code == 1 and "the fit is not usable" in result.output and problem in result.output
    assert not out.exists()


def test_a_miskeyed_item_with_a_negative_slope_is_named(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    theta = rng.normal(size=2000)
    data = (rng.random((2000, 6)) < 1 / (1 + np.exp(-1.3 * theta[:, None]))).astype(int)
    data[:, 5] = 1 - data[:, 5]  # keyed the wrong way round
    result = CliRunner().invoke(calibrate, [str(responses_file(tmp_path, data)), "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 1 and "item 'q6': slope" in result.output and "at or below 0 (miskeyed" in result.output


@pytest.mark.reference_data
def test_the_guessing_prior_is_chosen_or_removed(tmp_path: Path, lsat7_csv: Path) -> None:
    """With no prior, LSAT7's 3PL from the command line is mirt's (item 2: a 1.947, b -0.042, c 0.298;
    test_calibration_reference.py); BILOG's default prior pulls every c towards 0.2."""
    runner = CliRunner()
    flat, default = tmp_path / "flat.csv", tmp_path / "default.csv"
    result = runner.invoke(calibrate, [str(lsat7_csv), "--model", "3pl", "--guessing-prior", "none",
                                       "--out", str(flat)])
    assert result.exit_code == 0, result.output[-500:]
    item2 = read(flat)[1]
    assert (float(item2["a"]), float(item2["b"]), float(item2["c"])) == pytest.approx((1.947, -0.042, 0.298),
                                                                                       abs=0.02)
    assert 0 < float(item2["se_c"]) < 0.2  # guessing has its standard error like every estimate
    assert runner.invoke(calibrate, [str(lsat7_csv), "--model", "3pl", "--out", str(default)]).exit_code == 0
    assert min(float(row["c"]) for row in read(default)) > 0.1
    refused = runner.invoke(calibrate, [str(lsat7_csv), "--model", "3pl", "--guessing-prior", "0,17",
                                        "--out", str(tmp_path / "x.csv")])
    assert refused.exit_code == 2 and "both Beta parameters must be above 0" in refused.output
