"""Outside text on every surface of the board: toasts, their titles, modal titles, the status
bar, the command palette. Each place is driven with text that Textual markup would act on
(``[/b]`` raises MarkupError, ``[@click=app.quit]`` makes a clickable action, ``[WIP]`` vanishes)
and must show it literally, without crashing."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

from textual.widgets import Static
from textual.widgets._toast import Toast

from dslp_tui.app import build_app
from dslp_tui.model import IssueDraft
from dslp_tui.screens.board import BoardScreen
from dslp_tui.screens.pickers import Picker
from dslp_tui.sources.local import LocalTracker

from board_driver import move_to, settle, status

SIZE = (120, 40)
CLOSER = "[/b] broken"
CLICK = "[@click=app.quit]Click me"
WIP = "[WIP] churn"


def toasts(app) -> list[str]:
    """What every toast on screen shows, rendered (markup would be parsed right here)."""
    return [str(toast.render()) for toast in app.screen.query(Toast)]


async def test_a_filed_title_shows_literally_in_its_toast(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("a", *CLOSER, "ctrl+s")
        await settle(pilot)
        shown = "\n".join(toasts(app))
        assert f"Created #13 {CLOSER}" in shown
        assert app.is_running


async def test_a_clickable_title_in_a_toast_does_nothing_when_clicked(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("a", *CLICK, "ctrl+s")
        await settle(pilot)
        [toast] = [t for t in app.screen.query(Toast) if CLICK in str(t.render())]
        region = toast.region
        # Click on the words themselves: as markup they would be an action that quits.
        await pilot.click(Toast, offset=(region.width // 2, region.height - 2))
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, BoardScreen)


async def test_a_servers_error_message_shows_literally(demo: Path) -> None:
    db = sqlite3.connect(demo / ".git" / "dslp" / "tracker.db")
    with db:  # the tracker refuses the write with a message holding markup
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON labels"
            " BEGIN SELECT RAISE(ABORT, 'Service Unavailable [/x] [@click=app.quit]now'); END"
        )
    db.close()
    app = build_app(demo)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        move_to(app, "issue-7")
        await settle(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, Picker)
        await pilot.press("enter")  # succeeded
        await settle(pilot)
        shown = "\n".join(toasts(app))
        assert "Service Unavailable [/x] [@click=app.quit]now" in shown
        assert app.is_running


async def test_a_label_name_from_dslp_toml_shows_literally(demo: Path) -> None:
    (demo / "dslp.toml").write_text('[labels]\nsucceeded = "done [/]"\n', encoding="utf-8")
    app = build_app(demo)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        move_to(app, "issue-7")
        await settle(pilot)
        await pilot.press("s")
        picker = app.screen
        assert isinstance(picker, Picker)
        assert "done [/]" in [label for _, label in picker.options]
        await pilot.press("enter")
        await settle(pilot)
        assert "#7: done [/]" in "\n".join(toasts(app))
    assert "done [/]" in LocalTracker.for_git_dir(demo / ".git").get_issue(7).labels


async def test_modal_titles_show_issue_titles_literally(demo: Path) -> None:
    LocalTracker.for_git_dir(demo / ".git").create_issue(
        IssueDraft(template="experiment", title=WIP, parent=1), labels=("Experiment",), body=""
    )
    app = build_app(demo)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        move_to(app, "issue-13")
        await settle(pilot)
        await pilot.press("s")
        assert WIP in str(app.screen.query_one("#picker").border_title)
        await pilot.press("escape", "w")
        assert WIP in str(app.screen.query_one("#comment").border_title)


async def test_the_status_bar_shows_a_hostile_directory_and_filter_as_text(demo: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "repo [@click=app.quit]x [red] \x1b]2;pwned\x07 y"  # no "/" in a name
    shutil.copytree(demo, hostile, symlinks=True)
    app = build_app(hostile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"[/b]", "enter")
        await settle(pilot)
        bar = status(app)
        assert "repo [@click=app.quit]x [red]  y" in bar and "\x1b" not in bar and "\x07" not in bar
        assert "filter: [/b]" in bar


async def test_a_palette_entry_shows_a_remapped_bracket_key(demo: Path) -> None:
    (demo / "dslp.toml").write_text('[keys]\nhelp = "left_square_bracket"\n', encoding="utf-8")
    app = build_app(demo)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Keys, row glyphs")
        await settle(pilot)
        shown = " ".join(str(w.render()) for w in app.screen.query(Static))
        shown += " ".join(str(o.prompt) for o in app.screen.query_one("CommandList").options)
        assert re.search(r"key: \[", shown), shown
        await pilot.press("escape")
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
