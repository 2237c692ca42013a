"""Outside text is data: strip what a terminal would act on before anything shows it.

Titles, bodies, labels and branch names come from other people. ANSI/OSC escape sequences
and other control characters are removed here; the screens additionally build Rich ``Text``
objects (never markup strings) so ``[@click=app.quit]`` stays literal.
"""

from __future__ import annotations

import locale
import os
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST, 7- or 8-bit), other two-byte escapes, C1 controls.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]"  # the rest: ESC 7, ESC c, ESC ( B (nF/Fp/Fe/Fs)
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x9c]*[\x07\x9c]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str, *, multiline: bool = True) -> str:
    """``text`` without escape sequences or control characters (newlines kept if multiline)."""
    text = _ESCAPES.sub("", text or "")
    text = text.replace("\r\n", "\n")
    if not multiline:
        text = " ".join(text.replace("\t", " ").splitlines())
    return _CONTROLS.sub("", text)


def one_line(text: str) -> str:
    return clean(text, multiline=False)


def _cells(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def cell_len(text: str) -> int:
    """How many terminal cells ``text`` takes (wide CJK characters take two)."""
    if text.isascii():  # the common case, and hot: every row of the board is fitted
        return len(text)
    return sum(_cells(c) for c in text)


def fit(text: str, width: int, ellipsis: str = "…") -> str:
    """``text`` cut to ``width`` cells with an ellipsis (``...`` for ASCII terminals), or padded
    to exactly ``width``.

    Titles are truncated, never wrapped, so every row keeps its columns.
    """
    if width <= 0:
        return ""
    mark = min(len(ellipsis), width)
    if text.isascii():
        return text + " " * (width - len(text)) if len(text) <= width else text[: width - mark] + ellipsis[:mark]
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    out, used = [], 0
    for char in text:
        size = _cells(char)
        if used + size > width - mark:
            break
        out.append(char)
        used += size
    return "".join(out) + ellipsis[:mark] + " " * (width - mark - used)


# --- terminals that cannot show Unicode ----------------------------------------------------

# Stand-ins that read as what they replace; anything else falls back by name (below).
_ASCII_FOR: dict[str, str] = {
    # tree icons and guides
    "▶": ">",
    "▼": "v",
    "▲": "^",
    "▷": ">",
    "▽": "v",
    # lines and corners (rounded, square, heavy, double)
    **dict.fromkeys("─━═╌╍┄┅┈┉▔▁", "-"),
    **dict.fromkeys("│┃║╎╏┆┇┊┋▏▕▎▍▌▋▊▉▐", "|"),
    **dict.fromkeys("╭╮╯╰┌┐└┘┏┓┗┛╔╗╚╝├┤┬┴┼┣┫┳┻╋╠╣╦╩╬", "+"),
    # blocks (scrollbar thumbs, half blocks of tall borders): a space, under reverse a block
    **dict.fromkeys("█▀▄▂▃▅▆▇░▒▓", " "),
    # punctuation and arrows
    "…": "~",
    "·": "-",
    "•": "*",
    "—": "-",
    "–": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "←": "<",
    "→": ">",
    "↑": "^",
    "↓": "v",
    "⏎": "<",
    "✓": "v",
    "✗": "x",
    "★": "*",
    "⚠": "!",
    "🔎": "> ",
}


@lru_cache(4096)
def ascii_char(char: str) -> str:
    """An ASCII stand-in for ``char`` that takes the same number of cells."""
    if char < "\x7f":
        return char
    if char in _ASCII_FOR:
        return _ASCII_FOR[char]
    if unicodedata.combining(char):
        return ""
    folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
    wide = unicodedata.east_asian_width(char) in "WF"
    if folded and len(folded) == (2 if wide else 1):
        return folded
    return "??" if wide else "?"


def to_ascii(text: str) -> str:
    if text.isascii():
        return text
    return "".join(ascii_char(c) for c in text)


def wants_ascii(environ: Mapping[str, str] | None = None, encoding: str | None = None) -> bool:
    """The terminal cannot be trusted with Unicode: the Linux console, or a non-UTF-8 locale.

    The locale is LC_ALL, else LC_CTYPE, else LANG (POSIX's order); when none is set, the
    preferred encoding Python found.
    """
    env = os.environ if environ is None else environ
    if env.get("TERM", "") == "linux":
        return True
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name)
        if value:
            return not _utf8(value.partition(".")[2].partition("@")[0])
    if encoding is None:
        encoding = locale.getpreferredencoding(False)
    return not _utf8(encoding)


def _utf8(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") in ("utf8",)
