"""A session takes its test length from the imported taxonomy."""

from item_bank.taxonomy.services import import_specification, unit_test_minutes
from item_bank.taxonomy.specification import DATA_DIR, parse_specification


def test_test_minutes_come_from_the_specification(app):
    assert unit_test_minutes("Y/506/2152") is None  # nothing imported yet
    import_specification(parse_specification(DATA_DIR / "001_104cb6e23c3ebe91.txt"))
    assert unit_test_minutes("Y/506/2152") == 45
    assert unit_test_minutes("D/506/1942") == 45
    assert unit_test_minutes("J/506/2910") == 35
    assert unit_test_minutes("L/506/2150") is None  # Unit 1 is assessed by portfolio only
