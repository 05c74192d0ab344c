"""Pure test assembly: fixed forms, linear-on-the-fly and adaptive shadow tests.

Arrays and plain data in (`exam_engine.assembly.blueprint.Blueprint`, `pool.ItemPool`), decisions and
records out; nothing here touches files, Flask or the database.
"""

# Recorded with every sitting; bump whenever a change could alter which items are chosen.
ENGINE_VERSION = "assembly-1.1"  # 1.1: items at the exposure ceiling come last
