"""Key bursts, as a terminal delivers them: every key queued before the first is handled.

``pilot.press`` waits for the app to go idle after each key, which hides the races a real
burst hits (a modal's second dismiss, a board action reaching the app after a modal opened).
These tests hand keys to the driver the way its input thread does, many at once, and only
pause between bursts.

The random storms use the seeds in ``DSLP_STORM_SEEDS`` (space-separated) when it is set, so
a failing seed can be replayed and new ones tried without editing this file.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import random
import shutil
import subprocess
import time
import unicodedata
from pathlib import Path

import pytest
from textual import events
from textual.command import CommandList, CommandPalette
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.worker import WorkerState

from dslp_tui import screens as screens_package
from dslp_tui.app import DslpApp, build_app
from dslp_tui.screens.board import BOARD_ACTIONS, BoardScreen, BoardTree
from dslp_tui.screens.help import HelpScreen
from dslp_tui.screens.modal import Modal

from board_driver import settle

SIZE = (100, 30)
QUIT_KEYS = {"q", "ctrl+q", "ctrl+c"}  # the storm must not simply end the app
SEEDS = [int(seed) for seed in os.environ.get("DSLP_STORM_SEEDS", "1 2 3").split()]
KEYS_PER_STORM = 2000


_TEMPLATE: list[Path] = []  # the demo, built once (dozens of git commands); each test gets a copy


@pytest.fixture
def demo(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the demo whose origin (a bare repository in its .git) is its own."""
    from dslp_tui.demo import create_demo

    if not _TEMPLATE:  # built under the first test's isolated git environment (conftest)
        _TEMPLATE.append(create_demo(tmp_path_factory.mktemp("template") / "churn-model"))
    demo_template = _TEMPLATE[0]
    monkeypatch.chdir(tmp_path)  # anything the storm writes relative to the cwd lands here
    root = tmp_path / "churn-model"
    shutil.copytree(demo_template, root, symlinks=True)
    origin = git(root, "remote", "get-url", "origin")
    git(root, "remote", "set-url", "origin", origin.replace(str(demo_template), str(root), 1))
    assert Path(git(root, "remote", "get-url", "origin")).is_relative_to(root)  # pushes stay in this copy
    return root


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def key_event(key: str) -> events.Key:
    """The event a terminal's key produces (as ``pilot.press`` builds it)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def burst(app: DslpApp, keys: list[str]) -> None:
    """Queue ``keys`` at once, as the driver's input thread does for one read of a burst."""
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        app._driver.send_message(event)


def dialogs() -> set[type[Modal]]:
    """Every dialog the screens package defines (imported here, so a new one is stormed too)."""
    for module in pkgutil.iter_modules(screens_package.__path__):
        importlib.import_module(f"{screens_package.__name__}.{module.name}")
    found: set[type[Modal]] = set()
    todo = [Modal]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def storm_keys() -> list[str]:
    """The app's own keys (every screen's bindings) plus the keys people press anyway."""
    keys = {key for action in BOARD_ACTIONS for key in action.key.split(",")}
    for owner in (*dialogs(), BoardTree, DslpApp):
        for binding in owner.BINDINGS:
            keys.update(k.strip() for k in binding.key.split(","))
    keys |= {"escape", "enter", "tab", "shift+tab", "up", "down", "left", "right", "space", "home", "end"}
    keys |= {"backspace", "pageup", "pagedown", "ctrl+s", "ctrl+p"}
    keys |= set("xyz")  # typed text
    return sorted(keys - QUIT_KEYS)


def without_quit_command(app: DslpApp) -> None:
    """Take Quit out of this app's command palette: ctrl+p, down…, enter may pick it mid-storm."""
    commands = app.get_system_commands

    def get_system_commands(screen):
        return (command for command in commands(screen) if command.title != "Quit")

    app.get_system_commands = get_system_commands


async def quiesce(app: DslpApp, timeout: float = 60.0) -> None:
    """Wait until every worker is done and every queued key handled, without ``pilot.pause``.

    ``pilot.pause`` (and ``workers.wait_for_complete``, which ``settle`` uses) cannot be used
    mid-storm: the first waits for every widget of the current screen to answer, and a dialog
    being removed never does (30 s, then a timeout); the second raises for a worker that is
    still pending or was cancelled by a newer refresh. Both are about the test, not the app.
    """
    deadline = time.monotonic() + timeout
    calm = 0
    while calm < 3:  # three looks in a row with nothing queued and no worker busy
        assert time.monotonic() < deadline, "the app did not settle after the storm"
        await asyncio.sleep(0.05)
        busy = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)
        calm = 0 if busy or app.keys_pending or not app._message_queue.empty() else calm + 1


async def assert_board_answers(app: DslpApp, pilot) -> None:
    """No crash, still running; escape closes whatever is open, then ``?`` shows help over the board."""
    assert app._exception is None
    assert app.is_running
    for _ in range(6):
        if isinstance(app.screen, BoardScreen):
            break
        await pilot.press("escape")
        await quiesce(app)
    await pilot.press("escape", "question_mark")
    assert isinstance(app.screen, HelpScreen)
    assert isinstance(app.screen_stack[-2], BoardScreen)


async def test_the_reported_burst_leaves_the_board_working(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, ["r", "n", "enter", "escape", "left"])
        await settle(pilot)
        assert app.is_running
        await pilot.press("escape", "escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert isinstance(app.screen_stack[1], BoardScreen)


def test_the_storm_uses_every_screens_keys() -> None:
    keys = set(storm_keys())
    assert {"a", "n", "s", "w", "b", "o", "slash", "question_mark", "ctrl+r", "ctrl+s", "ctrl+p"} <= keys
    assert {"escape", "enter", "tab", "left", "right", "up", "down"} <= keys
    assert not keys & QUIT_KEYS


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_key_storms(demo: Path, seed: int) -> None:
    """Thousands of the app's keys in bursts of 1 to 30: it survives, and the board still answers.

    Every write lands in the demo copy (its tracker, its git, its own origin) or the test's
    home (a palette screenshot); the quit keys and the palette's Quit are left out, so an app
    that ended would have crashed.
    """
    rng = random.Random(seed)
    keys = storm_keys()
    app = build_app(demo)
    without_quit_command(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sent = 0
        while sent < KEYS_PER_STORM:
            size = rng.randint(1, 30)
            burst(app, [rng.choice(keys) for _ in range(size)])
            sent += size
            await asyncio.sleep(rng.choice((0, 0, 0.005, 0.02)))
            assert app._exception is None, f"seed {seed}: crashed after {sent} keys"
        await quiesce(app)
        await assert_board_answers(app, pilot)


async def open_palette(app: DslpApp, pilot):
    await pilot.press("ctrl+p")
    await quiesce(app)
    assert CommandPalette.is_open(app)
    return app.screen


async def test_a_late_second_close_of_the_palette_leaves_the_board(demo: Path) -> None:
    """Found by the storm: ``enter`` on a palette option, then ``escape`` in the same burst.

    Escape closes the palette; the selection, queued before it, is handled after and closes
    the palette again: Textual's dismiss pops whatever is on top, the board. Replayed here
    as the two dismisses, in that order.
    """
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        palette = await open_palette(app, pilot)
        palette.dismiss()  # escape
        palette.dismiss()  # the selection handled after it
        await quiesce(app)
        await assert_board_answers(app, pilot)


async def test_ctrl_p_while_the_closed_palette_is_still_being_removed_opens_a_new_one(demo: Path) -> None:
    """Found by the storm (seed 3): escape then ctrl+p in one burst. The closed palette is
    still registered while it is removed; the new one must not clash with it (DuplicateIds)."""
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        palette = await open_palette(app, pilot)
        palette.dismiss()  # escape: popped, its removal still to come
        app.action_command_palette()  # ctrl+p, handled before the removal
        await quiesce(app)
        assert CommandPalette.is_open(app) and app.screen is not palette
        app.screen.dismiss()
        await quiesce(app)
        await assert_board_answers(app, pilot)


async def test_a_palette_search_that_outlives_the_palette_ends_quietly(demo: Path) -> None:
    """Found by the storm: a keystroke's search starting after escape removed the palette's list."""
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        palette = await open_palette(app, pilot)
        list_ = palette.query_one(CommandList)
        await list_.remove()  # what closing the palette does first
        palette._gather_commands("x")  # the search of a key typed just before escape
        palette.dismiss()
        await quiesce(app)
        await assert_board_answers(app, pilot)


@pytest.mark.parametrize("late", ["loaded", "failed", "comments"])
async def test_a_refresh_finishing_during_shutdown_does_not_raise(demo: Path, late: str) -> None:
    """A refresh's result that arrives while the app closes its screens is dropped, not drawn.

    Textual can still handle the app's messages while it removes the screens at shutdown (it
    does under ``run_test``, where the app's queue closes only after the screens); a
    refresh's worker posting then found the board's tree gone (``NoMatches``), and so did
    the comments read for the issue shown (``#detail-comments``). The result is posted here
    at that moment: after the screens are closed, before the app's queue is.
    """
    from dslp_tui.app import CommentsLoaded, Failed, IssuesLoaded
    from dslp_tui.workspace import IssuesPart

    app = build_app(demo)
    close_all = app._close_all

    async def close_all_then_a_refresh_finishes() -> None:
        await close_all()
        snapshot = app.snapshot
        assert snapshot is not None
        shown = app.board_screen._shown
        assert shown is not None  # the detail pane shows an issue: its comments would go there
        late_message = {
            "loaded": IssuesLoaded(IssuesPart(snapshot.issues, snapshot.pulls)),
            "failed": Failed("tracker", OSError("gone")),
            "comments": CommentsLoaded(shown, []),
        }[late]
        app.post_message(late_message)
        await asyncio.sleep(0.1)  # the app's queue is still open: it handles the message now

    app._close_all = close_all_then_a_refresh_finishes
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    assert app._exception is None


async def test_paging_the_palette_before_it_is_drawn_does_nothing(demo: Path) -> None:
    """Found by the storm: ``ctrl+p pagedown`` in one burst paged a list with no lines yet."""
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, ["ctrl+p", "pagedown", "ctrl+p", "down", "pageup"])
        await quiesce(app)
        assert CommandPalette.is_open(app)
        await assert_board_answers(app, pilot)


async def test_paging_a_select_before_its_list_is_drawn_does_nothing(demo: Path) -> None:
    """Found by the storm: a form's Ask ``Select`` opened and paged in one burst paged its
    overlay's list before it was laid out (``KeyError: 0`` ended the app)."""
    from dslp_tui.screens.issue_form import IssueForm

    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, ["t", "tab", "enter", "pagedown", "pageup", "pagedown"])
        await quiesce(app)
        assert isinstance(app.screen, IssueForm)
        await assert_board_answers(app, pilot)
