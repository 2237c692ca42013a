"""A move (promote, fail, close an exploration) previewed, confirmed, then run with a live log.

The screen shows the plan the core built (``dslp_tui.workflows.OpenedMove``): the issue, an
editable TL;DR, every step with what it will change and whether it is done. ``ctrl+s`` runs
it in a thread worker; the runner's events come back to the UI thread one by one and each
is a line of the log. Escape before running keeps the TL;DR in the move's journal, so
opening the move again resumes it. Every string shown is outside text: ``Text`` only.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Static, TextArea

from dslp_tui.bugs import describe
from dslp_tui.errors import DslpError
from dslp_tui.screens.modal import Modal
from dslp_tui.screens.render import STYLES, plain
from dslp_tui.text import clean, one_line
from dslp_tui.workflows import Event, OpenedMove, Outcome

MOVE_NAMES = {"promote": "Promote", "fail": "Fail", "close": "Close the exploration"}
MARKS = {"todo": "[    ]", "done": "[done]", "skip": "[done]", "start": "[ .. ]", "fail": "[FAIL]"}


class TickBox(Checkbox):
    """A checkbox marked only when ticked. Textual's shows its X either way and tells on from
    off by colour alone, which NO_COLOR takes away: an unticked box would read as ticked."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button


class PlanScreen(Modal[bool]):
    """Returns whether the move ran (finished or stopped), so the board refreshes."""

    BINDINGS = [
        Binding("ctrl+s", "confirm", "Run the steps", id="plan_confirm"),
        Binding("escape", "cancel", "Cancel (keeps the TL;DR)", id="plan_cancel"),
        # The same key once the steps ran: the footer says what escape does now.
        Binding("escape", "close_log", "Close", id="plan_close"),
    ]

    def __init__(self, opened: OpenedMove, lock: threading.Lock | None = None) -> None:
        super().__init__()
        self.opened = opened
        self.workspace_lock = lock  # one workspace operation at a time (the app's)
        self.state = "preview"  # preview → running → finished | stopped
        self.marks = {step.id: "done" if done else "todo" for step, done in opened.steps}
        self.steps = [step for step, _ in opened.steps]
        self.log_lines: list[Text] = []

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        issue = self.opened.plan.issue
        with Vertical(id="plan") as box:
            box.border_title = Text(f"{MOVE_NAMES[self.opened.move]} #{issue.number} {one_line(issue.title)}")
            yield Static(plain("TL;DR", "heading"), classes="heading")
            yield TextArea(self.opened.tldr, id="plan-tldr", soft_wrap=True, tab_behavior="focus")
            offer = self.opened.register_offer
            if offer is not None:  # a promote whose run source can register the best run's model
                yield TickBox(Text(one_line(offer)), self.opened.registers, id="plan-register")
            yield Static(plain("Steps", "heading"), classes="heading")
            yield Static(self._steps_text(), id="plan-steps")
            with VerticalScroll(id="plan-log-box"):
                yield Static(self._log_text(), id="plan-log")
            with Horizontal(id="form-buttons"):
                yield Static(self._hint(), classes="guidance", id="plan-hint")
                yield Button("Run", variant="primary", id="plan-run")
                yield Button("Cancel", id="plan-cancel")

    def on_mount(self) -> None:
        for note in self.opened.notes:
            self._log(plain(clean(note), "warning"))
        if self.opened.refusal:
            self._log(plain(f"Cannot start: {one_line(self.opened.refusal)}", "error"))
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def _steps_text(self) -> Table:
        """The numbered steps with their marks; a long step wraps under its own words."""
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        for number, step in enumerate(self.steps, 1):
            mark = self.marks.get(step.id, "todo")
            style = STYLES.get({"done": "dim", "skip": "dim", "fail": "error", "start": "key"}.get(mark, ""), "")
            table.add_row(Text(f"{number}."), Text(MARKS[mark], style), Text(clean(step.says), style))
        return table

    def _log_text(self) -> Text:
        return Text("\n", end="").join(self.log_lines)

    def _hint(self) -> Text:
        register = " · tab, space: register the model or not" if self.opened.register_offer else ""
        hints = {
            "preview": f"ctrl+s runs these steps · esc cancels (keeps the TL;DR){register}",
            "running": "running…",
            "finished": "finished · esc or enter closes",
            "stopped": "stopped · esc or enter closes; fix it, then run the move again to resume",
        }
        return plain(hints[self.state])

    def _log(self, line: Text) -> None:
        self.log_lines.append(line)
        self.query_one("#plan-log", Static).update(self._log_text())
        self.query_one("#plan-log-box", VerticalScroll).scroll_end(animate=False)

    def _show_state(self) -> None:
        self.query_one("#plan-steps", Static).update(self._steps_text())
        self.query_one("#plan-hint", Static).update(self._hint())
        running_or_done = self.state != "preview"
        self.query_one("#plan-run", Button).display = not running_or_done
        self.query_one("#plan-cancel", Button).label = "Close" if running_or_done else "Cancel"
        self.query_one("#plan-cancel", Button).disabled = self.state == "running"
        self.query_one(TextArea).read_only = running_or_done
        for box in self.query("#plan-register").results(Checkbox):
            box.disabled = running_or_done
        self.refresh_bindings()

    # --- keys ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer tells the truth: ctrl+s and escape's "Cancel" before the run, escape's
        "Close" after it (greyed while the steps run)."""
        if action in ("confirm", "cancel"):
            return self.state == "preview"
        if action == "close_log":
            return None if self.state == "running" else self.state != "preview"
        return True

    def action_confirm(self) -> None:
        if not self.on_top or self.state != "preview":
            return
        tldr = self.query_one(TextArea).text
        if not tldr.strip():
            self._log(plain("Write a TL;DR first: it is commented on the issue.", "error"))
            return
        self.state = "running"
        self._show_state()
        self._run(tldr)

    def action_cancel(self) -> None:
        if not self.on_top or self.state == "running":
            return
        if self.state == "preview":
            self.opened.keep_tldr(self.query_one(TextArea).text)
            self.close(False)
        else:
            self.close(True)

    def action_close_log(self) -> None:
        if self.state in ("finished", "stopped"):
            self.action_cancel()

    def key_enter(self) -> None:
        self.action_close_log()

    @on(Button.Pressed, "#plan-run")
    def _run_pressed(self) -> None:
        self.action_confirm()

    @on(Checkbox.Changed, "#plan-register")
    def _register_changed(self, event: Checkbox.Changed) -> None:
        """The register step joins the preview (or leaves it); ctrl+s runs what is shown."""
        if self.state != "preview":
            return
        shown = self.opened.set_register(event.value)
        self.steps = [step for step, _ in shown]
        self.marks = {step.id: "done" if done else "todo" for step, done in shown}
        self._show_state()

    @on(Button.Pressed, "#plan-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    # --- the run -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def _run(self, tldr: str) -> None:
        """Check and run the plan off the UI thread; every event comes back as a log line."""
        try:
            with self.workspace_lock or nullcontext():
                plan = self.opened.confirm(tldr)
                self.app.call_from_thread(self._started, [step for step in plan.steps])
                outcome = self.opened.run(plan, lambda event: self.app.call_from_thread(self._event, event))
        except DslpError as error:  # refused before any step ran, or the git/tracker read failed
            self.app.call_from_thread(self._refused, str(error))
            return
        except Exception as error:  # a bug: one line naming the log that holds its traceback
            self.app.call_from_thread(self._refused, describe(error))
            return
        self.app.call_from_thread(self._ended, outcome)

    def _started(self, steps: list) -> None:
        self.steps = steps  # rebuilt with the TL;DR as typed (the steps quote it)
        self._show_state()

    def _event(self, event: Event) -> None:
        """One line of the log per event; the step's mark follows it."""
        step = event.step
        if step is None:  # finished
            self._log(plain(clean(event.message), "status.succeeded"))
            return
        index = self.steps.index(step) + 1 if step in self.steps else 0
        self.marks[step.id] = event.kind
        if event.kind == "start":
            self._log(plain(f"{index}. {clean(step.says)}"))
        elif event.kind == "skip":
            self._log(plain(f"{index}. {clean(step.says)}: already done", "dim"))
        elif event.kind == "done":
            self._log(plain(f"   done{': ' + clean(event.message) if event.message else ''}"))
        elif event.kind == "fail":
            self._log(plain(f"   failed at step {index} ({step.id}): {clean(event.message)}", "error"))
        self._show_state()

    def _refused(self, reason: str) -> None:
        self.state = "preview"
        self._show_state()
        self._log(plain(f"Not run: {one_line(reason)}", "error"))

    def _ended(self, outcome: Outcome) -> None:
        self.state = "finished" if outcome.finished else "stopped"
        if not outcome.finished:
            self._log(plain(f"stopped; the journal is {self.opened.journal.path}", "dim"))
        self._show_state()
        self.query_one("#plan-cancel", Button).focus()
