"""The board's moves (p promote, x fail, c close an exploration): preview, TL;DR, live log, resume.

Driven through Pilot on the demo project; what the move did is read back from the real
tracker and from git, never from the screen alone.
"""

from __future__ import annotations

import io
import subprocess
import threading
from pathlib import Path

from rich.console import Console
from textual.widgets import Static, TextArea

from dslp_tui.app import DslpApp, build_app
from dslp_tui.process import BASED_ON_EXPERIMENT, Kind, parse_reference
from dslp_tui.screens.board import BoardScreen
from dslp_tui.screens.plan import PlanScreen
from dslp_tui.sources.local import LocalTracker

from board_driver import move_to, settle

SIZE = (120, 40)
EXP = "experiment/7-deep-tabular-network"


def git(repo: Path, *args: str, check: bool = True) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=check, capture_output=True, text=True).stdout


def tracker(repo: Path) -> LocalTracker:
    return LocalTracker.for_git_dir(repo / ".git")


def shown(app: DslpApp, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}", Static).render())


def steps(app: DslpApp) -> list[str]:
    """The steps as shown (a grid: number, mark, words), one line each at a wide width."""
    console = Console(width=400, file=io.StringIO(), color_system=None)
    with console.capture() as captured:
        console.print(app.screen._steps_text())
    return [" ".join(line.split()) for line in captured.get().splitlines() if line.strip()]


def log(app: DslpApp) -> list[str]:
    return [line for line in shown(app, "plan-log").splitlines() if line.strip()]


async def open_move(pilot, key: str, number: int) -> PlanScreen:
    move_to(pilot.app, f"issue-{number}")
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, PlanScreen)
    return pilot.app.screen


async def run_it(pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


def models_based_on(repo: Path, number: int):
    return [
        i
        for i in tracker(repo).list_issues()
        if i.kind is Kind.MODEL and parse_reference(i.body, BASED_ON_EXPERIMENT) == number
    ]


async def test_promote_previews_then_runs_with_a_live_log(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_move(pilot, "p", 7)
        lines = steps(app)
        assert lines[0] == "1. [ ] comment the TL;DR on #7"
        assert not any("[done]" in line for line in lines)
        assert any(f"merge main into {EXP}" in line for line in lines)
        assert any(f"delete {EXP}" in line for line in lines)
        assert models_based_on(demo, 7) == []  # nothing changes before the confirmation
        await pilot.press(*"TabNet wins: r2 0.78")
        await run_it(pilot)
        assert log(app)[-1] == "promote #7 finished", log(app)
        assert screen.state == "finished"
        assert all("[done]" in line for line in steps(app))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
    issue = tracker(demo).get_issue(7)
    assert issue.state == "closed" and "succeeded" in issue.labels
    assert [c.body for c in tracker(demo).comments(7)] == ["TL;DR: TabNet wins: r2 0.78"]
    (model,) = models_based_on(demo, 7)
    assert model.parent == 1 and "Best run:" in model.body  # the experiment's best run, from MLflow
    branches = git(demo, "branch", "--format=%(refname:short)").split()
    model_branch = next(b for b in branches if b.startswith(f"model/{model.number}-"))
    assert EXP not in branches  # deleted once merged
    assert "MODEL = 'tabnet'" in git(demo, "show", f"{model_branch}:src/churn/deep.py")


async def test_escape_keeps_the_tldr_and_reopening_resumes_it(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_move(pilot, "p", 7)
        await pilot.press(*"half a thought", "escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        await open_move(pilot, "p", 7)
        assert app.screen.query_one("#plan-tldr", TextArea).text == "half a thought"
    assert tracker(demo).comments(7) == []  # kept, not sent
    assert "half a thought" in (demo / ".git" / "dslp" / "moves" / "promote-7.json").read_text()


async def test_escape_with_nothing_typed_leaves_no_journal(demo: Path) -> None:
    """A preview looked at and closed changes nothing, not even .git/dslp; a TL;DR cleared
    before escape removes the kept one."""
    journal = demo / ".git" / "dslp" / "moves" / "fail-6.json"
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_move(pilot, "x", 6)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen) and not journal.exists()
        await open_move(pilot, "x", 6)
        await pilot.press(*"draft", "escape")
        await settle(pilot)
        assert journal.exists()
        await open_move(pilot, "x", 6)
        await pilot.press(*["backspace"] * 5, "escape")
        await settle(pilot)
        assert not journal.exists()


async def test_fail_an_experiment(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_move(pilot, "x", 7)
        await pilot.press(*"TabNet overfits")
        await run_it(pilot)
        assert log(app)[-1] == "fail #7 finished", log(app)
    issue = tracker(demo).get_issue(7)
    assert issue.state == "closed" and "failed" in issue.labels
    assert [c.body for c in tracker(demo).comments(7)] == ["TL;DR: TabNet overfits"]
    assert "- #7 failed: TabNet overfits" in tracker(demo).get_issue(1).body
    assert EXP in git(demo, "branch")  # the process keeps failed work


async def test_close_an_exploration_prefills_the_tldr_from_its_findings(demo: Path) -> None:
    body = tracker(demo).get_issue(10).body
    body = body.replace("## What was discovered\n", "## What was discovered\n\nOrders peak on Mondays.\n", 1)
    assert "Orders peak on Mondays." in body
    tracker(demo).update_issue(10, body=body)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_move(pilot, "c", 10)
        assert "Orders peak on Mondays." in app.screen.query_one("#plan-tldr", TextArea).text
        await run_it(pilot)
        assert log(app)[-1] == "close #10 finished", log(app)
    assert tracker(demo).get_issue(10).state == "closed"
    assert tracker(demo).comments(10)[0].body.startswith("TL;DR: Orders peak on Mondays.")


async def test_a_refusal_is_one_line_and_changes_nothing(demo: Path) -> None:
    (demo / "README.md").write_text("work in progress\n")
    refs = git(demo, "for-each-ref")
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_move(pilot, "p", 7)
        assert log(app) == ["Cannot start: you have uncommitted changes; commit or stash them, then promote"]
        await pilot.press(*"TabNet wins")
        await run_it(pilot)
        assert log(app)[-1] == "Not run: you have uncommitted changes; commit or stash them, then promote"
        assert screen.state == "preview" and isinstance(app.screen, PlanScreen)
    assert tracker(demo).comments(7) == [] and tracker(demo).get_issue(7).labels == ("Experiment",)
    assert models_based_on(demo, 7) == []
    assert git(demo, "for-each-ref") == refs


async def test_a_wrong_kind_is_one_line_and_no_dialog(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-10")
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert any("not Experiment" in n.message for n in app._notifications)


async def test_a_conflict_stops_the_move_and_pressing_p_again_resumes(demo: Path) -> None:
    git(demo, "checkout", "-q", EXP)
    (demo / "README.md").write_text("the experiment's readme\n")
    git(demo, "commit", "-qam", "Experiment readme (#7)")
    git(demo, "checkout", "-q", "main")
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_move(pilot, "p", 7)
        await pilot.press(*"TabNet wins")
        await run_it(pilot)
        assert screen.state == "stopped"
        failure = next(line for line in log(app) if "failed at step" in line)
        assert "(merge_base)" in failure and "README.md" in failure
        text = " ".join(log(app))
        assert f"git checkout {EXP} && git merge main" in text  # the commands that resolve it, in full
        assert any("[FAIL]" in line and "merge main into" in line for line in steps(app))
        assert tracker(demo).get_issue(7).state == "open"
        await pilot.press("escape")
        await settle(pilot)
        # resolve as the log says, then p again: the steps done are marked done and skipped
        git(demo, "checkout", "-q", EXP)
        git(demo, "merge", "-q", "main", check=False)
        (demo / "README.md").write_text("both\n")
        git(demo, "commit", "-qam", "Resolve")
        git(demo, "checkout", "-q", "main")
        await open_move(pilot, "p", 7)
        assert app.screen.query_one("#plan-tldr", TextArea).text == "TabNet wins"
        marks = steps(app)
        assert all("[done]" in line for line in marks[:5]), marks
        assert not any("[done]" in line for line in marks[5:]), marks
        await run_it(pilot)
        assert log(app)[-1] == "promote #7 finished", log(app)
        assert sum("already done" in line for line in log(app)) == 5
    assert tracker(demo).get_issue(7).state == "closed"
    assert [c.body for c in tracker(demo).comments(7)] == ["TL;DR: TabNet wins"]  # never twice
    assert len(models_based_on(demo, 7)) == 1


async def test_deploy_is_a_status_choice_on_models_only(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-8")
        await pilot.press("s", "end", "enter")  # the last choice on a Model: Deploy
        await settle(pilot)
        assert "Deploy" in tracker(demo).get_issue(8).labels
        await pilot.press("s", "end", "enter")  # again: remove Deploy
        await settle(pilot)
        assert "Deploy" not in tracker(demo).get_issue(8).labels
        move_to(app, "issue-7")
        await pilot.press("s")  # an Experiment: no Deploy
        assert [key for key, _ in app.screen.options][-1] == "none"


async def test_a_second_p_while_the_first_preview_is_built_opens_one_preview(demo: Path, monkeypatch) -> None:
    from dslp_tui import workflows

    entered: list[int] = []
    gate = threading.Event()
    real = workflows.open_move

    def held(*args):  # the first p's preview is still being built when the second p comes
        entered.append(1)
        gate.wait(10)
        return real(*args)

    monkeypatch.setattr(workflows, "open_move", held)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-7")
        board = app.screen
        board.action_move("promote")
        await until(pilot, lambda: len(entered) == 1)
        board.action_move("promote")  # replaces the first, which is past the point of cancelling
        gate.set()
        await until(pilot, lambda: len(entered) == 2)
        await until(pilot, lambda: not any(w.group == "move" and w.is_running for w in app.workers))
        await pilot.pause(0.2)
        assert sum(isinstance(screen, PlanScreen) for screen in app.screen_stack) == 1
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)


async def until(pilot, condition) -> None:
    """Wait (at most 10 s) for ``condition``; settle's wait_for_complete raises for cancelled workers."""
    for _ in range(100):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError("timed out")


async def test_help_and_palette_list_the_moves(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert titles["Promote the experiment to a Model (previewed plan)"] == "key: p"
        assert titles["Fail the experiment: TL;DR, failed, close (previewed plan)"] == "key: x"
        assert titles["Close the exploration with its TL;DR (plan)"] == "key: c"
        keys = dict(app._key_list())
        assert keys["p"].startswith("Promote") and keys["x"].startswith("Fail") and keys["c"].startswith("Close the")


async def test_hostile_text_in_the_preview_is_shown_as_is(demo: Path) -> None:
    hostile = "[@click=app.quit]x[/b] \x1b[31mred"
    tracker(demo).update_issue(7, title=hostile)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_move(pilot, "p", 7)
        assert screen.query_one("#plan")._border_title.plain == "Promote #7 [@click=app.quit]x[/b] red"
        assert any("'Implement [@click=app.quit]x[/b] red model'" in line for line in steps(app)), steps(app)
        await pilot.click("#plan")
        await pilot.pause()
        assert app.is_running


async def test_promote_can_register_the_best_runs_model(demo: Path) -> None:
    """The demo's runs are in MLflow, a ModelRegistry: the preview offers registering #7's best run."""
    from mlflow.tracking import MlflowClient
    from textual.widgets import Checkbox

    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_move(pilot, "p", 7)
        box = screen.query_one("#plan-register", Checkbox)
        best = screen.opened.plan.context.best_run
        assert best is not None and best.name == "tabnet-small"
        assert str(box.label) == "register the model of run tabnet-small in MLflow"  # by name: no random id
        assert not box.value and not any("register the model" in line for line in steps(app))
        assert "register the model" in shown(app, "plan-hint")
        await pilot.press(*"TabNet wins")
        await pilot.press("tab")  # from the TL;DR to the toggle
        assert app.focused is box
        await pilot.press("space")
        await settle(pilot)
        assert box.value
        assert steps(app)[-1].endswith(
            f"[ ] register the model of run {best.id} in MLflow sqlite:///{demo / 'mlflow.db'}"
        )
        await pilot.press("space")  # off again: the step goes
        await settle(pilot)
        assert not any("register the model" in line for line in steps(app))
        await pilot.press("space")
        await run_it(pilot)
        assert log(app)[-1] == "promote #7 finished", log(app)
        assert box.disabled
    (model,) = models_based_on(demo, 7)
    [registered] = MlflowClient(tracking_uri=f"sqlite:///{demo / 'mlflow.db'}").search_registered_models()
    assert registered.name.startswith(f"{model.number}-") and str(registered.latest_versions[0].version) == "1"
    assert any(
        c.body.startswith(f"Registered the model of run {best.id}") for c in tracker(demo).comments(model.number)
    )


async def test_promote_without_a_registry_offers_no_register_toggle(demo: Path) -> None:
    """Runs off (``source = "none"``): no best run, no registry, no toggle, and promote still runs."""
    (demo / "dslp.toml").write_text('[runs]\nsource = "none"\n', encoding="utf-8")
    git(demo, "commit", "-qam", "runs off")
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_move(pilot, "p", 7)
        assert not screen.query("#plan-register")
        assert "register" not in shown(app, "plan-hint")
        assert not any("register the model" in line for line in steps(app))


async def test_the_register_box_is_marked_only_when_ticked_with_no_color(demo: Path, monkeypatch) -> None:
    """Under NO_COLOR, on and off differ by their mark, not by a colour the terminal does not show."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_move(pilot, "p", 7)

        def box_line() -> str:
            lines = ["".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()]
            return next(line for line in lines if "register the model of run" in line)

        assert "X" not in box_line().split("register")[0], box_line()
        await pilot.press(*"TabNet wins", "tab", "space")
        await settle(pilot)
        assert "X" in box_line().split("register")[0], box_line()
