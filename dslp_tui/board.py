"""Join a :class:`Snapshot` into the board: Asks, their children by kind, and each row's work.

Pure and Textual-free. The screens render :func:`row_segments` (text plus a semantic style
name); ``dslp-tui status`` prints the same rows, so the board and the CLI never disagree.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from dataclasses import dataclass, field
from functools import cached_property

from dslp_tui.config import Config
from dslp_tui.model import Branch, Issue, PullRequest, RepoState, Run, Snapshot, primary_branch
from dslp_tui.process import (
    ASK_REFERENCE,
    ASK_SECTION_FOR,
    BASED_ON_EXPERIMENT,
    CHILD_KINDS,
    STATUS_KEYS,
    Kind,
    parse_reference,
)
from dslp_tui.text import fit, one_line


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

    def row(self, number: int) -> Row | None:
        for group in self.groups:
            if group.ask and group.ask.number == number:
                return group.ask
            for row in group.rows():
                if row.number == number:
                    return row
        return None

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
        """Whether any row has a pull request (the PR column is shown only then)."""
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


_MENTION = re.compile(r"(?<![\w&])#(\d+)\b")


def missing_in_body(ask: Issue, children: list[Row] | tuple[Row, ...]) -> tuple[int, ...]:
    """The children an Ask lists in its sections (Data, Explore, Experiment) that its body never names."""
    listed = {int(n) for n in _MENTION.findall(ask.body or "")}
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
        if not (show_closed or ask_row.issue.state == "open"):
            continue
        kids = kept(joined.children.get(ask_row.number, {}))
        if query and not kids and not passes(ask_row):
            continue
        groups.append(Group(ask_row, kids, joined.missing.get(ask_row.number, ())))
    loose = kept(joined.children.get(None, {}))
    if loose:
        groups.append(Group(None, loose))
    warning = reset_warning(snapshot, config)
    return Board(tuple(groups), snapshot.repo, total=len(snapshot.issues), warnings=(warning,) if warning else ())


def _by_kind(rows: list[Row], order: list[Kind | None]) -> dict[Kind | None, tuple[Row, ...]]:
    grouped: dict[Kind | None, tuple[Row, ...]] = {}
    for kind in order:
        members = tuple(sorted((r for r in rows if r.issue.kind is kind), key=lambda r: r.number))
        if members:
            grouped[kind] = members
    return grouped


# --- how a row reads --------------------------------------------------------------------------


@dataclass(frozen=True)
class Glyphs:
    open: str
    started: str
    closed: str
    succeeded: str
    failed: str
    on_hold: str
    blocked: str
    branch: str
    ahead: str
    behind: str


UNICODE = Glyphs("○", "●", "✓", "★", "✗", "‖", "⊘", "⎇", "↑", "↓")
ASCII = Glyphs("o", "@", "v", "*", "x", "=", "!", "br", "+", "-")

LEGEND: tuple[tuple[str, str], ...] = (
    ("open", "open, no branch yet"),
    ("started", "open, work under way on a branch"),
    ("closed", "closed"),
    ("succeeded", "labelled succeeded"),
    ("failed", "labelled failed (kept, not lost)"),
    ("on_hold", "labelled on hold"),
    ("blocked", "labelled blocked - need access"),
    ("branch", "the issue's branch follows"),
    ("ahead", "commits the collaboration branch lacks"),
    ("behind", "commits of the collaboration branch it lacks"),
)
BRANCH_WORDS = (
    ("local", "only on this machine (not pushed)"),
    ("remote", "only on the remote"),
    ("merged", "fully merged into the collaboration branch"),
    ("kept", "closed without merging; the branch keeps the work"),
    ("gone", "its upstream was deleted"),
    ("PR#N state", "its pull request: open, draft, merged or closed"),
)


def state_segment(row: Row, glyphs: Glyphs) -> tuple[str, str]:
    """(glyph + word, style) for the issue's state: the status label wins over open/closed."""
    if row.status:
        word = {"on_hold": "on hold", "blocked": "blocked"}.get(row.status, row.status)
        return f"{getattr(glyphs, row.status)} {word}", f"status.{row.status}"
    if row.issue.state == "closed":
        return f"{glyphs.closed} closed", "state.closed"
    if row.branches:
        return f"{glyphs.started} open", "state.started"
    return f"{glyphs.open} open", "state.open"


def branch_summary(row: Row, glyphs: Glyphs) -> str:
    """``⎇ ↑5↓1 local`` / ``⎇ merged`` / ``⎇ kept`` / ``""`` when there is no branch."""
    branch = row.branch
    if branch is None:
        return ""
    parts = [glyphs.branch]
    if branch.merged and (branch.ahead_base or branch.behind_base or row.issue.state == "closed"):
        parts.append("merged")
    elif row.issue.state == "closed":
        parts.append("kept")
    else:
        counts = ""
        if branch.ahead_base:
            counts += f"{glyphs.ahead}{branch.ahead_base}"
        if branch.behind_base:
            counts += f"{glyphs.behind}{branch.behind_base}"
        parts.append(counts or "=")
    if branch.local and not branch.remote:
        parts.append("local")
    elif branch.remote and not branch.local:
        parts.append("remote")
    if branch.upstream_gone:
        parts.append("gone")
    return " ".join(parts)


STATE_WIDTH = 12
BRANCH_WIDTH = 16
PULL_WIDTH = 13


def pull_summary(row: Row) -> str:
    """``PR#57 draft`` / ``PR#57 merged`` / ``""``."""
    pull = row.pull
    return f"PR#{pull.number} {pull.state}" if pull else ""


def row_segments(row: Row, glyphs: Glyphs, width: int, pulls: bool = False) -> list[tuple[str, str]]:
    """A board row fitted to ``width`` cells as (text, style name); the title gives way first.

    Text is already cleaned of escape sequences; the state, branch and (with ``pulls``) pull
    request columns line up.
    """
    issue = row.issue
    state, state_style = state_segment(row, glyphs)
    number = f"#{issue.number} "
    title_width = max(8, width - len(number) - 2 - STATE_WIDTH - BRANCH_WIDTH - (PULL_WIDTH if pulls else 0))
    segments = [
        (number, "number"),
        (fit(one_line(issue.title), title_width), "title.closed" if issue.state == "closed" else "title"),
        ("  " + fit(state, STATE_WIDTH), state_style),
        (fit(one_line(branch_summary(row, glyphs)), BRANCH_WIDTH), "branch"),
    ]
    if pulls:
        pull = row.pull
        segments.append((fit(pull_summary(row), PULL_WIDTH), f"pull.{pull.state}" if pull else "dim"))
    text, style = segments[-1]
    segments[-1] = (text.rstrip(), style)
    return segments


def ask_segments(group: Group, glyphs: Glyphs, width: int) -> list[tuple[str, str]]:
    """An Ask's row: number, ``Ask``, title and how much of its work is still open."""
    assert group.ask is not None
    ask = group.ask
    state, style = state_segment(ask, glyphs)
    number = f"#{ask.number} "
    summary = f"{group.open_children()} open"
    title_width = max(8, width - len(number) - 4 - 2 - STATE_WIDTH - len(summary))
    return [
        (number, "number"),
        ("Ask ", "kind"),
        (fit(one_line(ask.issue.title), title_width), "title.closed" if ask.issue.state == "closed" else "title"),
        ("  " + fit(state, STATE_WIDTH), style),
        (summary, "dim"),
    ]


# --- the detail pane --------------------------------------------------------------------------


def _date(stamp: float | None) -> str:
    if not stamp:
        return "—"
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d %H:%M")


def detail_lines(row: Row, board: Board, glyphs: Glyphs, next_branch: str | None = None) -> list[list[tuple[str, str]]]:
    """The facts above an issue's body, as lines of (text, style) segments.

    ``next_branch`` is the branch ``b`` would create, shown when the issue has none yet.
    """
    issue = row.issue
    kind = issue.kind.value if issue.kind else "Issue"
    state, state_style = state_segment(row, glyphs)
    lines: list[list[tuple[str, str]]] = [
        [(f"#{issue.number} {kind} · ", "number"), (one_line(issue.title), "heading")],
        [
            (state, state_style),
            (f" · created {_date(issue.created_at)} · updated {_date(issue.updated_at)}", "dim"),
        ],
    ]
    if issue.labels:
        lines.append([("Labels   ", "dim"), (", ".join(one_line(label) for label in issue.labels), "")])
    if issue.kind is not Kind.ASK:
        asks = {g.ask.number: g.ask for g in board.groups if g.ask}
        referenced = parse_reference(issue.body, ASK_REFERENCE)
        parent = issue.parent or referenced
        if issue.parent and referenced and issue.parent != referenced:
            lines.append(
                [
                    ("Mismatch ", "warning"),
                    (f"a sub-issue of #{issue.parent}, but its Ask Reference says #{referenced}", "warning"),
                ]
            )
        if parent in asks:
            lines.append([("Ask      ", "dim"), (f"#{parent} {one_line(asks[parent].issue.title)}", "")])
        elif parent:
            lines.append([("Ask      ", "dim"), (f"#{parent} (not on the board)", "warning")])
        else:
            lines.append([("Ask      ", "dim"), ("none: not linked to an Ask", "warning")])
        based = parse_reference(issue.body, BASED_ON_EXPERIMENT)
        if based:
            lines.append([("Based on ", "dim"), (f"#{based}", "")])
    else:
        children = board.children_of(issue.number)
        open_count = sum(1 for r in children if r.issue.state == "open")
        lines.append([("Children ", "dim"), (f"{open_count} open of {len(children)}", "")])
        group = board.group_of(issue.number)
        if group is not None and group.missing_in_body:
            numbers = ", ".join(f"#{n}" for n in group.missing_in_body)
            lines.append(
                [("Unlisted ", "warning"), (f"{numbers} linked here but not listed in this Ask's body", "warning")]
            )
        for child in children:
            child_state, child_style = state_segment(child, glyphs)
            kind_name = child.issue.kind.value if child.issue.kind else "Issue"
            lines.append(
                [
                    ("         ", "dim"),
                    (f"#{child.number} {kind_name} ", "number"),
                    (one_line(child.issue.title) + "  ", ""),
                    (child_state, child_style),
                ]
            )
    if issue.assignees:
        lines.append([("Assigned ", "dim"), (", ".join(one_line(a) for a in issue.assignees), "")])
    for index, pull in enumerate(sorted(row.pulls, key=lambda p: -p.number)):
        lines.append(
            [
                ("PR       " if index == 0 else "         ", "dim"),
                (f"#{pull.number} {pull.state} → {one_line(pull.base)}", f"pull.{pull.state}"),
            ]
        )
    if row.branches:
        for index, branch in enumerate(row.branches):
            lines.append([("Branch   " if index == 0 else "         ", "dim"), (one_line(branch.name), "branch")])
            lines.append([("         ", "dim"), (branch_facts(branch, board, glyphs), "dim")])
    elif next_branch:
        lines.append([("Branch   ", "dim"), ("none yet · b creates ", "dim"), (one_line(next_branch), "branch")])
    return lines


def branch_facts(branch: Branch, board: Board, glyphs: Glyphs) -> str:
    where = " + ".join(w for w, on in (("local", branch.local), ("pushed", branch.remote)) if on)
    parts = [where or "—"]
    if branch.current:
        parts.append("checked out")
    if branch.upstream:
        if branch.upstream_gone:
            parts.append(f"{branch.upstream} gone")
        else:
            parts.append(
                f"{branch.upstream} {glyphs.ahead}{branch.ahead_upstream} {glyphs.behind}{branch.behind_upstream}"
            )
    base = board.repo.base if board.repo else "base"
    if branch.merged and branch.behind_base:
        parts.append(f"merged into {base}")
    else:
        parts.append(f"{base} {glyphs.ahead}{branch.ahead_base} {glyphs.behind}{branch.behind_base}")
    parts.append(f"last commit {_date(branch.last_commit)}")
    return " · ".join(parts)
