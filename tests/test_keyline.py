"""The footer (screens/keyline.py): whole key pairs in binding order, one widget, kept current."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from dslp_tui.app import build_app
from dslp_tui.screens.board import BOARD_ACTIONS, FOOTER_FIRST
from dslp_tui.screens.help import HelpScreen
from dslp_tui.screens.keyline import KeyLine

from board_driver import settle


def footer_line(app: App) -> str:
    return "".join(segment.text for segment in app.screen._compositor.render_strips()[-1])


def board_pairs(app: App) -> list[str]:
    """The board's footer keys as "key word", in the order the footer must show them."""
    actions = sorted((a for a in BOARD_ACTIONS if a.footer), key=lambda a: a.id not in FOOTER_FIRST)
    return [f"{app.get_key_display(Binding(a.key, a.action))} {a.short}" for a in actions]


@pytest.mark.parametrize("width", [120, 80, 60, 40])
async def test_the_footer_shows_whole_pairs_in_binding_order(demo: Path, width: int) -> None:
    app = build_app(demo)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        line = footer_line(app)
        keys, palette = line.split("▏") if "▏" in line else (line, "")
        pairs = board_pairs(app)
        shown = [pair for pair in keys.strip().split("  ") if pair]
        assert shown == pairs[: len(shown)], line  # a prefix, never a cut pair
        assert len(shown) >= len(FOOTER_FIRST), line
        assert palette.strip() == "^p palette", line
        if width == 120:
            assert shown == pairs, line


async def test_the_footer_is_one_widget(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        (keyline,) = app.screen.query(KeyLine)
        assert not keyline.children
        assert not app.screen.query("Footer, FooterKey")


async def test_a_click_on_a_key_presses_it(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        line = footer_line(app)
        await pilot.click(KeyLine, offset=(line.index("Help"), 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


class Toggling(Screen[None]):
    """A screen whose "x" key is shown only while ``armed``."""

    BINDINGS = [Binding("question_mark", "help", "Help"), Binding("q", "quit", "Quit"), Binding("x", "fire", "Fire")]
    armed = False

    def compose(self) -> ComposeResult:
        yield KeyLine()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.armed if action == "fire" else True

    def action_fire(self) -> None:
        pass


class OneScreen(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Toggling())


async def test_the_footer_follows_the_bindings_and_repaints_only_when_they_change() -> None:
    app = OneScreen()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, Toggling)
        keyline = screen.query_one(KeyLine)
        assert "x Fire" not in footer_line(app)
        screen.armed = True
        screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert "x Fire" in footer_line(app)
        renders = 0
        render = keyline.render

        def counted():
            nonlocal renders
            renders += 1
            return render()

        keyline.render = counted
        screen.refresh_bindings()  # the same keys: nothing to repaint
        await pilot.pause()
        await pilot.pause()
        assert renders == 0


@pytest.mark.parametrize("width", [24, 16])
async def test_the_palette_key_gives_way_to_help_and_quit(width: int) -> None:
    app = OneScreen()
    async with app.run_test(size=(width, 5)) as pilot:
        await pilot.pause()
        line = footer_line(app)
        assert line.startswith(" ? Help  q Quit "), line
        assert "palette" not in line, line
