"""The parts of a board, each read by its own source, and how they merge into one snapshot.

Apart from :mod:`dslp_tui.workspace` so the app can merge parts (and paint the cached board)
without importing the workspace and what it needs (git, the tracker, drafts) first.
"""

from __future__ import annotations

from dataclasses import dataclass

from dslp_tui.model import Branch, Issue, PullRequest, RepoState, Run, Snapshot


@dataclass(frozen=True)
class IssuesPart:
    """What the tracker says: issues and pull requests, read together."""

    issues: tuple[Issue, ...]
    pulls: tuple[PullRequest, ...] = ()


@dataclass(frozen=True)
class GitPart:
    """What git says: the repository's state and its DSLP branches."""

    repo: RepoState | None
    branches: tuple[Branch, ...] = ()


def merge_snapshot(
    issues: IssuesPart, git: GitPart | None = None, runs: tuple[Run, ...] = (), base: Snapshot | None = None
) -> Snapshot:
    """One snapshot from the latest part of each source; a part not read yet comes from ``base``
    (the cached board), or is empty."""
    if git is None:
        git = GitPart(base.repo, base.branches) if base is not None else GitPart(None)
    return Snapshot(issues=issues.issues, branches=git.branches, pulls=issues.pulls, repo=git.repo, runs=runs)
