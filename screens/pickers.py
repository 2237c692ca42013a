"""Small choosers: one list, enter picks, escape cancels."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from dslp_tui.process import TEMPLATES, Kind
from dslp_tui.screens.modal import Modal

CHILD_TEMPLATES = [(t.id, t.name) for t in TEMPLATES if t.kind is not Kind.ASK]


class Picker(Modal[str | None]):
    """Returns the chosen option's id, or None when escaped. Titles are outside text: Text only."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker_cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        options = OptionList(*[Option(Text(label), id=key) for key, label in self.options], id="picker")
        options.border_title = Text(self.title_text)
        yield options

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.close(event.option.id)

    def action_cancel(self) -> None:
        self.close(None)
