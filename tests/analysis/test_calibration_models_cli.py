"""calibrate-csv's graded response and fixed-variance Rasch models and its --fix option."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from exam_engine.analysis.commands import calibrate_csv_command as calibrate
from exam_engine.analysis.commands import score_command as score
from exam_engine.psychometrics.ability import eap_many
from exam_engine.psychometrics.models import ItemParameters

# mirt reference/PLCI.mirt.md and anova-method.md: mirt(Science, 1)
# (as in tests/psychometrics/test_graded_and_constraints.py)
SCIENCE_GRM_A = [1.0417547, 1.2259618, 2.2933717, 1.0949151]


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def table(path: Path, data: np.ndarray, names: list[str]) -> Path:
    path.write_text(",".join(names) + "\n" + "".join(",".join(str(int(x)) for x in row) + "\n" for row in data))
    return path


@pytest.fixture
def science_csv(tmp_path: Path, load_table) -> Path:
    header, data = load_table("science.csv")
    return table(tmp_path / "science.csv", data - 1, header)


@pytest.fixture
def lsat7_csv(tmp_path: Path, load_table) -> Path:
    return table(tmp_path / "lsat7.csv", load_table("lsat7.csv")[1], [f"q{j}" for j in range(1, 6)])


@pytest.mark.reference_data
def test_graded_response_model_from_the_command_line_then_scoring(tmp_path: Path, science_csv: Path) -> None:
    params = tmp_path / "p.csv"
    result = CliRunner().invoke(calibrate, [str(science_csv), "--model", "grm", "--out", str(params)])
    assert result.exit_code == 0, result.output
    assert "log-likelihood: -1608.869" in result.output  # mirt: -1608.870
    rows = read(params)
    assert list(rows[0]) == ["item", "a", "d1", "d2", "d3", "se_a", "se_d1", "se_d2", "se_d3", "loglik", "model"]
    assert {row["model"] for row in rows} == {"grm"}
    np.testing.assert_allclose([float(row["a"]) for row in rows], SCIENCE_GRM_A, atol=0.02)

    scores = tmp_path / "s.csv"
    result = CliRunner().invoke(score, [str(science_csv), "--params", str(params), "--out", str(scores)])
    assert result.exit_code == 0, result.output
    bank = ItemParameters.graded_response([float(r["a"]) for r in rows],
                                          [[float(r[f"d{k}"]) for k in (1, 2, 3)] for r in rows])
    data = np.loadtxt(science_csv, delimiter=",", skiprows=1)
    expected, _ = eap_many(data[:5], bank)
    np.testing.assert_allclose([float(r["theta"]) for r in read(scores)[:5]], expected, atol=1e-8)


def test_graded_parameters_out_of_order_are_refused(tmp_path: Path) -> None:
    responses = table(tmp_path / "r.csv", np.array([[0, 1], [2, 1]]), ["x", "y"])
    params = tmp_path / "p.csv"
    params.write_text("item,a,d1,d2,model\nx,1,-1,1,grm\ny,1,1,-1,grm\n")
    result = CliRunner().invoke(score, [str(responses), "--params", str(params)])
    assert result.exit_code == 1 and "row 2, item 'x': a graded item's intercepts d1, d2, ... must decrease" \
        in result.output
    params.write_text("item,a,d1,d2,model\nx,1,1,-1,nominal\ny,1,1,-1,grm\n")
    result = CliRunner().invoke(score, [str(responses), "--params", str(params)])
    assert result.exit_code == 1 and "model 'nominal' is not one of" in result.output


@pytest.mark.reference_data
def test_rasch_with_the_ability_variance_fixed(tmp_path: Path, lsat7_csv: Path) -> None:
    params = tmp_path / "p.csv"
    result = CliRunner().invoke(calibrate, [str(lsat7_csv), "--model", "rasch-fixed", "--out", str(params)])
    assert result.exit_code == 0, result.output
    assert "ability SD: fixed at 1" in result.output
    assert all(float(row["a"]) == 1.0 and row["se_a"] == "" for row in read(params))


@pytest.mark.reference_data
def test_single_parameters_are_fixed_from_the_command_line(tmp_path: Path, lsat7_csv: Path) -> None:
    params = tmp_path / "p.csv"
    result = CliRunner().invoke(calibrate, [str(lsat7_csv), "--model", "3pl", "--fix", "q5:c=0.1",
                                            "--fix", "q1:a=1", "--out", str(params)])
    assert result.exit_code == 0, result.output
    rows = read(params)
    assert float(rows[4]["c"]) == 0.1 and rows[4]["se_c"] == "" and rows[3]["se_c"] != ""
    assert float(rows[0]["a"]) == 1.0 and rows[0]["se_a"] == "" and rows[0]["se_d"] != ""


@pytest.mark.reference_data
@pytest.mark.parametrize(("model", "fix", "code", "message"), [
    ("3pl", "q5c=0.1", 2, "give ITEM:PARAM=VALUE"),
    ("3pl", "q5:c=abc", 2, "give ITEM:PARAM=VALUE"),
    ("3pl", "q9:c=0.1", 1, "there is no item 'q9'"),
    ("2pl", "q5:c=0.1", 1, "guessing c can only be fixed for 3pl items"),
    ("3pl", "q5:c=1.2", 1, "guessing c must be from 0 up to"),
    ("rasch", "q1:a=1", 1, "model rasch does not estimate a slope per item"),
    ("2pl", "q1:b=1", 1, "'b' is not a parameter"),
    ("2pl", "q1:d2=1", 1, "item 'q1' has no score 2 in the responses"),
])
def test_bad_fixes_are_refused_and_nothing_is_written(tmp_path: Path, lsat7_csv: Path, model: str, fix: str,
                                                      code: int, message: str) -> None:
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(calibrate, [str(lsat7_csv), "--model", model, "--fix", fix, "--out", str(out)])
    assert result.exit_code == code and message in result.output, result.output
    assert not out.exists()


def mixed_format(tmp_path: Path) -> tuple[Path, ItemParameters]:
    """3000 persons, eight one-mark 3PL items and four two-mark GPCM items."""
    from exam_engine.psychometrics.simulation import simulate_responses

    rng = np.random.default_rng(21)
    d = np.full((12, 2), np.nan)
    d[:8, 0] = rng.normal(0, 1, 8)
    d[8:] = np.column_stack([rng.normal(1, 0.4, 4), rng.normal(0, 0.4, 4)])
    bank = ItemParameters(rng.uniform(0.9, 1.6, 12), d, np.r_[np.full(8, 0.15), np.zeros(4)])
    data = simulate_responses(rng.normal(size=3000), bank, rng)
    return table(tmp_path / "mixed.csv", data, [f"q{j}" for j in range(1, 13)]), bank


def test_one_mark_and_multi_mark_items_in_one_calibration(tmp_path: Path) -> None:
    responses, bank = mixed_format(tmp_path)
    params = tmp_path / "p.csv"
    result = CliRunner().invoke(calibrate, [str(responses), "--model", "3pl", "--multi-mark-model", "gpcm",
                                            "--item-model", "q1=2pl", "--out", str(params)])
    assert result.exit_code == 0, result.output
    rows = read(params)
    assert list(rows[0]) == ["item", "a", "d1", "d2", "c", "se_a", "se_d1", "se_d2", "se_c", "loglik", "model"]
    assert [row["model"] for row in rows] == ["2pl", *["3pl"] * 7, *["gpcm"] * 4]
    assert rows[0]["c"] == "0" and rows[0]["se_c"] == "" and rows[1]["se_c"] != "" and rows[8]["se_c"] == ""
    np.testing.assert_allclose([float(row["a"]) for row in rows[8:]], bank.a[8:], atol=0.25)
    result = CliRunner().invoke(score, [str(responses), "--params", str(params), "--method", "eap"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("options", "code", "message"), [
    (["--model", "rasch", "--multi-mark-model", "gpcm"], 2, "work with --model 2pl, 3pl, 4pl, gpcm, grm"),
    (["--model", "2pl"], 1, "model '2pl' needs 0/1 scores"),
    (["--model", "3pl", "--item-model", "q9=3pl", "--multi-mark-model", "grm"], 1, "item 'q9' has scores up to 2"),
    (["--model", "3pl", "--item-model", "q99=grm"], 2, "give ITEM=MODEL"),
])
def test_impossible_item_models_are_refused(tmp_path: Path, options: list[str], code: int, message: str) -> None:
    responses, _ = mixed_format(tmp_path)
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(calibrate, [str(responses), *options, "--out", str(out)])
    assert result.exit_code == code and message in result.output, result.output
    assert not out.exists()


@pytest.mark.reference_data
def test_4pl_from_the_command_line_writes_u_and_scores(tmp_path: Path, lsat7_csv: Path) -> None:
    params = tmp_path / "p.csv"
    result = CliRunner().invoke(calibrate, [str(lsat7_csv), "--model", "4pl", "--fix", "q1:u=1",
                                            "--out", str(params)])
    assert result.exit_code == 0, result.output
    rows = read(params)
    assert list(rows[0]) == ["item", "a", "d", "b", "c", "u", "se_a", "se_d", "se_c", "se_u", "loglik"]
    assert float(rows[0]["u"]) == 1.0 and rows[0]["se_u"] == ""
    assert all(0.5 < float(row["u"]) < 1 and float(row["se_u"]) > 0 for row in rows[1:])
    result = CliRunner().invoke(score, [str(lsat7_csv), "--params", str(params)])
    assert result.exit_code == 0, result.output
    refused = CliRunner().invoke(calibrate, [str(lsat7_csv), "--model", "4pl", "--upper-prior", "20",
                                             "--out", str(tmp_path / "x.csv")])
    assert refused.exit_code == 2 and "--upper-prior" in refused.output


def test_parameters_with_u_below_c_are_refused(tmp_path: Path) -> None:
    responses = table(tmp_path / "r.csv", np.array([[0, 1], [1, 0]]), ["x", "y"])
    params = tmp_path / "p.csv"
    params.write_text("item,a,d,b,c,u\nx,1,0,0,0.2,0.9\ny,1,0,0,0.3,0.25\n")
    result = CliRunner().invoke(score, [str(responses), "--params", str(params)])
    assert result.exit_code == 1 and "row 3, item 'y': upper asymptote u = 0.25 must be above c" in result.output
