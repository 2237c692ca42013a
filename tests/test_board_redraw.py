"""A redraw costs what changed: the tree is updated in place, the detail pane repaints only
what differs (issue #7: keystroke speed and bytes per move over SSH)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from rich.console import Group
from rich.text import Text
from textual import events

from dslp_tui.app import build_app
from dslp_tui.model import IssueDraft
from dslp_tui.process import render_body, template
from dslp_tui.screens import detail
from dslp_tui.screens.detail import DetailPane
from dslp_tui.sources.local import LocalTracker

from board_driver import labels, move_to, settle, tree, tree_lines

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
        assert labels(app) == [node.label.plain for node in tree_lines(app)]  # the lines drawn follow the nodes


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


LONG_TITLE = "Customer lifetime value by cohort"  # 33 cells: fits a row at 120 columns, not at 80


def _file_long_title(demo: Path) -> None:
    LocalTracker.for_git_dir(demo / ".git").create_issue(
        IssueDraft(template="explore", title=LONG_TITLE, parent=1),
        labels=("Explore",),
        body=render_body(template("explore"), {}),
    )


def _row_of(app, title_start: str) -> str:
    return next(line for line in labels(app) if title_start in line)


async def test_a_title_takes_the_room_its_row_has_at_120_columns(demo: Path) -> None:
    _file_long_title(demo)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = _row_of(app, "Customer lifetime")
        assert LONG_TITLE in row and "…" not in row, row
        # The columns still line up: every row's state starts in one column.
        rows = [line for line in labels(app) if line.startswith("#") and " Ask " not in line]
        starts = {line.index(mark) for line in rows for mark in ("○ open", "● open", "✓ closed") if mark in line}
        assert len(starts) == 1, rows


async def test_a_title_too_long_for_its_row_is_cut_with_an_ellipsis_at_80_columns(demo: Path) -> None:
    _file_long_title(demo)
    app = build_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        row = _row_of(app, "Customer lifetime")
        assert LONG_TITLE not in row and "Customer lifetime" in row and "…  ○ open" in row, row


async def test_ascii_mode_cuts_a_title_with_three_dots(demo: Path) -> None:
    _file_long_title(demo)
    app = build_app(demo, ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = "\n".join("".join(s.text for s in strip) for strip in app.screen._compositor.render_strips())
        line = next(text for text in screen.splitlines() if "Customer lifetime" in text)
        assert "..." in line and LONG_TITLE not in line and "…" not in screen, line


async def test_a_cursor_key_handled_before_a_redraw_lands_still_moves_the_cursor(demo: Path) -> None:
    """A redraw puts the cursor back after the next refresh; a key handled before that must
    not be undone by it (keys arrive in bursts while a fresh board replaces the cached one)."""
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-3")
        await settle(pilot)
        below = tree(app).get_node_at_line(tree(app).cursor_line + 1).data.key
        app._redraw()  # the same board again: the cursor is put back after the next refresh
        app.board_screen.action_cursor("down")  # j, handled before that refresh
        await settle(pilot)
        assert tree(app).cursor_node.data.key == below
        app._redraw()
        tree(app).action_cursor_up()  # the arrow key, the tree's own binding
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "issue-3"


def _file_long_body(demo: Path) -> int:
    """An Explore issue under Ask #1 whose notes run to well over a thousand lines at 120 columns."""
    notes = "\n\n".join(f"Finding {n}: " + "the churn rate moves with tenure and plan " * 6 for n in range(300))
    issue = LocalTracker.for_git_dir(demo / ".git").create_issue(
        IssueDraft(template="explore", title="Long notes", parent=1), labels=("Explore",), body=notes
    )
    return issue.number


def _plain(strips) -> list[str]:
    return ["".join(segment.text for segment in strip) for strip in strips]


def _full_render(pane: DetailPane) -> list[str]:
    """The pane's parts rendered in one go, as the pane would if it rendered synchronously."""
    console = pane.app.console
    options = console.options.update_width(pane.text_width)
    group = Group(pane.facts, Text(""), pane.body, Text(""), pane.comments)
    return _plain(console.render_lines(group, options, style=pane.rich_style, pad=True, new_lines=False))


async def test_a_long_detail_renders_its_view_first_and_the_rest_between_keys(demo: Path, monkeypatch) -> None:
    """A detail render never holds a key back: ``show`` renders what is in view (one slice),
    the rest follows in slices a key may come between; a render for an issue no longer
    selected is dropped, and the pane ends up as a full render of the selected issue."""
    monkeypatch.setattr(detail, "SLICE_SECONDS", 0.0)  # each slice: the view, or 8 lines
    number = _file_long_body(demo)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, f"issue-{number}")
        await settle(pilot)
        pane = app.screen.query_one(DetailPane)
        full = _full_render(pane)
        assert len(full) > 1000 and _plain(pane._lines) == full
        height = pane.scrollable_content_region.height
        assert pane.border_subtitle == f"{len(full) - height} more lines"

        pane.show()  # render it again: only the view now
        assert pane.rendering and height <= len(pane._lines) < height + 8
        assert _plain(pane._lines) == full[: len(pane._lines)]
        board = tree(app)
        moved: list[tuple[bool, int]] = []
        cursor_up = board.action_cursor_up

        def spy() -> None:
            cursor_up()
            moved.append((pane.rendering, len(pane._lines)))

        board.action_cursor_up = spy
        key = events.Key("k", "k")  # as a terminal sends it; Pilot's press would wait for the render
        key.set_sender(app)
        app.post_message(key)
        for _ in range(100_000):  # each round lets every ready task take one step
            if moved:
                break
            await asyncio.sleep(0)
        assert moved and moved[0][0], moved  # the key moved the cursor while the render was still going
        assert moved[0][1] < len(full), moved
        await settle(pilot)
        selected = board.cursor_node.data
        assert selected.number != number and pane.border_title == f"#{selected.number}"
        assert not pane.rendering and _plain(pane._lines) == _full_render(pane)
        assert "Long notes" not in "\n".join(_plain(pane._lines))


# --- a filter over many issues: columns stay put, labels are made for the lines drawn ---------


def _file_many(demo: Path, count: int) -> None:
    """``count`` Explore issues under Ask #1, all with "sweep" in their titles."""
    tracker = LocalTracker.for_git_dir(demo / ".git")
    body = render_body(template("explore"), {})
    for n in range(count):
        tracker.create_issue(
            IssueDraft(template="explore", title=f"Sweep {n} of the tenure buckets", parent=1),
            labels=("Explore",),
            body=body,
        )


async def test_a_filter_that_hides_the_widest_rows_keeps_the_columns_where_they_were(demo: Path) -> None:
    """Columns are fitted to every row of the snapshot, not to the rows a filter leaves: a row
    reads the same, cell for cell, with the filter on and off (nothing jumps sideways)."""
    from dslp_tui.present import row_columns, widest

    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.board_screen
        rows = [row for group in screen.board.groups for row in group.rows()]
        narrow = next(
            row
            for row in rows
            if row_columns(row, screen.glyphs) != widest(row_columns(r, screen.glyphs) for r in rows)
        )
        before = next(line for line in labels(app) if line.startswith(f"#{narrow.number} "))
        app.set_filter(f"#{narrow.number}")
        await settle(pilot)
        after = next(line for line in labels(app) if line.startswith(f"#{narrow.number} "))
        assert after == before


async def test_a_filter_showing_hundreds_of_rows_makes_the_labels_of_the_lines_drawn(demo: Path, monkeypatch) -> None:
    """Rows are laid out when their line is drawn: a filter matching 300 rows renders about a
    screenful of them, not 300 (issue #7: a filter at 2,000 issues within 50 ms)."""
    from dslp_tui import present
    from dslp_tui.screens import board as board_screen

    _file_many(demo, 300)
    made = []
    real = present.row_segments

    def counted(row, *args, **kwargs):
        made.append(row.number)
        return real(row, *args, **kwargs)

    monkeypatch.setattr(board_screen, "row_segments", counted)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        made.clear()
        app.set_filter("sweep")
        await settle(pilot)
        drawn = len(made)
        assert drawn <= 2 * SIZE[1], drawn  # about a screenful: the lines drawn
        shown = [line for line in labels(app) if "Sweep" in line]  # reading a label makes it
        assert len(shown) == 300
        made.clear()
        app.set_filter("sweep")  # the same rows again: nothing is made twice
        await settle(pilot)
        assert made == []


async def test_a_filter_renumbers_the_tree_once_however_many_lines_it_adds(demo: Path, monkeypatch) -> None:
    """Textual's Tree re-lays itself out after each node added or removed; a redraw that adds
    hundreds of lines does it once."""
    from textual.widgets import Tree

    _file_many(demo, 100)
    calls = []
    real = Tree._invalidate

    def counted(self) -> None:
        calls.append(self)
        real(self)

    monkeypatch.setattr(Tree, "_invalidate", counted)
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        calls.clear()
        app.set_filter("sweep")
        app.set_filter("")
        assert len(calls) <= 2, len(calls)
        await settle(pilot)
        assert sum(1 for line in labels(app) if "Sweep" in line) == 100


async def _unlinked_rows(app, pilot) -> list:
    move_to(app, "unlinked")
    await pilot.press("right")
    await settle(pilot)
    group = next(node for node in tree(app).root.children if node.data.key == "unlinked")
    return [leaf for kind in group.children for leaf in kind.children]


async def test_a_resize_refits_the_rows_of_issues_linked_to_no_ask(demo: Path) -> None:
    """After a resize, the rows of the unlinked group read as they would at that size from the start."""
    app = build_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        expected = [leaf.label.plain for leaf in await _unlinked_rows(app, pilot)]
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        leaves = await _unlinked_rows(app, pilot)
        wide = [leaf.label.plain for leaf in leaves]
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert wide != expected and [leaf.label.plain for leaf in leaves] == expected


async def test_an_ask_s_details_count_its_children_whatever_the_filter_or_h_hides(demo: Path) -> None:
    """The detail pane tells the issue as it is: a filter (or h) hides rows, not an Ask's children."""
    from board_driver import detail_part

    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "ask-1")
        await settle(pilot)
        facts = detail_part(app)
        count = next(line for line in facts.splitlines() if line.startswith("Children"))
        assert "#3 Data" in facts and "#4 " in facts
        app.set_filter("#3")  # leaves Ask #1 with its child #3 only
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "ask-1"
        assert "#4 " not in "\n".join(labels(app))
        assert next(line for line in detail_part(app).splitlines() if line.startswith("Children")) == count
        assert "#4 " in detail_part(app)
        app.set_filter("")
        await pilot.press("h")  # closed issues hidden: #2 is closed
        await settle(pilot)
        assert next(line for line in detail_part(app).splitlines() if line.startswith("Children")) == count


async def test_clearing_a_filter_keeps_the_cursor_on_the_issue_the_details_show(demo: Path) -> None:
    """Escape clears the filter and lines are added above the selected row: the cursor must
    follow the issue (the one the detail pane shows and the keys act on), not stay on its
    old line number, where another issue now is."""
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"kind:experiment", "enter")
        await settle(pilot)
        await pilot.press("j", "j")  # #1, Experiment, #5
        await settle(pilot)
        assert tree(app).cursor_node.data.key == "issue-5"
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert "issue-2" in nodes_by_key(app)  # the filter is cleared
        assert tree(app).cursor_node.data.key == "issue-5"
        assert app.screen.query_one(DetailPane).border_title == "#5"


async def test_keys_typed_after_enter_in_the_filter_move_in_the_filtered_board(demo: Path) -> None:
    """``/kind:experiment enter j j`` typed in one burst: enter applies the filter at once
    (not after the typing pause), so the j's move over the filtered lines."""
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"kind:experiment", "enter", "j", "j")
        await settle(pilot)
        assert "issue-2" not in nodes_by_key(app)  # the filter applied
        assert tree(app).cursor_node.data.key == "issue-5"  # #1, Experiment, #5
        assert app.screen.query_one(DetailPane).border_title == "#5"


async def test_an_ask_s_row_counts_its_open_work_whatever_the_filter_hides(demo: Path) -> None:
    """``#9 Ask … 0 open`` under a filter that shows one closed child would say the Ask has no
    open work left; the row counts the Ask's children, as its details do."""
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = next(line for line in labels(app) if line.startswith("#1 Ask"))
        assert re.search(r"\b4 open\b", before), before
        app.set_filter("#2")  # only #2 (closed) of Ask #1's children
        await settle(pilot)
        after = next(line for line in labels(app) if line.startswith("#1 Ask"))
        assert re.search(r"\b4 open\b", after), after


async def test_a_blank_line_parts_an_issue_s_body_from_its_comments(demo: Path) -> None:
    app = build_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        move_to(app, "issue-4")
        await settle(pilot)
        lines = _plain(app.screen.query_one(DetailPane)._lines)
        heading = next(n for n, line in enumerate(lines) if line.strip().startswith("Comments ("))
        assert lines[heading - 1].strip() == "" and lines[heading - 2].strip(), lines[heading - 3 : heading + 1]
