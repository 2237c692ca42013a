"""Keys typed in a burst, or before the board is ready, land where the person meant them.

The keys are sent the way the terminal's input thread sends them (``driver.send_message``,
all at once, no waiting between them), not through ``pilot.press``, which waits after each.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input, TextArea

from dslp_tui.app import DslpApp, build_app
from dslp_tui.screens.board import BoardScreen
from dslp_tui.screens.issue_form import IssueForm
from dslp_tui.sources.local import LocalTracker

from board_driver import settle, tree

SIZE = (120, 40)
NAMES = {"\t": "tab", " ": "space", ":": "colon", "/": "slash", "\r": "enter"}


def burst(app: DslpApp, *chunks: str) -> None:
    """Send keys back to back as the input thread does: text chunks char by char, or key names."""
    for chunk in chunks:
        keys = [(NAMES.get(c, c), c) for c in chunk] if len(chunk) == 1 or chunk not in KEY_NAMES else [(chunk, None)]
        for key, char in keys:
            event = events.Key(key, char)
            event.set_sender(app)
            app._driver.send_message(event)


KEY_NAMES = {"tab", "enter", "ctrl+s", "escape"}


async def until(pilot, fact, timeout: float = 20) -> None:
    """Wait on a fact, not a guess: the keys are applied at the app's pace (a loaded machine's)."""
    for _ in range(int(timeout / 0.05)):
        if fact():
            return
        await pilot.pause(0.05)


def filed(repo: Path, number: int) -> bool:
    return number in {i.number for i in LocalTracker.for_git_dir(repo / ".git").list_issues()}


async def test_a_tab_in_a_burst_moves_to_the_next_field(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, IssueForm)
        burst(app, "abc", "tab", "def")
        await until(pilot, lambda: "def" in app.screen.query_one("#section-0", TextArea).text)
        form = app.screen
        assert form.query_one("#title", Input).value == "abc"
        section = form.query_one("#section-0", TextArea)
        assert app.focused is section
        assert "### Desired Outcome\ndef" in section.text


async def test_a_burst_that_opens_the_filter_types_into_it(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "/", "zzqq")  # q is quit on the board: it must reach the filter instead
        await until(pilot, lambda: app.query_text == "zzqq" or not app.is_running)
        assert app.is_running and isinstance(app.screen, BoardScreen)
        assert app.screen.query_one("#filter", Input).value == "zzqq"
        assert app.query_text == "zzqq"


async def test_keys_typed_before_the_board_is_ready_are_applied_in_order(demo: Path) -> None:
    app = build_app(demo)
    app._open_lock.acquire()  # the first load waits on it: the keys are surely typed before the board is ready
    async with app.run_test(size=SIZE) as pilot:
        assert app.workspace is None
        burst(app, "a", "Early idea", "tab", "Fewer tickets", "ctrl+s")
        await until(pilot, lambda: len(app._typed) == 1 + 10 + 1 + 13 + 1)  # every key held, none lost
        assert len(app._typed) == 26
        app._open_lock.release()
        await until(pilot, lambda: filed(demo, 13))
        created = LocalTracker.for_git_dir(demo / ".git").get_issue(13)
        assert created.title == "Early idea"
        assert "### Desired Outcome\n\nFewer tickets" in created.body


async def test_a_fresh_board_keeps_focus_and_text_in_the_filter(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"ask")
        field = app.screen.query_one("#filter", Input)
        app.refresh_board()  # the fresh board replaces the one shown, as at start-up
        await settle(pilot)
        assert app.focused is field and field.value == "ask" and field.cursor_position == 3
        assert tree(app).cursor_node is not None
