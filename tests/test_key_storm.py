"""Key bursts, as a terminal delivers them: every key queued before the first is handled.

``pilot.press`` waits for the app to go idle after each key, which hides the races a real
burst hits (a modal's second dismiss, a board action reaching the app after a modal opened).
These tests hand keys to the driver the way its input thread does, many at once, and only
pause between bursts.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

from dslp_tui.app import DslpApp, build_app
from dslp_tui.screens.board import BOARD_ACTIONS, BoardScreen
from dslp_tui.screens.comment_form import CommentForm
from dslp_tui.screens.help import HelpScreen
from dslp_tui.screens.issue_form import IssueForm
from dslp_tui.screens.pickers import Picker

from board_driver import settle

SIZE = (100, 30)
QUIT_KEYS = {"q", "ctrl+q", "ctrl+c"}  # the storm must not simply end the app


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    from dslp_tui.demo import create_demo

    return create_demo(tmp_path / "churn-model")


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


def storm_keys() -> list[str]:
    """The app's own keys (every screen's bindings) plus the keys people press anyway."""
    keys = {key for action in BOARD_ACTIONS for key in action.key.split(",")}
    for screen in (HelpScreen, Picker, IssueForm, CommentForm):
        for binding in screen.BINDINGS:
            keys.update(k.strip() for k in binding.key.split(","))
    keys |= {"escape", "enter", "tab", "shift+tab", "up", "down", "left", "right", "space", "home", "end"}
    keys |= set("xyz")  # typed text
    return sorted(keys - QUIT_KEYS)


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
