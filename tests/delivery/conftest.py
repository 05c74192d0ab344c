"""Fixtures for delivery tests: a small bank and short tests in each mode."""

import pytest
from flask import Flask


@pytest.fixture
def design(app: Flask):
    """Set the test design (mode and length) of the test unit for one test."""
    from tests.delivery.factory import UNIT

    previous = app.config.get("DELIVERY_TEST_DESIGNS")

    def set_design(mode: str, items: int = 4) -> None:
        app.config["DELIVERY_TEST_DESIGNS"] = {UNIT: {"mode": mode, "items": items, "cut_theta": 0.0}}

    set_design("fixed")
    yield set_design
    app.config["DELIVERY_TEST_DESIGNS"] = previous or {}
