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
from dslp_tui.text import one_line


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
    runs: str = ""  # "12 runs" once read; a runs failure is an error of its own
    warning: str | None = None  # about the data as a whole (board.warnings)
    loading: bool = False


def status_text(info: StatusInfo) -> Text:
    """What the board shows first (error, filter, hidden, stale), then where it is.

    Narrow terminals cut the end, so the marks that change what is on the board come before
    the repository's facts; an error is shown whole (the bar wraps to two lines, ``!`` lists
    every message in full).
    """
    parts = Text(overflow="ellipsis")
    parts.append("dslp-tui", STYLES["number"])
    if info.error:
        parts.append(f" · ⚠ {one_line(info.error)} (r retries, ! shows messages)", STYLES["error"])
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


class StatusBar(Static):
    """The line at the top of the board; shows what it is given, nothing else."""

    def show(self, info: StatusInfo) -> None:
        self.info = info
        self.update(status_text(info))
