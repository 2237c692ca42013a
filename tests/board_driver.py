"""Helpers for driving the board in Pilot tests: wait until it is still, read what it shows."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Static

from dslp_tui.screens.board import BoardTree
from dslp_tui.screens.detail import DetailPane


async def settle(pilot) -> None:
    """Wait for every worker, then until the detail pane shows the selection in full (its
    debounce expired and every line rendered), then a repaint."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.1)
    screen = getattr(pilot.app, "board_screen", None)
    for _ in range(1000):  # a condition, not a clock: each round waits for the app to go idle
        if screen is None or not screen.is_mounted or screen.detail_settled:
            break
        await pilot.pause()
    else:
        raise AssertionError("the detail pane never settled")
    await pilot.pause()


def tree(app: App) -> BoardTree:
    return app.screen.query_one(BoardTree)


def labels(app: App) -> list[str]:
    """Every line the tree shows (expanded nodes only), as plain text."""
    out: list[str] = []

    def walk(node) -> None:
        for child in node.children:
            out.append(child.label.plain)
            if child.is_expanded:
                walk(child)

    walk(tree(app).root)
    return out


def status(app: App) -> str:
    """The status bar's text, a long word the bar split at a line's end joined again."""
    return str(app.screen.query_one("#status-bar", Static).render()).replace("\n", "")


def shown(widget) -> str:
    """What ``widget`` draws, line by line (trailing spaces removed): its text as on screen."""
    strips = widget.render_lines(widget.size.region)
    return "\n".join("".join(segment.text for segment in strip).rstrip() for strip in strips)


def detail_part(app: App, part: str = "facts", width: int | None = None) -> str:
    """One part of the detail pane (``facts``, ``body``, ``comments``) as drawn at the pane's width
    (or at ``width``)."""
    pane = app.screen.query_one(DetailPane)
    console = app.console
    options = console.options.update_width(width or pane.text_width)
    lines = console.render_lines(getattr(pane, part), options, pad=False)
    return "\n".join("".join(segment.text for segment in line).rstrip() for line in lines)


def tree_lines(app: App) -> list:
    """The tree's nodes in the order of its numbered lines (what it draws), top to bottom."""
    board = tree(app)
    return [board.get_node_at_line(n) for n in range(board.last_line + 1)]


def move_to(app: App, key: str) -> None:
    """Put the board's cursor on the node whose data key is ``key`` (``issue-5``, ``ask-1``), expanding its groups."""
    node = app.screen._find(tree(app).root, key)
    assert node is not None, key
    node.parent.expand()
    if node.parent.parent is not None:
        node.parent.parent.expand()
    tree(app).move_cursor(node)
