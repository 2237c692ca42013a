"""The status bar: one line saying where you are, what is shown and what went wrong.

The app fills a :class:`StatusInfo` from its state; :func:`status_text` turns it into Rich
``Text`` (never markup: directory names, branches and filters are outside text).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from dslp_tui.screens.render import STYLES
from dslp_tui.text import cell_len, one_line


@dataclass(frozen=True)
class StatusInfo:
    project: str
    tracker: str
    branch: str | None = None  # None: the repository is not read yet
    dirty: bool = False
    rate: tuple[int, int] | None = None  # (remaining, limit) where the tracker has a budget
    query: str = ""
    closed_hidden: bool = False
    cached_at: float | None = None  # the board shown came from the cache, saved then
    rate_wait: int | None = None  # seconds until the rate limit resets
    error: str | None = None  # the latest failure, one line
    error_reloads: bool = True  # it was a load's: r loads again (a write's is not retried by r)
    runs: str = ""  # "12 runs" once read; a runs failure is an error of its own
    warning: str | None = None  # about the data as a whole (board.warnings)
    loading: bool = False


BAR_LINES = 2  # the status bar's max-height (styles.tcss)
MORE = " (r retries, ! shows messages)"  # after a failed load
MORE_WRITE = " (! shows messages)"  # after a failed write: r reloads the board, it does not redo the write


def more(info: StatusInfo) -> str:
    """What follows the error: the keys that help with it."""
    return MORE if info.error_reloads else MORE_WRITE


def status_text(info: StatusInfo, error: str | None = None) -> Text:
    """What the board shows first (error, filter, hidden, stale), then where it is.

    Narrow terminals cut the end, so the marks that change what is on the board come before
    the repository's facts; an error is shown whole where the bar's two lines hold it, else
    cut at a word with ``…`` (``error``: the shortened text, see :class:`StatusBar`), and
    always followed by the pointer to ``!``, which lists every message in full.
    """
    parts = Text(overflow="ellipsis")
    parts.append("dslp-tui", STYLES["number"])
    if info.error:
        parts.append(f" · ⚠ {one_line(info.error) if error is None else error}{more(info)}", STYLES["error"])
    if info.query:
        parts.append(f" · filter: {one_line(info.query)}", STYLES["key"])
    if info.closed_hidden:
        parts.append(" · closed hidden", STYLES["dim"])
    if info.cached_at is not None:
        stamp = time.strftime("%H:%M", time.localtime(info.cached_at))
        doing = "" if info.error else ", refreshing…"
        parts.append(f" · stale: cached {stamp}{doing}", STYLES["warning"])
    if info.rate_wait is not None:
        parts.append(f" · rate limited: retry in {info.rate_wait}s", STYLES["warning"])
    if info.warning:
        parts.append(f" · ⚠ {one_line(info.warning)}", STYLES["warning"])
    if info.loading and not info.error:
        parts.append(" · loading…", STYLES["dim"])
    parts.append(f" · {one_line(info.project)}")
    if info.branch is not None:
        parts.append(f" · on {one_line(info.branch or '(detached)')}")
        if info.dirty:
            parts.append(" · uncommitted changes", STYLES["warning"])
    parts.append(f" · {one_line(info.tracker)} tracker")
    if info.rate is not None and info.rate[1] > 0:
        parts.append(f" · API {info.rate[0]:,}/{info.rate[1]:,}", STYLES["dim"])
    if info.runs:
        parts.append(f" · {one_line(info.runs)}", STYLES["dim"])
    return parts


HEAD = "dslp-tui · ⚠ "  # what comes before the error on the bar's first line
LONG_WORD = 16  # a word this long (a path, a URL) is split at a line's end rather than leave it half empty
BACK_OFF = 12  # a cut moves back to the last space when that loses at most this many cells


def fitted_error(info: StatusInfo, width: int) -> str | None:
    """The error as the bar shows it, with its pointer to ``!``, in the bar's lines: whole if
    it can be, else cut with ``…`` (at a word when that costs little). A long word split at a
    line's end holds a newline there (the rest the bar wraps at spaces). None: no error."""
    tail = more(info)
    if not info.error or width <= len(HEAD) + len(tail):
        return None
    text = one_line(info.error)

    def laid_out(error: str) -> str | None:
        shown, lines = _flow(error + tail, width, cell_len(HEAD))
        return shown[: len(shown) - len(tail)] if lines <= BAR_LINES else None  # status_text adds the tail

    shown = laid_out(text)
    if shown is None:
        low, high = 0, len(text)  # the longest start of the error that fits, by bisection
        while low < high:
            middle = (low + high + 1) // 2
            if laid_out(text[:middle].rstrip() + "…"):
                low = middle
            else:
                high = middle - 1
        cut = text[:low].rstrip()
        space = cut.rfind(" ")
        if space > 0 and len(cut) - space <= BACK_OFF:
            cut = cut[:space]
        shown = laid_out(cut + "…") or laid_out("…") or text
    return shown


def _flow(text: str, width: int, start: int) -> tuple[str, int]:
    """``text`` laid out greedily from column ``start`` of its first line, as Rich wraps it (at
    spaces), except that a long word (``LONG_WORD``) that does not fit the rest of a line fills
    it and goes on below: the text with a newline at each such split, and how many lines."""
    out: list[str] = []
    lines, column = 1, start
    for word in text.split(" "):
        gap = 1 if out else 0
        while column + gap + cell_len(word) > width:
            free = width - column - gap
            if cell_len(word) >= LONG_WORD and free >= 8 or column == 0:
                piece, word = _take(word, max(free, 1))
                out.append(" " * gap + piece + "\n")
            else:
                out.append(" " * gap)  # a plain wrap at this space
            lines, column, gap = lines + 1, 0, 0
        out.append(" " * gap + word)
        column += gap + cell_len(word)
    return "".join(out), lines


def _take(word: str, cells: int) -> tuple[str, str]:
    """``word`` split after ``cells`` cells (at least one character)."""
    used = 0
    for index, char in enumerate(word):
        used += cell_len(char)
        if used > cells and index:
            return word[:index], word[index:]
    return word, ""


class StatusBar(Static):
    """The line at the top of the board; shows what it is given, nothing else.

    Fitted to its width when drawn: an error that would run past the bar's last line is cut
    at a word, with ``…``, so its end is never lost mid-sentence without a trace and the
    pointer to ``!`` stays on screen.
    """

    info: StatusInfo | None = None

    def show(self, info: StatusInfo) -> None:
        self.info = info
        self.refresh(layout=True)

    def render(self) -> Text:
        if self.info is None:
            return Text("")
        width = self.content_size.width or self.app.size.width
        return status_text(self.info, fitted_error(self.info, width))

    def on_resize(self) -> None:
        self.refresh(layout=True)  # refit the error to the new width
