"""How long a unit's onscreen test lasts, from the qualification taxonomy.

The minutes are copied onto the session (`SessionUnit.test_minutes`) when it is created,
so a later edition of the unit cannot change the length of a test already booked or
running. Units whose document states no onscreen test return None; the centre
administrator then gives the minutes when creating the session.
"""

from sqlalchemy import select

from exam_engine.extensions import db
from item_bank.taxonomy_models import Unit, UnitVersion


def unit_test_minutes(unit_reference: str) -> int | None:
    """The unit's onscreen test length in minutes, or None when no document states it."""
    return db.session.scalar(
        select(UnitVersion.test_minutes)
        .join(Unit, Unit.id == UnitVersion.unit_id)
        .where(Unit.reference == unit_reference, UnitVersion.superseded_at.is_(None),
               UnitVersion.test_minutes.is_not(None))
        .order_by(UnitVersion.number.desc()).limit(1)
    )
