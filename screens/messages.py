"""Messages: the last things dslp-tui said (errors, results, warnings), each in full.

Notifications fade and the status bar is one or two lines; a long error (a path, then what to
do) must still be readable to the end. The text is outside data: shown as ``Text``, never markup.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from dslp_tui.screens.modal import Modal
from dslp_tui.screens.render import STYLES
from dslp_tui.text import clean, one_line

KEPT = 50


@dataclass(frozen=True)
class Said:
    at: float
    title: str
    text: str
    severity: str  # information, warning or error


class MessageLog:
    """The last ``KEPT`` messages, oldest first."""

    def __init__(self) -> None:
        self._said: deque[Said] = deque(maxlen=KEPT)

    def add(self, text: str, title: str = "", severity: str = "information", at: float | None = None) -> None:
        self._said.append(Said(time.time() if at is None else at, one_line(title), clean(text), severity))

    def __iter__(self):
        return iter(self._said)

    def __len__(self) -> int:
        return len(self._said)


_SEVERITY_STYLE = {"error": STYLES["error"], "warning": STYLES["warning"]}


def render_messages(log: MessageLog) -> Text:
    """Newest first: when, the title, then the whole message (wrapped by the screen)."""
    if not len(log):
        return Text("Nothing yet.", STYLES["dim"])
    out = Text()
    for said in reversed(list(log)):
        out.append(time.strftime("%H:%M:%S ", time.localtime(said.at)), STYLES["dim"])
        out.append(said.title or said.severity, _SEVERITY_STYLE.get(said.severity, STYLES["heading"]))
        out.append("\n")
        out.append(said.text)
        out.append("\n\n")
    out.rstrip()
    return out


class MessagesScreen(Modal[None]):
    BINDINGS = [Binding("escape,q,exclamation_mark", "dismiss", "Close", id="messages_close")]

    def __init__(self, log: MessageLog) -> None:
        super().__init__()
        self.log_of_messages = log

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="messages") as pane:
            pane.border_title = "Messages, newest first · escape closes"
            yield Static(render_messages(self.log_of_messages))

    async def action_dismiss(self, result: None = None) -> None:
        self.close(None)
