"""URL converters: an `<int:...>` id never exceeds what the database's id columns hold.

Without a bound, /attempts/1099511627776 reaches PostgreSQL as an out-of-range integer
and fails with a server error; bounded, it is an unknown page (404) like any other.
"""

from typing import Any

from werkzeug.routing import IntegerConverter, Map

DATABASE_INT_MAX = 2**31 - 1  # PostgreSQL `integer`, the type of every id column


class DatabaseIdConverter(IntegerConverter):
    """Werkzeug's `int` converter, bounded to the database integer range by default."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False, **kwargs: Any) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min,
                         max=DATABASE_INT_MAX if max is None else max, signed=signed)
