"""The new-issue form: a title, the Ask (and Experiment) it belongs to, one field per section.

Returns a :class:`FormResult`: submitted; cancelled with everything typed so far, so escape
never loses a draft (the app keeps it and the form resumes from it); or discarded on purpose
(ctrl+r or the Discard button, pressed twice when something was typed), which removes the draft.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from dslp_tui.model import IssueDraft
from dslp_tui.process import Kind, Template, writing_spot
from dslp_tui.screens.modal import Modal
from dslp_tui.screens.render import plain
from dslp_tui.text import one_line


@dataclass(frozen=True)
class FormResult:
    draft: IssueDraft
    submitted: bool
    discarded: bool = False  # the person threw the draft away: nothing is kept


class SectionArea(TextArea):
    """A section field that puts the cursor where the person's words belong when it gains focus.

    Untouched starter text: on the empty line under its first sub-heading, never at the start
    of ``### Desired Outcome`` where typing would glue words to it. Edited text (a resumed
    draft): at the end the first time, then wherever the person left it.
    """

    def __init__(self, text: str, starter: str, **kwargs) -> None:
        super().__init__(text, **kwargs)
        self.starter = starter
        self._visited = False

    def on_focus(self, event: events.Focus) -> None:
        # After the focusing click (queued behind this event) has set its own location.
        self.call_later(self.place_cursor)

    def place_cursor(self) -> None:
        prepared, spot = writing_spot(self.starter)
        if self.text in (self.starter, prepared):
            if self.text != prepared:
                self.load_text(prepared)
            self.move_cursor(spot)
        elif not self._visited:
            self.move_cursor(self.document.end)
        self._visited = True


class IssueForm(Modal[FormResult]):
    # Narrower buttons leave the hint room for its keys at 80 columns.
    DEFAULT_CSS = """
    IssueForm #form-buttons Button {
        min-width: 10;
    }
    """
    BINDINGS = [
        Binding("ctrl+s", "submit", "Create", id="form_submit"),
        Binding("escape", "cancel", "Close (keeps the draft)", id="form_cancel"),
        # ctrl+d deletes a character in Input and TextArea; ctrl+r is free in both.
        Binding("ctrl+r", "discard", "Discard the draft", id="form_discard"),
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
        self._discard_armed = False

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
                    yield SectionArea(
                        text, section.starter, id=f"section-{index}", soft_wrap=True, tab_behavior="focus"
                    )
            yield Static(id="discard-note", classes="error note")
            with Horizontal(id="form-buttons"):
                yield Static(
                    plain("ctrl+s create · esc keeps the draft · ctrl+r discards it · tab next"),
                    classes="guidance",
                    id="form-hint",
                )
                yield Button("Discard", variant="error", id="discard")
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

    def has_content(self) -> bool:
        """Whether anything was typed: a title, or a section that is not its starter."""
        draft = self.current_draft()
        starters = {s.heading: s.starter.strip() for s in self.template.sections}
        return bool(draft.title.strip()) or any(
            text.strip() and text.strip() != starters.get(heading, "") for heading, text in draft.sections.items()
        )

    def action_discard(self) -> None:
        """Throw the draft away; when something was typed, only on a second press in a row."""
        if not self.on_top:
            return
        if self.has_content() and not self._discard_armed:
            self._discard_armed = True
            self._note("#discard-note", "Press ctrl+r or Discard again to throw this draft away; esc keeps it.")
            self.query_one("#discard", Button).label = "Confirm"
            return
        self.close(FormResult(self.current_draft(), submitted=False, discarded=True))

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _disarm_discard(self) -> None:
        """Any edit after the first discard press cancels it: the second press must follow at once."""
        if self._discard_armed:
            self._discard_armed = False
            self._note("#discard-note", "")
            self.query_one("#discard", Button).label = "Discard"

    @on(Button.Pressed, "#discard")
    def _discard(self) -> None:
        self.action_discard()

    @on(Button.Pressed, "#create")
    def _create(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Select.Changed, "#ask")
    def _ask_chosen(self) -> None:
        self._note("#ask-error", "")
