"""The one protocol every issue tracker implements (the embedded one now, GitHub next).

The board, the forms and the CLI talk to a :class:`Tracker` only; which one is behind it is
a ``dslp.toml`` choice. Methods block, so the app calls them from thread workers.

Trackers with pull requests also offer ``open_pull``, ``close_pull``, ``retarget_pull``,
``merge_pull`` and ``ensure_labels`` (see ``sources/github.py``); callers check for them
with ``hasattr``, since the embedded tracker has neither pull requests nor labels to set up.
"""

from __future__ import annotations

from typing import Protocol

from dslp_tui.model import Comment, Issue, IssueDraft, PullRequest


class TrackerError(Exception):
    """A tracker refused or failed; the message is safe to show (no secrets, no markup)."""


class PartiallyFiled(TrackerError):
    """The issue was created, but a later step (its sub-issue link, its Ask's list) failed.

    ``number`` is the issue that exists, so filing the same draft again only retries the
    link instead of creating a duplicate.
    """

    def __init__(self, message: str, number: int) -> None:
        super().__init__(message)
        self.number = number


class Tracker(Protocol):
    name: str  # shown in the status bar: "local", "GitHub owner/repo"

    def list_issues(self) -> list[Issue]:
        """Every DSLP issue, open and closed."""
        ...

    def get_issue(self, number: int) -> Issue: ...

    def create_issue(self, draft: IssueDraft, *, labels: tuple[str, ...], body: str) -> Issue:
        """File an issue with its kind label and a body already rendered from the template."""
        ...

    def update_issue(
        self, number: int, *, title: str | None = None, body: str | None = None, state: str | None = None
    ) -> Issue: ...

    def append_to_section(self, number: int, section: str, line: str) -> Issue:
        """Add ``line`` under ``## section`` of issue ``number``'s body, not losing a concurrent edit.

        Idempotent: a line already in the body is not added again.
        """
        ...

    def set_labels(self, number: int, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> Issue: ...

    def comment(self, number: int, body: str) -> Comment: ...

    def comments(self, number: int) -> list[Comment]: ...

    def pull_requests(self) -> list[PullRequest]:
        """Pull requests, where the tracker has them (the embedded one has none)."""
        ...
