"""The hook through which delivery tells invigilators how far each candidate has got.

Invigilation does not know about attempts or answers; delivery registers a provider
(`register_progress_provider`) that returns, for a sitting, how many items are answered
out of how many. Until it does, every sitting shows "not started".
"""

from collections.abc import Callable
from dataclasses import dataclass

from invigilation.models.sessions import Sitting


@dataclass(frozen=True)
class Progress:
    answered: int | None = None
    total: int | None = None

    @property
    def label(self) -> str:
        if self.answered is None or self.total is None:
            return "not started"
        return f"{self.answered} of {self.total} answered"


ProgressProvider = Callable[[Sitting], Progress]


def _not_started(sitting: Sitting) -> Progress:
    return Progress()


_provider: ProgressProvider = _not_started


def register_progress_provider(provider: ProgressProvider) -> None:
    """Delivery calls this once at start-up with its own provider."""
    global _provider
    _provider = provider


def sitting_progress(sitting: Sitting) -> Progress:
    return _provider(sitting)
