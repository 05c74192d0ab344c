"""The markup of stems and scenarios: what each construct parses to, that staff pages escape every
character of it, and that plain text escaped reads back as itself."""

import pytest

from item_bank.items.text import blocks, escaped, html, kept_as_text, normalise, plain


def test_paragraphs_line_breaks_lists_tables_and_emphasis():
    text = ("Read this.\nThen *this*.\n\n- one\n- **two**\n\n3. three\n4. four\n\n"
            "| Law | Year |\n|---|---|\n| Equality Act \\| 2010 | 2010 |")
    assert blocks(text) == [
        {"kind": "paragraph", "lines": [[["Read this.", ""]], [["Then ", ""], ["this", "em"], [".", ""]]]},
        {"kind": "list", "ordered": False, "items": [[["one", ""]], [["two", "strong"]]]},
        {"kind": "list", "ordered": True, "items": [[["three", ""]], [["four", ""]]]},
        {"kind": "table", "head": [[[["Law", ""]], [["Year", ""]]]],
         "body": [[[["Equality Act | 2010", ""]], [["2010", ""]]]]},
    ]


def test_a_table_without_a_divider_has_no_header_rows():
    assert blocks("| a | b |\n| c | d |")[0]["head"] == []


@pytest.mark.parametrize("text", ["5 * 3 = 15", "a *b* c", "**strong**", "x|y", "2. a number", "- a dash", "a \\ b"])
def test_plain_text_escaped_reads_back_as_itself(text):
    assert plain(kept_as_text(escaped(text))) == text


def test_a_lone_asterisk_is_not_emphasis():
    assert plain("5 * 3 and 2 * 2") == "5 * 3 and 2 * 2"


def test_staff_pages_escape_every_character():
    assert str(html("<script>alert(1)</script> *<b>*")) == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; <em>&lt;b&gt;</em></p>")


def test_whitespace_is_normalised_within_lines_and_between_paragraphs():
    assert normalise("  a   b \r\n\r\n\r\n\r\nc\td  \n") == "a b\n\nc d"
    assert normalise("Choose:\n- one\n- two\n| a |\nthen") == "Choose:\n\n- one\n- two\n\n| a |\n\nthen"
