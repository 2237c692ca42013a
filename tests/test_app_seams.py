"""The board tells the truth: the detail pane follows every change, comments, confirmations,
runs loaded in their own worker after the first paint, and bugs reported with their log file."""

from __future__ import annotations

import threading
from collections.abc import Collection
from pathlib import Path

import pytest
from test_app import git
from textual.widgets import TextArea

from dslp_tui import workspace as workspace_module
from dslp_tui.app import build_app
from dslp_tui.model import MetricPoint, Run
from dslp_tui.runs import RunsError, RunSource
from dslp_tui.screens.board import BoardScreen
from dslp_tui.screens.confirm import Confirm
from dslp_tui.screens.issue_form import IssueForm
from dslp_tui.sources.local import LocalTracker
from dslp_tui.workspace import Workspace

from board_driver import detail_part, labels, move_to, settle, status, tree, tree_lines

SIZE = (120, 40)


def facts(app) -> str:
    """The detail pane's facts as drawn (values wrap under their value column)."""
    return detail_part(app)


def comments(app) -> str:
    return detail_part(app, "comments", 100)


def tracker(repo: Path) -> LocalTracker:
    return LocalTracker.for_git_dir(repo / ".git")


# --- the detail pane always shows the selected issue as the latest board has it ---------------


async def test_detail_repaints_after_status_and_close_without_moving(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-7")
        await settle(pilot)
        assert "Labels   Experiment\n" in facts(app)
        await pilot.press("s", "down", "enter")  # failed
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "issue-7"
        assert "Labels   Experiment, failed" in facts(app)
        await pilot.press("o")
        await settle(pilot)
        assert "✓ closed" in facts(app)


async def test_detail_repaints_after_branch(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-10")
        await settle(pilot)
        assert "none yet" in facts(app)
        await pilot.press("b")
        await settle(pilot)
        assert "none yet" not in facts(app)
        assert "explore/10-seasonality-in-weekly-orders" in facts(app)  # on a line of its own when long


async def test_detail_repaints_after_a_new_child_and_a_filter(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "ask-9")
        await settle(pilot)
        before = next(line for line in facts(app).splitlines() if line.startswith("Children"))
        await pilot.press("e", *"Holiday effects", "ctrl+s")
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "issue-13"  # the cursor goes to what was filed
        assert "Holiday effects" in facts(app) and "Ask      #9" in facts(app)
        move_to(app, "ask-9")  # and the Ask's facts list it, without a refresh
        await settle(pilot)
        after = next(line for line in facts(app).splitlines() if line.startswith("Children"))
        assert after != before and "Holiday effects" in facts(app)
        move_to(app, "ask-1")
        await settle(pilot)
        assert "#2 Data" in facts(app)
        await pilot.press("slash", *"kind:experiment")
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "ask-1"
        assert "issue-2" not in [node.data.key for node in tree_lines(app)]  # the filter hides the row...
        assert "#2 Data" in facts(app) and "#5 Experiment" in facts(app)  # ...not the Ask's child


async def test_detail_repaints_when_the_fresh_board_replaces_the_cached_one(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the board is cached for the next start
    tracker(demo).update_issue(1, title="Reduce customer churn by a third")
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "ask-1"
        assert "Reduce customer churn by a third" in facts(app)
        assert "stale" not in status(app)


# --- comments ----------------------------------------------------------------------------------


async def test_comments_appear_in_the_detail_pane(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-4")
        await settle(pilot)
        shown = comments(app)
        assert "Comments (1)" in shown and "churn is highest in the first 90 days" in shown
        move_to(app, "issue-7")
        await settle(pilot)
        assert "No comments yet" in comments(app)
        await pilot.press("w", *"tabnet overfits", "ctrl+s")
        await settle(pilot)
        assert "Comments (1)" in comments(app) and "tabnet overfits" in comments(app)


async def test_an_empty_comment_is_refused_and_the_text_kept(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-7")
        await pilot.press("w", "space", "ctrl+s")
        await settle(pilot)
        assert tracker(demo).comments(7) == []
        assert any("the comment is empty" in n.message and "kept" in n.message for n in app._notifications)
        await pilot.press("w")
        assert app.screen.query_one("#comment-text", TextArea).text == "TL;DR:  "


# --- b asks first -----------------------------------------------------------------------------


async def test_branch_on_a_closed_issue_asks_first(demo: Path) -> None:
    tracker(demo).update_issue(10, state="closed")
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-10")
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, Confirm) and "is closed" in app.screen.question
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert git(demo, "branch", "--show-current").strip() == "main"
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert git(demo, "branch", "--show-current").strip() == "explore/10-seasonality-in-weekly-orders"


# --- runs on the board ------------------------------------------------------------------------


class HeldRuns:
    """The demo's real MLflow source, held back until the test lets it answer."""

    name = "held"

    def __init__(self, inner: RunSource, release: threading.Event) -> None:
        self.inner = inner
        self.release = release

    def list_runs(self, branches: Collection[str]) -> list[Run]:
        self.release.wait(30)
        return self.inner.list_runs(branches)

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        return self.inner.metric_history(run_id, key)


async def test_runs_appear_on_rows_after_the_board_is_painted(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real = workspace_module.make_run_source
    monkeypatch.setattr(workspace_module, "make_run_source", lambda config, root: HeldRuns(real(config, root), release))
    app = build_app(demo)
    async with app.run_test(size=(160, 40)) as pilot:  # room for the metric column beside whole titles
        for _ in range(50):
            await pilot.pause(0.1)
            if any("#5 Gradient boosting baseline" in line for line in labels(app)):
                break
        row = next(line for line in labels(app) if "#5 Gradient boosting baseline" in line)
        assert "r2" not in row and "runs" not in row  # painted without waiting for the runs
        release.set()
        await settle(pilot)
        row = next(line for line in labels(app) if "#5 Gradient boosting baseline" in line)
        assert "r2 0.742 (3 runs)" in row, row
        ask = labels(app)[0]
        assert "★ meets r2 0.742" in ask, ask
        move_to(app, "issue-5")
        await settle(pilot)
        assert "Runs     3 runs · best gbm-lr0.1" in facts(app)
        assert "runs" in status(app)
        await pilot.resize_terminal(100, 30)  # narrower: the titles keep their room, the details the runs
        await settle(pilot)
        assert all("r2" not in line for line in labels(app))


async def test_a_runs_failure_is_one_line_and_the_board_works(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(config, root):
        raise RunsError("the tracking store cannot be opened; check [runs] tracking_uri")

    monkeypatch.setattr(workspace_module, "make_run_source", broken)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "runs: the tracking store cannot be opened" in status(app)
        assert any("#5 Gradient boosting baseline" in line for line in labels(app))
        await pilot.press("t")
        assert isinstance(app.screen, IssueForm)


# --- bugs -------------------------------------------------------------------------------------


async def test_a_bug_in_a_worker_is_one_line_naming_the_log(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken(self: Workspace) -> None:
        raise KeyError("not a DslpError")

    monkeypatch.setattr(Workspace, "load_issues", broken)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        log = tmp_path / "state" / "dslp-tui" / "errors.log"
        assert f"internal error (KeyError); details in {log}" in status(app)
        assert "not a DslpError" in log.read_text()
        assert app.is_running
