"""The rehearsal uses invigilation's world and bank."""

from tests.invigilation.conftest import bank, world

__all__ = ["bank", "world"]
