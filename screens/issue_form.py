"""The new-issue form: a title, the Ask (and Experiment) it belongs to, one field per section.

Returns a :class:`FormResult` either way: submitted, or cancelled with everything typed so
far, so escape never loses a draft (the app keeps it and the form resumes from it).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from dslp_tui.model import IssueDraft
from dslp_tui.process import Kind, Template
from dslp_tui.screens.modal import Modal
from dslp_tui.screens.render import plain
from dslp_tui.text import one_line


@dataclass(frozen=True)
class FormResult:
    draft: IssueDraft
    submitted: bool


class IssueForm(Modal[FormResult]):
    BINDINGS = [
        Binding("ctrl+s", "submit", "Create", id="form_submit"),
        Binding("escape", "cancel", "Close (keeps the draft)", id="form_cancel"),
    ]

    def __init__(
        self,
        template: Template,
        asks: list[tuple[int, str]],
        experiments: list[tuple[int, str]],
        draft: IssueDraft | None = None,
        parent: int | None = None,
        resumed: bool = False,
    ) -> None:
        super().__init__()
        self.template = template
        self.asks = asks
        self.experiments = experiments
        self.draft = draft or IssueDraft(template=template.id, title="", parent=parent)
        self.resumed = resumed

    def compose(self) -> ComposeResult:
        tpl = self.template
        with Vertical(id="form") as form:
            form.border_title = f"New {tpl.name} issue"
            if self.resumed:
                form.border_subtitle = "resumed from your draft"
            with VerticalScroll(id="form-fields"):
                yield Label("Title", classes="heading")
                if tpl.title_pattern:
                    yield Static(plain(f"Pattern: {tpl.title_pattern.replace('{name}', '[name]')}"), classes="guidance")
                yield Input(self.draft.title, placeholder="a short, specific title", id="title")
                yield Static(id="title-preview", classes="guidance note")
                yield Static(id="title-error", classes="error note")
                if tpl.kind is not Kind.ASK:
                    yield Label("Ask", classes="heading")
                    yield Select(
                        [(Text(f"#{n} {one_line(t)}"), n) for n, t in self.asks],
                        value=self.draft.parent if self.draft.parent in {n for n, _ in self.asks} else Select.NULL,
                        prompt="Choose the Ask this belongs to",
                        id="ask",
                    )
                    yield Static(id="ask-error", classes="error note")
                if tpl.kind is Kind.MODEL:
                    yield Label("Based on Experiment", classes="heading")
                    yield Select(
                        [(Text(f"#{n} {one_line(t)}"), n) for n, t in self.experiments],
                        value=self.draft.based_on
                        if self.draft.based_on in {n for n, _ in self.experiments}
                        else Select.NULL,
                        prompt="(optional) the successful Experiment",
                        id="based-on",
                    )
                for index, section in enumerate(tpl.sections):
                    yield Label(section.heading, classes="heading")
                    yield Static(plain(section.guidance), classes="guidance")
                    text = self.draft.sections.get(section.heading, section.starter)
                    yield TextArea(text, id=f"section-{index}", soft_wrap=True, tab_behavior="focus")
            with Horizontal(id="form-buttons"):
                yield Static(
                    plain("ctrl+s create · esc keeps the draft · tab next"), classes="guidance", id="form-hint"
                )
                yield Button("Cancel", id="cancel")
                yield Button("Create", variant="primary", id="create")

    def on_mount(self) -> None:
        for note in self.query(".note"):
            note.display = False
        self._preview()
        self.query_one("#title", Input).focus()

    @on(Input.Changed, "#title")
    def _preview(self) -> None:
        title = self.query_one("#title", Input).value
        final = self.template.title_for(title)
        changed = bool(final) and final != " ".join(title.split())
        self._note("#title-preview", f"Will be filed as: {final}" if changed else "")
        if title.strip():
            self._note("#title-error", "")

    def _note(self, selector: str, message: str) -> None:
        """Show a one-line note under a field, or hide it when there is nothing to say."""
        note = self.query_one(selector, Static)
        note.update(plain(message))
        note.display = bool(message)

    def current_draft(self) -> IssueDraft:
        parent = self.draft.parent
        if self.template.kind is not Kind.ASK:
            value = self.query_one("#ask", Select).value
            parent = value if isinstance(value, int) else None
        based_on = None
        if self.template.kind is Kind.MODEL:
            value = self.query_one("#based-on", Select).value
            based_on = value if isinstance(value, int) else None
        sections = {
            section.heading: self.query_one(f"#section-{index}", TextArea).text
            for index, section in enumerate(self.template.sections)
        }
        return IssueDraft(
            template=self.template.id,
            title=self.query_one("#title", Input).value,
            sections=sections,
            parent=parent,
            based_on=based_on,
        )

    def action_submit(self) -> None:
        if not self.on_top:
            return
        draft = self.current_draft()
        ok = True
        if not draft.title.strip():
            self._note("#title-error", "A title is required.")
            self.query_one("#title", Input).focus()
            ok = False
        if self.template.kind is not Kind.ASK and draft.parent is None:
            self._note("#ask-error", "Choose the Ask this issue belongs to.")
            if ok:
                self.query_one("#ask", Select).focus()
            ok = False
        if ok:
            self.close(FormResult(draft, submitted=True))

    def action_cancel(self) -> None:
        if self.on_top:
            self.close(FormResult(self.current_draft(), submitted=False))

    @on(Button.Pressed, "#create")
    def _create(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Select.Changed, "#ask")
    def _ask_chosen(self) -> None:
        self._note("#ask-error", "")
