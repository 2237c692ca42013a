"""A yes/no question: y or enter says yes, n or escape says no."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from dslp_tui.screens.modal import Modal


class Confirm(Modal[bool]):
    """Returns True for yes. The question is outside text (a server's or git's words): Text only."""

    DEFAULT_CSS = """
    #confirm {
        width: 70;
        max-width: 90%;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    #confirm-question {
        margin: 1 0;
    }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, title: str, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm") as box:
            box.border_title = Text(self.title_text)
            yield Static(Text(self.question), id="confirm-question")
            with Horizontal(id="form-buttons"):
                yield Button(self.yes, variant="warning", id="yes")
                yield Button("No", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.close(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.close(event.button.id == "yes")
