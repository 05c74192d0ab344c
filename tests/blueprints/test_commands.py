"""The commands end to end: blueprint-check, simulate and replay, on a CSV bank and on the live bank."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from exam_engine.assembly.simulator import METRICS
from exam_engine.cli import cli
from item_bank.items.pools import unit_pools
from item_bank.items.services import load_bank
from tests.item_bank.test_item_files import MR_ITEM, SBA_ITEM

UNIT_2 = {"1": 5, "2": 3, "3": 6, "4": 2}


def _criteria():
    return [f"{lo}.{k + 1}" for lo, n in UNIT_2.items() for k in range(n)]


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(cli, list(args))


@pytest.fixture
def bank_csv(tmp_path) -> Path:
    """Seven items per criterion of Unit 2 (six 3PL one-mark, one GPCM two-mark), two pretest rows, one enemy pair."""
    rng = np.random.default_rng(7)
    path = tmp_path / "bank.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "lo", "ac", "marks", "a", "b", "c", "enemy", "status"])
        for n, ac in enumerate(_criteria() * 7):
            enemy = "E1" if n in (0, 16) else ""
            a, b, c = rng.lognormal(0, 0.3), rng.normal(), rng.uniform(0, 0.25)
            two = n >= len(_criteria()) * 6  # the seventh round: two-mark items (the blueprint fixes the count)
            writer.writerow([f"I{n:03d}", ac.split(".")[0], ac, 2 if two else 1, f"{a:.3f}",
                             f"{b - 0.4:.3f};{b + 0.4:.3f}" if two else f"{b:.3f}", 0 if two else f"{c:.3f}",
                             enemy, ""])
        writer.writerow(["P001", "1", "1.1", 1, 1.0, 0.0, 0.1, "", "pretest"])
        writer.writerow(["P002", "2", "2.1", 1, 1.0, 0.5, 0.1, "", "pretest"])
    return path


def test_simulate_prints_and_writes_every_figure_and_replay_reproduces_a_record(run, bank_csv, tmp_path):
    out, records = tmp_path / "out.json", tmp_path / "records.json"
    result = run("simulate", "--bank", str(bank_csv), "--blueprint", "Y/506/2152", "--examinees", "4",
                 "--seed", "3", "--mode", "cat", "--json", str(out), "--records", str(records))
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert set(METRICS) <= set(figures) and figures["violations"] == 0 and figures["test_length_mean"] == 24
    assert all(name in result.output for name in METRICS)
    replayed = run("replay", "--record", str(records), "--index", "2", "--bank", str(bank_csv))
    assert replayed.exit_code == 0, replayed.output
    assert "Reproduced: 26 items in the recorded order" in replayed.output
    assert "most informative free item of the shadow test" in replayed.output


def test_replay_reports_a_record_that_does_not_match(run, bank_csv, tmp_path):
    records = tmp_path / "records.json"
    run("simulate", "--bank", str(bank_csv), "--blueprint", "Y/506/2152", "--examinees", "1", "--mode", "cat",
        "--records", str(records))
    data = json.loads(records.read_text())
    data[0]["seed"] += 1  # different pretest draw
    data[0]["steps"][0]["score"] = 1 - data[0]["steps"][0]["score"]
    records.write_text(json.dumps(data))
    result = run("replay", "--record", str(records), "--bank", str(bank_csv))
    assert result.exit_code == 1 and "does NOT reproduce" in result.output


def test_blueprint_check_on_a_csv_bank(run, bank_csv):
    result = run("blueprint-check", "Y/506/2152", "--bank", str(bank_csv))
    assert result.exit_code == 0, result.output
    assert "Unit Y/506/2152: a test exists" in result.output and "item-disjoint tests:" in result.output


def test_blueprint_check_reports_an_infeasible_blueprint(run, bank_csv, tmp_path):
    data = yaml.safe_load(Path("blueprints/data/unit2-Y-506-2152.yaml").read_text())
    data["max_items_per_criterion"] = 1  # 16 criteria, one item each, cannot make 30 marks
    del data["test_items"]  # so that the criterion rule alone is to blame
    path = tmp_path / "strict.yaml"
    path.write_text(yaml.safe_dump(data))
    result = run("blueprint-check", str(path), "--bank", str(bank_csv))
    assert result.exit_code == 1
    assert "NO TEST MEETS THE RULES" in result.output and "why: conflict with the criterion rules" in result.output


def _write_item_files(root: Path) -> Path:
    unit_dir = root / "Y-506-2152"
    unit_dir.mkdir(parents=True)
    ratings = ("easy", "medium", "hard")
    for ac in _criteria():
        items = [{**(MR_ITEM if k == 5 else SBA_ITEM), "id": f"T-AC{ac}-{k:02d}", "criteria": [f"AC{ac}"],
                  "amplification": [f"AC{ac}/1"],
                  "scenario": None, "enemy_set": "cue-1" if (ac, k) in (("1.1", 1), ("1.2", 1)) else None,
                  "difficulty_rating": ratings[k % 3],
                  "status": "approved_for_pretest" if k == 6 else "live"} for k in range(7)]
        (unit_dir / f"AC{ac}.yaml").write_text(yaml.safe_dump({"unit": "Y/506/2152", "criterion": f"AC{ac}",
                                                               "items": items}))
    (unit_dir / "scenarios.yaml").write_text(yaml.safe_dump({"unit": "Y/506/2152", "scenarios": []}))
    return root


def test_the_live_bank_is_read_from_the_database(app, run, tmp_path):
    load_bank(_write_item_files(tmp_path))
    live, pretest = unit_pools("Y/506/2152")
    assert live.size == 16 * 6 and pretest.size == 16
    assert live.criteria[0] == "1.1" and live.outcomes[0] == "1"
    enemies = [item for item, labels in zip(live.ids, live.enemies) if labels]
    assert enemies == ["T-AC1.1-01", "T-AC1.2-01"]
    result = run("blueprint-check", "Y/506/2152")
    assert result.exit_code == 0, result.output
    result = run("simulate", "--blueprint", "Y/506/2152", "--examinees", "2", "--mode", "loft")
    assert result.exit_code == 0, result.output
    assert "violations               0" in result.output


def test_a_unit_without_live_items_is_explained(app, run):
    result = run("simulate", "--blueprint", "J/506/2910", "--examinees", "2")
    assert result.exit_code == 1 and "has no live items" in result.output
