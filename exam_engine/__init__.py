"""Adaptive onscreen knowledge-test engine.

Importing the package loads nothing but this module, so the pure cores
(`exam_engine.psychometrics`, `exam_engine.assembly`) need only numpy and scipy.
`exam_engine.create_app` is still importable for gunicorn (`"exam_engine:create_app()"`):
it is read lazily from `exam_engine.app`, the composition root.
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from exam_engine.app import create_app

        return create_app
    raise AttributeError(f"module 'exam_engine' has no attribute {name!r}")
