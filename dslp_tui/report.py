"""The board as plain data: what ``status --json`` and ``show N --json`` print, and later reports.

Textual-free and CLI-free. One issue's data is :func:`row_json` everywhere (the board's rows,
``show``), so a field added there (runs, comments) reaches every report at once.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from dslp_tui.board import Board, Row
from dslp_tui.model import Branch, Comment, Run
from dslp_tui.process import ASK_REFERENCE, Kind, parse_reference


def status_json(
    workspace, board: Board, runs: tuple[Run, ...] | None = None, runs_info: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The board as plain data: ``asks`` → children, plus ``unlinked``, the repository, and warnings about the data.

    With ``runs`` read (``runs_info`` says from where, how many, any error), every row carries
    its ``runs`` summary (count, best run, the goal and whether it is met).
    """
    from dslp_tui.rollup import summaries

    summary = summaries(board, workspace.config) if runs is not None else {}

    def one(row: Row) -> dict[str, Any]:
        data = row_json(row)
        if row.number in summary:
            data["runs"] = summary_json(summary[row.number])
        return data

    asks, unlinked = [], []
    for group in board.groups:
        children = [one(r) for r in group.rows()]
        if group.ask:
            asks.append({**one(group.ask), "children": children, "missing_in_body": list(group.missing_in_body)})
        else:
            unlinked = children
    return {
        "repository": repository_json(workspace, board),
        "warnings": list(board.warnings),
        "asks": asks,
        "unlinked": unlinked,
        **({"runs": runs_info} if runs_info is not None else {}),
    }


def repository_json(workspace, board: Board) -> dict[str, Any]:
    repo = board.repo
    return {
        "root": str(workspace.root),
        "tracker": workspace.tracker.name,
        "base": repo.base if repo else None,
        "current_branch": repo.current_branch if repo else None,
        "dirty": repo.dirty if repo else None,
    }


def row_json(row: Row) -> dict[str, Any]:
    """One issue with its work, as every report gives it."""
    issue = row.issue
    branch = row.branch
    return {
        "number": issue.number,
        "kind": issue.kind.value if issue.kind else None,
        "title": issue.title,
        "state": issue.state,
        "status": row.status,
        "labels": list(issue.labels),
        "branch": branch_json(branch) if branch else None,
        "branches": [b.name for b in row.branches],
        "pulls": [asdict(p) for p in row.pulls],
        "assignees": list(issue.assignees),
        "comment_count": issue.comments,
    }


def issue_json(row: Row, board: Board, comments: list[Comment] | None = None) -> dict[str, Any]:
    """One issue in full (``show N --json``): its row, body, Ask, children, every branch, comments.

    ``comments`` are read on demand (None: not read; ``comment_count`` is always there).
    """
    issue = row.issue
    data = row_json(row)
    data.update(
        {
            "url": issue.url,
            "body": issue.body,
            "ask": None if issue.kind is Kind.ASK else issue.parent or parse_reference(issue.body, ASK_REFERENCE),
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": issue.closed_at,
            "branches": [branch_json(b) for b in row.branches],
        }
    )
    if issue.kind is Kind.ASK:
        group = board.group_of(issue.number)
        data["children"] = [row_json(r) for r in board.children_of(issue.number)]
        data["missing_in_body"] = list(group.missing_in_body) if group else []
    if comments is not None:
        data["comments"] = [comment_json(c) for c in sorted(comments, key=lambda c: (c.created_at, c.id))]
    return data


def comment_json(comment: Comment) -> dict[str, Any]:
    return {"id": comment.id, "author": comment.author, "created_at": comment.created_at, "body": comment.body}


def branch_json(branch: Branch) -> dict[str, Any]:
    data = asdict(branch)
    data.pop("issue")
    data["kind"] = data.pop("kind_key")
    return data


def run_json(run: Run) -> dict[str, Any]:
    data = asdict(run)
    data["duration"] = duration_seconds(run)
    return data


def summary_json(summary) -> dict[str, Any]:
    goal = summary.goal
    return {
        "count": summary.count,
        "metric": goal.metric or None,
        "direction": goal.direction,
        "threshold": goal.threshold,
        "best": run_json(summary.best) if summary.best else None,
        "value": summary.value,
        "meets": summary.meets,
    }


def duration_seconds(run) -> float | None:
    return round(run.ended_at - run.started_at, 3) if run.ended_at and run.started_at else None
