"""Results tests use the delivery tests' small bank, blueprints and ended attempt."""

from tests.delivery.conftest import design, ended  # noqa: F401
