"""The detail pane: the selected issue's facts, body and comments as one list of lines.

Moving the cursor changes most of what the pane shows, but not all of it (the blank lines,
the headings, a long body's layout), and over SSH every repainted cell costs bytes. So the
pane renders its three parts into lines itself, once per change, and repaints only the lines
that differ from what the terminal already shows; a new issue number in the border repaints
the border's top line only. It has no scrollbar (a scrollbar is a column of 38 cells to
repaint whenever the length changes): the bottom border says how many lines are below.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["DetailPane"]

SLICE_SECONDS = 0.004  # rendering done in one go between two looks at the event loop
SLICE_GAP_SECONDS = 0.005  # the event loop is left to other work this long between two slices
KEY_WAIT_SECONDS = 0.01  # a slice waits this long while a typed key is being handled


def _cells(strip: Strip) -> list[tuple[str, object]]:
    """A line as (character, style) per character (wide characters count once: rare in facts)."""
    return [(char, segment.style) for segment in strip for char in segment.text]


def _changed_cells(before: Strip, after: Strip) -> tuple[int, int]:
    """The span [start, end) of cells that differ between two lines of one width: what to repaint."""
    old, new = _cells(before), _cells(after)
    if len(old) != len(new) or before.cell_length != len(old) or after.cell_length != len(new):
        return 0, max(before.cell_length, after.cell_length)  # wide characters: the whole line
    start = 0
    while start < len(new) and old[start] == new[start]:
        start += 1
    end = len(new)
    while end > start and old[end - 1] == new[end - 1]:
        end -= 1
    return start, end


class DetailPane(ScrollView, can_focus=True):
    """Facts, then a blank line and the body, then the comments; scrolls when longer than the pane."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.facts: RenderableType = Text("")
        self.body: RenderableType = Text("")
        self.comments: RenderableType = Text("")
        self._lines: list[Strip] = []
        self._rest: tuple[Iterator[Strip], list[Strip]] | None = None  # a render still going: its lines to come
        self._width = 0
        self._border_line: int | None = None  # set while a border title changes: the line to repaint
        self.renders = 0  # how many times the parts were rendered into lines (tests: nothing redone for nothing)

    def show(
        self,
        facts: RenderableType | None = None,
        body: RenderableType | None = None,
        comments: RenderableType | None = None,
        *,
        top: bool = False,
    ) -> None:
        """Replace the given parts and repaint the lines that changed; ``top`` scrolls back to the top."""
        if facts is not None:
            self.facts = facts
        if body is not None:
            self.body = body
        if comments is not None:
            self.comments = comments
        if top and self.scroll_y:
            self.scroll_to(y=0, animate=False, immediate=True)
        self._render_parts()

    def set_title(self, title: str) -> None:
        """The border's title; a change repaints the border's top line, not the whole pane."""
        if self.border_title != title:
            self._border_line = 0
            try:
                self.border_title = title
            finally:
                self._border_line = None

    def _show_position(self) -> None:
        """How much is below the view, on the bottom border (the pane has no scrollbar to repaint)."""
        below = len(self._lines) - self.scroll_offset.y - self.scrollable_content_region.height
        subtitle = f"{below} more line{'s' if below != 1 else ''}" if below > 0 else ""
        if (self.border_subtitle or "") != subtitle:
            self._border_line = self.outer_size.height - 1
            try:
                self.border_subtitle = subtitle
            finally:
                self._border_line = None

    def refresh(self, *regions: Region, **kwargs: bool) -> DetailPane:
        if self._border_line is not None and not regions:  # a border title changed: that line only
            offset = self.content_offset
            regions = (Region(-offset.x, self._border_line - offset.y, self.outer_size.width, 1),)
        super().refresh(*regions, **kwargs)
        return self

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._show_position()

    def on_resize(self) -> None:
        self._render_parts()

    @property
    def text_width(self) -> int:
        """The width the parts are rendered at: the pane's content, less the scrollbar's gutter."""
        return max(1, self.scrollable_content_region.width)

    @property
    def rendering(self) -> bool:
        """Whether lines below the view are still being rendered (tests wait for this to end)."""
        return self._rest is not None

    def _render_parts(self) -> None:
        """Render the parts into lines: what is in view (and whatever else fits a few
        milliseconds) now, the rest in slices between other work (``_render_more``), so a
        long Ask's details never hold a key back for longer than one slice."""
        if not self.is_mounted or not self.size:
            return
        self.renders += 1
        width = self.text_width
        style = self.rich_style
        console = self.app.console
        renderable = Group(self.facts, Text(""), self.body, Text(""), self.comments)  # a blank line around the body
        segments = Segment.apply_style(console.render(renderable, console.options.update_width(width)), style)
        rest = (
            Strip(line, width)
            for line in Segment.split_and_crop_lines(segments, width, style, pad=True, include_new_lines=False)
        )
        old, new = self._lines, list[Strip]()
        self._rest = (rest, new)
        self._take(new, rest, self._view_end())
        self._lines = new
        done = self._rest is None
        if done:
            self._show_position()
        if width != self._width:
            self._width = width
            if done:
                self._set_height(len(new))
            self.refresh()
        else:
            if done:
                self._set_height(len(new))
            # Only what is in view is on the terminal: repaint the cells that changed there.
            scroll_y = self.scroll_offset.y
            blank = Strip.blank(width, style)
            for y in range(scroll_y, self._view_end()):
                before = old[y] if y < len(old) else blank
                after = new[y] if y < len(new) else blank
                if before != after:
                    start, end = _changed_cells(before, after)
                    self.refresh(Region(start, y - scroll_y, end - start, 1))
        if not done:
            self.call_later(self._render_more, self._rest)

    def _view_end(self) -> int:
        """The line just below the view."""
        return self.scroll_offset.y + self.scrollable_content_region.height

    def _take(self, lines: list[Strip], rest: Iterator[Strip], at_least: int) -> None:
        """Render lines from ``rest`` into ``lines``: at least up to line ``at_least``, then on
        until a slice's time is up; ``_rest`` becomes None when there are no more."""
        deadline = time.perf_counter() + SLICE_SECONDS
        for strip in rest:
            lines.append(strip)
            if len(lines) >= at_least and len(lines) % 8 == 0 and time.perf_counter() > deadline:
                return
        self._rest = None

    async def _render_more(self, job: tuple[Iterator[Strip], list[Strip]]) -> None:
        """The next slice of a render still going (a newer render replaced ``job``: nothing)."""
        # Give the event loop to everything else first, for a while: the pane's queue hands
        # over the next callback without returning to the loop, so without this the whole
        # render would run as one block; and with a mere turn a slice would land between
        # every two steps of a key's trip or a frame's composition.
        await asyncio.sleep(SLICE_GAP_SECONDS)
        if job is not self._rest or not self.is_mounted:
            return
        if getattr(self.app, "keys_pending", False):  # a key is being handled: it comes first
            self.set_timer(KEY_WAIT_SECONDS, lambda: self._render_more(job))
            return
        rest, lines = job
        count = len(lines)
        self._take(lines, rest, 0)
        scroll_y = self.scroll_offset.y
        for y in range(max(count, scroll_y), min(len(lines), self._view_end())):  # scrolled down meanwhile
            self.refresh(Region(0, y - scroll_y, self._width, 1))
        if self._rest is None:
            self._finish()
        else:
            self.call_later(self._render_more, job)

    def _finish(self) -> None:
        """Every line is rendered: the scrollable height and the count below the view."""
        self._set_height(len(self._lines))
        self._show_position()

    def _set_height(self, count: int) -> None:
        """The scrollable height, changed without repainting the whole pane (only the lines
        that differ are), and only when the lines no longer fit the pane as it is."""
        height = max(count, self.scrollable_content_region.height)
        if self.virtual_size.height == height and self.virtual_size.width == self._width:
            return
        self.set_reactive(DetailPane.virtual_size, Size(self._width, height))
        # No layout: the pane keeps its place and size, and the lines that changed are
        # repainted by the caller.
        self._scroll_update(self.virtual_size)

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return Strip.blank(self.text_width, self.rich_style)
