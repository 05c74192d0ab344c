"""The equate-csv command: link, drift check and conversion table from two PARAMS.csv files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from exam_engine.analysis.commands import calibrate_csv_command
from exam_engine.analysis.commands import equate_csv_command as equate
from exam_engine.psychometrics.equating import true_score_equating
from exam_engine.psychometrics.linking import Link, inverse, stocking_lord, transform
from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.response_table import format_table
from exam_engine.psychometrics.simulation import simulate_responses
from tests.psychometrics import equating_examples as ex

LINK = Link(1.2, 0.3)  # form X's scale onto form Y's


def write_3pl(path: Path, names: list[str], items: ItemParameters) -> Path:
    """PARAMS.csv as calibrate-csv writes it for one-mark items."""
    rows = [[name, float(items.a[j]), float(items.d[j, 0]), float(-items.d[j, 0] / items.a[j]), float(items.c[j])]
            for j, name in enumerate(names)]
    path.write_text(format_table(["item", "a", "d", "b", "c"], rows))
    return path


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(text.splitlines()))


@pytest.fixture
def forms(tmp_path: Path) -> tuple[Path, Path, ItemParameters, ItemParameters]:
    """Kolen & Brennan's form Y, and the same 36 items expressed on another scale as form X; items
    3, 6, ..., 36 keep their names (the anchors), the others are renamed on form X."""
    y = ex.three_pl(ex.KB_FORM_Y)
    x = transform(y, inverse(LINK))
    names = [f"q{j + 1}" for j in range(36)]
    names_x = [name if j % 3 == 2 else f"x{name}" for j, name in enumerate(names)]
    return write_3pl(tmp_path / "x.csv", names_x, x), write_3pl(tmp_path / "y.csv", names, y), x, y


def test_equate_recovers_the_link_and_equates_a_form_to_itself(tmp_path: Path, forms) -> None:
    x_file, y_file, _, _ = forms
    out, drift_out = tmp_path / "table.csv", tmp_path / "drift.csv"
    result = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file), "--scale", "10,100",
                                         "--scale-range", "70,130", "--out", str(out), "--drift-out", str(drift_out)])
    assert result.exit_code == 0, result.output
    assert "link (stocking-lord, 12 of 12 anchors): theta_Y = 1.200000 theta_X + 0.300000" in result.output
    rows = read(out.read_text())
    assert list(rows[0]) == ["raw_score", "theta", "se", "scale_score", "true_score_theta", "y_true_score",
                             "y_observed_score"]
    assert [int(r["raw_score"]) for r in rows] == list(range(37))
    # the same test on both scales: every raw score equates to itself
    np.testing.assert_allclose([float(r["y_true_score"]) for r in rows], range(37), atol=1e-6)
    np.testing.assert_allclose([float(r["y_observed_score"]) for r in rows], range(37), atol=1e-6)
    scale = [float(r["scale_score"]) for r in rows]
    assert scale == sorted(scale) and min(scale) >= 70 and max(scale) <= 130
    assert all(s == int(s) for s in scale)
    drift = read(drift_out.read_text())
    assert [r["item"] for r in drift] == [f"q{j}" for j in range(3, 37, 3)]
    assert {r["anchor"] for r in drift} == {"kept"}


def test_equate_drops_a_drifted_anchor(tmp_path: Path, forms) -> None:
    x_file, y_file, x, _ = forms
    lines = x_file.read_text().splitlines()
    cells = lines[1 + 23].split(",")  # q24, an anchor: 0.7 logits easier on form X's occasion
    assert cells[0] == "q24"
    a, d = float(cells[1]), float(cells[2])
    cells[2] = str(d + 0.7 * a)
    lines[1 + 23] = ",".join(cells)
    x_file.write_text("\n".join(lines) + "\n")
    drift_out = tmp_path / "drift.csv"
    for method in ("stocking-lord", "haebara"):
        result = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file), "--method", method,
                                             "--drift-out", str(drift_out)])
        assert result.exit_code == 0, result.output
        assert f"link ({method}, 11 of 12 anchors): theta_Y = 1.200000 theta_X + 0.300000" in result.output
        assert "anchor q24 dropped for drift" in result.output
        flagged = {r["item"]: r for r in read(drift_out.read_text())}
        assert flagged["q24"]["anchor"] == "dropped"
        assert float(flagged["q24"]["difference"]) == pytest.approx(0.7 * LINK.slope, abs=1e-4)


def test_equate_with_named_anchors_and_no_drift_check(tmp_path: Path, forms) -> None:
    x_file, y_file, x, y = forms
    anchors = "q3,q6,q9,q12,q15"
    result = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file), "--anchor", anchors,
                                         "--drift", "none", "--method", "mean-sigma"])
    assert result.exit_code == 0, result.output
    assert "link (mean-sigma, 5 of 5 anchors): theta_Y = 1.200000 theta_X + 0.300000" in result.output


def test_equate_method_none_takes_form_x_as_already_on_the_scale(tmp_path: Path) -> None:
    x = ex.three_pl(ex.KB_FORM_X_ON_Y)
    y = ex.three_pl(ex.KB_FORM_Y)
    x_file = write_3pl(tmp_path / "x.csv", [f"x{j}" for j in range(36)], x)
    y_file = write_3pl(tmp_path / "y.csv", [f"y{j}" for j in range(36)], y)
    result = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file), "--method", "none"])
    assert result.exit_code == 0, result.output
    rows = read(result.output)
    np.testing.assert_allclose([float(r["y_true_score"]) for r in rows], ex.KB_Y_EQUIVALENTS, atol=1e-5)
    np.testing.assert_allclose([float(r["y_true_score"]) for r in rows], true_score_equating(x, y).equivalent,
                               atol=1e-8)


def test_equate_links_multi_mark_forms(tmp_path: Path) -> None:
    """STUIRT example 2's mixed form (3PL + GPCM) in calibrate-csv's multi-mark layout."""
    y = ex.mixed(ex.MIXED_Y_3PL, ex.MIXED_Y_GPCM)
    x = transform(y, inverse(LINK))
    names = [f"q{j + 1}" for j in range(y.n_items)]

    def write(path: Path, items: ItemParameters) -> Path:
        rows = [[name, float(items.a[j]), *map(float, items.d[j]), float(items.c[j])] for j, name in enumerate(names)]
        path.write_text(format_table(["item", "a", "d1", "d2", "d3", "c"], rows))
        return path

    x_file, y_file = write(tmp_path / "x.csv", x), write(tmp_path / "y.csv", y)
    result = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file), "--method", "haebara"])
    assert result.exit_code == 0, result.output
    assert "theta_Y = 1.200000 theta_X + 0.300000" in result.output
    rows = [line for line in result.output.splitlines() if not line.startswith(("link", "anchor", "warning"))]
    assert len(rows) == 1 + int(y.max_scores.sum()) + 1
    refused = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file), "--method", "mean-sigma"])
    assert refused.exit_code == 1 and "mean-sigma links on one-mark anchors only" in refused.output


@pytest.mark.parametrize("args, message", [
    (["--anchor", "q3,q99"], "anchor item(s) not found: q99 (form X), q99 (form Y)"),
    (["--anchor", "q3"], "a link needs at least 2 anchors; 1 given"),
])
def test_equate_refuses_bad_anchors(tmp_path: Path, forms, args: list[str], message: str) -> None:
    x_file, y_file, _, _ = forms
    out = tmp_path / "table.csv"
    result = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file), "--out", str(out), *args])
    assert result.exit_code == 1 and message in result.output
    assert not out.exists()


def test_equate_refuses_forms_without_common_items(tmp_path: Path) -> None:
    y = ex.three_pl(ex.KB_FORM_Y)
    x_file = write_3pl(tmp_path / "x.csv", [f"x{j}" for j in range(36)], y)
    y_file = write_3pl(tmp_path / "y.csv", [f"y{j}" for j in range(36)], y)
    out, drift_out = tmp_path / "table.csv", tmp_path / "drift.csv"
    result = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file), "--out", str(out),
                                         "--drift-out", str(drift_out)])
    assert result.exit_code == 1 and "the forms share 0 item(s) by name" in result.output
    assert not out.exists() and not drift_out.exists()


def test_equate_refuses_a_bad_parameter_file(tmp_path: Path, forms) -> None:
    x_file, y_file, _, _ = forms
    x_file.write_text(x_file.read_text().replace("\nxq1,", "\nxq1,-", 1))
    result = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file)])
    assert result.exit_code == 1 and "row 2, item 'xq1': slope a" in result.output


@pytest.mark.parametrize("args, message", [
    (["--scale", "ten"], "give SLOPE,INTERCEPT"),
    (["--scale", "0,100"], "the slope must be above 0"),
    (["--scale-range", "130,70"], "LOW must be below HIGH"),
    (["--drift-threshold", "-1"], "must be above 0"),
])
def test_equate_refuses_bad_options(tmp_path: Path, forms, args: list[str], message: str) -> None:
    x_file, y_file, _, _ = forms
    result = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file), *args])
    assert result.exit_code == 2 and message in result.output


def test_the_link_matches_the_core_function(tmp_path: Path, forms) -> None:
    """The command's link is the core's Stocking-Lord link on the anchors (default N(0, 1) grid)."""
    x_file, y_file, x, y = forms
    result = CliRunner().invoke(equate, ["--from", str(x_file), "--to", str(y_file), "--drift", "none"])
    anchors = np.arange(2, 36, 3)
    link = stocking_lord(x.subset(anchors), y.subset(anchors))
    assert f"theta_Y = {link.slope:.6f} theta_X + {link.intercept:.6f}" in result.output


def test_calibrate_two_forms_then_equate(tmp_path: Path) -> None:
    """End to end: two 2PL forms of 20 items sharing 8 anchors, taken by groups N(0, 1) and N(0.5, 1.2^2),
    each calibrated on its own N(0, 1) scale by calibrate-csv; the link must be near A = 1.2, B = 0.5."""
    rng = np.random.default_rng(17)
    bank = ItemParameters.dichotomous(rng.uniform(0.8, 2.0, 32), rng.normal(0, 1, 32))
    forms = {"y": np.arange(20), "x": np.concatenate([np.arange(8), np.arange(20, 32)])}
    groups = {"y": rng.normal(0, 1, 2000), "x": rng.normal(0.5, 1.2, 2000)}
    params = {}
    for form, items in forms.items():
        scores = simulate_responses(groups[form], bank.subset(items), rng)
        lines = [",".join(f"i{j}" for j in items)] + [",".join(str(int(s)) for s in row) for row in scores]
        responses = tmp_path / f"{form}_responses.csv"
        responses.write_text("\n".join(lines) + "\n")
        params[form] = tmp_path / f"{form}_params.csv"
        result = CliRunner().invoke(calibrate_csv_command, [str(responses), "--model", "2pl", "--out",
                                                            str(params[form])])
        assert result.exit_code == 0, result.output
    result = CliRunner().invoke(equate, ["--from", str(params["x"]), "--to", str(params["y"]), "--method", "haebara"])
    assert result.exit_code == 0, result.output
    link_line = next(line for line in result.output.splitlines() if line.startswith("link"))
    slope, intercept = (float(part.split()[0]) for part in link_line.split("= ")[1].split("theta_X + "))
    assert slope == pytest.approx(1.2, abs=0.12) and intercept == pytest.approx(0.5, abs=0.12)
