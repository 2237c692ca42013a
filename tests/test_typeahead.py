"""Keys typed in a burst, or before the board is ready, land where the person meant them.

The keys are sent the way the terminal's input thread sends them (``driver.send_message``,
all at once, no waiting between them), not through ``pilot.press``, which waits after each.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, TextArea

from dslp_tui.app import DslpApp, build_app
from dslp_tui.screens.board import BoardScreen
from dslp_tui.screens.issue_form import IssueForm
from dslp_tui.screens.typeahead import TypeAheadApp
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


class GatedApp(TypeAheadApp[None]):
    """Holds typed keys until ``ready``; :meth:`hold` parks the app's message loop on ``gate``."""

    def __init__(self) -> None:
        super().__init__()
        self.ready = False
        self.gate = asyncio.Event()
        self.holding = asyncio.Event()

    def keys_ready(self) -> bool:
        return self.ready

    async def hold(self) -> None:
        self.holding.set()
        await self.gate.wait()


async def soon(fact, timeout: float = 20) -> None:
    """Wait on a fact with the app parked (``pilot.pause`` would wait for it to answer)."""
    for _ in range(int(timeout / 0.01)):
        if fact():
            return
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("parked", ["passing a key", "settling"])
async def test_keys_in_flight_when_the_screens_close_are_dropped(parked: str) -> None:
    """Found by the storm on a loaded machine: ``ScreenStackError: No screens on stack``.

    Shutting down (``run_test``'s teardown, a crash) closes the screens and empties the
    stack before the app's own queue closes, and without ``exit`` (``_exit`` stays False).
    A key the feeder handed to the app just before reached ``on_event`` with no screen
    (``self.focused``), and the feeder's next ``_settle`` read ``self.screen`` too. Here the
    app is busy in a handler while the feeder is parked, passing ``y`` or waiting in
    ``_settle``; the screens close, then the handler returns.
    """
    app = GatedApp()
    close_all = app._close_all

    async def close_all_then_let_the_app_go_on() -> None:
        await close_all()  # the stack is empty now; the app's queue is still open
        app.gate.set()
        await asyncio.wait([app._feeder], timeout=5)

    app._close_all = close_all_then_let_the_app_go_on
    async with app.run_test():
        burst(app, "yz")
        await soon(lambda: len(app._typed) == 2)
        app.call_later(app.hold)
        await app.holding.wait()  # the app's loop is parked in a handler
        if parked == "settling":
            app.call_later(lambda: None)  # the app is not quiet: the feeder waits for it in _settle
        app.ready = True
        app.release_keys()
        # The feeder has posted its probe to the app (after y, or after the pending callback).
        await soon(lambda: app.message_queue_size == 2)
        assert app.message_queue_size == 2
        assert (app._passing is not None) == (parked == "passing a key")
    assert app._exception is None
    await asyncio.wait([app._feeder], timeout=5)  # it looks every CLOSED_CHECK whether to go on
    assert app._feeder.done() and app._feeder.exception() is None
    assert not app.keys_pending  # nothing left to deliver them to: dropped


async def test_a_key_bubbling_up_when_the_screens_close_is_dropped() -> None:
    """A key on its trip up the DOM reaches the app after the screens closed: Textual's own
    key handling reads ``self.screen`` (``_check_bindings``), so the app drops it first."""
    app = GatedApp()
    close_all = app._close_all

    async def close_all_then_let_the_app_go_on() -> None:
        await close_all()  # the stack is empty now; the app's queue is still open
        app.gate.set()
        await soon(lambda: app.message_queue_size == 0)
        await asyncio.sleep(0.1)  # the key is handled

    app._close_all = close_all_then_let_the_app_go_on
    async with app.run_test():
        app.call_later(app.hold)
        await app.holding.wait()  # the app's loop is parked in a handler
        key = events.Key("y", "y")
        key.set_sender(app)
        app.screen._forward_event(key)  # as the app hands a key over: the screen bubbles it up to the app
        await soon(lambda: app.message_queue_size == 1)
        assert app.message_queue_size == 1
    assert app._exception is None
