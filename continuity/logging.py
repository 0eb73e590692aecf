"""Logging filters named in settings.LOGGING."""

import logging
from collections.abc import Iterable


class DropMessages(logging.Filter):
    """Drop records whose message starts with one of the given texts."""

    def __init__(self, starting_with: Iterable[str] = ()):
        super().__init__()
        self.starting_with = tuple(starting_with)

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.starting_with)
