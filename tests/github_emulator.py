"""The GitHub emulator under the name tests import it by: ``from github_emulator import ...``.

It lives in the ``emulator`` package, split by concern (``server``, ``state``, ``issues``,
``pulls``, ``git_remote``, ``openapi``, ``github``); its documentation is ``emulator/github.py``.
"""

from emulator.github import (
    API_DIR,
    DEFAULT_LABEL_COLOR,
    DOCS,
    GITHUB_API,
    INJECTABLE_STATUSES,
    RATE_DOCS,
    RATE_LIMIT,
    RATE_WINDOW,
    ROUTES,
    GitHubEmulator,
    RequestRecord,
    emulator_fixture,
    validate_response,
)

__all__ = [
    "API_DIR",
    "DEFAULT_LABEL_COLOR",
    "DOCS",
    "GITHUB_API",
    "INJECTABLE_STATUSES",
    "RATE_DOCS",
    "RATE_LIMIT",
    "RATE_WINDOW",
    "ROUTES",
    "GitHubEmulator",
    "RequestRecord",
    "emulator_fixture",
    "validate_response",
]
