"""Turn the core's (text, style name) segments into Rich ``Text``: never markup.

Building ``Text`` from plain strings is what keeps a title like ``[@click=app.quit]`` or
``[red]x`` literal on screen; the core has already stripped escape sequences.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
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

    A long value wraps at spaces under its value (a hanging indent), not back at column 0
    under the labels. A name (a branch, an upstream, a remote) is never split: one too long
    for the value column gets a line of its own, indented as far as it still fits; only one
    wider than the pane is folded, at the value column.
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
            text = to_text(value)
            pieces = hanging_lines(text.plain, width, LABEL_WIDTH) or [(LABEL_WIDTH, 0, 0)]
            if pieces[0][0] != LABEL_WIDTH and label[0].strip():  # it starts left of the values: the label first
                yield Text.assemble(plain(label[0].rstrip(), label[1]))
            for number, (indent, start, stop) in enumerate(pieces):
                lead = label[0] if number == 0 and indent == LABEL_WIDTH else " " * indent
                yield Text.assemble(plain(lead, label[1] if lead.strip() else ""), text[start:stop])


def hanging_lines(value: str, width: int, indent: int) -> list[tuple[int, int, int]]:
    """``value`` wrapped at spaces into ``width - indent`` cells, as (indent, start, stop) slices.

    A word (a branch or remote name: they hold no spaces) longer than the value column gets a
    line of its own, moved left just enough to fit the ``width``; only a word wider than
    ``width`` itself is cut, into pieces of the value column's width at ``indent``.
    """
    room = width - indent
    lines: list[tuple[int, int, int]] = []
    line: tuple[int, int] | None = None  # the line being filled: (start, stop)
    for match in re.finditer(r"\S+", value):
        start, stop = match.span()
        if line is not None and cell_len(value[line[0] : stop]) <= room:
            line = (line[0], stop)
            continue
        if line is not None:
            lines.append((indent, *line))
            line = None
        size = cell_len(value[start:stop])
        if size <= room:
            line = (start, stop)
        elif size <= width:
            lines.append((width - size, start, stop))
        else:
            lines.extend((indent, *piece) for piece in _folds(value, start, stop, room))
    if line is not None:
        lines.append((indent, *line))
    return lines


def _folds(value: str, start: int, stop: int, room: int) -> list[tuple[int, int]]:
    """``value[start:stop]`` cut into (start, stop) pieces of at most ``room`` cells each."""
    pieces, begin, used = [], start, 0
    for at in range(start, stop):
        size = cell_len(value[at])
        if used + size > room and at > begin:
            pieces.append((begin, at))
            begin, used = at, 0
        used += size
    pieces.append((begin, stop))
    return pieces


def _wrapping(text: Text, end: str = "") -> Text:
    """``text`` wrapped at spaces; a word longer than the line is folded."""
    text.no_wrap, text.overflow, text.end = False, "fold", end
    return text


class LazyMarkdown:
    """Outside text as Rich Markdown (links shown, not clickable), parsed when first rendered.

    The detail pane renders what is below its view in slices between keys; parsing a long
    body (tens of milliseconds) is then one of those slices, not part of the move. Rich's
    Markdown is imported here, not at the top: markdown-it and it take ~40 ms to import,
    which the first paint of the board need not wait for.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._parsed: RenderableType | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self._parsed is None:
            from rich.markdown import Markdown

            self._parsed = Markdown(self.source, hyperlinks=False)
        yield self._parsed
