"""How the screen is drawn on limited terminals: NO_COLOR and ASCII-only.

NO_COLOR: Textual's own answer is a monochrome filter, which turns every colour into a grey
(a dim branch column became colour 237 on 235: invisible). Run instead in Textual's ANSI mode
with its ``NoColor`` filter: every cell takes the terminal's default colours, and the cursor,
focus and selection are drawn with bold, dim and reverse only (Textual's ``:nocolor`` rules,
plus ours in styles.tcss).

ASCII: a line filter, the last step before a line reaches the terminal, maps every character
at or above 127 to an ASCII stand-in of the same width. Whatever draws it (tree guides, borders,
scrollbars, ellipses, the palette's icon, a title someone typed in another script), the
terminal receives only ASCII.
"""

from __future__ import annotations

import os

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from dslp_tui.text import to_ascii


class AsciiOnly(LineFilter):
    """Every character at or above 127 becomes an ASCII stand-in of the same width."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            segment if segment.text.isascii() else Segment(to_ascii(segment.text), segment.style, segment.control)
            for segment in segments
        ]


def no_color() -> bool:
    """NO_COLOR is set (to anything, even empty: https://no-color.org)."""
    return "NO_COLOR" in os.environ
