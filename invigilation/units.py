"""How long a unit's onscreen test lasts: the one lookup to switch when the taxonomy lands.

Until the qualification taxonomy (`item_bank.taxonomy_models`) is on main this returns
None and the centre administrator types the minutes when creating a session; afterwards
it reads the unit's current onscreen test minutes. Either way the minutes are stored on
the session (`SessionUnit.test_minutes`), so a later edit of the unit cannot change the
length of a test already booked or running.
"""

from importlib import import_module

from sqlalchemy import select

from exam_engine.extensions import db


def unit_test_minutes(unit_reference: str) -> int | None:
    """The unit's onscreen test length in minutes, or None when nothing records it."""
    try:
        taxonomy = import_module("item_bank.taxonomy_models")
    except ModuleNotFoundError:
        return None
    unit_version = taxonomy.UnitVersion
    return db.session.scalar(
        select(unit_version.test_minutes)
        .join(taxonomy.Unit, taxonomy.Unit.id == unit_version.unit_id)
        .where(taxonomy.Unit.reference == unit_reference, unit_version.superseded_at.is_(None),
               unit_version.test_minutes.is_not(None))
        .order_by(unit_version.number.desc()).limit(1)
    )
