"""How the board reads: glyphs, row segments, the detail pane's lines, comments.

Pure and Textual-free, apart from the model in :mod:`dslp_tui.board`. The screens render
:func:`row_segments` (text plus a semantic style name); ``dslp-tui status`` and ``show`` print
the same segments, so the board and the CLI never disagree. A new view reuses the model
without the CLI and these helpers without the screens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len

from dslp_tui.board import Board, Group, Row
from dslp_tui.model import Branch, Comment, Run
from dslp_tui.process import ASK_REFERENCE, BASED_ON_EXPERIMENT, Kind, parse_reference
from dslp_tui.rollup import RunSummary
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
    ellipsis: str = "…"  # where a title is cut

    @property
    def closed_status(self) -> str:
        """The mark of a closed issue that has a status label: closed, then the status."""
        return f"{self.closed}{self.succeeded}"


UNICODE = Glyphs("○", "●", "✓", "★", "✗", "‖", "⊘", "⎇", "↑", "↓")
ASCII = Glyphs("o", "@", "v", "*", "x", "=", "!", "br", "+", "-", "...")

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


STATE_WIDTH = 12  # the widest state a row shows: "✓★ succeeded"
BRANCH_WIDTH = 16
PULL_WIDTH = 13
METRIC_WIDTH = 18
METRIC_MIN_TITLE = 20  # the metric column is dropped when the title would get fewer cells
RUN_KINDS = (Kind.EXPERIMENT, Kind.MODEL)  # the rows that show their runs


def metric_value(value: float) -> str:
    """A metric value in at most 6 characters or so: ``0.8712``, ``1234``, ``1.2e+06``."""
    return f"{value:.4g}"


def metric_summary(summary: RunSummary | None) -> str:
    """``auc 0.8712 (12 runs)`` / ``3 runs`` / ``""`` (no runs): the row's best value and run count."""
    if summary is None or not summary.count:
        return ""
    runs = f"{summary.count} run{'s' if summary.count != 1 else ''}"
    value = summary.value
    return f"{summary.goal.metric} {metric_value(value)} ({runs})" if value is not None else runs


def ask_metric(summary: RunSummary | None, glyphs: Glyphs) -> tuple[str, str]:
    """An Ask's best over its children and whether it meets its criterion, as (text, style).

    A glyph and a word, never colour alone: ``★ meets auc 0.87`` / ``✗ short auc 0.7`` /
    ``best auc 0.87`` (no threshold); ``""`` when no run has a value.
    """
    if summary is None or summary.value is None:
        return "", "dim"
    value = f"{summary.goal.metric} {metric_value(summary.value)}"
    if summary.meets is True:
        return f"{glyphs.succeeded} meets {value}", "status.succeeded"
    if summary.meets is False:
        return f"{glyphs.failed} short {value}", "status.failed"
    return f"best {value}", "dim"


def pull_summary(row: Row) -> str:
    """``PR#57 draft`` / ``PR#57 merged`` / ``""``."""
    pull = row.pull
    return f"PR#{pull.number} {pull.state}" if pull else ""


@dataclass(frozen=True)
class Columns:
    """How wide a row's state, branch and pull-request columns are (the title takes the rest)."""

    state: int = STATE_WIDTH + 1  # and a space before the branch
    branch: int = BRANCH_WIDTH
    pull: int = PULL_WIDTH


def row_columns(row: Row, glyphs: Glyphs) -> Columns:
    """The narrowest columns that hold this row's state, branch and pull request."""
    widths = (cell_len(state_segment(row, glyphs)[0]), cell_len(one_line(branch_summary(row, glyphs))))
    pull = cell_len(pull_summary(row))
    return Columns(
        min(STATE_WIDTH + 1, widths[0] + 1),
        min(BRANCH_WIDTH, widths[1] + 1 if widths[1] else 0),
        min(PULL_WIDTH, pull + 1),
    )


def widest(columns: Iterable[Columns]) -> Columns:
    """Columns that hold every row's: the rows shown together line up, and the title gets the rest."""
    state = branch = pull = 0
    for c in columns:
        state, branch, pull = max(state, c.state), max(branch, c.branch), max(pull, c.pull)
    return Columns(state, branch, pull)


def row_segments(
    row: Row,
    glyphs: Glyphs,
    width: int,
    pulls: bool = False,
    runs: dict[int, RunSummary] | None = None,
    columns: Columns = Columns(),
) -> list[tuple[str, str]]:
    """A board row fitted to ``width`` cells as (text, style name); the title gives way first.

    Text is already cleaned of escape sequences; the state, branch and (with ``pulls``) pull
    request columns line up, ``columns`` wide (the board fits them to the rows it shows, so
    the title gets the room they leave). With ``runs`` (the summaries, once runs are read) and
    room for it, a last column gives Experiment and Model rows their best value and run count.
    """
    issue = row.issue
    state, state_style = state_segment(row, glyphs)
    label = f"#{issue.number} "
    state_width, branch_width, pull_width = columns.state, columns.branch, columns.pull
    title_width, metrics = _row_layout(row, width, pulls, runs, columns)
    segments = [
        (label, "number"),
        (
            fit(one_line(issue.title), title_width, glyphs.ellipsis),
            "title.closed" if issue.state == "closed" else "title",
        ),
        ("  " + fit(state, state_width), state_style),
        (fit(one_line(branch_summary(row, glyphs)), branch_width), "branch"),
    ]
    if pulls:
        pull = row.pull
        segments.append((fit(pull_summary(row), pull_width), f"pull.{pull.state}" if pull else "dim"))
    if metrics and runs is not None:
        summary = runs.get(row.number) if issue.kind in RUN_KINDS else None
        segments.append((fit(metric_summary(summary), METRIC_WIDTH), "metric"))
    text, style = segments[-1]
    segments[-1] = (text.rstrip(), style)
    return segments


def _row_layout(
    row: Row, width: int, pulls: bool, runs: dict[int, RunSummary] | None, columns: Columns
) -> tuple[int, bool]:
    """A row's title width and whether its metric column is shown."""
    room = width - len(f"#{row.number} ") - 2 - columns.state - columns.branch - (columns.pull if pulls else 0)
    metrics = runs is not None and room - METRIC_WIDTH >= METRIC_MIN_TITLE
    return max(8, room - (METRIC_WIDTH if metrics else 0)), metrics


def row_width(
    row: Row, width: int, pulls: bool = False, runs: dict[int, RunSummary] | None = None, columns: Columns = Columns()
) -> int:
    """How many cells ``row_segments`` (same arguments) takes at most, without making it: ``width``,
    unless the title's 8-cell minimum pushes past it."""
    title_width, metrics = _row_layout(row, width, pulls, runs, columns)
    return (
        len(f"#{row.number} ")
        + title_width
        + 2
        + columns.state
        + columns.branch
        + (columns.pull if pulls else 0)
        + (METRIC_WIDTH if metrics else 0)
    )


def ask_segments(
    group: Group, glyphs: Glyphs, width: int, runs: dict[int, RunSummary] | None = None
) -> list[tuple[str, str]]:
    """An Ask's row: number, ``Ask``, title, how much of its work is still open and, with
    ``runs`` and room for it, the best run over its children against its criterion."""
    assert group.ask is not None
    ask = group.ask
    state, style = state_segment(ask, glyphs)
    label = f"#{ask.number} "
    summary = f"{group.open_children()} open"
    metric, metric_style = ask_metric(runs.get(ask.number), glyphs) if runs is not None else ("", "dim")
    room = width - len(label) - 4 - 2 - STATE_WIDTH - len(summary)
    # An Ask's title is what the board is organised by: the roll-up shows only beside all of it.
    title = one_line(ask.issue.title)
    shown = bool(metric) and room - METRIC_WIDTH - 2 >= max(METRIC_MIN_TITLE, min(len(title), 40))
    title_width = max(8, room - (METRIC_WIDTH + 2 if shown else 0))
    segments = [
        (label, "number"),
        ("Ask ", "kind"),
        (fit(title, title_width, glyphs.ellipsis), "title.closed" if ask.issue.state == "closed" else "title"),
        ("  " + fit(state, STATE_WIDTH), style),
        (summary, "dim"),
    ]
    if shown:
        segments.append(("  " + fit(one_line(metric), METRIC_WIDTH).rstrip(), metric_style))
    return segments


# --- the detail pane --------------------------------------------------------------------------


def _date(stamp: float | None) -> str:
    if not stamp:
        return "—"
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d %H:%M")


def detail_lines(
    row: Row,
    board: Board,
    glyphs: Glyphs,
    next_branch: str | None = None,
    runs: RunSummary | None = None,
) -> list[list[tuple[str, str]]]:
    """The facts above an issue's body, as lines of (text, style) segments.

    ``next_branch`` is the branch ``b`` would create, shown when the issue has none yet;
    ``runs`` the issue's runs summary (an Ask's covers its children), once runs are read.
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
    if runs is not None:
        lines.extend(runs_lines(runs, glyphs))
    return lines


def runs_lines(summary: RunSummary, glyphs: Glyphs) -> list[list[tuple[str, str]]]:
    """The detail pane's runs summary: how many, the best run and its metrics."""
    count = f"{summary.count} run{'s' if summary.count != 1 else ''}"
    best = summary.best
    if best is None:
        why = "" if not summary.count else " · none has a value of the primary metric"
        if summary.count and not summary.goal.metric:
            why = " · no primary metric set ([runs] primary_metric)"
        return [[("Runs     ", "dim"), (count + why, "")]]
    lines = [[("Runs     ", "dim"), (f"{count} · best ", ""), (run_name(best), "heading")]]
    metric, style = ask_metric(summary, glyphs)
    if summary.meets is not None:
        lines.append(
            [
                ("         ", "dim"),
                (metric, style),
                (f" (threshold {metric_value(summary.goal.threshold or 0)})", "dim"),
            ]
        )
    shown = sorted(best.metrics.items(), key=lambda item: (item[0] != summary.goal.metric, item[0]))[:8]
    if shown:
        text = " · ".join(f"{one_line(key)} {metric_value(value)}" for key, value in shown)
        lines.append([("         ", "dim"), (text, "")])
    return lines


def run_name(run: Run) -> str:
    """A run as people know it: its name, else the start of its id."""
    return one_line(run.name) or run.id[:12]


def upstream_name(branch: Branch) -> str:
    """The upstream as the pane shows it: just the remote when it has the branch's own name
    (``origin``, not ``origin/experiment/5-a-long-name`` repeated under the name itself)."""
    upstream = branch.upstream or ""
    remote, _, name = upstream.partition("/")
    return remote if name == branch.name and remote else upstream


def branch_facts(branch: Branch, board: Board, glyphs: Glyphs) -> str:
    where = " + ".join(w for w, on in (("local", branch.local), ("pushed", branch.remote)) if on)
    parts = [where or "—"]
    if branch.current:
        parts.append("checked out")
    if branch.upstream:
        upstream = upstream_name(branch)
        if branch.upstream_gone:
            parts.append(f"{upstream} gone")
        else:
            parts.append(f"{upstream} {glyphs.ahead}{branch.ahead_upstream} {glyphs.behind}{branch.behind_upstream}")
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
