"""The detail pane: the selected issue's facts, body and comments as one list of lines.

Moving the cursor changes most of what the pane shows, but not all of it (the blank lines,
the headings, a long body's layout), and over SSH every repainted cell costs bytes. So the
pane renders its three parts into lines itself, once per change, and repaints only the lines
that differ from what the terminal already shows; a new issue number in the border repaints
the border's top line only. It has no scrollbar (a scrollbar is a column of 38 cells to
repaint whenever the length changes): the bottom border says how many lines are below.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["DetailPane"]


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

    def _render_parts(self) -> None:
        if not self.is_mounted or not self.size:
            return
        self.renders += 1
        width = self.text_width
        console = self.app.console
        options = console.options.update_width(width)
        renderable = Group(self.facts, Text(""), self.body, self.comments)
        lines = console.render_lines(renderable, options, style=self.rich_style, pad=True, new_lines=False)
        strips = [Strip(line, width) for line in lines]
        old, self._lines = self._lines, strips
        self._show_position()
        if width != self._width:
            self._width = width
            self._set_height(len(strips))
            self.refresh()
            return
        self._set_height(len(strips))
        scroll_y = self.scroll_offset.y
        blank = Strip.blank(width, self.rich_style)
        for y in range(max(len(old), len(strips))):
            before = old[y] if y < len(old) else blank
            after = strips[y] if y < len(strips) else blank
            if before != after:
                start, end = _changed_cells(before, after)
                self.refresh(Region(start, y - scroll_y, end - start, 1))

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
