"""The one error a service raises when a change cannot be made.

Its message is meant for the person who asked (translated, complete); ``field``
names the form field it is about, when it is about one. Views never format it
themselves: ``portal.actions.post_action`` shows it (as a message, or on the
form), and ``status`` is the HTTP status of the page shown again.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A change that cannot be made; ``message`` says why, to the user."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message
