"""Join a :class:`Snapshot` into the board: Asks, their children by kind, and each row's work.

Pure and Textual-free: the model only. How it reads (glyphs, row segments, the detail pane)
is :mod:`dslp_tui.present`; plain data for ``--json`` is :mod:`dslp_tui.report`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from functools import cached_property

from dslp_tui.config import Config
from dslp_tui.model import Branch, Issue, PullRequest, RepoState, Run, Snapshot, primary_branch
from dslp_tui.process import (
    ASK_REFERENCE,
    ASK_SECTION_FOR,
    CHILD_KINDS,
    STATUS_KEYS,
    Kind,
    mentions,
    parse_reference,
)


@dataclass(frozen=True)
class Row:
    """One issue with everything known about its work."""

    issue: Issue
    status: str | None = None  # a key of STATUS_KEYS
    branches: tuple[Branch, ...] = ()
    pulls: tuple[PullRequest, ...] = ()
    runs: tuple[Run, ...] = ()

    @property
    def number(self) -> int:
        return self.issue.number

    @property
    def pull(self) -> PullRequest | None:
        """The pull request that stands for the work: an open one first, then the newest."""
        if not self.pulls:
            return None
        order = {"open": 0, "draft": 0, "merged": 1, "closed": 2}
        return sorted(self.pulls, key=lambda p: (order[p.state], -p.number))[0]

    @property
    def branch(self) -> Branch | None:
        """The branch that stands for the work: the current one, else local, else any."""
        return primary_branch(self.branches)


@dataclass(frozen=True)
class Group:
    """An Ask with its children, or (``ask`` None) the issues linked to no Ask."""

    ask: Row | None
    children: dict[Kind | None, tuple[Row, ...]] = field(default_factory=dict)
    # Children (Data, Explore, Experiment) linked to this Ask that its body does not list:
    # a list update lost to a concurrent edit, or one that failed. Filters never hide them.
    missing_in_body: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        return f"ask-{self.ask.number}" if self.ask else "unlinked"

    def rows(self) -> list[Row]:
        return [r for rows in self.children.values() for r in rows]

    def open_children(self) -> int:
        return sum(1 for r in self.rows() if r.issue.state == "open")


@dataclass(frozen=True)
class Board:
    groups: tuple[Group, ...]
    repo: RepoState | None = None
    total: int = 0  # issues before filtering
    warnings: tuple[str, ...] = ()  # about the data as a whole (a tracker that looks reset), one line each
    # Every row of the snapshot, shown or not (the same tuple for every filter of one join): the
    # board's columns are fitted to these, so a filter or hiding closed issues never re-lays them out.
    everything: tuple[Row, ...] = ()

    def row(self, number: int) -> Row | None:
        return self._rows_by_number.get(number)

    @cached_property
    def _rows_by_number(self) -> dict[int, Row]:
        """Every row by its number (the detail pane looks one up at each cursor move)."""
        rows: dict[int, Row] = {}
        for group in self.groups:
            if group.ask:
                rows.setdefault(group.ask.number, group.ask)
            for row in group.rows():
                rows.setdefault(row.number, row)
        return rows

    def group_of(self, number: int) -> Group | None:
        """The group of Ask ``number``."""
        return next((g for g in self.groups if g.ask and g.ask.number == number), None)

    def children_of(self, number: int) -> list[Row]:
        for group in self.groups:
            if group.ask and group.ask.number == number:
                return group.rows()
        return []

    def count(self) -> int:
        return sum((1 if g.ask else 0) + len(g.rows()) for g in self.groups)

    @cached_property
    def has_pulls(self) -> bool:
        """Whether any row has a pull request (the PR column is shown only then): any row of the
        snapshot, so the column stays put while a filter hides the rows that have one."""
        if self.everything:
            return any(r.pulls for r in self.everything)
        return any(r.pulls for g in self.groups for r in ([g.ask] if g.ask else []) + g.rows())


# --- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """``kind:experiment label:failed state:open churn``: every term must match."""

    text: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    state: str | None = None

    @classmethod
    def parse(cls, query: str) -> Filter:
        try:
            words = shlex.split(query)
        except ValueError:  # an unbalanced quote: take the words as they are
            words = query.split()
        text, kinds, labels, state = [], [], [], None
        for word in words:
            key, sep, value = word.partition(":")
            key = key.lower()
            if sep and key in ("kind", "is", "type") and value:
                kinds.append(value.lower())
            elif sep and key == "label" and value:
                labels.append(value.lower())
            elif sep and key == "state" and value:
                state = value.lower()
            else:
                text.append(word.lower())
        return cls(tuple(text), tuple(kinds), tuple(labels), state)

    def __bool__(self) -> bool:
        return bool(self.text or self.kinds or self.labels or self.state)

    def problem(self) -> str | None:
        """Why a term can match nothing (``kind:foo``, ``state:done``), naming what exists; else None."""
        kinds = [kind.key for kind in Kind] + ["other"]
        for want in self.kinds:
            if not any(kind.startswith(want) for kind in kinds):
                return f"no kind {want!r}; kinds are {', '.join(kinds)}"
        if self.state is not None and self.state not in ("open", "closed"):
            return f"no state {self.state!r}; states are open, closed"
        return None

    def matches(self, row: Row, searchable: tuple[list[str], str] | None = None) -> bool:
        """Whether ``row`` passes; ``searchable`` is ``_searchable(row)``, if already known."""
        issue = row.issue
        if self.state and issue.state != self.state:
            return False
        kind = issue.kind.key if issue.kind else "other"
        if self.kinds and not any(kind.startswith(k) for k in self.kinds):
            return False
        labels, haystack = searchable or _searchable(row)
        if self.labels and not all(any(want in have for have in labels) for want in self.labels):
            return False
        return all(word in haystack for word in self.text)


def _searchable(row: Row) -> tuple[list[str], str]:
    """A row's labels, lower-cased, and the text a filter's words are looked for in."""
    issue = row.issue
    labels = [label.lower() for label in issue.labels]
    return labels, " ".join([f"#{issue.number}", issue.title.lower(), *labels, *(b.name.lower() for b in row.branches)])


# --- building ---------------------------------------------------------------------------------


def status_of(issue: Issue, config: Config, names: dict[str, str] | None = None) -> str | None:
    """The issue's status key, from its labels; ``names`` (see :func:`_status_names`) saves rebuilding it."""
    if names is None:
        names = _status_names(config)
    for label in issue.labels:
        key = names.get(label.lower())
        if key:
            return key
    return None


def _status_names(config: Config) -> dict[str, str]:
    return {config.label(key).lower(): key for key in STATUS_KEYS}


def ask_of(issue: Issue, asks: set[int]) -> int | None:
    """The Ask an issue belongs to: the tracker's link, else its ``Ask Reference`` line."""
    for candidate in (issue.parent, parse_reference(issue.body, ASK_REFERENCE)):
        if candidate in asks:
            return candidate
    return None


@dataclass(frozen=True)
class Joined:
    """A snapshot joined into rows, before any filter: the same for every filter and toggle.

    The app joins each snapshot once and hands the join to :func:`build_board` on every
    redraw (filter, show/hide closed), so a redraw of 2,000 issues only filters.
    """

    asks: tuple[Row, ...]  # by number
    children: dict[int | None, dict[Kind | None, tuple[Row, ...]]]  # by Ask (None: no Ask), by kind
    missing: dict[int, tuple[int, ...]] = field(default_factory=dict)  # Ask -> children its body misses
    searchable: dict[int, tuple[list[str], str]] = field(default_factory=dict)  # id(row) -> _searchable(row)

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        """Every row, Asks first: one tuple per join, whatever the filter."""
        return self.asks + tuple(r for by_kind in self.children.values() for rows in by_kind.values() for r in rows)


def join(snapshot: Snapshot, config: Config) -> Joined:
    """Issues with their branches, pull requests and runs, grouped by Ask and kind."""
    branches: dict[int, list[Branch]] = {}
    for branch in snapshot.branches:
        branches.setdefault(branch.issue, []).append(branch)
    pulls: dict[str, list[PullRequest]] = {}
    for pull in snapshot.pulls:
        pulls.setdefault(pull.head, []).append(pull)
    runs: dict[int, list[Run]] = {}  # by issue: the run's tag, branch or commit named it (runlink.py)
    for run in snapshot.runs:
        if run.issue is not None:
            runs.setdefault(run.issue, []).append(run)
    names = _status_names(config)

    def row(issue: Issue) -> Row:
        own = tuple(branches.get(issue.number, ()))
        return Row(
            issue=issue,
            status=status_of(issue, config, names),
            branches=own,
            pulls=tuple(p for b in own for p in pulls.get(b.name, ())),
            runs=tuple(runs.get(issue.number, ())),
        )

    asks = {i.number for i in snapshot.issues if i.kind is Kind.ASK}
    children: dict[int | None, list[Row]] = {}
    for issue in snapshot.issues:
        if issue.kind is Kind.ASK:
            continue
        children.setdefault(ask_of(issue, asks), []).append(row(issue))
    order: list[Kind | None] = [*CHILD_KINDS, None]
    ask_rows = tuple(row(i) for i in sorted(snapshot.issues, key=lambda i: i.number) if i.kind is Kind.ASK)
    missing = {}
    for ask_row in ask_rows:
        unlisted = missing_in_body(ask_row.issue, children.get(ask_row.number, ()))
        if unlisted:
            missing[ask_row.number] = unlisted
    return Joined(
        asks=ask_rows,
        children={ask: _by_kind(rows, order) for ask, rows in children.items()},
        missing=missing,
    )


def missing_in_body(ask: Issue, children: list[Row] | tuple[Row, ...]) -> tuple[int, ...]:
    """The children an Ask lists in its sections (Data, Explore, Experiment) that its body never names."""
    listed = mentions(ask.body or "")
    return tuple(sorted(r.number for r in children if r.issue.kind in ASK_SECTION_FOR and r.number not in listed))


def reset_warning(snapshot: Snapshot, config: Config) -> str | None:
    """A warning when the embedded tracker is empty but branches carry issue numbers.

    That is a reset (a truncated ``tracker.db``): new issues are numbered above the highest
    branch number, so they never take over an old branch's number.
    """
    if config.tracker != "local" or snapshot.issues or not snapshot.branches:
        return None
    highest = max(b.issue for b in snapshot.branches)
    return (
        f"the tracker has no issues, but branches carry issue numbers up to #{highest}: it looks reset "
        f"(an emptied .git/dslp/tracker.db?); new issues are numbered from #{highest + 1}"
    )


def build_board(
    snapshot: Snapshot,
    config: Config,
    query: Filter | None = None,
    show_closed: bool = True,
    joined: Joined | None = None,
) -> Board:
    """The board for ``snapshot`` as filtered; pass ``joined`` (see :func:`join`) to reuse a join."""
    joined = joined or join(snapshot, config)
    known = joined.searchable

    def passes(r: Row) -> bool:
        assert query is not None
        searchable = known.get(id(r))
        if searchable is None:
            searchable = known[id(r)] = _searchable(r)
        return query.matches(r, searchable)

    def visible(r: Row) -> bool:
        return (show_closed or r.issue.state == "open") and (not query or passes(r))

    def kept(by_kind: dict[Kind | None, tuple[Row, ...]]) -> dict[Kind | None, tuple[Row, ...]]:
        # Filtering keeps each kind's order, so this is what grouping the visible rows gives.
        if show_closed and not query:
            return dict(by_kind)
        grouped = {}
        for kind, rows in by_kind.items():
            members = tuple(r for r in rows if visible(r))
            if members:
                grouped[kind] = members
        return grouped

    groups: list[Group] = []
    for ask_row in joined.asks:
        kids = kept(joined.children.get(ask_row.number, {}))
        # Hiding closed issues never hides open ones: a closed Ask with open work stays, as its header.
        if not (show_closed or ask_row.issue.state == "open" or kids):
            continue
        if query and not kids and not passes(ask_row):
            continue
        groups.append(Group(ask_row, kids, joined.missing.get(ask_row.number, ())))
    loose = kept(joined.children.get(None, {}))
    if loose:
        groups.append(Group(None, loose))
    warning = reset_warning(snapshot, config)
    return Board(
        tuple(groups),
        snapshot.repo,
        total=len(snapshot.issues),
        warnings=(warning,) if warning else (),
        everything=joined.rows,
    )


def _by_kind(rows: list[Row], order: list[Kind | None]) -> dict[Kind | None, tuple[Row, ...]]:
    grouped: dict[Kind | None, tuple[Row, ...]] = {}
    for kind in order:
        members = tuple(sorted((r for r in rows if r.issue.kind is kind), key=lambda r: r.number))
        if members:
            grouped[kind] = members
    return grouped


# --- presentation moved to present.py -----------------------------------------------------------

_MOVED_TO_PRESENT = frozenset(
    {
        "ASCII",
        "BRANCH_WIDTH",
        "BRANCH_WORDS",
        "LEGEND",
        "PULL_WIDTH",
        "STATE_WIDTH",
        "UNICODE",
        "Glyphs",
        "ask_segments",
        "branch_facts",
        "branch_summary",
        "detail_lines",
        "pull_summary",
        "row_segments",
        "state_segment",
    }
)


def __getattr__(name: str):
    """``from dslp_tui.board import row_segments`` still works: presentation lives in present.py.

    Resolved lazily, so present.py (which imports this module) can be imported first.
    """
    if name in _MOVED_TO_PRESENT:
        from dslp_tui import present

        return getattr(present, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
