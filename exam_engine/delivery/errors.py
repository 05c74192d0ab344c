"""The one error delivery services raise for a refused action; its message is for the learner."""


class DeliveryError(ValueError):
    """A refused runner action. `code` is stable for clients; `status` is the HTTP status to answer with;
    `retry_after` (seconds) says when a throttled request may be tried again."""

    def __init__(self, message: str, code: str, status: int = 409, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.retry_after = retry_after
