"""Turn the core's (text, style name) segments into Rich ``Text``: never markup.

Building ``Text`` from plain strings is what keeps a title like ``[@click=app.quit]`` or
``[red]x`` literal on screen; the core has already stripped escape sequences.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text

# Colour is never the only signal: every state also has a glyph and a word.
STYLES: dict[str, Style] = {
    "number": Style(bold=True),
    "kind": Style(italic=True),
    "title": Style(),
    "title.closed": Style(dim=True),
    "state.open": Style(color="cyan"),
    "state.started": Style(color="bright_cyan", bold=True),
    "state.closed": Style(color="green", dim=True),
    "status.succeeded": Style(color="green", bold=True),
    "status.failed": Style(color="red", bold=True),
    "status.on_hold": Style(color="yellow"),
    "status.blocked": Style(color="dark_orange"),
    "branch": Style(color="magenta"),
    "metric": Style(color="blue"),
    "pull.open": Style(color="green"),
    "pull.draft": Style(color="bright_black", italic=True),
    "pull.merged": Style(color="magenta", bold=True),
    "pull.closed": Style(color="red", dim=True),
    "dim": Style(dim=True),
    "heading": Style(bold=True, underline=True),
    "key": Style(bold=True, color="yellow"),
    "error": Style(color="red", bold=True),
    "warning": Style(color="yellow", bold=True),
}


_PLAIN = Style()


def to_text(segments: list[tuple[str, str]]) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    append = text.append
    for content, style in segments:
        append(content, STYLES.get(style, _PLAIN))
    return text


def plain(content: str, style: str = "") -> Text:
    """A ``Text`` that shows ``content`` exactly, whatever brackets it holds."""
    return Text(content, STYLES.get(style, _PLAIN), end="")


LABEL_WIDTH = 9  # "Branch   ", "Labels   ": the detail pane's label column


class Facts:
    """The detail pane's facts: the two heading lines, then label + value lines.

    A long value wraps under its value, not back at column 0 under the labels; a branch name
    too long for the value column gets a line of its own at full width, so it is not cut
    mid-word unless it is longer than the pane.
    """

    def __init__(self, lines: list[list[tuple[str, str]]]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        for index, line in enumerate(self.lines):
            first = line[0][0] if line else ""
            if index < 2 or len(first) != LABEL_WIDTH or not first.endswith(" ") or width <= LABEL_WIDTH * 2:
                yield _wrapping(to_text(line), end="\n")
                continue
            label, value = line[0], line[1:]
            room = width - LABEL_WIDTH
            long_name = next(
                (i for i, (text, style) in enumerate(value) if style == "branch" and cell_len(text) > room), None
            )
            before = value if long_name is None else value[:long_name]
            wrapped = _wrapping(to_text(before)).wrap(console, room) if before else [Text("")]
            for number, part in enumerate(wrapped):
                yield Text.assemble(plain(label[0] if number == 0 else " " * LABEL_WIDTH, label[1]), part)
            if long_name is not None:
                yield _wrapping(to_text(value[long_name:]), end="\n")


def _wrapping(text: Text, end: str = "") -> Text:
    """``text`` wrapped at spaces; a word longer than the line is folded."""
    text.no_wrap, text.overflow, text.end = False, "fold", end
    return text
