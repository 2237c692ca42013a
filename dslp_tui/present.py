"""How the board reads: glyphs, row segments, the detail pane's lines, comments.

Pure and Textual-free, apart from the model in :mod:`dslp_tui.board`. The screens render
:func:`row_segments` (text plus a semantic style name); ``dslp-tui status`` and ``show`` print
the same segments, so the board and the CLI never disagree. A new view reuses the model
without the CLI and these helpers without the screens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dslp_tui.board import Board, Group, Row
from dslp_tui.model import Branch, Comment
from dslp_tui.process import ASK_REFERENCE, BASED_ON_EXPERIMENT, Kind, parse_reference
from dslp_tui.text import clean, fit, one_line

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

    @property
    def closed_status(self) -> str:
        """The mark of a closed issue that has a status label: closed, then the status."""
        return f"{self.closed}{self.succeeded}"


UNICODE = Glyphs("○", "●", "✓", "★", "✗", "‖", "⊘", "⎇", "↑", "↓")
ASCII = Glyphs("o", "@", "v", "*", "x", "=", "!", "br", "+", "-")

LEGEND: tuple[tuple[str, str], ...] = (
    ("open", "open, no branch yet"),
    ("started", "open, work under way on a branch"),
    ("closed", "closed"),
    ("closed_status", "closed, with its status label (any of the four below)"),
    ("succeeded", "labelled succeeded"),
    ("failed", "labelled failed (kept, not lost)"),
    ("on_hold", "labelled on hold"),
    ("blocked", "labelled blocked - need access"),
    ("branch", "the issue's branch follows"),
    ("ahead", "commits the collaboration branch lacks"),
    ("behind", "commits of the collaboration branch it lacks"),
)
BRANCH_WORDS = (
    ("empty", "no commits of its own yet (or merged by fast-forward: git cannot tell)"),
    ("even", "level with the collaboration branch"),
    ("local", "only on this machine (not pushed)"),
    ("remote", "only on the remote"),
    ("merged", "fully merged into the collaboration branch"),
    ("kept", "closed without merging; the branch keeps the work"),
    ("gone", "its upstream was deleted"),
    ("PR#N state", "its pull request: open, draft, merged or closed"),
)


def state_segment(row: Row, glyphs: Glyphs) -> tuple[str, str]:
    """(glyph + word, style) for the issue's state: the status label wins over open/closed.

    A closed issue with a status keeps the closed mark before the status's: ``✓★ succeeded``
    (``v* succeeded``), which fits the state column.
    """
    if row.status:
        word = {"on_hold": "on hold", "blocked": "blocked"}.get(row.status, row.status)
        closed = glyphs.closed if row.issue.state == "closed" else ""
        return f"{closed}{getattr(glyphs, row.status)} {word}", f"status.{row.status}"
    if row.issue.state == "closed":
        return f"{glyphs.closed} closed", "state.closed"
    if row.branches:
        return f"{glyphs.started} open", "state.started"
    return f"{glyphs.open} open", "state.open"


def branch_summary(row: Row, glyphs: Glyphs) -> str:
    """``⎇ ↑5↓1 local`` / ``⎇ merged`` / ``⎇ empty`` / ``⎇ kept`` / ``""`` when there is no branch.

    ``empty``: no commits of its own (never ``merged``: there was nothing to merge); ``even``:
    level with the collaboration branch. Words, not ``=``, which is a status glyph in ASCII.
    """
    branch = row.branch
    if branch is None:
        return ""
    parts = [glyphs.branch]
    if branch.empty:
        parts.append("empty")
    elif branch.merged and (branch.ahead_base or branch.behind_base or row.issue.state == "closed"):
        parts.append("merged")
    elif row.issue.state == "closed":
        parts.append("kept")
    else:
        counts = ""
        if branch.ahead_base:
            counts += f"{glyphs.ahead}{branch.ahead_base}"
        if branch.behind_base:
            counts += f"{glyphs.behind}{branch.behind_base}"
        parts.append(counts or "even")
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
    if row.status and issue.state == "closed":  # spelled out here: "✓ closed · ★ succeeded"
        state = f"{glyphs.closed} closed · {state.removeprefix(glyphs.closed)}"
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
    if branch.empty:
        parts.append(f"empty: no commits of its own ({base} {glyphs.behind}{branch.behind_base})")
    elif branch.merged and branch.behind_base:
        parts.append(f"merged into {base}")
    else:
        parts.append(f"{base} {glyphs.ahead}{branch.ahead_base} {glyphs.behind}{branch.behind_base}")
    parts.append(f"last commit {_date(branch.last_commit)}")
    return " · ".join(parts)


# --- comments ---------------------------------------------------------------------------------


def comment_header(comment: Comment) -> list[tuple[str, str]]:
    """``Ann · 2026-03-01 10:00`` as (text, style): who wrote it (where known) and when."""
    author = one_line(comment.author) if comment.author else "(unknown author)"
    return [(author, "heading" if comment.author else "dim"), (f" · {_date(comment.created_at)}", "dim")]


def comment_lines(comments: list[Comment]) -> list[tuple[list[tuple[str, str]], str]]:
    """Each comment, oldest first (newest last), as (header segments, body as Markdown).

    The body is the tracker's Markdown, cleaned of escape sequences; the screen renders it
    as Markdown (links shown, not made clickable), ``show`` prints it as text.
    """
    ordered = sorted(comments, key=lambda c: (c.created_at, c.id))
    return [(comment_header(c), clean(c.body).strip()) for c in ordered]
