"""Reading a bank CSV for the simulator: parameters as the psychometrics core defines them; clear errors."""

import numpy as np
import pytest

from exam_engine.assembly.bank_file import BankFileError, read_bank
from exam_engine.psychometrics.models import expected_scores, gpcm_steps_from_intercepts

HEADER = "item,lo,ac,marks,a,b,c,enemy,status\n"


def test_one_and_two_mark_items_and_pretest_rows(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text(HEADER + "A1,1,1.1,1,1.2,0.5,0.2,S1,\nA2,1,1.2,2,0.8,-0.4;0.6,0,S1;S2,\n"
                    "P1,2,2.1,1,1,0,0,,pretest\n")
    live, pretest = read_bank(path)
    assert live.ids == ("A1", "A2") and pretest.ids == ("P1",)
    assert live.parameters.d[0, 0] == pytest.approx(-1.2 * 0.5) and live.parameters.c[0] == 0.2
    assert np.allclose(gpcm_steps_from_intercepts(live.parameters.a[1:], live.parameters.d[1:]), [[-0.4, 0.6]])
    assert live.types == ("single_best_answer", "multiple_response")
    assert live.enemies[1] == frozenset({"S1", "S2"})
    # expected mark of the 3PL item at theta = b is c + (1 - c) / 2
    assert expected_scores(0.5, live.parameters)[0, 0] == pytest.approx(0.2 + 0.8 / 2)


def test_problems_name_the_line_and_column(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text(HEADER + "A1,1,2.1,1,x,0.5,0.2,,\nA2,1,1.2,2,0.8,0.3,0.1,,\nA2,1,1.3,1,1,0,0,,later\n")
    with pytest.raises(BankFileError) as caught:
        read_bank(path)
    message = str(caught.value)
    assert "line 2, columns lo/ac: '1'/'2.1'" in message and "line 2, column a: 'x' is not a number" in message
    assert "line 3, column b: a 2-mark item needs 2 step difficulties, got 1" in message
    assert "line 3, column c: must be 0 for a multi-mark item" in message
    assert "line 4, column status: 'later'" in message and "item ids repeated: A2" in message


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text("item,lo,ac,a,b\nA1,1,1.1,1,0\n")
    with pytest.raises(BankFileError, match=r"missing columns \['marks', 'c'\]"):
        read_bank(path)
