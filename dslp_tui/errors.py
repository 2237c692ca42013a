"""The one root of every error dslp-tui expects: the things a person can be told and can fix.

Every module's own error (``TrackerError``, ``GitError``, ``ConfigError``, ``ValidationError``,
``CliError``, ``DemoError``) is a :class:`DslpError`, so the CLI catches one type and exits with
the status the error carries, and the app shows one as a message. Anything that is not a
``DslpError`` is a bug (see :mod:`dslp_tui.bugs`). Imports nothing: every start path loads it.
"""

from __future__ import annotations

EXIT_FAILED = 1  # the operation was tried and failed
EXIT_USAGE = 2  # it cannot run here: bad arguments, not a repository, bad configuration or input


class DslpError(Exception):
    """An expected failure; its message is one line, safe to show, saying what to do.

    ``exit_status`` is what the CLI exits with; ``field`` names the form field it concerns
    (for input that was refused), so a form can point at it.
    """

    exit_status: int = EXIT_FAILED
    kept_draft: object = None  # a failed filing: the Path its draft was saved to (None: not saved)

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
