"""The one error invigilation services raise for refused actions; its message is for people."""


class InvigilationError(ValueError):
    """An action refused by the rules (wrong state, missing reason, not permitted...)."""
