"""Plain frozen records that flow from the sources to the board, the CLI and the screens.

They carry what every tracker and source can say; fields that later sources fill (pull
requests, runs) are here already so the board does not change shape when they arrive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dslp_tui.process import Kind

IssueState = Literal["open", "closed"]


@dataclass(frozen=True)
class Comment:
    """A comment on an issue; ``author`` is the tracker's login, or the git user name (local)."""

    id: int
    issue: int
    body: str
    created_at: float
    author: str = ""  # empty: not known (comments written before the tracker kept authors)


@dataclass(frozen=True)
class Issue:
    """An issue as any tracker reports it. ``kind`` is None for work without a DSLP type."""

    number: int
    title: str
    kind: Kind | None
    state: IssueState = "open"
    body: str = ""
    labels: tuple[str, ...] = ()
    parent: int | None = None  # the Ask this issue belongs to
    created_at: float = 0.0
    updated_at: float = 0.0
    closed_at: float | None = None
    url: str = ""
    assignees: tuple[str, ...] = ()
    comments: int = 0  # how many comments it has (their text is read on demand: Workspace.comments)


@dataclass(frozen=True)
class IssueDraft:
    """What a person filled in to create an issue; survives a failed save untouched."""

    template: str
    title: str
    sections: dict[str, str] = field(default_factory=dict)
    parent: int | None = None
    based_on: int | None = None  # the Experiment a Model is based on
    draft_id: str = ""  # which draft this is: filing it discards that draft only ("" until saved or filed)
    filed_as: int | None = None  # the issue already created from it, when only linking it failed


@dataclass(frozen=True)
class Branch:
    """One DSLP branch, joined over its local and remote-tracking refs."""

    name: str
    issue: int
    kind_key: str | None  # the prefix's kind key; None for plain ``N-slug`` feature work
    local: bool = False
    remote: bool = False  # a remote-tracking ref exists
    upstream: str | None = None
    upstream_gone: bool = False
    ahead_upstream: int = 0
    behind_upstream: int = 0
    ahead_base: int = 0  # commits on the branch that the collaboration branch lacks
    behind_base: int = 0
    merged: bool = False  # every commit is in the collaboration branch (an empty branch too)
    # No commits of its own: merged, with its tip on the collaboration branch's first-parent
    # line (created there, never committed to; a fast-forward merge looks the same to git).
    empty: bool = False
    last_commit: float = 0.0
    current: bool = False


def primary_branch(branches: tuple[Branch, ...] | list[Branch]) -> Branch | None:
    """The branch that stands for an issue's work: the checked-out one, else a local one."""
    return min(branches, key=lambda b: (not b.current, not b.local, b.name), default=None)


@dataclass(frozen=True)
class PullRequest:
    """A pull request matched to an issue by its head branch (filled by trackers that have them)."""

    number: int
    head: str
    base: str
    state: Literal["open", "draft", "merged", "closed"]
    url: str = ""


@dataclass(frozen=True)
class Run:
    """One training or evaluation run, as any run source reports it (see ``runs.py``).

    ``status`` is MLflow's word (SCHEDULED, RUNNING, FINISHED, FAILED, KILLED); other sources
    map theirs onto it. Times are epoch seconds (0 / None: not known, not ended). ``branch``,
    ``commit`` and ``issue`` tie the run to the board; ``metrics`` hold each metric's latest
    value, the history is :class:`MetricPoint` s asked for on demand.
    """

    id: str
    name: str
    branch: str
    status: str
    metrics: dict[str, float] = field(default_factory=dict)
    started_at: float = 0.0
    ended_at: float | None = None
    experiment: str = ""  # the source's grouping: an MLflow experiment, an AzureML experiment
    commit: str = ""
    issue: int | None = None
    params: dict[str, str] = field(default_factory=dict)
    compute: str = ""  # where it ran: an AzureML compute target, "local" (empty: not said)
    run_type: str = ""  # e.g. "command", "pipeline", "sweep" (AzureML job types); empty: plain run
    url: str = ""


@dataclass(frozen=True)
class MetricPoint:
    """One logged value of a metric: what a history chart is drawn from."""

    key: str
    value: float
    step: int = 0
    timestamp: float = 0.0


@dataclass(frozen=True)
class RepoState:
    """What git says about the repository as a whole."""

    current_branch: str | None
    base: str  # the collaboration branch
    dirty: bool
    remote: str | None  # the configured remote when it exists


@dataclass(frozen=True)
class Snapshot:
    """Everything the board is built from, read at one moment."""

    issues: tuple[Issue, ...]
    branches: tuple[Branch, ...] = ()
    pulls: tuple[PullRequest, ...] = ()
    runs: tuple[Run, ...] = ()
    repo: RepoState | None = None
