"""Shared fixtures: where the published reference data sets live.

The data sets are read from ``<repo root>/../shared/reference-data`` or from the
directory named by ``EXAM_ENGINE_REFERENCE_DATA``.  They are never copied into
the repository.  When the directory is missing, tests that need it are skipped
with the reason - except under CI (``CI=true``), where they fail, because CI
always has the data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENT_VARIABLE = "EXAM_ENGINE_REFERENCE_DATA"


def reference_data_directory() -> Path:
    """The reference-data directory (may not exist)."""
    override = os.environ.get(ENVIRONMENT_VARIABLE)
    return Path(override) if override else REPOSITORY_ROOT.parent / "shared" / "reference-data"


@pytest.fixture(scope="session")
def reference_data() -> Path:
    directory = reference_data_directory()
    if not directory.is_dir():
        message = f"reference data not found at {directory} (set {ENVIRONMENT_VARIABLE} to its location)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return directory


@pytest.fixture(scope="session")
def load_table(reference_data: Path) -> Callable[[str], tuple[list[str], np.ndarray]]:
    """Read ``name`` from the reference data as (header, float array)."""

    def load(name: str) -> tuple[list[str], np.ndarray]:
        path = reference_data / name
        header = path.read_text().splitlines()[0].split(",")
        return header, np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)

    return load
