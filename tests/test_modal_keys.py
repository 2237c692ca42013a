"""Every dialog's footer shows the dialog's own keys, never the board's (which do nothing there)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.binding import Binding

from dslp_tui.app import build_app
from dslp_tui.screens.board import BOARD_ACTIONS
from dslp_tui.screens.confirm import Confirm
from dslp_tui.screens.keyline import KeyLine
from dslp_tui.screens.modal import Modal

from board_driver import move_to, settle


def footer_line(app: App) -> str:
    return "".join(segment.text for segment in app.screen._compositor.render_strips()[-1])


def board_pairs(app: App) -> set[str]:
    """Every key the board's footer can show, as "key word"."""
    return {f"{app.get_key_display(Binding(a.key, a.action))} {a.short}" for a in BOARD_ACTIONS if a.footer}


def own_pairs(app: App, screen: Modal) -> list[str]:
    """The dialog's shown keys as "key description", one per action, in binding order (an
    action its ``check_action`` hides now is not shown)."""
    pairs: dict[str, str] = {}
    for binding in Binding.make_bindings(type(screen).BINDINGS):
        hidden = screen.check_action(binding.action, ()) is False
        if binding.show and not hidden and binding.action not in pairs:
            pairs[binding.action] = f"{app.get_key_display(binding)} {binding.description}"
    return list(pairs.values())


async def _open(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def _confirm(pilot) -> None:
    pilot.app.push_screen(Confirm("Close #1?", "It has open children.", "Close anyway"))
    await settle(pilot)


async def _columns(pilot) -> None:
    move_to(pilot.app, "issue-5")
    await _open(pilot, "u")
    await _open(pilot, "c")


async def _in_board(pilot, row: str, *keys: str) -> None:
    move_to(pilot.app, row)
    await settle(pilot)
    await _open(pilot, *keys)


OPENERS = {
    "child picker": lambda pilot: _in_board(pilot, "ask-1", "n"),
    "new issue form": lambda pilot: _open(pilot, "t"),
    "edit form": lambda pilot: _in_board(pilot, "issue-5", "E"),
    "comment form": lambda pilot: _in_board(pilot, "issue-5", "w"),
    "plan preview": lambda pilot: _in_board(pilot, "issue-7", "p"),
    "help": lambda pilot: _open(pilot, "question_mark"),
    "messages": lambda pilot: _open(pilot, "exclamation_mark"),
    "confirmation": _confirm,
    "runs table": lambda pilot: _in_board(pilot, "issue-5", "u"),
    "runs columns": _columns,
}


@pytest.mark.parametrize("kind", list(OPENERS))
async def test_a_dialog_footer_lists_its_keys_and_none_of_the_boards(demo: Path, kind: str) -> None:
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        board = board_pairs(app)
        await OPENERS[kind](pilot)
        screen = app.screen
        assert isinstance(screen, Modal), kind
        line = footer_line(app)
        shown = [pair for pair in line.strip().split("  ") if pair]
        assert shown == own_pairs(app, screen), line
        assert not set(shown) & board, line
        assert len(screen.query(KeyLine)) == 1


@pytest.mark.parametrize("ascii_only", [False, True])
@pytest.mark.parametrize("kind", ["new issue form", "edit form", "confirmation"])
async def test_at_80x24_the_footer_starts_with_the_dialogs_first_key(demo: Path, kind: str, ascii_only: bool) -> None:
    app = build_app(demo, ascii_only=ascii_only)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        board = board_pairs(app)
        await OPENERS[kind](pilot)
        line = footer_line(app)
        shown = [pair for pair in line.strip().split("  ") if pair]
        pairs = own_pairs(app, app.screen)
        assert shown and shown == pairs[: len(shown)], line  # whole pairs, the first ones
        assert not set(shown) & board, line
        if ascii_only:
            assert line.isascii(), line


async def test_after_a_run_the_plan_footer_no_longer_offers_to_run_it(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await OPENERS["plan preview"](pilot)
        assert footer_line(app).strip().startswith("^s Run the steps")
        await pilot.press(*"TabNet wins")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.state in ("finished", "stopped")
        line = footer_line(app)
        assert "Run the steps" not in line and "Cancel" not in line and "esc Close" in line, line
        await pilot.press("escape")  # closes the finished plan
        await settle(pilot)
        assert app.screen is app.board_screen
