"""Pearson's unit amplification: `AC1.1:` headings followed by bullets and sub-bullets.

The conversion printed the glyphs in several ways and lost some. The parser reads the
logical structure the document means, by these rules (each inferred place is a warning):

* `- text`, `• text`: a top-level bullet; ` text` (one leading space, no glyph): a top-level
  bullet whose glyph was lost, unless it starts in lower case right after sub-bullets, where
  it is one of them.
* `- o text` / ` - o text`: a sub-bullet; ` - text` among sub-bullets: a sub-bullet whose `o`
  was lost; ` - text` indented under a `- o` line: a third-level dash under that sub-bullet;
  `- text` between two `- o` lines: a sub-bullet whose `o` was lost.
* A line without a glyph that introduces bullets (`Consumer-related legislation:`) is a
  top-level point and the bullets it introduces are its children; it stops at the next
  heading, or at the next top-level bullet when it introduced sub-bullets.
* A paragraph without a glyph that introduces nothing is a top-level point (one paragraph,
  one point); a line starting in lower case, or following text without a blank line, continues
  the point before it, as does a run of indented lower-case lines (a wrapped paragraph).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .model import AmplificationPoint, ParseWarning
from .text import clean, join

AC_HEADING = re.compile(r"^AC\s?(\d+)\s?\.\s?(\d+)\s*:?\s*(.*)$")
_BULLET = re.compile(r"^( *)[-•]\s+(o\s+)?(\S.*)$")
_LOST_GLYPH = re.compile(r"^ (?![ \-•])(\S.*)$")

TOP, SUB, DASH3 = 1, 2, 3


@dataclass
class _Line:
    number: int
    kind: str  # "bullet", "lost", "text", "blank"
    text: str
    indent: int = 0
    has_o: bool = False
    rank: int = 0  # TOP, SUB or DASH3 once ranked


def _classify(number: int, raw: str) -> _Line:
    if not raw.strip():
        return _Line(number, "blank", "")
    if match := _BULLET.match(raw):
        return _Line(number, "bullet", match.group(3), len(match.group(1)), bool(match.group(2)))
    if match := _LOST_GLYPH.match(raw):
        return _Line(number, "lost", match.group(1), 1)
    return _Line(number, "text", raw.strip())


def _mark_wrapped_runs(lines: list[_Line], document: str, warnings: list[ParseWarning]) -> None:
    """Two or more glyph-less lines in a row starting in lower case are one wrapped paragraph.

    They continue the point just above them (`includes: e.g.` / ` provision of only ...,` /
    ` provides definition of ...`), unlike a single such line among sub-bullets, which is a
    sub-bullet whose glyph was lost.
    """
    def lower_lost(index: int) -> bool:
        return 0 <= index < len(lines) and lines[index].kind == "lost" and lines[index].text[:1].islower()

    wrapped = [index for index in range(len(lines))
               if lower_lost(index) and (lower_lost(index - 1) or lower_lost(index + 1))
               and index > 0 and lines[index - 1].kind != "blank"]
    for index in wrapped:
        lines[index].kind = "text"
        if index - 1 not in wrapped:
            warnings.append(ParseWarning(document, lines[index].number,
                                         "indented lines wrapped from the point above; joined to it"))


def _rank(lines: list[_Line], document: str, warnings: list[ParseWarning]) -> None:
    """Give every bullet line its logical rank (top, sub, third-level dash)."""
    bullets = [line for line in lines if line.kind in ("bullet", "lost")]
    last_sub_indent: int | None = None
    previous: _Line | None = None
    for index, line in enumerate(bullets):
        if line.kind == "lost":
            after_sub = previous is not None and previous.rank >= SUB and line.text[:1].islower()
            line.rank = previous.rank if previous is not None and after_sub else TOP
            where = "continues the sub-bullets before it" if after_sub else "a top-level point"
            warnings.append(ParseWarning(document, line.number, f"bullet glyph lost; read as {where}"))
        elif line.has_o:
            line.rank = SUB
            last_sub_indent = line.indent
        elif line.indent == 0:
            nxt = bullets[index + 1] if index + 1 < len(bullets) else None
            between_subs = (previous is not None and previous.has_o and previous.indent == 0
                            and nxt is not None and nxt.has_o and nxt.indent == 0)
            line.rank = SUB if between_subs else TOP
            if between_subs:
                warnings.append(ParseWarning(document, line.number, "'-' among 'o' sub-bullets; read as a sub-bullet"))
                last_sub_indent = line.indent
            else:
                last_sub_indent = None
        elif last_sub_indent is not None and line.indent > last_sub_indent:
            line.rank = DASH3
        else:
            if previous is not None and previous.rank == SUB and previous.has_o:
                warnings.append(ParseWarning(document, line.number, "'-' among 'o' sub-bullets; read as a sub-bullet"))
            line.rank = SUB
            last_sub_indent = line.indent if last_sub_indent is None else last_sub_indent
        previous = line


def parse_amplification(lines: list[tuple[int, str]], document: str,
                        warnings: list[ParseWarning]) -> list[AmplificationPoint]:
    """Build the amplification tree of one criterion from its lines (heading excluded)."""
    classified = [_classify(number, raw) for number, raw in lines]
    _mark_wrapped_runs(classified, document, warnings)
    _rank(classified, document, warnings)
    meaningful = [line for line in classified if line.kind != "blank"]

    points: list[AmplificationPoint] = []
    heading: AmplificationPoint | None = None
    heading_child_rank: int | None = None
    last_top: AmplificationPoint | None = None  # latest node that holds sub-bullets
    last_sub: AmplificationPoint | None = None
    last: AmplificationPoint | None = None
    previous_line: _Line | None = None

    for line in classified:
        if line.kind == "blank":
            previous_line = line
            continue
        if line.kind == "text":
            follows_text = previous_line is not None and previous_line.kind != "blank"
            if last is not None and (follows_text or line.text[:1].islower()):
                last.text = join(last.text, line.text)
                if not follows_text:
                    warnings.append(ParseWarning(document, line.number,
                                                 "line wrapped away from its bullet; joined to the point before it"))
                previous_line = line
                continue
            position = meaningful.index(line)
            nxt = meaningful[position + 1] if position + 1 < len(meaningful) else None
            node = AmplificationPoint(clean(line.text), line.number)
            points.append(node)
            last = node
            if nxt is not None and nxt.kind in ("bullet", "lost"):
                heading, heading_child_rank, last_top, last_sub = node, None, node, None
            else:
                heading, last_top, last_sub = None, None, None
            previous_line = line
            continue

        node = AmplificationPoint(clean(line.text), line.number)
        if line.rank == TOP:
            if heading is not None and heading_child_rank in (None, TOP):
                heading_child_rank = TOP
                heading.children.append(node)
            else:
                heading = None
                points.append(node)
            last_top, last_sub = node, None
        elif line.rank == SUB:
            if heading is not None and heading_child_rank is None:
                heading_child_rank = SUB
            parent = last_top
            if parent is None:
                warnings.append(ParseWarning(document, line.number,
                                             "sub-bullet with no bullet above it; read as top-level"))
                points.append(node)
            else:
                parent.children.append(node)
            last_sub = node
        else:
            parent = last_sub or last_top
            if parent is None:
                points.append(node)
            else:
                parent.children.append(node)
        last = node
        previous_line = line
    return points
