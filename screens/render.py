"""Turn the core's (text, style name) segments into Rich ``Text``: never markup.

Building ``Text`` from plain strings is what keeps a title like ``[@click=app.quit]`` or
``[red]x`` literal on screen; the core has already stripped escape sequences.
"""

from __future__ import annotations

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
