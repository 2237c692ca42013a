"""The Textual app: wires the workspace to the screens through thread workers.

The only module of ``dslp_tui`` that imports Textual. Blocking work (git, SQLite, later
GitHub and MLflow) runs in ``@work(thread=True)`` workers that post messages back; widgets
are touched on the UI thread only. Opening the repository itself (GitPython, PyGithub)
happens in the first worker, after the cached board (if any) is painted, so the first frame
never waits for a heavy import.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.markup import escape as escape_markup
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen

from dslp_tui import screens as screens_package
from dslp_tui.board import Board, Filter, Joined, build_board, join
from dslp_tui.cache import BoardCache
from dslp_tui.config import Config, load_config
from dslp_tui.drafts import with_identity
from dslp_tui.model import Issue, IssueDraft, Snapshot
from dslp_tui.process import Kind, template
from dslp_tui.screens.board import BOARD_ACTIONS, BoardScreen, NodeData
from dslp_tui.screens.render import STYLES
from dslp_tui.text import clean, one_line
from dslp_tui.tracker import PartiallyFiled

if TYPE_CHECKING:
    from dslp_tui.workspace import Workspace


class Loaded(Message):
    """A board snapshot; ``cached_at`` is set when it came from the cache (so it is stale).

    ``painted``, if given, is set once the board has been painted.
    """

    def __init__(
        self, snapshot: Snapshot, cached_at: float | None = None, painted: threading.Event | None = None
    ) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.cached_at = cached_at
        self.painted = painted


class Failed(Message):
    """A worker failed; ``what`` says which operation, ``error`` why."""

    def __init__(self, what: str, error: BaseException) -> None:
        super().__init__()
        self.what = what
        self.error = error


class DslpApp(App[int]):
    CSS_PATH = Path(screens_package.__file__).parent / "styles.tcss"
    TITLE = "dslp-tui"
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        root: Path,
        config: Config | None = None,
        *,
        ascii_only: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.root = root
        self.config = config or load_config(root)
        self.ascii_only = ascii_only or self.config.ascii
        self.clock = clock
        self.workspace = None  # opened by the first worker
        self.snapshot: Snapshot | None = None
        self.query_text = ""
        self.show_closed = self.config.show_closed
        self.last_error: str | None = None
        self.cached_at: float | None = None  # set while the board shown came from the cache
        self.rate_reset_at: float | None = None
        self._countdown = None
        self._comment_drafts: dict[int, str] = {}  # unsent comments, by issue
        self._joined: tuple[Snapshot, Joined] | None = None  # the shown snapshot, joined once
        self._lock = threading.Lock()  # one workspace operation at a time
        self._board_cache = BoardCache.for_config(root, self.config)  # the last board, painted first
        self.set_keymap(self.config.keys)

    async def on_mount(self) -> None:
        self.board_screen = BoardScreen(self.ascii_only)
        await self.push_screen(self.board_screen)
        self._update_status()
        self.refresh_board()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast, the app's and every screen's and widget's: plain text, never markup.

        Messages carry outside text (titles, labels, paths, a server's words): as markup,
        ``[/b]`` would crash the board and ``[@click=app.quit]`` make a toast that quits.
        Escape sequences are stripped too. ``markup`` is accepted for Textual's signature
        and ignored.
        """
        super().notify(clean(message), title=one_line(title), severity=severity, timeout=timeout, markup=False)

    # --- workers ------------------------------------------------------------------------------

    def _workspace(self):
        if self.workspace is None:
            from dslp_tui.workspace import Workspace

            workspace = Workspace.open(self.root, clock=self.clock)
            if workspace.cache is not None and workspace.cache.path == self._board_cache.path:
                workspace.cache = self._board_cache  # it knows the board it read: unchanged, it is not re-encoded
            self.workspace = workspace
        return self.workspace

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def refresh_board(self) -> None:
        """Load the board; on the first load, paint the cached one before anything else."""
        try:
            with self._lock:
                if self.snapshot is None and self.workspace is None:
                    # Before GitPython or any tracker is even imported: the last board, marked stale.
                    cached = self._board_cache.load()
                    if cached is not None:
                        painted = threading.Event()
                        self.post_message(Loaded(cached[0], cached_at=cached[1], painted=painted))
                        # The imports below hold the GIL for a while: let the UI thread paint first.
                        painted.wait(0.5)
                workspace = self._workspace()
                snapshot = workspace.load()
                if workspace.cache is not None:
                    workspace.cache.save(snapshot, self.clock())
        except Exception as error:  # shown to the person, never raised into Textual
            self.post_message(Failed("refresh", error))
            return
        self.post_message(Loaded(snapshot))

    def on_loaded(self, message: Loaded) -> None:
        self.snapshot = message.snapshot
        self.cached_at = message.cached_at
        if message.cached_at is None:
            self.last_error = None
        self._redraw()
        if message.painted is not None:
            self.call_after_refresh(message.painted.set)
        if message.cached_at is None:
            self.call_after_refresh(self._settle_garbage)

    def _settle_garbage(self) -> None:
        """Take what a fresh board leaves alive out of the garbage collector's way.

        A full collection walks every tracked object (Textual, every module, the snapshot,
        the tree): tens of milliseconds with a big board, and Textual's rendering churn
        starts one every second or two while a key is held, stalling the keys queued behind
        it. So: collect once, right after the board is painted, and freeze the survivors;
        later collections walk only what is newer. What the previous load froze is unfrozen
        first, so the old board is collected, not kept.
        """
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def on_unmount(self) -> None:
        gc.unfreeze()  # leave the process's collector as it was

    def on_failed(self, message: Failed) -> None:
        text = one_line(str(message.error)) or type(message.error).__name__
        self.last_error = f"{message.what}: {text}"
        reset_at = getattr(message.error, "reset_at", None)
        if reset_at is not None:
            self._wait_for_rate_limit(reset_at)
        self._update_status()
        self.notify(text, title=f"{message.what.capitalize()} failed", severity="error", timeout=10)

    def _wait_for_rate_limit(self, reset_at: float) -> None:
        """Count down to the reset visibly, then refresh; the board stays usable meanwhile."""
        self.rate_reset_at = reset_at
        if self._countdown is None:
            self._countdown = self.set_interval(1, self._tick)

    def _tick(self) -> None:
        if self.rate_reset_at is None or self.clock() >= self.rate_reset_at:
            self.rate_reset_at = None
            if self._countdown is not None:
                self._countdown.stop()
                self._countdown = None
            self.refresh_board()
        self._update_status()

    def _redraw(self) -> None:
        if self.snapshot is None:
            return
        if self._joined is None or self._joined[0] is not self.snapshot:
            self._joined = (self.snapshot, join(self.snapshot, self.config))
        query = Filter.parse(self.query_text)
        board = build_board(self.snapshot, self.config, query, self.show_closed, self._joined[1])
        self.board_screen.show_board(board, filtered=bool(query))
        self._update_status()

    @property
    def board(self) -> Board | None:
        return self.board_screen.board

    def _update_status(self) -> None:
        parts = Text(no_wrap=True, overflow="ellipsis")
        parts.append("dslp-tui", STYLES["number"])
        parts.append(f" · {one_line(self.root.name)}")
        repo = self.snapshot.repo if self.snapshot else None
        if repo:
            parts.append(f" · on {one_line(repo.current_branch or '(detached)')}")
            if repo.dirty:
                parts.append(" · uncommitted changes", STYLES["warning"])
        tracker = self.workspace.tracker if self.workspace else None
        parts.append(f" · {tracker.name if tracker else self.config.tracker} tracker")
        rate = getattr(tracker, "rate", None)
        if rate is not None and rate.limit > 0:
            parts.append(f" · API {rate.remaining:,}/{rate.limit:,}", STYLES["dim"])
        if self.query_text:
            parts.append(f" · filter: {one_line(self.query_text)}", STYLES["key"])
        if not self.show_closed:
            parts.append(" · closed hidden", STYLES["dim"])
        if self.cached_at is not None:
            stamp = time.strftime("%H:%M", time.localtime(self.cached_at))
            doing = "" if self.last_error else ", refreshing…"
            parts.append(f" · stale: cached {stamp}{doing}", STYLES["warning"])
        if self.rate_reset_at is not None:
            wait = max(0, int(self.rate_reset_at - self.clock()))
            parts.append(f" · rate limited: retry in {wait}s", STYLES["warning"])
        if self.last_error:
            parts.append(f" · ⚠ {self.last_error} (r retries)", STYLES["error"])
        elif self.snapshot is None:
            parts.append(" · loading…", STYLES["dim"])
        self.board_screen.set_status(parts)

    @work(thread=True, group="write", exit_on_error=False)
    def _write(
        self,
        what: str,
        operation: Callable[[Workspace], str],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run one change in a worker; say what it did (or why not), then refresh the board."""
        try:
            with self._lock:
                message = operation(self._workspace())
        except Exception as error:  # shown to the person, never raised into Textual
            if on_error is not None:
                self.call_from_thread(on_error, error)
            else:
                self.post_message(Failed(what, error))
            return
        self.call_from_thread(self.notify, message, title=what.capitalize(), timeout=5)
        self.call_from_thread(self.refresh_board)

    # --- filtering and display ------------------------------------------------------------------

    def set_filter(self, query: str) -> None:
        self.query_text = query
        self._redraw()

    def toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self._redraw()
        self.notify("Closed issues shown" if self.show_closed else "Closed issues hidden", timeout=2)

    def branch_name_for(self, issue: Issue) -> str | None:
        return self.workspace.branch_for(issue) if self.workspace else None

    def show_help(self) -> None:
        from dslp_tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self._key_list(), self.board_screen.glyphs))

    def _key_list(self) -> list[tuple[str, str]]:
        keys = []
        for action in BOARD_ACTIONS:
            keys.append((self._keys_for(action), action.description))
        keys.append(("↑ ↓", "Move"))
        keys.append(("→ ←", "Expand / collapse (← on a row goes to its group)"))
        keys.append(("enter, space", "Expand or collapse the selected group"))
        return keys

    def _keys_for(self, action) -> str:
        """The keys bound to a board action now (after ``[keys]`` remapping), for display."""
        from textual.binding import Binding

        keys = self.config.keys.get(action.id, action.key)
        return ", ".join(self.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, BoardScreen):
            return
        for action in BOARD_ACTIONS:
            yield SystemCommand(
                action.description,
                f"key: {escape_markup(self._keys_for(action))}",  # [keys] comes from dslp.toml
                lambda action=action: self.run_action(action.action, screen),
            )

    # --- new issues -----------------------------------------------------------------------------

    def _ask_for(self, selected: NodeData | None) -> int | None:
        return selected.ask if selected is not None else None

    def pick_child(self, selected: NodeData | None) -> None:
        ask = self._ask_for(selected)
        if ask is None:
            self.notify("Select an Ask, or an issue under one, first.", severity="warning")
            return
        from dslp_tui.screens.pickers import CHILD_TEMPLATES, Picker

        row = self.board.row(ask) if self.board else None
        title = f"New issue under #{ask} {one_line(row.issue.title)}" if row else f"New issue under #{ask}"

        def chosen(template_id: str | None) -> None:
            if template_id:
                self.open_issue_form(template_id, selected)

        self.push_screen(Picker(title, CHILD_TEMPLATES), chosen)

    def open_issue_form(self, template_id: str, selected: NodeData | None) -> None:
        from dslp_tui.screens.issue_form import FormResult, IssueForm

        if self.workspace is None or self.snapshot is None:
            self.notify("The board is still loading; try again in a moment.", severity="warning")
            return
        tpl = template(template_id)
        parent = None if tpl.kind is Kind.ASK else self._ask_for(selected)
        issues = self.snapshot.issues
        asks = [(i.number, i.title) for i in issues if i.kind is Kind.ASK and i.state == "open"]
        experiments = [
            (i.number, i.title) for i in issues if i.kind is Kind.EXPERIMENT and (parent is None or i.parent == parent)
        ]
        draft = self.workspace.drafts.load(tpl.id, parent)
        if draft is not None and draft.filed_as is not None:
            self._offer_link_retry(draft)
            return
        # The form's draft keeps its identity, so filing it discards this draft and no other.
        identity = with_identity(draft or IssueDraft(template=tpl.id, title="", parent=parent)).draft_id

        def done(result: FormResult | None) -> None:
            if result is None:
                return
            own = replace(result.draft, draft_id=identity)
            if result.discarded:
                if draft is not None:
                    self.workspace.drafts.discard(draft)  # the draft this form resumed
                self.notify("Draft discarded.", timeout=4)
            elif result.submitted:
                self.create_issue(own)
            elif _has_content(own, tpl):
                path = self.workspace.drafts.save(own)
                self.notify(f"Draft kept ({path.name}); open the same form to resume it.", timeout=4)
            else:
                self.workspace.drafts.discard(own)

        self.push_screen(IssueForm(tpl, asks, experiments, draft, parent, resumed=draft is not None), done)

    def _offer_link_retry(self, draft: IssueDraft) -> None:
        """A draft whose issue exists already (only its link failed): retry the link, never refile."""
        from dslp_tui.screens.pickers import Picker

        number, parent = draft.filed_as, draft.parent
        choices = [
            ("retry", f"Retry linking #{number} to #{parent} (no new issue)"),
            ("forget", f"Forget this draft (#{number} stays as it is)"),
        ]

        def chosen(choice: str | None) -> None:
            if choice == "retry":
                self.create_issue(draft)
            elif choice == "forget":
                self.workspace.drafts.discard(draft)

        self.push_screen(Picker(f"#{number} was created from this draft, but linking it failed", choices), chosen)

    def create_issue(self, draft: IssueDraft) -> None:
        draft = with_identity(draft)

        def create(workspace: Workspace) -> str:
            issue = workspace.create_issue(draft)
            return f"Created #{issue.number} {one_line(issue.title)}"

        self._write("new issue", create, lambda error: self._create_failed(draft, error))

    def _create_failed(self, draft: IssueDraft, error: BaseException) -> None:
        where = self.workspace.drafts.where(draft)
        if isinstance(error, PartiallyFiled):
            title, then = f"#{error.number} created, not linked", "open the same form to retry the link"
        else:
            title, then = "Issue not created", "open the same form to resume it"
        kept = f"Your draft is kept in {where}; {then}." if where.exists() else "Your draft could not be kept."
        self.notify(
            f"{one_line(str(error))}\n{kept}",
            title=title,
            severity="error",
            timeout=12,
        )

    # --- status labels, comments, close and reopen -------------------------------------------

    def _selected_row(self, selected: NodeData | None):
        row = self.board.row(selected.number) if (self.board and selected and selected.number) else None
        if row is None:
            self.notify("Select an issue first.", severity="warning")
        return row

    def choose_status(self, selected: NodeData | None) -> None:
        row = self._selected_row(selected)
        if row is None:
            return
        from dslp_tui.process import STATUS_KEYS
        from dslp_tui.screens.pickers import Picker

        options = [(key, self.config.label(key)) for key in STATUS_KEYS] + [("none", "(no status label)")]
        if row.issue.kind is Kind.MODEL:  # the process's Deploy label: ready to deploy, beside the status
            deploy = self.config.label("deploy")
            options.append(("deploy", f"remove {deploy}" if deploy in row.issue.labels else deploy))

        def chosen(key: str | None) -> None:
            if key:
                self._set_status(row.number, key)

        self.push_screen(Picker(f"Status of #{row.number} {one_line(row.issue.title)}", options), chosen)

    def _set_status(self, number: int, key: str) -> None:
        from dslp_tui.workflows import deploy_toggle, status_labels

        def label(workspace: Workspace) -> str:
            if key == "deploy":
                add, remove = deploy_toggle(self.config, workspace.tracker.get_issue(number))
            else:
                add, remove = status_labels(self.config, None if key == "none" else key)
            workspace.tracker.set_labels(number, add=add, remove=remove)
            if key == "deploy":
                return f"#{number}: {add[0] if add else 'no ' + remove[0]}"
            return f"#{number}: {add[0] if add else 'no status label'}"

        self._write("status", label)

    def write_comment(self, selected: NodeData | None) -> None:
        row = self._selected_row(selected)
        if row is None:
            return
        from dslp_tui.screens.comment_form import CommentForm

        number = row.number
        text = self._comment_drafts.get(number, "TL;DR: ")

        def done(result: tuple[str, bool] | None) -> None:
            if result is None:
                return
            body, submitted = result
            self._comment_drafts[number] = body
            if submitted:
                self._send_comment(number, body)

        self.push_screen(CommentForm(f"Comment on #{number} {one_line(row.issue.title)}", text), done)

    def _send_comment(self, number: int, body: str) -> None:
        def send(workspace: Workspace) -> str:
            workspace.tracker.comment(number, body)
            self._comment_drafts.pop(number, None)
            return f"Commented on #{number}"

        def failed(error: BaseException) -> None:
            self.notify(
                f"{one_line(str(error))}\nYour text is kept: press w on #{number} to send it again.",
                title="Comment not sent",
                severity="error",
                timeout=12,
            )

        self._write("comment", send, failed)

    def open_close(self, selected: NodeData | None) -> None:
        row = self._selected_row(selected)
        if row is not None:
            self._open_close(row.number, "open" if row.issue.state == "closed" else "closed")

    def _open_close(self, number: int, state: str) -> None:
        def change(workspace: Workspace) -> str:
            workspace.tracker.update_issue(number, state=state)
            return f"#{number} {'closed' if state == 'closed' else 'reopened'} (o again to undo)"

        self._write("close" if state == "closed" else "reopen", change)

    # --- moves: promote, fail, close an exploration ----------------------------------------

    def start_move(self, move: str, selected: NodeData | None) -> None:
        """Build the move's plan in a worker (reads git, the tracker, runs), then preview it."""
        row = self._selected_row(selected)
        if row is None:
            return
        number = row.number

        def prepare() -> None:
            from textual.worker import get_current_worker

            from dslp_tui.screens.plan import PlanScreen
            from dslp_tui.workflows import open_move

            try:
                with self._lock:
                    opened = open_move(self._workspace(), move, number)
            except Exception as error:  # a move that cannot be built here: one line, nothing changed
                why = one_line(str(error)) or type(error).__name__
                self.call_from_thread(self.notify, why, title=f"{move} #{number}: not started", severity="error")
                return
            if not get_current_worker().is_cancelled:  # a second key press replaced this preview
                self.call_from_thread(self.push_screen, PlanScreen(opened, self._lock), ran)

        def ran(anything_ran: bool | None) -> None:
            if anything_ran:
                self.refresh_board()

        self.run_worker(prepare, thread=True, group="move", exclusive=True, exit_on_error=False)

    # --- branches -------------------------------------------------------------------------------

    def start_branch(self, selected: NodeData | None) -> None:
        if selected is None or selected.number is None:
            self.notify("Select an issue first.", severity="warning")
            return
        self._start_branch(selected.number)

    def _start_branch(self, number: int) -> None:
        def start(workspace: Workspace) -> str:
            result = workspace.start_work(number)
            return "\n".join([result.branch, *(one_line(note) for note in result.notes)])

        self._write("branch", start)


def _has_content(draft: IssueDraft, tpl) -> bool:
    if draft.title.strip():
        return True
    starters = {s.heading: s.starter for s in tpl.sections}
    return any(text.strip() and text.strip() != starters.get(h, "").strip() for h, text in draft.sections.items())


def build_app(root: Path, *, ascii_only: bool = False, clock: Callable[[], float] = time.time) -> DslpApp:
    """The factory the CLI and the tests share."""
    return DslpApp(root, ascii_only=ascii_only, clock=clock)


def run_app(root: Path, *, ascii_only: bool = False) -> int:
    app = build_app(root, ascii_only=ascii_only)
    app.run()
    return app.return_code or 0
