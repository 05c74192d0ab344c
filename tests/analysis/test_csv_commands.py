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


MIRT_LSAT7_S_X2 = [4.749440, 14.451071, 1.270381, 5.237400, 0.941125]  # mirt test-01-mirtOne.R, 2 df each


def _csv_rows(output: str) -> list[dict[str, str]]:
    said = ("alpha", "local dependence", "unidimensionality", "warning", "note", "purification")  # stderr
    return list(csv.DictReader(line for line in output.splitlines() if not line.startswith(said)))


@pytest.mark.reference_data
def test_item_stats_fits_a_model_for_s_x2_q3_and_m2(lsat7_csv: Path) -> None:
    result = CliRunner().invoke(item_stats, [str(lsat7_csv), "--model", "2pl"])
    assert result.exit_code == 0, result.output
    rows = _csv_rows(result.output)
    np.testing.assert_allclose([float(r["s_x2"]) for r in rows], MIRT_LSAT7_S_X2, atol=0.01)
    assert [r["s_x2_df"] for r in rows] == ["2"] * 5 and all(r["s_x2_persons"] == "1000" for r in rows)
    assert float(rows[1]["s_x2_p"]) == pytest.approx(0.000727, abs=2e-5)  # chi-square(2) tail of 14.45
    assert all(r["q3_flag"] == "" and r["q3_partner"] for r in rows)
    assert "M2 = 11.93" in result.output and "on 5 df" in result.output and "close fit" in result.output


@pytest.mark.reference_data
def test_item_stats_with_params_and_scenarios(tmp_path: Path, lsat7_csv: Path) -> None:
    params = tmp_path / "params.csv"
    assert CliRunner().invoke(calibrate, [str(lsat7_csv), "--out", str(params)]).exit_code == 0
    scenarios = write(tmp_path / "scenarios.csv", "item,scenario\nq1,S1\nq2,S1\nq3,\n")
    result = CliRunner().invoke(item_stats, [str(lsat7_csv), "--params", str(params), "--scenarios", str(scenarios)])
    assert result.exit_code == 0, result.output
    assert "treats params.csv as a 2pl calibration" in result.output
    rows = _csv_rows(result.output)
    assert [r["q3_partner"] for r in rows] == ["q2", "q1", "", "", ""]
    assert "pairs sharing a scenario" in result.output and "no pair" in result.output


def test_item_stats_explains_when_there_is_no_s_x2(tmp_path: Path) -> None:
    """Adaptive-like data: each person took 4 of 8 items, so no 100 persons share a form."""
    rng = np.random.default_rng(9)
    theta = rng.normal(size=400)
    data = (rng.random((400, 8)) < 1 / (1 + np.exp(-theta[:, None]))).astype(float)
    data[np.argsort(rng.random((400, 8)), axis=1) < 4] = np.nan
    text = "a,b,c,d,e,f,g,h\n" + "".join(",".join("" if np.isnan(x) else str(int(x)) for x in row) + "\n"
                                         for row in data)
    params = write(tmp_path / "p.csv", "item,a,d,b,c\n" + "".join(f"{x},1,0,0,0\n" for x in "abcdefgh"))
    result = CliRunner().invoke(item_stats, [str(write(tmp_path / "r.csv", text)), "--params", str(params)])
    assert result.exit_code == 0, result.output
    assert "no S-X^2: it needs at least 100 persons given the same one-mark items" in result.output
    assert "no M2" in result.output
    rows = _csv_rows(result.output)
    assert len(rows) == 8 and all(r["s_x2"] == "" for r in rows)


@pytest.mark.parametrize("args, message", [
    (["--prior-sd", "0"], "is not a spread"),
    (["--scenarios", "BAD"], "not in the responses"),
])
def test_item_stats_fit_options_give_clear_errors(tmp_path: Path, args: list[str], message: str) -> None:
    responses = write(tmp_path / "r.csv", "q1,q2,q3\n1,0,1\n0,1,1\n1,1,0\n")
    if "BAD" in args:
        args = ["--model", "2pl", "--scenarios", str(write(tmp_path / "s.csv", "item,scenario\nq9,S\n"))]
    result = CliRunner().invoke(item_stats, [str(responses), *args])
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


@pytest.mark.reference_data
def test_item_stats_purifies_dif_as_difr(tmp_path: Path, load_table) -> None:
    """difMH(verbal, group = "Gender", focal.name = 1, purify = TRUE), as in test_dif_reference.py."""
    from tests.psychometrics.test_dif_reference import DIFR_PURIFIED_CHI_SQUARE, DIFR_PURIFIED_DIF_ITEMS

    header, table = load_table("verbal.csv")
    responses = write(tmp_path / "verbal.csv", "person," + ",".join(header[:24]) + "\n" + "".join(
        f"p{i}," + ",".join(str(int(x)) for x in row[:24]) + "\n" for i, row in enumerate(table)))
    groups = write(tmp_path / "g.csv",
                   "person,group\n" + "".join(f"p{i},{int(row[25])}\n" for i, row in enumerate(table)))
    result = CliRunner().invoke(item_stats, [str(responses), "--group", str(groups), "--purify"])
    assert result.exit_code == 0, result.output
    assert "purification: 6 pass(es), settled; 9 item(s) with DIF left out" in result.output
    rows = _csv_rows(result.output)
    np.testing.assert_allclose([float(r["mh_chi_square"]) for r in rows], DIFR_PURIFIED_CHI_SQUARE, atol=1e-4)
    assert [j + 1 for j, r in enumerate(rows) if r["dif_anchor"] == "no"] == DIFR_PURIFIED_DIF_ITEMS
    assert all(r["lr_p"] and r["mantel_p"] for r in rows)


def test_purify_needs_a_group(tmp_path: Path) -> None:
    responses = write(tmp_path / "r.csv", "q1,q2,q3\n1,0,1\n0,1,1\n1,1,0\n")
    result = CliRunner().invoke(item_stats, [str(responses), "--purify"])
    assert result.exit_code == 2 and "--purify needs --group" in result.output


def test_purified_dif_on_sparse_data_matches_on_ability(tmp_path: Path) -> None:
    rng = np.random.default_rng(17)
    n, m = 600, 12
    theta = rng.normal(size=n)
    focal = np.arange(n) % 2 == 1
    logits = theta[:, None] + np.linspace(-1, 1, m)
    logits[focal, 0] -= 1.5  # item q1 is harder for the focal group
    data = (rng.random((n, m)) < 1 / (1 + np.exp(-logits))).astype(float)
    data[np.argsort(rng.random((n, m)), axis=1) < 3] = np.nan
    names = [f"q{j + 1}" for j in range(m)]
    responses = write(tmp_path / "r.csv", "person," + ",".join(names) + "\n" + "".join(
        f"p{i}," + ",".join("" if np.isnan(x) else str(int(x)) for x in row) + "\n" for i, row in enumerate(data)))
    groups = write(tmp_path / "g.csv", "person,group\n" + "".join(f"p{i},{int(f)}\n" for i, f in enumerate(focal)))
    params = write(tmp_path / "p.csv", "item,a,d,b,c\n" + "".join(
        f"{name},1,{d},{-d},0\n" for name, d in zip(names, np.linspace(-1, 1, m))))
    result = CliRunner().invoke(item_stats, [str(responses), "--group", str(groups), "--params", str(params),
                                             "--purify"])
    assert result.exit_code == 0, result.output
    rows = _csv_rows(result.output)
    assert rows[0]["dif_anchor"] == "no" and float(rows[0]["mh_delta"]) < -1.5  # favours the reference group
    assert sum(r["dif_anchor"] == "no" for r in rows) <= 3
