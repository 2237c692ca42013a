"""Write a comment (a TL;DR, usually) on the selected issue."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static, TextArea

from dslp_tui.screens.modal import Modal
from dslp_tui.screens.render import plain


class CommentForm(Modal[tuple[str, bool]]):
    """Returns (text, submitted): escape hands the text back too, so nothing typed is lost."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Comment", id="comment_submit"),
        Binding("escape", "cancel", "Close (keeps the text)", id="comment_cancel"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="comment") as box:
            box.border_title = Text(self.title_text)
            yield TextArea(self.text, id="comment-text", soft_wrap=True, tab_behavior="focus")
            with Horizontal(id="form-buttons"):
                yield Static(plain("ctrl+s comment · esc keeps the text"), classes="guidance", id="form-hint")
                yield Button("Comment", variant="primary", id="send")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_submit(self) -> None:
        if not self.on_top:
            return
        text = self.query_one(TextArea).text
        if text.strip():
            self.close((text, True))

    def action_cancel(self) -> None:
        if self.on_top:
            self.close((self.query_one(TextArea).text, False))

    @on(Button.Pressed, "#send")
    def _send(self) -> None:
        self.action_submit()
