"""Colour schemes and text sizes a learner may choose, as their access arrangements allow.

Everyone has the standard scheme at 100%. A candidate with a colour-scheme arrangement
may choose any of the schemes (and starts on the closest to the one recorded); a
candidate with a font-size arrangement may choose any size up to the one recorded (and
starts on it). The choice is kept in the learner's signed session, per attempt. A candidate with a
reader arrangement has the questions read aloud on request, by the browser's own speech synthesis.
"""

from dataclasses import dataclass
from typing import Any

from flask import session

from invigilation.models.centres import AccessArrangement

SCHEMES = {
    "standard": "Standard: black on white",
    "cream": "Black on cream",
    "blue": "Black on light blue",
    "yellow-on-black": "Yellow on black",
}
SIZES = (100, 125, 150, 200, 300, 400)


@dataclass(frozen=True)
class Display:
    scheme: str
    size: int
    schemes: tuple[str, ...]
    sizes: tuple[int, ...]
    reader: bool = False  # a reader arrangement: the player reads questions aloud on request

    @property
    def css_classes(self) -> str:
        return f"scheme-{self.scheme} text-{self.size}"

    def as_dict(self) -> dict[str, Any]:
        return {"colour_scheme": self.scheme, "font_size": self.size,
                "colour_schemes": [{"id": s, "label": SCHEMES[s]} for s in self.schemes],
                "font_sizes": list(self.sizes)}


def _recorded_scheme(text: str) -> str:
    words = text.lower()
    for scheme, label in SCHEMES.items():
        if label.lower() in words or scheme.replace("-", " ") in words:
            return scheme
    return "cream"


def recorded_display(arrangements: AccessArrangement | None) -> Display:
    """The allowed choices, starting on what the arrangements record (the pages before the test use it)."""
    schemes: tuple[str, ...] = ("standard",)
    scheme, size = "standard", 100
    sizes: tuple[int, ...] = (100,)
    if arrangements is not None and arrangements.colour_scheme:
        schemes = tuple(SCHEMES)
        scheme = _recorded_scheme(arrangements.colour_scheme)
    if arrangements is not None and arrangements.font_size_percent:
        sizes = tuple(s for s in SIZES if s <= arrangements.font_size_percent)
        size = max(sizes)
    return Display(scheme, size, schemes, sizes, bool(arrangements and arrangements.reader))


def display_for(attempt_id: int, arrangements: AccessArrangement | None) -> Display:
    """The allowed choices and the current one for this attempt."""
    recorded = recorded_display(arrangements)
    scheme, size, schemes, sizes = recorded.scheme, recorded.size, recorded.schemes, recorded.sizes
    chosen = session.get("display", {}).get(str(attempt_id), {})
    if chosen.get("colour_scheme") in schemes:
        scheme = chosen["colour_scheme"]
    if chosen.get("font_size") in sizes:
        size = chosen["font_size"]
    return Display(scheme, size, schemes, sizes, recorded.reader)


def choose(attempt_id: int, arrangements: AccessArrangement | None, scheme: str | None, size: int | None) -> Display:
    """Record the learner's choice; refuses one their arrangements do not allow."""
    current = display_for(attempt_id, arrangements)
    if scheme is not None and scheme not in current.schemes:
        raise ValueError(f"colour scheme {scheme!r} is not available; choose from {', '.join(current.schemes)}")
    if size is not None and size not in current.sizes:
        raise ValueError(f"text size {size}% is not available; choose from {', '.join(map(str, current.sizes))}")
    stored = dict(session.get("display", {}))
    stored[str(attempt_id)] = {"colour_scheme": scheme or current.scheme, "font_size": size or current.size}
    session["display"] = stored
    return display_for(attempt_id, arrangements)
