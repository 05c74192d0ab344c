"""Fixtures for delivery tests: a small bank and short tests in each mode."""

import pytest
from flask import Flask

from tests.delivery.factory import UNIT, blueprint


@pytest.fixture
def design(app: Flask):
    """Set the test unit's blueprint (mode and number of items) for one test."""

    def set_design(mode: str, items: int = 4) -> None:
        app.config["DELIVERY_BLUEPRINTS"] = {UNIT: blueprint(mode, items)}

    set_design("fixed")
    yield set_design
    app.config["DELIVERY_BLUEPRINTS"] = {}
