"""Filtering and sorting long lists from the query string."""

from exam_engine.core.listing import Column, listing

ROWS = [{"code": "B-2", "n": 10, "who": "Ann"}, {"code": "A-1", "n": 2, "who": None}, {"code": "C-3", "n": 7,
                                                                                   "who": "bob"}]
COLUMNS = [Column("code", "Code", lambda r: r["code"]), Column("n", "Number", lambda r: r["n"]),
           Column("who", "Writer", lambda r: r["who"])]


def codes(args):
    return [r["code"] for r in listing(ROWS, COLUMNS, args).rows]


def test_the_filter_keeps_rows_with_the_text_in_any_column():
    assert codes({"q": "BOB"}) == ["C-3"]
    assert codes({"q": "a"}) == ["B-2", "A-1"]
    assert codes({}) == ["B-2", "A-1", "C-3"]


def test_sorting_is_numeric_for_numbers_with_blanks_last():
    assert codes({"sort": "n"}) == ["A-1", "C-3", "B-2"]
    assert codes({"sort": "n", "order": "desc"}) == ["B-2", "C-3", "A-1"]
    assert codes({"sort": "who"}) == ["B-2", "C-3", "A-1"]
    assert codes({"sort": "who", "order": "desc"}) == ["C-3", "B-2", "A-1"]
    assert codes({"sort": "nonsense"}) == ["B-2", "A-1", "C-3"]


def test_headings_link_to_the_next_order_and_keep_the_filter():
    found = listing(ROWS, COLUMNS, {"q": "a", "sort": "code"})
    heading = found.heading("code")
    assert heading["aria_sort"] == "ascending" and "order=desc" in heading["href"] and "q=a" in heading["href"]
    assert found.heading("n")["aria_sort"] == "none"
    assert found.hidden_args == {"sort": "code"}
