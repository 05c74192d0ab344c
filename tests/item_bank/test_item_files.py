"""Item files: schema validation with clear errors, loading, versions and export."""

import copy
import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from exam_engine.cli import cli
from exam_engine.core.extensions import db
from item_bank.items.files import ItemFileError, read_bank
from item_bank.items.models import Item, ItemStatus, ItemVersion, ParameterSource
from item_bank.items.services import export_unit, load_bank

UNIT = "Y/506/2152"
REVIEW = {
    "reviewer": "reviewer-x", "date": "2026-11-22", "outcome": "approved",
    "checklist": {name: True for name in (
        "key_correct_and_unique", "tags_match_ac_and_amplification", "no_cueing_between_items",
        "plain_english_level3", "distractors_plausible")},
    "changes": None,
}
SBA_ITEM = {
    "id": "T-AC1.1-01", "type": "single_best_answer", "marks": 1, "difficulty_rating": "easy",
    "criteria": ["AC1.1"], "amplification": ["AC1.1/1"], "scenario": "T-S-01", "enemy_set": None,
    "stem": "Which of these is a value of customer service as a competitive tool?",
    "options": [{"id": k, "text": t}
                for k, t in zip("ABCD", ["Gaining loyalty", "Cutting wages", "Fewer staff", "Less stock"])],
    "key": "A", "rationale": {k: f"reason {k}" for k in "ABCD"}, "notes": None,
    "writer": "writer-x", "status": "live", "review": REVIEW,
}
MR_ITEM = {
    **SBA_ITEM, "id": "T-AC1.1-02", "type": "multiple_response", "marks": 2, "select": 2, "scenario": None,
    "stem": "Select TWO values of customer service.",
    "options": [{"id": k, "text": f"option {k}"} for k in "ABCDE"], "key": ["A", "C"],
    "rationale": {k: f"reason {k}" for k in "ABCDE"},
}
ORDER_ITEM = {
    **SBA_ITEM, "id": "T-AC1.1-03", "type": "ordering", "scenario": None, "stem": "Put the steps in order.",
    "options": [{"id": k, "text": f"step {k}"} for k in "ABCD"], "key": ["C", "A", "D", "B"],
}

MATCHING_ITEM = {
    **SBA_ITEM, "id": "T-AC1.1-05", "type": "matching", "marks": 2, "scenario": None,
    "stem": "Match each value with what it brings.",
    "premises": [{"id": f"P{n}", "text": f"value {n}"} for n in (1, 2, 3)],
    "options": [{"id": k, "text": f"benefit {k}"} for k in "ABCD"], "key": ["C", "A", "D"],
    "rationale": {f"P{n}": f"reason {n}" for n in (1, 2, 3)},
}


def write_bank(root: Path, items: list[dict], scenarios: list[dict] | None = None) -> Path:
    unit_dir = root / "Y-506-2152"
    unit_dir.mkdir(parents=True, exist_ok=True)
    (unit_dir / "AC1.1.yaml").write_text(yaml.safe_dump({"unit": UNIT, "criterion": "AC1.1", "items": items}))
    scenario_list = scenarios if scenarios is not None else [{"id": "T-S-01", "title": "Shop", "text": "A shop."}]
    (unit_dir / "scenarios.yaml").write_text(yaml.safe_dump({"unit": UNIT, "scenarios": scenario_list}))
    return root


def problems_for(tmp_path: Path, item: dict) -> list[str]:
    with pytest.raises(ItemFileError) as caught:
        read_bank(write_bank(tmp_path, [item]))
    return [str(problem) for problem in caught.value.problems]


def test_valid_items_of_every_type_are_read(tmp_path):
    bank = read_bank(write_bank(tmp_path, [SBA_ITEM, MR_ITEM, ORDER_ITEM, MATCHING_ITEM]))
    assert [item.id for item in bank.items] == ["T-AC1.1-01", "T-AC1.1-02", "T-AC1.1-03", "T-AC1.1-05"]
    assert bank.items[1].key == ("A", "C")
    assert (bank.items[3].key, [p.id for p in bank.items[3].premises]) == (("C", "A", "D"), ["P1", "P2", "P3"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"premises": MATCHING_ITEM["premises"][:2]}, "a matching item has 3 to 5 premises, not 2"),
        ({"options": MATCHING_ITEM["options"][:2]}, "needs 3 to 6 options, not 2"),
        ({"premises": [{"id": f"P{n}", "text": f"value {n}"} for n in range(1, 6)],
          "rationale": {f"P{n}": "why" for n in range(1, 6)}, "key": ["A", "B", "C", "D", "E"]},
         "at least as many options as premises"),
        ({"key": ["C", "A"]}, "for each premise in turn, a different option id"),
        ({"key": ["C", "A", "A"]}, "The key lists A more than once"),
        ({"key": ["C", "A", "E"]}, "The key names E, which is not among the options (A, B, C, D)"),
        ({"premises": [{"id": k, "text": f"value {k}"} for k in "ABC"]}, "premise ids must differ from option ids"),
        ({"premises": None}, "field 'premises': must be a list of {id, text}"),
        ({"rationale": {"P1": "why"}}, "Give a reason for premise P3"),
    ],
)
def test_matching_rules(tmp_path, change, expected):
    messages = problems_for(tmp_path, {**copy.deepcopy(MATCHING_ITEM), **change})
    assert any(expected in message for message in messages), messages


def test_only_a_matching_item_has_premises(tmp_path):
    messages = problems_for(tmp_path, {**SBA_ITEM, "premises": MATCHING_ITEM["premises"]})
    assert any("only a matching item has premises" in message for message in messages), messages


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"marks": 2}, "field 'marks': must be 1 for single_best_answer"),
        ({"type": "essay"}, "field 'type': must be one of"),
        ({"key": "E"}, "field 'key': The key E is not one of the options (A, B, C, D)"),
        ({"difficulty_rating": "tricky"}, "field 'difficulty_rating'"),
        ({"criteria": ["AC2.1"]}, "must include the file's criterion AC1.1"),
        ({"amplification": ["AC2.1/1"]}, "point AC2.1/1 belongs to AC2.1, an AC not in this item's criteria"),
        ({"amplification": ["1.1-1"]}, "is not an id like AC1.3/2"),
        ({"options": SBA_ITEM["options"][:1]}, "needs 2 to 6 options, not 1"),
        ({"rationale": {"A": "why"}}, "Give a reason for option D: why it is right or wrong"),
        ({"review": None}, "a live item needs a recorded review"),
        ({"review": {**REVIEW, "reviewer": "writer-x"}}, "must not be the item's writer"),
        ({"review": {**REVIEW, "checklist": {}}}, "checklist not passed"),
        ({"scenario": "T-S-99"}, "T-S-99 is not in the unit's scenarios.yaml"),
        ({"colour": "red"}, "field 'colour': is not a known field"),
    ],
)
def test_problems_name_the_file_item_and_field(tmp_path, change, expected):
    item = {**copy.deepcopy(SBA_ITEM), **change}
    messages = problems_for(tmp_path, item)
    assert any(expected in message for message in messages), messages
    assert all("AC1.1.yaml, item T-AC1.1-01" in message for message in messages)


def test_type_specific_rules(tmp_path):
    assert any("'select'" in m for m in problems_for(tmp_path, {**MR_ITEM, "select": 3}))
    in_key_order = {**ORDER_ITEM, "key": ["A", "B", "C", "D"]}
    assert any("must not be listed already" in m for m in problems_for(tmp_path, in_key_order))
    partial = {**ORDER_ITEM, "key": ["A", "B"]}
    assert any("every option id once" in m for m in problems_for(tmp_path, partial))


def test_option_counts_two_to_six_best_answer_three_to_six_multiple_response_keying_fewer(tmp_path):
    def options(count: int) -> dict:
        letters = "ABCDEFG"[:count]
        return {"options": [{"id": k, "text": f"option {k}"} for k in letters],
                "rationale": {k: f"reason {k}" for k in letters}}

    read_bank(write_bank(tmp_path, [{**SBA_ITEM, **options(2)}, {**MR_ITEM, **options(3)},
                                    {**MR_ITEM, **options(6), "id": "T-AC1.1-04"}]))
    assert any("needs 2 to 6 options, not 7" in m for m in problems_for(tmp_path, {**SBA_ITEM, **options(7)}))
    assert any("needs 3 to 6 options, not 7" in m for m in problems_for(tmp_path, {**MR_ITEM, **options(7)}))
    every_option_keyed = {**MR_ITEM, **options(3), "key": ["A", "B", "C"], "select": 3}
    assert any("keys fewer options than it has" in m for m in problems_for(tmp_path, every_option_keyed))


def test_duplicate_ids_and_broken_yaml_are_reported(tmp_path):
    with pytest.raises(ItemFileError, match="is also used in"):
        read_bank(write_bank(tmp_path, [SBA_ITEM, SBA_ITEM]))
    (tmp_path / "Y-506-2152" / "AC1.2.yaml").write_text("items: [unclosed")
    with pytest.raises(ItemFileError, match="AC1.2.yaml: is not valid YAML"):
        read_bank(tmp_path)


def test_loading_is_idempotent_and_exports_the_documented_shape(app, tmp_path):
    root = write_bank(tmp_path, [SBA_ITEM, MR_ITEM, ORDER_ITEM, MATCHING_ITEM])
    first = load_bank(root)
    second = load_bank(root)
    assert (first.created, second.created, second.unchanged) == (4, 0, 4)
    exported = export_unit(UNIT)
    assert set(exported[0]) == {
        "id", "version", "unit", "criteria", "amplification", "type", "marks", "stem", "premises",
        "options", "key", "status", "difficulty_rating", "scenario", "enemy_set",
    }
    assert (exported[0]["premises"], exported[3]["premises"]) == ([], MATCHING_ITEM["premises"])
    assert exported[1]["key"] == ["A", "C"] and exported[0]["scenario"] == "T-S-01"
    version = db.session.scalar(select(ItemVersion).where(ItemVersion.number == 1).limit(1))
    assert version.parameter_source is ParameterSource.PROVISIONAL
    assert [change.to_status for change in version.status_changes] == [ItemStatus.LIVE]


def test_a_scoring_change_to_a_live_item_makes_a_draft_for_review_and_the_live_one_stays(app, tmp_path):
    load_bank(write_bank(tmp_path, [SBA_ITEM]))
    load_bank(write_bank(tmp_path, [{**SBA_ITEM, "key": "B", "rationale": SBA_ITEM["rationale"]}]))
    item = db.session.scalar(select(Item).where(Item.code == "T-AC1.1-01"))
    assert [(v.number, v.key, v.status) for v in item.versions] == [
        (1, "A", ItemStatus.LIVE), (2, "B", ItemStatus.DRAFT),
    ]


@pytest.mark.parametrize("change", [{"notes": "checked against current law"}, {"enemy_set": "E9"},
                                    {"criteria": ["AC1.1", "AC1.2"]}, {"rationale": {k: "new" for k in "ABCD"}},
                                    {"writer": "someone-else", "review": {**REVIEW, "reviewer": "a-reviewer"}}])
def test_no_field_of_a_live_item_changes_in_place(app, tmp_path, change):
    """Tags, notes, enemy sets and rationale change only through a new draft version; a file's claim
    of another writer or reviewer changes nothing at all."""
    load_bank(write_bank(tmp_path, [SBA_ITEM]))
    before = _as_stored()
    report = load_bank(write_bank(tmp_path, [{**SBA_ITEM, **change}]))
    assert report.updated == 0 and _as_stored()[0] == before[0]
    if "writer" in change:
        assert report.unchanged == 1 and len(_as_stored()) == 1
    else:
        assert report.new_versions == 1 and _as_stored()[1]["status"] is ItemStatus.DRAFT
        assert _as_stored()[1]["writer"] == "item files"  # whoever loads the files, never the files' own claim


def _as_stored() -> list[dict]:
    db.session.expire_all()
    return [{"status": v.status, "writer": v.writer, "notes": v.notes, "enemy_set": v.enemy_set,
             "criteria": v.criteria, "rationale": v.rationale, "review": v.review}
            for v in db.session.scalars(select(ItemVersion).order_by(ItemVersion.number))]


def test_a_bad_folder_writes_nothing(app, tmp_path):
    write_bank(tmp_path, [SBA_ITEM, {**MR_ITEM, "marks": 1}])
    with pytest.raises(ItemFileError):
        load_bank(tmp_path)
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0


def test_command_line_load_and_export(app, tmp_path):
    runner = app.test_cli_runner()
    root = write_bank(tmp_path, [SBA_ITEM, MR_ITEM])
    loaded = runner.invoke(cli, ["load-items", str(root)])
    assert loaded.exit_code == 0 and "2 new" in loaded.output
    exported = runner.invoke(cli, ["export-items", "--unit", UNIT, "--format", "json"])
    assert [item["id"] for item in json.loads(exported.output)] == ["T-AC1.1-01", "T-AC1.1-02"]
    missing = runner.invoke(cli, ["export-items", "--unit", "A/000/0000"])
    assert missing.exit_code == 1 and "no items for unit" in missing.output
    bad = write_bank(tmp_path / "bad", [{**SBA_ITEM, "key": "Z"}])
    failed = runner.invoke(cli, ["load-items", str(bad)])
    assert failed.exit_code == 1 and "field 'key'" in failed.output


def test_provisional_parameters_put_a_two_mark_item_around_its_rated_difficulty():
    """The GPCM steps sit either side of the rated difficulty, so the expected score is
    half the marks there (in the psychometrics core's cumulative-intercept form)."""
    import numpy as np

    from exam_engine.psychometrics import models
    from item_bank.items.scoring import ItemType
    from item_bank.items.services import PROVISIONAL_DIFFICULTY, provisional_parameters

    for rating, b in PROVISIONAL_DIFFICULTY.items():
        a, d = provisional_parameters(ItemType.MULTIPLE_RESPONSE, rating)
        probabilities = models.gpcm_probability(np.array([b]), np.array([a]), np.array([d]))[0, 0]
        assert probabilities @ np.arange(3) == pytest.approx(1.0)
        a, d = provisional_parameters(ItemType.SINGLE_BEST_ANSWER, rating)
        assert models.probability(np.array([b]), np.array([a]), np.array(d))[0, 0] == pytest.approx(0.5)


def test_tags_are_checked_against_the_imported_taxonomy(app, tmp_path):
    from item_bank.taxonomy.services import import_specification
    from item_bank.taxonomy.specification import DATA_DIR, parse_specification

    import_specification(parse_specification(DATA_DIR / "001_104cb6e23c3ebe91.txt"))
    good = {**SBA_ITEM, "criteria": ["AC1.1"], "amplification": ["AC1.1/1"]}
    assert load_bank(write_bank(tmp_path, [good])).created == 1
    wrong = {**SBA_ITEM, "id": "T-AC1.1-09", "amplification": ["AC1.1/7"]}
    with pytest.raises(ItemFileError, match="AC1.1/7 is not in unit Y/506/2152 as imported"):
        load_bank(write_bank(tmp_path, [good, wrong]))
    assert db.session.scalar(select(func.count()).select_from(Item)) == 1


def test_one_pass_every_problem_of_an_item_is_reported_together(tmp_path):
    broken = {k: v for k, v in SBA_ITEM.items() if k != "key"}
    broken.update(stem="  ", difficulty_rating="tricky",
                  options=[{"id": "A", "text": "x"}, {"id": "B", "text": ""}, {"id": "C", "text": "X"}])
    messages = problems_for(tmp_path, broken)
    for expected in ("field 'key': is missing", "Write the question (the stem)", "Choose a difficulty rating",
                     "Option B is empty", "Options A and C have the same text"):
        assert any(expected in message for message in messages), (expected, messages)
