"""Exceptions that reach the user, and the one table of exit codes.

Core modules raise these; only the CLI's single handler turns them into a message
and an exit code. Anything else that escapes is a bug (exit 70, "please report").
"""

from __future__ import annotations

# The exit-code table (documented in the README).
OK = 0
FINDINGS = 1  # lint errors (warnings with --strict), a batch with failed items, unknown slug
USAGE = 2  # bad option, bad configuration, unreadable path
NETWORK = 3  # remote service failed or answered nonsense
CANNOT_WRITE = 4  # a file could not be written
INTERNAL = 70  # a bug in atlas
INTERRUPTED = 130  # Ctrl-C


class AtlasError(Exception):
    """An error with a message for a person, a hint how to fix it and an exit code."""

    exit_code = USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(AtlasError):
    exit_code = USAGE


class ConfigError(AtlasError):
    exit_code = USAGE


class NotFound(AtlasError):
    """A record (slug) that does not exist."""

    exit_code = FINDINGS


class WriteError(AtlasError):
    exit_code = CANNOT_WRITE


class NetworkError(AtlasError):
    """A remote service could not be reached, or answered something unusable."""

    exit_code = NETWORK
