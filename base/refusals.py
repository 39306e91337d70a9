"""A rule said no."""


class Refusal(Exception):
    """A rule said no: ``message`` is for the person who asked, in their language; ``code`` is for code (a view
    that explains one refusal its own way, a test). Raised by services before they write anything, or inside
    their transaction, which the refusal then rolls back."""

    def __init__(self, message: str, *, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code
