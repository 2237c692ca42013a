"""The board as plain data: what ``status --json`` and ``show N --json`` print, and later reports.

Textual-free and CLI-free. One issue's data is :func:`row_json` everywhere (the board's rows,
``show``), so a field added there (runs, comments) reaches every report at once.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from dslp_tui.board import Board, Row
from dslp_tui.model import Branch


def status_json(workspace, board: Board) -> dict[str, Any]:
    """The board as plain data: ``asks`` → children, plus ``unlinked``, the repository, and warnings about the data."""
    asks, unlinked = [], []
    for group in board.groups:
        children = [row_json(r) for r in group.rows()]
        if group.ask:
            asks.append({**row_json(group.ask), "children": children, "missing_in_body": list(group.missing_in_body)})
        else:
            unlinked = children
    return {
        "repository": repository_json(workspace, board),
        "warnings": list(board.warnings),
        "asks": asks,
        "unlinked": unlinked,
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
    }


def branch_json(branch: Branch) -> dict[str, Any]:
    data = asdict(branch)
    data.pop("issue")
    data["kind"] = data.pop("kind_key")
    return data
