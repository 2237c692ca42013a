"""Edit an issue's title and body: the whole Markdown body in one field, or in ``$EDITOR``.

Returns an :class:`EditResult`: submitted; closed with what was typed (escape never loses an
edit: the app keeps it and offers it the next time the issue is edited); or discarded on
purpose (ctrl+r or Discard, pressed twice when something was changed). ``ctrl+o`` hands the
body to ``$VISUAL``/``$EDITOR`` (the board steps aside with ``App.suspend``) and takes back
what it saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static, TextArea

from dslp_tui.screens.modal import Modal
from dslp_tui.screens.render import plain


@dataclass(frozen=True)
class EditResult:
    title: str
    body: str
    submitted: bool
    discarded: bool = False  # the person threw the unsaved edit away


class EditForm(Modal[EditResult]):
    DEFAULT_CSS = """
    EditForm #form-buttons Button {
        min-width: 10;
    }
    """
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="edit_submit"),
        Binding("escape", "cancel", "Close (keeps the edit)", id="edit_cancel"),
        Binding("ctrl+r", "discard", "Discard the edit", id="edit_discard"),
        Binding("ctrl+o", "external_editor", "Body in $EDITOR", id="edit_external"),
    ]

    def __init__(self, heading: str, title: str, body: str, original: tuple[str, str], resumed: bool = False) -> None:
        super().__init__()
        self.heading = heading
        self.title_text = title
        self.body = body
        self.original = original  # (title, body) as the tracker had them: what "changed" means
        self.resumed = resumed
        self._discard_armed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="form") as form:
            form.border_title = Text(self.heading)
            if self.resumed:
                form.border_subtitle = "resumed from your unsaved edit"
            yield Label("Title", classes="heading")
            yield Input(self.title_text, id="title")
            yield Static(id="title-error", classes="error note")
            yield Label("Body", classes="heading")
            yield Static(
                plain("Markdown; keep the Ask Reference line and the ## headings."),
                classes="guidance",
            )
            yield TextArea(self.body, id="body", soft_wrap=True, tab_behavior="focus")
            yield Static(id="discard-note", classes="error note")
            with Horizontal(id="form-buttons"):
                yield Static(
                    plain("ctrl+s save · esc keeps the edit · ctrl+r discards · ctrl+o $EDITOR"),
                    classes="guidance",
                    id="form-hint",
                )
                yield Button("Discard", variant="error", id="discard")
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save")

    def on_mount(self) -> None:
        for note in self.query(".note"):
            note.display = False
        self.query_one("#title", Input).focus()

    def _note(self, selector: str, message: str) -> None:
        note = self.query_one(selector, Static)
        note.update(plain(message))
        note.display = bool(message)

    def current(self) -> tuple[str, str]:
        return self.query_one("#title", Input).value, self.query_one("#body", TextArea).text

    def changed(self) -> bool:
        return self.current() != self.original

    def action_submit(self) -> None:
        if not self.on_top:
            return
        title, body = self.current()
        if not title.strip():
            self._note("#title-error", "A title is required.")
            self.query_one("#title", Input).focus()
            return
        self.close(EditResult(title, body, submitted=True))

    def action_cancel(self) -> None:
        if self.on_top:
            self.close(EditResult(*self.current(), submitted=False))

    def action_discard(self) -> None:
        """Throw the unsaved edit away; when something was changed, only on a second press in a row."""
        if not self.on_top:
            return
        if self.changed() and not self._discard_armed:
            self._discard_armed = True
            self._note("#discard-note", "Press ctrl+r or Discard again to throw this edit away; esc keeps it.")
            self.query_one("#discard", Button).label = "Confirm"
            return
        self.close(EditResult(*self.current(), submitted=False, discarded=True))

    def action_external_editor(self) -> None:
        """The body in ``$VISUAL``/``$EDITOR``, the board suspended meanwhile; its saved text comes back."""
        from dslp_tui.editor import EditorError, edit_text, editor_command

        if not self.on_top:
            return
        command = editor_command()
        if command is None:
            self.app.notify("Set $VISUAL or $EDITOR to edit the body in your own editor.", severity="warning")
            return
        area = self.query_one("#body", TextArea)
        try:
            with self.app.suspend():
                text = edit_text(area.text, command)
        except SuspendNotSupported:
            self.app.notify("This terminal cannot hand the screen to an editor; edit the body here.", severity="error")
            return
        except EditorError as error:
            self.app.notify(str(error), title="Editor", severity="error")
            return
        if text != area.text:
            area.load_text(text)
        area.focus()

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _disarm_discard(self) -> None:
        """Any edit after the first discard press cancels it: the second press must follow at once."""
        if self._discard_armed:
            self._discard_armed = False
            self._note("#discard-note", "")
            self.query_one("#discard", Button).label = "Discard"

    @on(Input.Changed, "#title")
    def _title_typed(self) -> None:
        if self.query_one("#title", Input).value.strip():
            self._note("#title-error", "")

    @on(Button.Pressed, "#discard")
    def _discard(self) -> None:
        self.action_discard()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_submit()
