"""The board reads runs in a child process (``runs_process.py``): real MLflow stores, real children.

The rest of the app tests read runs in their own process (conftest's ``_runs_in_process``);
these set ``app.runs_in_child = True``, the default outside the tests.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dslp_tui import runs_process
from dslp_tui import workspace as workspace_module
from dslp_tui.app import build_app
from dslp_tui.runs import RunsError

from board_driver import labels, settle, status

SIZE = (160, 40)


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> list[runs_process.RunsReader]:
    """Every runs process the app starts (the real class; only recorded), each with its
    ``request`` and its ``outcome`` once its answer is in: "answered", or what it raised."""
    started: list[runs_process.RunsReader] = []
    real_init = runs_process.RunsReader.__init__
    real_answer = runs_process.RunsReader.answer

    def recording_init(self, root, config, request) -> None:  # type: ignore[no-untyped-def]
        self.request, self.outcome = request, None
        real_init(self, root, config, request)
        started.append(self)

    def recording_answer(self):  # type: ignore[no-untyped-def]
        try:
            answer = real_answer(self)
        except BaseException as error:
            self.outcome = type(error).__name__
            raise
        self.outcome = "answered"
        return answer

    monkeypatch.setattr(runs_process.RunsReader, "__init__", recording_init)
    monkeypatch.setattr(runs_process.RunsReader, "answer", recording_answer, raising=False)
    return started


def child_app(root: Path):
    app = build_app(root)
    app.runs_in_child = True
    return app


def gone(pid: int) -> bool:
    """Whether process ``pid`` no longer exists, not even as a zombie."""
    return not Path(f"/proc/{pid}").exists()


def row_of(app, title: str) -> str:
    return next(line for line in labels(app) if title in line)


async def test_runs_are_read_in_a_child_process_and_shown_on_the_board(
    demo: Path, readers: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_here(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the board's process listed the runs itself")

    monkeypatch.setattr(workspace_module, "make_run_source", not_here)
    monkeypatch.setattr(workspace_module.Workspace, "load_runs", not_here)
    app = child_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(100):  # the child imports MLflow: seconds on a busy machine
            if "(3 runs)" in row_of(app, "#5 Gradient boosting baseline"):
                break
            await pilot.pause(0.1)
        assert "r2 0.742 (3 runs)" in row_of(app, "#5 Gradient boosting baseline")
        assert "runs" in status(app) and "runs:" not in status(app)
    assert len(readers) == 1
    assert readers[0].pid != os.getpid()
    assert gone(readers[0].pid)  # reaped: no zombie


async def test_a_failing_store_in_the_child_is_its_runs_error_in_the_status_bar(demo: Path, readers: list) -> None:
    store = demo / "mlflow.db"
    store.write_text("not a database", encoding="utf-8")
    app = child_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(100):
            if "runs:" in status(app):
                break
            await pilot.pause(0.1)
        assert f"runs: cannot read runs from MLflow at sqlite:///{store}" in status(app)
        assert "(3 runs)" not in row_of(app, "#5 Gradient boosting baseline")
        await pilot.press("t")  # the board works: the new-issue form opens
        assert type(app.screen).__name__ == "IssueForm"
    assert readers and all(gone(reader.pid) for reader in readers)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """An MLflow tracking URI on 127.0.0.1 whose server never answers (connections wait in its backlog)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


async def test_a_newer_load_and_quitting_end_the_runs_processes(demo: Path, readers: list, silent_server: str) -> None:
    (demo / "dslp.toml").write_text(f'[runs]\ntracking_uri = "{silent_server}"\n', encoding="utf-8")
    app = child_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            if readers:
                break
            await pilot.pause(0.05)
        first = readers[0].pid
        assert not gone(first)  # still waiting for the server
        await pilot.press("r")  # a refresh reads the runs again: the older process ends
        for _ in range(100):
            if len(readers) == 2:
                break
            await pilot.pause(0.05)
        assert len(readers) == 2 and gone(first)
        second = readers[1].pid
        assert not gone(second)
    assert gone(second)  # quitting while it loads leaves nothing behind
    assert "runs:" not in (app.last_error or "")  # a process ended on purpose is no failure


def test_a_reader_returns_linked_runs_and_mlflow_stays_out_of_this_process(demo: Path) -> None:
    """In a fresh interpreter: the reader's runs are the workspace's, and MLflow is imported only by the child."""
    import subprocess

    code = (
        "import os, sys; from pathlib import Path\n"
        "from dslp_tui.config import load_config\n"
        "from dslp_tui.runs_process import RunsReader\n"
        f"root = Path({str(demo)!r})\n"
        "os.environ['PYTHONVERBOSE'] = '1'  # the child prints every import on its stderr\n"
        "reader = RunsReader(root, load_config(root), ('runs', ['experiment/5-gradient-boosting-baseline']))\n"
        "runs = reader.answer(); reader.stop()\n"
        "print(sorted((r.name, r.issue) for r in runs))\n"
        "print(any(m == 'mlflow' or m.startswith('mlflow.') for m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    listed, mlflow_here = done.stdout.splitlines()
    expected = sorted((r.name, r.issue) for r in workspace_module.Workspace.open(demo).load_runs())
    assert listed == str(expected) and len(expected) > 3
    assert mlflow_here == "False"
    assert done.stderr == ""  # nothing the child prints reaches the terminal


def test_an_error_crosses_as_itself_or_as_one_line() -> None:
    expected = runs_process.portable(RunsError("cannot read runs from MLflow at x: broken"))
    assert type(expected) is RunsError and str(expected) == "cannot read runs from MLflow at x: broken"

    class Foreign(Exception):  # a type the parent could only unpickle by importing its module
        pass

    try:
        raise Foreign("deep inside")
    except Foreign as error:
        bug = runs_process.portable(error)
    assert type(bug) is RuntimeError and str(bug) == "Foreign: deep inside"
    assert "in the process reading the runs" in bug.__notes__[0] and "raise Foreign" in bug.__notes__[0]


def test_the_reader_runs_below_the_boards_priority(demo: Path, silent_server: str) -> None:
    """On a 2-core VM the child must not take the CPU from the board's keys: it lowers its own priority."""
    import time

    from dslp_tui.config import load_config

    (demo / "dslp.toml").write_text(f'[runs]\ntracking_uri = "{silent_server}"\n', encoding="utf-8")
    reader = runs_process.RunsReader(demo, load_config(demo), ("runs", []))
    try:
        lowered = min(os.getpriority(os.PRIO_PROCESS, 0) + runs_process.NICENESS, 19)  # 19: the lowest there is
        deadline = time.monotonic() + 30
        while os.getpriority(os.PRIO_PROCESS, reader.pid) != lowered:
            assert time.monotonic() < deadline, "the runs process never lowered its priority"
            time.sleep(0.02)
        assert not gone(reader.pid)  # still waiting on the silent server: the priority held while it works
    finally:
        reader.stop()


# --- u (the runs table) and the promote preview read through children too ---------------------


@pytest.fixture
def no_mlflow_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any MLflow call of this process's own fails: every MLflow read goes through ``client()``."""
    from dslp_tui.sources.mlflow import MlflowRunSource

    def not_here(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the board's process used MLflow itself")

    monkeypatch.setattr(MlflowRunSource, "client", not_here)
    monkeypatch.setattr(workspace_module.Workspace, "runs_of", not_here)


async def until(pilot, done, what: str, seconds: float = 60) -> None:
    """Wait (the children import MLflow: seconds on a busy machine) until ``done()``."""
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never: {what}")


async def test_u_reads_the_table_and_a_metric_history_in_children(
    demo: Path, readers: list, no_mlflow_here: None
) -> None:
    from textual.widgets import DataTable, Sparkline

    from dslp_tui.screens.runs import HistoryScreen, RunsScreen

    from board_driver import move_to

    app = child_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-5")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, RunsScreen), "the runs table opened")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        names = [str(table.get_row_at(row)[0])[2:] for row in range(table.row_count)]  # after the two marks
        assert sorted(names) == ["gbm-depth10", "gbm-lr0.1", "gbm-lr0.3"]
        table.move_cursor(row=names.index("gbm-lr0.1"))
        await pilot.press("g", "enter")  # r2's history
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.points, "the history")
        line = app.screen.query_one(Sparkline)
        assert len(line.data) == 10 and line.data[-1] == 0.742
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is app.board_screen
        assert len(readers) == 3  # the board's runs, the table's, the history's
        assert all(gone(reader.pid) for reader in readers)


async def test_closing_the_table_while_a_history_is_read_ends_its_child(demo: Path, readers: list) -> None:
    import sqlite3

    from dslp_tui.screens.runs import HistoryScreen, RunsScreen

    from board_driver import move_to

    app = child_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-5")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, RunsScreen), "the runs table opened")
        await settle(pilot)
        table_readers = len(readers)
        lock = sqlite3.connect(demo / "mlflow.db", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # the store is busy: the history waits for it
        try:
            await pilot.press("g", "enter")
            await until(pilot, lambda: len(readers) > table_readers, "the history's child started")
            history = readers[-1]
            assert isinstance(app.screen, HistoryScreen) and not gone(history.pid)
            await pilot.press("escape", "escape")  # the history, then the table: closed early
            await until(pilot, lambda: gone(history.pid), "the history's child ended", seconds=5)
            await until(pilot, lambda: history.outcome is not None, "the history's reader returned", seconds=5)
            assert history.outcome == "RunsStopped"  # ended by the close, not done reading
        finally:
            lock.close()
        assert app.screen is app.board_screen
        await pilot.press("t")  # the board works
        assert type(app.screen).__name__ == "IssueForm"


async def test_a_second_u_ends_the_first_ones_child(demo: Path, readers: list) -> None:
    from dslp_tui.screens.runs import RunsScreen

    from board_driver import move_to

    app = child_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board_readers = len(readers)
        move_to(app, "issue-5")
        await pilot.press("u", "u")
        await until(pilot, lambda: isinstance(app.screen, RunsScreen), "the runs table opened")
        await settle(pilot)
        first, second = readers[board_readers:]
        assert (first.outcome, second.outcome) == ("RunsStopped", "answered")
        assert gone(first.pid) and gone(second.pid)
        assert [type(s).__name__ for s in app.screen_stack].count("RunsScreen") == 1
        assert not [n for n in app._notifications if n.severity == "error"]  # a replaced read is no failure


async def test_the_promote_preview_and_its_register_step_use_children(
    demo: Path, readers: list, no_mlflow_here: None
) -> None:
    from mlflow.tracking import MlflowClient
    from textual.widgets import Checkbox

    from dslp_tui.screens.plan import PlanScreen

    from board_driver import move_to

    app = child_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board_readers = len(readers)
        move_to(app, "issue-7")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen), "the preview opened")
        screen = app.screen
        best = screen.opened.plan.context.best_run
        assert best is not None and best.name == "tabnet-small"
        assert not screen.opened.notes
        box = screen.query_one("#plan-register", Checkbox)
        assert str(box.label) == "register the model of run tabnet-small in MLflow"
        await pilot.press(*"TabNet wins", "tab", "space", "ctrl+s")
        await until(pilot, lambda: screen.state in ("finished", "stopped"), "the promote ran")
        assert screen.state == "finished"
        await pilot.press("escape")
        await settle(pilot)
        asked = [reader.request[0] for reader in readers[board_readers:]]
        assert asked[:2] == ["runs", "register"]  # the best run's; the registration (then the board's refresh)
        assert all(gone(reader.pid) for reader in readers)
    [registered] = MlflowClient(tracking_uri=f"sqlite:///{demo / 'mlflow.db'}").search_registered_models()
    assert str(registered.latest_versions[0].version) == "1"


FRESH_BOARD = """
import asyncio, json, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from board_driver import move_to, settle
from dslp_tui.app import build_app
from dslp_tui.screens.plan import PlanScreen
from dslp_tui.screens.runs import HistoryScreen, RunsScreen


async def until(pilot, done):
    for _ in range(1200):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


async def main():
    app = build_app(Path({root!r}))
    seen = {{}}
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        move_to(app, "issue-5")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, RunsScreen))
        seen["table"] = sorted(run.name for run in app.screen.runs)
        await pilot.press("g", "enter")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.points is not None)
        seen["history"] = len(app.screen.points)
        await pilot.press("escape", "escape")
        await settle(pilot)
        move_to(app, "issue-7")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        seen["best"] = app.screen.opened.plan.context.best_run.name
        await pilot.press("escape")
        await settle(pilot)
    seen["runs_in_child"] = app.runs_in_child
    seen["imported"] = sorted({{m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("mlflow", "azure")}})
    print(json.dumps(seen))


asyncio.run(main())
"""


def test_u_and_the_promote_preview_leave_mlflow_out_of_the_boards_process(demo: Path) -> None:
    """In a fresh interpreter (this one has MLflow from other tests): the real app, as started."""
    import json
    import subprocess

    code = FRESH_BOARD.format(tests=str(Path(__file__).parent), root=str(demo))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen == {
        "table": ["gbm-depth10", "gbm-lr0.1", "gbm-lr0.3"],
        "history": 10,
        "best": "tabnet-small",
        "runs_in_child": True,
        "imported": [],
    }
