"""Statistics below their sample thresholds are withheld (page and CSV), and numbers are written to two
decimals without "-0.00"."""

import csv
import io
import re

import pytest

from exam_engine.analysis.formatting import number, p_value
from exam_engine.analysis.services.statistics import MIN_CLASSICAL, MIN_IRT, SHOWN_FROM
from exam_engine.auth.roles import Role
from item_bank.items.scoring import ItemType
from tests.analysis.factory import Taker, make_version, seed_attempts
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in


@pytest.mark.parametrize(("value", "kwargs", "expected"), [
    (0.12345, {}, "0.12"), (-0.0001, {}, "0.00"), (-0.0, {}, "0.00"), (-0.004, {"signed": True}, "0.00"),
    (0.0, {"signed": True}, "0.00"), (0.25, {"signed": True}, "+0.25"), (-1.005, {}, "-1.00"),
    (None, {}, "n/a"), (float("nan"), {}, "n/a"), (29.6, {"places": 0}, "30"), (0.0894, {"places": 3}, "0.089"),
])
def test_numbers_have_two_decimals_and_no_negative_zero(value, kwargs, expected):
    assert number(value, **kwargs) == expected


def test_p_values_below_the_misfit_level_are_written_as_such():
    assert (p_value(0.2080), p_value(0.0099), p_value(0.01), p_value(None)) == ("0.21", "< 0.01", "0.01", "n/a")


def test_the_thresholds_are_the_named_constants():
    assert SHOWN_FROM["facility"] == SHOWN_FROM["correlation"] == SHOWN_FROM["options"] == MIN_CLASSICAL == 30
    assert SHOWN_FROM["fit"] == SHOWN_FROM["observed"] == MIN_IRT == 100


def test_at_one_response_the_page_and_the_csv_withhold_the_statistics(app, client, make_user):
    version = make_version("ONE-1", ItemType.SINGLE_BEST_ANSWER)
    other = make_version("ONE-2", ItemType.SINGLE_BEST_ANSWER)
    seed_attempts([Taker({version.id: "B", other.id: "A"})])
    sign_in(client, make_user(Role.REVIEWER).username, TEST_PASSWORD)
    page = client.get(f"/workbench/versions/{version.id}/statistics").get_data(as_text=True)
    for name, needed in (("facility", 30), ("correlation", 30), ("fit", 100), ("seconds", 30)):
        cell = re.search(rf'data-stat="{name}">(.*?)</td>', page, re.S)
        assert cell and f"shown from {needed} responses" in cell.group(1), name
    assert "data-option-share" not in page and 'class="observed"' not in page
    assert not re.search(r"\d\.\d{3}", re.sub(r"<[^>]+>", " ", page))
    assert "-0.00" not in page

    rows = list(csv.DictReader(io.StringIO(client.get("/workbench/units/Y-506-2152/statistics.csv")
                                           .get_data(as_text=True))))
    first = rows[0]
    assert first["responses"] == "1"
    assert [first[c] for c in ("facility", "facility_low", "correlation", "infit", "outfit", "median_seconds")] == [
        ""] * 6
    assert first["a"] != "" and first["exposure"] == "1"
