"""Specification parser: a qualification document's text in, plain dataclasses out.

No Flask and no database here, so that the parser can be tested on the documents alone.
`parse_specification` recognises the document family, parses it by rule, then applies the
reviewed corrections for the places the rules cannot recover.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import biiab, gqa, highfield, pearson, sfj
from .corrections import Correction, apply_corrections, load_corrections
from .model import Specification
from .rules import drop_shared_codes

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "specifications"
CORRECTIONS_FILE = DATA_DIR / "corrections.yaml"

_FAMILIES: list[tuple[str, Callable[[str], bool], Callable[[str, str], Specification]]] = [
    ("Highfield", highfield.is_highfield, highfield.parse),
    ("Pearson BTEC", pearson.is_pearson, pearson.parse),
    ("SFJ Awards", sfj.is_sfj, sfj.parse),
    ("BIIAB", biiab.is_biiab, biiab.parse),
    ("GQA", gqa.is_gqa, gqa.parse),
]


class NotASpecificationError(ValueError):
    """The file is not a qualification specification the importer recognises."""


def parse_specification(path: Path, corrections: list[Correction] | None = None) -> Specification:
    """Parse the document at `path`; corrections default to the repository's reviewed file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise NotASpecificationError(f"{path}: not a text document ({error.reason} at byte {error.start})") from error
    for _, recognises, parse in _FAMILIES:
        if recognises(text):
            specification = parse(text, path.name)
            break
    else:
        known = ", ".join(name for name, _, _ in _FAMILIES)
        raise NotASpecificationError(
            f"{path}: not a qualification specification (no {known} unit pages found)")
    if not specification.units:
        raise NotASpecificationError(f"{path}: looks like a {specification.qualification.awarding_body} "
                                     f"document but holds no units")
    if corrections is None:
        corrections = load_corrections(CORRECTIONS_FILE) if CORRECTIONS_FILE.exists() else []
    apply_corrections(specification, corrections)
    drop_shared_codes(specification)
    return specification


__all__ = ["CORRECTIONS_FILE", "DATA_DIR", "NotASpecificationError", "Specification", "parse_specification"]
