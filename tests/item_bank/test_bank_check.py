"""Cueing reviews, difficulty ratings and the legislation register in the item files, and the bank check."""

import copy
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from exam_engine.cli import cli
from exam_engine.core.extensions import db
from item_bank.items.checks import SOUND_PER_CRITERION, check_bank, sound, wording_cues
from item_bank.items.files import ItemFileError, check_item, content_hash, read_bank
from item_bank.items.models import ItemStatus, ItemVersion
from item_bank.items.pools import unit_pools
from item_bank.items.records import CUEING_CHECKLIST
from item_bank.items.services import load_bank
from item_bank.workbench.services.item_files import item_entry
from tests.item_bank.test_item_files import MR_ITEM, SBA_ITEM, UNIT, problems_for, write_bank

LAW = {"id": "consumer-rights-act-2015", "law": "Consumer Rights Act 2015", "current": "c. 15",
       "replaced": "Sale of Goods Act 1979", "reviewed": date(2026, 12, 7), "review_by": date(2027, 6, 30)}


def fingerprint(entry: dict) -> str:
    spec = check_item("x", UNIT, "AC1.1", 1, {k: v for k, v in entry.items() if k != "cueing_review"}, [])
    assert spec is not None
    return content_hash(spec)[:12]


def reviewed(entry: dict, answer: str | None = None, cue: str = "none", subject: str | None = "sound") -> dict:
    """`entry` with a cueing review whose blind answer is to its present content."""
    entry = copy.deepcopy(entry)
    earns = answer is not None and answer == entry["key"]
    entry["cueing_review"] = {
        "test_wise": [{"reviewer": "cue-x", "date": "2026-12-07", "content": fingerprint(entry), "answer": answer,
                       "cue": cue, "outcome": ("referred" if cue == "common_sense" else "fell") if earns else "stands",
                       "transcript": "CUEING-cue-x.md"}],
        "subject": None if subject is None else {"reviewer": "subject-x", "date": "2026-12-07",
                                                 "outcome": subject, "note": None},
        "checklist": {point: True for point in CUEING_CHECKLIST},
    }
    return entry


def bank_with(tmp_path: Path, items: list[dict], laws: list[dict] | None = None) -> Path:
    root = write_bank(tmp_path, items)
    (root / "Y-506-2152" / "CUEING-cue-x.md").write_text("## U2 item\nNo cue found.\n")
    if laws is not None:
        (root / "legislation.yaml").write_text(yaml.safe_dump({"laws": laws}))
    return root


def test_a_cueing_review_is_read_with_its_outcome_checked_against_the_key(tmp_path):
    item = read_bank(bank_with(tmp_path, [reviewed(SBA_ITEM, "B", "word_repetition")])).items[0]
    assert item.cueing_review is not None and sound(item)  # B is not the key: the cue misled
    fell = reviewed(SBA_ITEM, "A", "absolutes")
    assert not sound(read_bank(bank_with(tmp_path, [fell])).items[0])
    fell["cueing_review"]["test_wise"][0]["outcome"] = "stands"
    assert any("earns the item's marks through cue absolutes, so its outcome is fell" in p
               for p in problems_for(tmp_path, fell))


def test_an_answer_through_everyday_reasoning_is_referred_to_the_subject_pass(tmp_path):
    """It is not a cue of the wording: the subject reviewer, with the specification, decides whether
    the item needs the subject (the checklist's needs_subject_knowledge)."""
    referred = reviewed(SBA_ITEM, "A", "common_sense", subject=None)
    item = read_bank(bank_with(tmp_path, [referred])).items[0]
    assert item.cueing_review.test_wise[0].outcome == "referred" and not sound(item)
    findings = check_bank(read_bank(tmp_path), {UNIT: {"AC1.1": []}}, date(2026, 12, 7))
    assert [f.message for f in findings if f.kind == "cueing"] == [
        "answered blind through everyday reasoning: the subject pass is to decide whether it needs the subject"]
    kept = reviewed(SBA_ITEM, "A", "common_sense")
    assert sound(read_bank(bank_with(tmp_path, [kept])).items[0])
    kept["cueing_review"]["checklist"]["needs_subject_knowledge"] = False
    assert not sound(read_bank(bank_with(tmp_path, [kept])).items[0])


@pytest.mark.parametrize("change, expected", [
    (lambda r: r["test_wise"][0].update(cue="luck"), "cue must be one of"),
    (lambda r: r["test_wise"][0].update(answer=None), "an answer goes with a named cue"),
    (lambda r: r["test_wise"][0].update(reviewer="writer-x"), "wrote or approved the item, so cannot answer it blind"),
    (lambda r: r["test_wise"][0].update(reviewer="reviewer-x"), "wrote or approved the item, so cannot answer it"),
    (lambda r: r["subject"].update(reviewer="writer-x"), "wrote the item, so cannot make its subject pass"),
    (lambda r: r["test_wise"][0].update(transcript="missing.md"), "transcript missing.md is not beside"),
    (lambda r: r["subject"].update(outcome="fine"), "subject outcome must be one of"),
    (lambda r: r.pop("test_wise"), "needs test_wise"),
])
def test_a_cueing_review_names_its_cue_reviewers_and_transcript(tmp_path, change, expected):
    entry = reviewed(SBA_ITEM, "B", "word_repetition")
    change(entry["cueing_review"])
    bank_with(tmp_path, [])
    assert any(expected in problem for problem in problems_for(tmp_path, entry))


def test_the_bank_check_finds_falls_changes_thin_criteria_and_near_duplicates(tmp_path):
    changed = reviewed(SBA_ITEM)
    changed["stem"] = "Which of these is a value of customer service used as a competitive tool?"
    items = [
        {**reviewed({**SBA_ITEM, "id": "T-AC1.1-07", "scenario": None}, "A", "only_positive")},
        {**changed, "id": "T-AC1.1-08", "scenario": None},
        reviewed({**MR_ITEM, "id": "T-AC1.1-09"}, subject=None),
        {**SBA_ITEM, "id": "T-AC1.1-10", "scenario": None, "stem": "Why do loyal customers matter to a shop?"},
    ]
    bank = read_bank(bank_with(tmp_path, items))
    findings = check_bank(bank, {UNIT: {"AC1.1": ["AC1.1/1"]}}, date(2026, 12, 7))
    said = {(f.kind, f.subject): f.message for f in findings}
    assert said["cueing", "T-AC1.1-07"].startswith("answered through a named cue (only positive)")
    assert said["cueing", "T-AC1.1-08"].startswith("changed since its last blind answer")
    assert said["cueing", "T-AC1.1-09"].startswith("it stands the blind answer; the subject pass")
    assert said["cueing", "T-AC1.1-10"] == "no cueing review recorded"
    assert said["depth", "AC1.1"] == f"0 sound items; at least {SOUND_PER_CRITERION} are needed"
    assert said["depth", "AC1.1/1"] == "0 sound items; at least 3 are needed"
    assert ("difficulty", "T-AC1.1-07") in said
    assert said["chance", "T-AC1.1-09"] == "a random choice earns 40% of its marks: give it six options"
    assert said["near duplicate", "T-AC1.1-07"].startswith("its question is 96% like T-AC1.1-08's")
    enemies = [{**entry, "enemy_set": "E1"} for entry in items[:2]]  # never in one test: not a finding
    bank = read_bank(bank_with(tmp_path, enemies + items[2:]))
    assert not [f for f in check_bank(bank, {UNIT: {}}, date(2026, 12, 7)) if f.kind == "near duplicate"]


@pytest.mark.parametrize("options, key, expected", [
    (["Gaining customer loyalty", "Reducing staff wage costs", "Employing fewer shop staff",
      "Holding less stock overall"], "A",
     "the key alone repeats the stem's custom"),
    (["Saves money", "It never fails", "It always works", "It removes every complaint"], "A",
     "two or more distractors use absolutes (only, never, always, all) and the key does not"),
    (["A value that shoppers notice and tell their friends about", "Price", "Stock", "Staff"], "A",
     "the key is much the longest option"),
    (["Loyalty", "Wages", "Staffing", "Stock levels"], "A", None),
])
def test_a_screen_flags_wording_cues_a_program_can_see(options, key, expected):
    item = {**SBA_ITEM, "scenario": None, "stem": "Which benefit of good customer service keeps customers?",
            "options": [{"id": k, "text": t} for k, t in zip("ABCD", options)], "key": key}
    spec = check_item("x", UNIT, "AC1.1", 1, item, [])
    assert spec is not None
    assert wording_cues(spec) == ([expected] if expected else [])


def test_the_register_names_each_law_and_the_check_warns_when_a_review_is_due(tmp_path):
    law_item = {**reviewed(SBA_ITEM), "legislation": ["consumer-rights-act-2015"]}
    overdue = {**LAW, "id": "equality-act-2010", "law": "Equality Act 2010", "review_by": date(2026, 12, 1)}
    bank = read_bank(bank_with(tmp_path, [law_item], [LAW, overdue]))
    assert bank.items[0].legislation == ("consumer-rights-act-2015",)
    findings = [str(f) for f in check_bank(bank, {}, date(2026, 12, 7))]
    assert findings == ["register equality-act-2010: its review was due on 01 December 2026: check Equality Act 2010 "
                        "and its items against the law", "register equality-act-2010: no item in service tests it"]
    with pytest.raises(ItemFileError, match="equality-act-2010 not in the legislation register"):
        read_bank(bank_with(tmp_path, [{**law_item, "legislation": ["equality-act-2010"]}], [LAW]))
    with pytest.raises(ItemFileError, match="reviewed and review_by must be dates"):
        read_bank(bank_with(tmp_path, [law_item], [{**LAW, "review_by": "soon"}]))


def test_two_raters_difficulty_and_a_disagreement_is_settled_in_words(tmp_path):
    agreed = {**SBA_ITEM, "difficulty_ratings": {"ratings": {"rater-a": "easy", "rater-b": "easy"},
                                                 "reconciliation": None}}
    assert read_bank(bank_with(tmp_path, [agreed])).items[0].difficulty_ratings.ratings["rater-b"] == "easy"
    assert any("the raters agree on easy" in p for p in problems_for(
        tmp_path, {**agreed, "difficulty_rating": "hard"}))
    split = {**agreed, "difficulty_ratings": {"ratings": {"rater-a": "easy", "rater-b": "hard"}}}
    assert any("say in `reconciliation`" in p for p in problems_for(tmp_path, split))
    assert any("must not include the item's writer" in p for p in problems_for(
        tmp_path, {**agreed, "difficulty_ratings": {"ratings": {"writer-x": "easy", "rater-b": "easy"}}}))


def test_records_load_with_the_version_export_back_and_change_no_content(app, tmp_path):
    """A cueing review added to a live item's file is a record about its content: the version takes it
    without a new version, and the workbench's export writes it back."""
    root = bank_with(tmp_path, [SBA_ITEM], [LAW])
    load_bank(root)
    entry = {**reviewed(SBA_ITEM, "C", "length"), "legislation": ["consumer-rights-act-2015"]}
    report = load_bank(bank_with(tmp_path, [entry], [LAW]))
    assert (report.new_versions, report.unchanged) == (0, 1)
    version = db.session.scalar(select(ItemVersion))
    assert version.status is ItemStatus.LIVE and version.legislation == ["consumer-rights-act-2015"]
    assert version.cueing_review["test_wise"][0]["cue"] == "length"
    exported = item_entry(version.item.code, version)
    assert exported["cueing_review"] == entry["cueing_review"] and exported["legislation"] == entry["legislation"]


def test_items_sharing_a_scenario_are_enemies_unless_written_as_a_set(app, tmp_path):
    first, second = {**SBA_ITEM}, {**SBA_ITEM, "id": "T-AC1.1-04", "stem": "Which value is a competitive edge?"}
    for written_as_set in (False, True):
        root = write_bank(tmp_path, [first, second], [{"id": "T-S-01", "title": "Shop", "text": "A shop.",
                                                      "set": written_as_set}])
        load_bank(root)
        db.session.flush()
        scored, _ = unit_pools(UNIT)
        assert scored is not None
        labels = scored.enemies
        assert (labels[0] & labels[1] != frozenset()) is not written_as_set


def test_bank_check_command_prints_findings_and_the_register(app, taxonomy, tmp_path):
    root = bank_with(tmp_path, [{**reviewed(SBA_ITEM), "legislation": ["consumer-rights-act-2015"]}], [LAW])
    result = app.test_cli_runner().invoke(cli, ["bank-check", str(root), "--unit", UNIT])
    assert result.exit_code == 0, result.output
    assert "Y/506/2152: 16 depth finding(s)" not in result.output  # points are counted too
    assert "depth finding(s)" in result.output and "difficulty finding(s)" in result.output
    assert "consumer-rights-act-2015: Consumer Rights Act 2015" in result.output and "1 item(s)" in result.output
    missing = app.test_cli_runner().invoke(cli, ["bank-check", str(root), "--unit", "A/000/0000"])
    assert missing.exit_code == 1 and "unit A/000/0000 is not imported" in missing.output
