"""Fixtures for the workbench: the taxonomy of unit Y/506/2152 and a valid item form."""

import pytest
from werkzeug.datastructures import MultiDict


@pytest.fixture
def taxonomy(app):
    from item_bank.specification import DATA_DIR, parse_specification
    from item_bank.taxonomy_import import import_specification

    import_specification(parse_specification(DATA_DIR / "001_104cb6e23c3ebe91.txt"))


def item_form(**changes) -> MultiDict:
    """A complete single-best-answer item for AC1.1 of Y/506/2152, as the form posts it."""
    fields = {
        "type": "single_best_answer", "difficulty_rating": "medium", "criteria": ["AC1.1"],
        "amplification": ["AC1.1/1"], "scenario": "", "enemy_set": "", "stem": "Which value of service keeps guests coming back?",
        "option_A": "Lower prices", "option_B": "Customer loyalty", "option_C": "Longer opening", "option_D": "Bigger rooms",
        "rationale_A": "Price is not a value of service.", "rationale_B": "Key.", "rationale_C": "Not a value.",
        "rationale_D": "Not a value.", "key": "B", "notes": "",
    }
    fields.update(changes)
    return MultiDict([(name, v) for name, value in fields.items()
                      for v in (value if isinstance(value, list) else [value])])
