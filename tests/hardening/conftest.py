"""Fixtures borrowed from the delivery tests (a small bank and short tests in each mode)."""

from tests.delivery.conftest import design  # noqa: F401
