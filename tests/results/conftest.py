"""Results tests use the delivery tests' small bank, blueprints and ended attempt, and the official QTI
schemas the QTI tests load."""

from tests.delivery.conftest import design, ended  # noqa: F401
from tests.item_bank.qti.conftest import schema  # noqa: F401
