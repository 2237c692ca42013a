"""The protocol every issue tracker implements, its optional capabilities, and its errors.

The board, the forms and the CLI talk to a :class:`Tracker` only; which one is behind it is
a ``dslp.toml`` choice. Methods block, so the app calls them from thread workers.

What only some trackers can do is a capability protocol of its own, checked with
``isinstance`` (they are runtime-checkable): :class:`PullRequests` (GitHub; the embedded
tracker has none), :class:`SubIssues` (links to a parent issue), :class:`LabelSetup` (labels to create on the server) and
:class:`RateBudget` (a request budget worth showing). The errors a caller reacts to
(:class:`RateLimited` to wait, :class:`AuthError` to ask for a token, ...) live here too,
so callers need not import a tracker's module (and its heavy client) to catch them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from dslp_tui.errors import DslpError
from dslp_tui.model import Comment, Issue, IssueDraft, PullRequest
from dslp_tui.process import LabelSpec

# --- errors ------------------------------------------------------------------------------------


class TrackerError(DslpError):
    """A tracker refused or failed; the message is safe to show (no secrets, no markup)."""


class AuthError(TrackerError):
    """401/403: the token is missing, wrong or expired, or lacks a scope."""


class NotFoundError(TrackerError):
    """404: the repository or issue is gone, or the token cannot see it."""


class ValidationFailed(TrackerError):
    """422: the tracker refused the content; the message carries its own words."""


class RateLimited(TrackerError):
    """Rate limiting: nothing more until ``reset_at`` (epoch seconds)."""

    def __init__(self, message: str, reset_at: float) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class NetworkError(TrackerError):
    """The tracker could not be reached at all, or is failing on its side."""


@dataclass
class RateInfo:
    """The request budget the server last reported (-1: not known yet)."""

    limit: int = -1
    remaining: int = -1
    reset_at: float = 0.0


class PartiallyFiled(TrackerError):
    """The issue was created, but a later step (its sub-issue link, its Ask's list) failed.

    ``number`` is the issue that exists, so filing the same draft again only retries the
    link instead of creating a duplicate.
    """

    def __init__(self, message: str, number: int) -> None:
        super().__init__(message)
        self.number = number


# --- the protocol and its capabilities ---------------------------------------------------------


@runtime_checkable
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
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        parent: int | None = None,
    ) -> Issue:
        """Change what is given (None: leave as it is); ``state`` is "open" or "closed";
        ``parent`` moves the issue under another Ask."""
        ...

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


@runtime_checkable
class PullRequests(Protocol):
    """A tracker that opens and manages pull requests (GitHub)."""

    def open_pull(self, *, head: str, base: str, title: str, body: str, draft: bool = True) -> PullRequest: ...

    def close_pull(self, number: int) -> None:
        """Close without merging (explore work, failed experiments)."""
        ...

    def retarget_pull(self, number: int, base: str) -> None: ...

    def merge_pull(self, number: int, message: str = "") -> None: ...


@runtime_checkable
class SubIssues(Protocol):
    """A tracker that links an issue under a parent as a sub-issue (GitHub)."""

    def link_sub_issue(self, parent: int, number: int) -> None:
        """Make ``number`` a sub-issue of ``parent``; nothing to do when it already is."""
        ...


@runtime_checkable
class LabelSetup(Protocol):
    """A tracker whose DSLP labels must exist on the server (``dslp-tui init`` sets them up)."""

    def ensure_labels(self, specs: list[LabelSpec], dry_run: bool = False) -> list[str]:
        """Create or correct the labels; idempotent. Returns one line per change (made or due)."""
        ...


@runtime_checkable
class RateBudget(Protocol):
    """A tracker with a request budget; ``rate`` is what the server last reported."""

    rate: RateInfo
