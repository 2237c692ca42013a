"""Small choosers: which kind of child issue to open under an Ask."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from dslp_tui.process import TEMPLATES, Kind

CHILD_TEMPLATES = [t for t in TEMPLATES if t.kind is not Kind.ASK]


class ChildPicker(ModalScreen[str | None]):
    """Returns a template id, or None when escaped."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker_cancel")]

    def __init__(self, ask_title: str) -> None:
        super().__init__()
        self.ask_title = ask_title

    def compose(self) -> ComposeResult:
        options = OptionList(*[Option(Text(t.name), id=t.id) for t in CHILD_TEMPLATES], id="picker")
        options.border_title = Text(f"New issue under {self.ask_title}")
        yield options

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
