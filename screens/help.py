"""Help: every key (from the live bindings, so remapped keys show as remapped), the glyph
legend and the filter syntax."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from dslp_tui.present import BRANCH_WORDS, LEGEND, Glyphs
from dslp_tui.screens.modal import Modal
from dslp_tui.screens.render import STYLES

FILTER_HELP = (
    ("churn", "issues whose number, title, labels or branch contain the text"),
    ("kind:experiment", "one kind: ask, data, explore, experiment, model, other"),
    ("label:failed", "issues with a label containing the text"),
    ("state:open", "open or closed issues"),
)


class HelpScreen(Modal[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help_close"),
    ]

    def __init__(self, keys: list[tuple[str, str]], glyphs: Glyphs) -> None:
        super().__init__()
        self.keys = keys
        self.glyphs = glyphs

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as pane:
            pane.border_title = "Help · escape closes"
            yield Static(self.render_help())

    def render_help(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style=STYLES["key"], no_wrap=True)
        table.add_column()
        table.add_row(Text("Keys", STYLES["heading"]), "")
        for key, description in self.keys:
            table.add_row(Text(key), Text(description))
        table.add_row(Text("ctrl+p"), Text("Command palette: every action, searchable"))
        table.add_row("", "")
        table.add_row(Text("Rows", STYLES["heading"]), "")
        for name, meaning in LEGEND:
            table.add_row(Text(getattr(self.glyphs, name)), Text(meaning))
        for word, meaning in BRANCH_WORDS:
            table.add_row(Text(word), Text(meaning))
        table.add_row("", "")
        table.add_row(Text("Filter (/)", STYLES["heading"]), "")
        for example, meaning in FILTER_HELP:
            table.add_row(Text(example), Text(meaning))
        return table

    async def action_dismiss(self, result: None = None) -> None:
        self.close(None)
