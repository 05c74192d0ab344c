"""Text clean-up shared by every document family.

Normalises what the conversion varies but the document does not mean: runs of whitespace,
curly quotes, `*...*` italics markers, and a hyphenated word the conversion broke at a line
end (`sales- related`). Words and the documents' own typos are kept.
"""
from __future__ import annotations

import re

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_ITALICS = re.compile(r"\*([^*]+)\*")
_SPACE = re.compile(r"\s+")
_BROKEN_HYPHEN = re.compile(r"(\w)- (?!(?:and|or|to)\b)(?=[a-z])")


def clean(text: str) -> str:
    """Return `text` with quotes, italics markers and whitespace normalised."""
    text = _ITALICS.sub(r"\1", text.translate(_QUOTES))
    return _BROKEN_HYPHEN.sub(r"\1-", _SPACE.sub(" ", text).strip())


def join(first: str, second: str) -> str:
    """Join a wrapped line onto the text it continues."""
    return clean(f"{first} {second}")
