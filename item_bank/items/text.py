"""The formatting a stem or a scenario may carry, as plain text with a little markup.

What a learner's screen shows besides words: paragraphs, line breaks, bulleted and numbered
lists, tables, emphasis and strong emphasis (sub- and superscripts are their Unicode
characters, "x²", "H₂O"). The markup, documented for writers in
`item_bank/data/items/README.md`:

- a blank line separates paragraphs; a single line break is kept as one;
- lines starting "- " are a bulleted list, lines starting "1. " (any number) a numbered one;
- lines starting with "|" are a table, cells split at "|"; a row of dashes ("|---|---|")
  ends the header rows;
- a line ``![what it shows](name.png)`` is an image of the item's own (`ItemVersion.media`),
  its text alternative required;
- ``*emphasis*`` and ``**strong emphasis**``; a backslash keeps the next character as it
  is ("\\*", "\\|", "\\- " at the start of a line).

`blocks` parses the markup into plain data (what the runner API sends, the player draws and
the QTI export writes as XHTML), `html` renders it for staff pages, and `escaped` and
`kept_as_text` make plain text markup that reads back as itself (the QTI reader's way from
XHTML to markup).
"""

import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

Spans = list[list[str]]  # [text, style] pairs; style "", "em" or "strong"
Block = dict[str, Any]  # {"kind": "paragraph", "lines": [Spans]} | {"kind": "list", "ordered": bool,
# "items": [Spans]} | {"kind": "table", "head": [[Spans]], "body": [[Spans]]} | {"kind": "image", "name": str,
# "alt": str}

BULLET = re.compile(r"^- ")
IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*\S[^\]]*)\]\((?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\)$")
NUMBERED = re.compile(r"^\d+\. ")
DIVIDER = re.compile(r"^\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$")
INLINE = re.compile(r"\\(.)|\*\*(?=\S)(.+?)(?<=\S)\*\*|\*(?=\S)(.+?)(?<=\S)\*")
SPECIAL = re.compile(r"([\\*|])")


def normalise(text: str) -> str:
    """The markup in its one written form: runs of spaces within a line made one, lines trimmed,
    one blank line between blocks (a list or table right under a paragraph's line gets one too),
    none at either end; so each text has one spelling and one content hash."""
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    parts = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n").split("\n\n")
    return "\n\n".join("\n".join(group) for part in parts for _, group in _groups(part.split("\n")))


def blocks(text: str) -> list[Block]:
    """The paragraphs, lists and tables of a marked-up text, in order."""
    found: list[Block] = []
    for part in normalise(text).split("\n\n"):
        for kind, lines in _groups(part.split("\n")):
            if kind == "table":
                found.append(_table(lines))
            elif kind == "image":
                found.extend({"kind": "image", **image.groupdict()} for line in lines if (image := IMAGE.match(line)))
            elif kind == "paragraph":
                found.append({"kind": "paragraph", "lines": [spans(line) for line in lines]})
            else:
                found.append({"kind": "list", "ordered": kind == "numbered",
                              "items": [spans((BULLET if kind == "bullet" else NUMBERED).sub("", line, count=1))
                                        for line in lines]})
    return found


def _groups(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Consecutive lines of one kind: "table", "bullet", "numbered" or "paragraph"."""
    groups: list[tuple[str, list[str]]] = []
    for line in lines:
        kind = ("table" if line.startswith("|") else "image" if IMAGE.match(line)
                else "bullet" if BULLET.match(line) else "numbered" if NUMBERED.match(line) else "paragraph")
        if groups and groups[-1][0] == kind:
            groups[-1][1].append(line)
        else:
            groups.append((kind, [line]))
    return groups


def _table(lines: list[str]) -> Block:
    divider = next((n for n, line in enumerate(lines) if DIVIDER.match(line)), None)
    rows = [_cells(line) for n, line in enumerate(lines) if n != divider]
    head = divider if divider is not None else 0
    return {"kind": "table", "head": rows[:head], "body": rows[head:]}


def _cells(line: str) -> list[Spans]:
    """A table row's cells, split at each "|" that is not escaped."""
    inner = line[1:-1] if line.endswith("|") and not line.endswith("\\|") and len(line) > 1 else line[1:]
    return [spans(cell.strip()) for cell in re.split(r"(?<!\\)\|", inner)]


def spans(line: str) -> Spans:
    """A line's runs of text, each plain, emphasised or strongly emphasised; escapes resolved."""
    found: Spans = []

    def add(text: str, style: str) -> None:
        if found and found[-1][1] == style:
            found[-1][0] += text
        elif text:
            found.append([text, style])

    position = 0
    for match in INLINE.finditer(line):
        add(line[position:match.start()], "")
        escaped, strong, emphasis = match.groups()
        if escaped is not None:
            add(escaped, "")
        else:
            add(_unescaped(strong if strong is not None else emphasis), "strong" if strong is not None else "em")
        position = match.end()
    add(line[position:], "")
    return found


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def plain(text: str) -> str:
    """The words of a marked-up text, without markup, on one line (for lists and searches)."""
    return " ".join("".join(span[0] for span in line) for block in blocks(text) for row in _rows(block)
                    for line in row)


def _rows(block: Block) -> list[list[Spans]]:
    if block["kind"] == "image":
        return [[[[f"[Image: {block['alt']}]", ""]]]]
    if block["kind"] == "paragraph":
        return [block["lines"]]
    if block["kind"] == "list":
        return [block["items"]]
    return block["head"] + block["body"]


def html(text: str, image_source: Callable[[str], str] | None = None) -> Markup:
    """A marked-up text as HTML for staff pages: every character of the text escaped; an image
    from `image_source(name)`, or its text alternative where there is none."""
    def inline(line: Spans) -> str:
        return "".join(f"<{style}>{escape(part)}</{style}>" if style else str(escape(part)) for part, style in line)

    def row(cells: list[Spans], tag: str) -> str:
        return "<tr>" + "".join(f"<{tag}>{inline(cell)}</{tag}>" for cell in cells) + "</tr>"

    out = []
    for block in blocks(text):
        if block["kind"] == "image":
            out.append(f'<p><img src="{escape(image_source(block["name"]))}" alt="{escape(block["alt"])}"></p>'
                       if image_source else f"<p>[Image: {escape(block['alt'])}]</p>")
        elif block["kind"] == "paragraph":
            out.append("<p>" + "<br>".join(inline(line) for line in block["lines"]) + "</p>")
        elif block["kind"] == "list":
            tag = "ol" if block["ordered"] else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{inline(item)}</li>" for item in block["items"]) + f"</{tag}>")
        else:
            head = "".join(row(cells, "th") for cells in block["head"])
            body = "".join(row(cells, "td") for cells in block["body"])
            out.append(f'<table class="table">{f"<thead>{head}</thead>" if head else ""}<tbody>{body}</tbody></table>')
    return Markup("".join(out))


def escaped(text: str) -> str:
    """Plain text as markup that reads back as the same text: markup characters escaped (for a
    line that would start a list, see `kept_as_text`)."""
    return SPECIAL.sub(r"\\\1", text)


def kept_as_text(line: str) -> str:
    """A line of running text (markup characters escaped) that would start a list or be an image,
    escaped so it reads back as text."""
    return "\\" + line if BULLET.match(line) or NUMBERED.match(line) or IMAGE.match(line) else line


def images(text: str) -> list[str]:
    """The names of the images a marked-up text shows, in order."""
    return [block["name"] for block in blocks(text) if block["kind"] == "image"]
