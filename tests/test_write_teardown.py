"""A write that ends after the person quit: its callbacks do not run against a closing app."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from textual.widget import Widget

from dslp_tui.app import build_app

from board_driver import settle


class Releaser(Widget):
    """Sets ``event`` when it is unmounted: the moment the app's teardown reaches the board."""

    def __init__(self, event: threading.Event) -> None:
        super().__init__()
        self.event = event

    def on_unmount(self) -> None:
        self.event.set()


async def test_quitting_while_a_write_is_in_flight_exits_cleanly(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    release = threading.Event()
    seen: list[tuple[str, bool]] = []  # what happened, and whether the app was still running
    app = build_app(demo)

    def slow_status(workspace) -> str:
        assert release.wait(10), "teardown never reached the board"  # a tracker call still on the wire
        return "done"

    def done(result: str) -> None:
        seen.append(("done", app.is_running))
        app.board_screen.select_next = 1  # what a real callback touches: the board's screen
        app.notify("written")

    calls = app.call_from_thread

    def call_from_thread(callback, *args):
        try:
            return calls(callback, *args)
        except BaseException as error:  # what the worker would raise
            seen.append((f"raised {type(error).__name__}: {error}", app.is_running))
            raise

    monkeypatch.setattr(app, "call_from_thread", call_from_thread)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.board_screen.mount(Releaser(release))
        app.write("status", slow_status, done)
        await pilot.press("q")
    # The write's thread finishes (and its callbacks are called or skipped) before we look.
    await asyncio.wait_for(asyncio.get_running_loop().shutdown_default_executor(), 10)
    assert release.is_set()
    assert app.return_code in (0, None)
    assert seen == [], seen  # nothing ran, and nothing raised, once the app was closing
    assert not (tmp_path / "state" / "dslp-tui" / "errors.log").exists()
