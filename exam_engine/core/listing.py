"""Filtering and sorting a long list on a staff page from its query string (no script needed).

`?q=text` keeps the rows any of whose columns contains the text (case-insensitive);
`?sort=<column>&order=asc|desc` orders them (numbers as numbers, blanks last). A page with two
lists gives the second a `prefix` for its own sort arguments. The templates' macros are in
`templates/_listing.html`: a filter form and column headings that are links with `aria-sort`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

Row = TypeVar("Row")
MAX_QUERY = 100  # characters of the filter text that count


@dataclass(frozen=True)
class Column(Generic[Row]):
    key: str
    label: str
    value: Callable[[Row], Any]


@dataclass
class Listing(Generic[Row]):
    """The rows a page shows, filtered and sorted as its query string asks."""

    rows: list[Row]
    total: int
    query: str
    sort: str | None
    descending: bool
    columns: Sequence[Column[Row]]
    args: dict[str, str] = field(default_factory=dict)
    prefix: str = ""

    def heading(self, key: str) -> dict[str, str]:
        """The label, link and `aria-sort` of a column's heading: the link sorts by the column,
        ascending, or descending when it is already sorted ascending."""
        column = next(c for c in self.columns if c.key == key)
        current = self.sort == key
        order = "desc" if current and not self.descending else "asc"
        link = {**self.args, f"{self.prefix}sort": key, f"{self.prefix}order": order}
        aria = ("descending" if self.descending else "ascending") if current else "none"
        return {"label": column.label, "href": "?" + urlencode({k: v for k, v in link.items() if v}),
                "aria_sort": aria, "next": "descending" if order == "desc" else "ascending"}

    @property
    def hidden_args(self) -> dict[str, str]:
        """The query arguments other than the filter, for the filter form to keep."""
        return {k: v for k, v in self.args.items() if k != "q" and v}


def listing(rows: Sequence[Row], columns: Sequence[Column[Row]], args: Mapping[str, str], prefix: str = "",
            default_sort: str | None = None) -> Listing[Row]:
    """`rows` filtered by `args["q"]` over every column and sorted by `args[prefix + "sort"]`."""
    query = (args.get("q") or "").strip()[:MAX_QUERY]
    keys = {c.key: c for c in columns}
    sort = args.get(f"{prefix}sort") or default_sort
    if sort not in keys:
        sort = None
    descending = args.get(f"{prefix}order") == "desc"
    kept = [row for row in rows if _matches(row, columns, query)]
    if sort is not None:
        value = keys[sort].value
        present = [row for row in kept if _blank(value(row)) is False]
        blanks = [row for row in kept if _blank(value(row))]
        kept = sorted(present, key=lambda row: _sort_key(value(row)), reverse=descending) + blanks
    kept_args = {k: str(v)[:MAX_QUERY] for k, v in args.items() if k == "q" or k.endswith(("sort", "order"))}
    return Listing(kept, len(rows), query, sort, descending, columns, kept_args, prefix)


def _matches(row: Any, columns: Sequence[Column[Any]], query: str) -> bool:
    if not query:
        return True
    needle = query.casefold()
    return any(needle in str(column.value(row) if column.value(row) is not None else "").casefold()
               for column in columns)


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value).casefold())
