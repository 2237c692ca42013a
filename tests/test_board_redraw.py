"""A redraw costs what changed: the tree is updated in place, the detail pane repaints only
what differs (issue #7: keystroke speed and bytes per move over SSH)."""

from __future__ import annotations

import re
from pathlib import Path

from dslp_tui.app import build_app
from dslp_tui.screens.detail import DetailPane

from board_driver import labels, move_to, settle, tree

SIZE = (120, 40)


def nodes_by_key(app) -> dict:
    out = {}

    def walk(node) -> None:
        for child in node.children:
            if child.data is not None:
                out[child.data.key] = child
            walk(child)

    walk(tree(app).root)
    return out


async def test_a_filter_keeps_the_nodes_of_the_lines_it_still_shows(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = nodes_by_key(app)
        app.set_filter("churn")
        await settle(pilot)
        after = nodes_by_key(app)
        assert "issue-10" not in after and "issue-3" in after  # the filter applied
        kept = [key for key in after if key in before]
        assert kept and all(after[key] is before[key] for key in kept), kept
        app.set_filter("")
        await settle(pilot)
        cleared = nodes_by_key(app)
        assert "issue-10" in cleared
        assert all(cleared[key] is after[key] for key in kept)


async def test_h_keeps_the_nodes_of_open_issues(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = nodes_by_key(app)
        await pilot.press("h")
        await settle(pilot)
        hidden = nodes_by_key(app)
        assert "issue-2" in before and "issue-2" not in hidden  # #2 is closed
        assert hidden["issue-3"] is before["issue-3"] and hidden["ask-1"] is before["ask-1"]
        await pilot.press("h")
        await settle(pilot)
        shown_again = nodes_by_key(app)
        assert "issue-2" in shown_again and shown_again["issue-3"] is before["issue-3"]
        assert [line for line in labels(app)] == [node.label.plain for node in _shown_nodes(app)]


def _shown_nodes(app) -> list:
    out = []

    def walk(node) -> None:
        for child in node.children:
            out.append(child)
            if child.is_expanded:
                walk(child)

    walk(tree(app).root)
    return out


async def test_a_redraw_that_changes_nothing_for_the_selected_issue_repaints_no_detail(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-5")
        await settle(pilot)
        pane = app.screen.query_one(DetailPane)
        renders = pane.renders
        repaints: list[tuple] = []
        original = pane.refresh

        def spy(*regions, **kwargs):
            repaints.append(regions)
            return original(*regions, **kwargs)

        pane.refresh = spy
        await pilot.press("h")  # #5 is open: still shown, still selected, the same facts
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "issue-5"
        assert pane.renders == renders and repaints == []


async def test_moving_off_an_ask_repaints_two_tree_lines_not_its_subtree(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "ask-1"
        board = tree(app)
        lines: list[int] = []
        original = board._refresh_line

        def spy(line: int) -> None:
            lines.append(line)
            original(line)

        board._refresh_line = spy
        await pilot.press("j")
        await settle(pilot)
        assert sorted(set(lines)) == [0, 1], lines


async def test_the_detail_pane_says_how_much_is_below_and_scrolls(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:  # narrow: the pane is short, the Ask is long
        await settle(pilot)
        pane = app.screen.query_one(DetailPane)
        match = re.fullmatch(r"(\d+) more lines", pane.border_subtitle or "")
        assert match, pane.border_subtitle
        pane.focus()
        await pilot.press("down", "down")
        await pilot.pause()
        assert pane.border_subtitle == f"{int(match.group(1)) - 2} more lines"
        await pilot.press("end")
        await pilot.pause()
        assert pane.border_subtitle == ""
