"""The board's multi-step flows: forms, pickers and questions, then one write each.

Moved out of the app so the app keeps only the workspace, the workers and the messages.
Each flow asks what it needs (a dialog), hands one :class:`~dslp_tui.workspace.Workspace`
operation to :meth:`DslpApp.write` (a worker, serialised per tracker) and turns the
structured result it returns (an ``Issue``, a ``Comment``, a ``StartResult``) into a message.
Failures: an expected error is its own message; anything else is a bug (``bugs.describe``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from dslp_tui.board import Filter, Row
from dslp_tui.bugs import describe
from dslp_tui.drafts import CommentDrafts, has_content, with_identity
from dslp_tui.model import Comment, Issue, IssueDraft
from dslp_tui.process import STATUS_KEYS, Kind, template
from dslp_tui.screens.host import NodeData
from dslp_tui.sources.git import StartResult
from dslp_tui.text import one_line
from dslp_tui.tracker import PartiallyFiled
from dslp_tui.workspace import NeedsConfirmation, Workspace

if TYPE_CHECKING:
    from dslp_tui.app import DslpApp


class Flows:
    """The flows behind the board's keys; ``app`` runs their writes and shows their results."""

    def __init__(self, app: DslpApp) -> None:
        self.app = app
        self.comment_drafts = CommentDrafts()

    # --- helpers ------------------------------------------------------------------------------

    def _selected_row(self, selected: NodeData | None) -> Row | None:
        board = self.app.board
        row = board.row(selected.number) if (board and selected and selected.number) else None
        if row is None:
            self.app.notify("Select an issue first.", severity="warning")
        return row

    def _loaded(self) -> Workspace | None:
        if self.app.workspace is None or self.app.snapshot is None:
            failed = self.app.last_error
            if failed:  # not loading: it failed, and waiting will not help
                self.app.notify(f"The board did not load ({failed}); press r to retry.", severity="error")
            else:
                self.app.notify("The board is still loading; try again in a moment.", severity="warning")
            return None
        return self.app.workspace

    # --- new issues -----------------------------------------------------------------------------

    def pick_child(self, selected: NodeData | None) -> None:
        ask = selected.ask if selected is not None else None
        if ask is None:
            self.app.notify("Select an Ask, or an issue under one, first.", severity="warning")
            return
        from dslp_tui.screens.pickers import CHILD_TEMPLATES, Picker

        board = self.app.board
        row = board.row(ask) if board else None
        title = f"New issue under #{ask} {one_line(row.issue.title)}" if row else f"New issue under #{ask}"

        def chosen(template_id: str | None) -> None:
            if template_id:
                self.new_issue(template_id, selected)

        self.app.push_screen(Picker(title, CHILD_TEMPLATES), chosen)

    def new_issue(self, template_id: str, selected: NodeData | None) -> None:
        from dslp_tui.screens.issue_form import FormResult, IssueForm

        workspace = self._loaded()
        snapshot = self.app.snapshot
        if workspace is None or snapshot is None:
            return
        tpl = template(template_id)
        parent = None if tpl.kind is Kind.ASK or selected is None else selected.ask
        issues = snapshot.issues
        asks = [(i.number, i.title) for i in issues if i.kind is Kind.ASK and i.state == "open"]
        experiments = [
            (i.number, i.title) for i in issues if i.kind is Kind.EXPERIMENT and (parent is None or i.parent == parent)
        ]
        drafts = workspace.drafts
        draft = drafts.load(tpl.id, parent)
        if draft is not None and draft.filed_as is not None:
            self._offer_link_retry(workspace, draft)
            return
        # The form's draft keeps its identity, so filing it discards this draft and no other.
        identity = with_identity(draft or IssueDraft(template=tpl.id, title="", parent=parent)).draft_id

        def done(result: FormResult | None) -> None:
            if result is None:
                return
            own = replace(result.draft, draft_id=identity)
            if result.discarded:
                if draft is not None:
                    drafts.discard(draft)  # the draft this form resumed
                self.app.notify("Draft discarded.", timeout=4)
            elif result.submitted:
                self.create_issue(own)
            elif has_content(own, tpl):
                path = drafts.save(own)
                self.app.notify(f"Draft kept ({path.name}); open the same form to resume it.", timeout=4)
            else:
                drafts.discard(own)

        self.app.push_screen(IssueForm(tpl, asks, experiments, draft, parent, resumed=draft is not None), done)

    def _offer_link_retry(self, workspace: Workspace, draft: IssueDraft) -> None:
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
                workspace.drafts.discard(draft)

        self.app.push_screen(Picker(f"#{number} was created from this draft, but linking it failed", choices), chosen)

    def create_issue(self, draft: IssueDraft) -> None:
        draft = with_identity(draft)

        def created(issue: Issue) -> None:
            self.app.board_screen.select_next = issue.number  # the cursor goes to it once the board shows it
            self.app.notify(f"Created #{issue.number} {one_line(issue.title)}", title="New issue", timeout=5)

        self.app.write(
            "new issue", lambda workspace: workspace.create_issue(draft), created, lambda e: self._not_created(draft, e)
        )

    def _not_created(self, draft: IssueDraft, error: BaseException) -> None:
        workspace = self.app.workspace
        where = workspace.drafts.where(draft) if workspace is not None else None
        if isinstance(error, PartiallyFiled):
            title, then = f"#{error.number} created, not linked", "open the same form to retry the link"
        else:
            title, then = "Issue not created", "open the same form to resume it"
        kept = (
            f"Your draft is kept in {where}; {then}."
            if where is not None and where.exists()
            else "Your draft could not be kept."
        )
        self.app.notify(f"{describe(error)}\n{kept}", title=title, severity="error", timeout=12)

    # --- status labels, comments, close and reopen -------------------------------------------

    def choose_status(self, selected: NodeData | None) -> None:
        row = self._selected_row(selected)
        if row is None:
            return
        from dslp_tui.screens.pickers import Picker

        config = self.app.config
        options = [(key, config.label(key)) for key in STATUS_KEYS] + [("none", "(no status label)")]
        if row.issue.kind is Kind.MODEL:  # the process's Deploy label: ready to deploy, beside the status
            deploy = config.label("deploy")
            options.append(("deploy", f"remove {deploy}" if deploy in row.issue.labels else deploy))
        number = row.number

        def chosen(key: str | None) -> None:
            if key == "deploy":
                self.toggle_deploy(number)
            elif key:
                self.set_status(number, None if key == "none" else key)

        self.app.push_screen(Picker(f"Status of #{number} {one_line(row.issue.title)}", options), chosen)

    def set_status(self, number: int, key: str | None) -> None:
        label = self.app.config.label(key) if key else "no status label"

        def done(issue: Issue) -> None:
            self.app.notify(f"#{issue.number}: {label}", title="Status", timeout=5)

        self.app.write("status", lambda workspace: workspace.set_status(number, key), done)

    def toggle_deploy(self, number: int) -> None:
        deploy = self.app.config.label("deploy")

        def done(issue: Issue) -> None:
            now = deploy if deploy in issue.labels else f"no {deploy}"
            self.app.notify(f"#{issue.number}: {now}", title="Status", timeout=5)

        self.app.write("status", lambda workspace: workspace.toggle_deploy(number), done)

    # --- moves: promote, fail, close an exploration ---------------------------------------------

    def start_move(self, move: str, selected: NodeData | None) -> None:
        """Build the move's plan in a worker (it reads git, the tracker, runs), then preview it."""
        row = self._selected_row(selected)
        if row is None:
            return
        app, number = self.app, row.number

        def prepare() -> None:
            from textual.worker import get_current_worker

            from dslp_tui.screens.plan import PlanScreen
            from dslp_tui.workflows import open_move

            runs = None
            try:
                workspace = app._open_workspace()
                # The best run (and registering its model) through the app: a child process on the board.
                runs = app.runs_access(workspace, "move")  # a second key press stops this one's child
                opened = open_move(workspace, move, number, runs)
            except Exception as error:  # a move that cannot be built here: one line, nothing changed
                if runs is not None:
                    runs.stop()
                app.call_from_thread(
                    app.notify, describe(error), title=f"{move} #{number}: not started", severity="error"
                )
                return
            if get_current_worker().is_cancelled:  # a second key press replaced this preview
                runs.stop()
                return

            def closed(anything_ran: bool | None) -> None:
                runs.stop()  # the register step, if any, has run: nothing more is read for this move
                if anything_ran:
                    app.refresh_board()

            lock = app.write_lock(workspace)  # its steps are writes: one at a time with the board's
            app.call_from_thread(app.push_screen, PlanScreen(opened, lock), closed)

        app.run_worker(prepare, thread=True, group="move", exclusive=True, exit_on_error=False)

    def write_comment(self, selected: NodeData | None) -> None:
        row = self._selected_row(selected)
        if row is None:
            return
        from dslp_tui.screens.comment_form import CommentForm

        number = row.number

        def done(result: tuple[str, bool] | None) -> None:
            if result is None:
                return
            body, submitted = result
            self.comment_drafts.keep(number, body)
            if submitted:
                self.send_comment(number, body)

        form = CommentForm(f"Comment on #{number} {one_line(row.issue.title)}", self.comment_drafts.text(number))
        self.app.push_screen(form, done)

    def send_comment(self, number: int, body: str) -> None:
        """Send through ``Workspace.comment`` (an empty TL;DR is refused); the text is kept until sent."""

        def sent(comment: Comment) -> None:
            self.comment_drafts.sent(number)
            self.app.comment_sent(number)
            self.app.notify(f"Commented on #{number}", title="Comment", timeout=5)

        def failed(error: BaseException) -> None:
            self.app.notify(
                f"{describe(error)}\nYour text is kept: press w on #{number} to send it again.",
                title="Comment not sent",
                severity="error",
                timeout=12,
            )

        self.app.write("comment", lambda workspace: workspace.comment(number, body), sent, failed)

    def open_close(self, selected: NodeData | None) -> None:
        row = self._selected_row(selected)
        if row is None:
            return
        self.set_state(row.number, "open" if row.issue.state == "closed" else "closed")

    def set_state(self, number: int, state: str, confirmed: dict[str, bool] | None = None) -> None:
        """``o``: close or reopen; closing an Ask with open children asks first, and a yes
        closes it anyway."""
        confirmed = confirmed or {}

        def done(issue: Issue) -> None:
            did = "closed" if issue.state == "closed" else "reopened"
            # When it leaves the board the cursor moves on, and o would act on another issue.
            wanted = Filter.parse(self.app.query_text).state
            if did == "closed" and not self.app.show_closed:
                hint = "hidden with the closed issues; h shows them"
            elif wanted is not None and wanted != issue.state:
                hint = f"hidden by the filter state:{wanted}"
            else:
                hint = "o again to undo"
            self.app.notify(f"#{issue.number} {did} ({hint})", title=did.capitalize(), timeout=5)

        def failed(error: BaseException) -> None:
            if not isinstance(error, NeedsConfirmation):
                self.app.report_failure(what, error)
                return
            answer = error.answer

            def answered(yes: bool | None) -> None:
                if yes:
                    self.set_state(number, state, {**confirmed, **answer})

            from dslp_tui.screens.confirm import Confirm

            self.app.push_screen(Confirm(f"Close #{number}?", f"{describe(error)}.", error.yes), answered)

        what = "close" if state == "closed" else "reopen"
        self.app.write(what, lambda workspace: workspace.set_state(number, state, **confirmed), done, failed)

    # --- branches -------------------------------------------------------------------------------

    def start_branch(self, selected: NodeData | None) -> None:
        if selected is None or selected.number is None:
            self.app.notify("Select an issue first.", severity="warning")
            return
        self.start_work(selected.number, {})

    def start_work(self, number: int, confirmed: dict[str, bool]) -> None:
        """``b``: start work; a closed issue, uncommitted changes or a bisect asks first, and a
        yes retries with that answer (keeping the ones given before): over uncommitted
        changes, the yes creates the branch without checking it out."""

        def done(result: StartResult) -> None:
            message = "\n".join([result.branch, *(one_line(note) for note in result.notes)])
            self.app.notify(message, title="Branch", timeout=5)

        def failed(error: BaseException) -> None:
            if not isinstance(error, NeedsConfirmation):
                self.app.report_failure("branch", error)
                return
            answer = error.answer

            def answered(yes: bool | None) -> None:
                if yes:
                    self.start_work(number, {**confirmed, **answer})

            from dslp_tui.screens.confirm import Confirm

            question = f"{describe(error)}."
            self.app.push_screen(Confirm(f"Start work on #{number}?", question, error.yes), answered)

        self.app.write(
            "branch", lambda workspace: workspace.start_work(number, **confirmed), done, failed, ("tracker", "git")
        )

    # --- editing an issue -----------------------------------------------------------------------

    def edit_issue(self, selected: NodeData | None) -> None:
        """``E``: the title and body in a form, prefilled from the board, or from the unsaved
        edit of this issue when one is kept (a form closed, a save that failed)."""
        from dslp_tui.drafts import EditDraft
        from dslp_tui.screens.edit_form import EditForm, EditResult

        row = self._selected_row(selected)
        workspace = self._loaded() if row is not None else None
        if row is None or workspace is None:
            return
        issue, drafts = row.issue, workspace.edit_drafts
        number, original = issue.number, (issue.title, issue.body)
        kept = drafts.load(number)
        title, body = (kept.title, kept.body) if kept is not None else original

        def done(result: EditResult | None) -> None:
            if result is None:
                return
            if result.discarded:
                drafts.discard(number)
                self.app.notify(f"Unsaved edit of #{number} discarded.", timeout=4)
            elif result.submitted:
                self.save_edit(number, result.title, result.body)
            elif (result.title, result.body) != original:
                path = drafts.save(EditDraft(number, result.title, result.body))
                self.app.notify(f"Edit kept ({path.name}); press E on #{number} to resume it.", timeout=5)
            else:
                drafts.discard(number)  # nothing differs from the issue: nothing to keep

        kind = issue.kind.value if issue.kind else "issue"
        heading = f"Edit #{number} {kind} · {one_line(issue.title)}"
        self.app.push_screen(EditForm(heading, title, body, original, resumed=kept is not None), done)

    def save_edit(self, number: int, title: str, body: str) -> None:
        """Save through ``Workspace.edit_issue``; the edit is kept on disk first and removed only
        once saved, so a refusal, a network failure or a crash leaves it to resume."""
        from dslp_tui.drafts import EditDraft

        workspace = self.app.workspace
        kept = None
        if workspace is not None:
            try:
                kept = workspace.edit_drafts.save(EditDraft(number, title, body))
            except OSError:
                kept = None

        def saved(issue: Issue) -> None:
            if workspace is not None:
                workspace.edit_drafts.discard(number)
            self.app.notify(f"#{issue.number} {one_line(issue.title)}", title="Saved", timeout=5)

        def failed(error: BaseException) -> None:
            then = (
                f"Your edit is kept in {kept}; press E on #{number} to resume it."
                if kept is not None
                else "Your edit could not be kept."
            )
            self.app.notify(f"{describe(error)}\n{then}", title="Edit not saved", severity="error", timeout=12)

        self.app.write("edit", lambda ws: ws.edit_issue(number, title=title, body=body), saved, failed)

    # --- the issue's web page: open it, copy it ---------------------------------------------

    def open_in_browser(self, selected: NodeData | None) -> None:
        """``O``: the issue's page in a browser. Never an address that is not http(s); with no
        browser here (over SSH), or one that fails, the address is copied instead."""
        from dslp_tui.links import graphical_session, web_url

        row = self._selected_row(selected)
        if row is None:
            return
        issue = row.issue
        url = web_url(issue.url)
        if not issue.url:
            why = "the local tracker has no web page" if self.app.config.tracker == "local" else "no web address known"
            self.app.notify(f"#{issue.number}: {why}; y copies #{issue.number}.", severity="warning")
        elif url is None:
            self.app.notify(
                f"#{issue.number}: not opened: {one_line(issue.url)[:100]!r} is not an http(s) address.",
                title="Open in browser",
                severity="error",
            )
        elif not graphical_session():
            self._copy(url, f"No browser here (no display, as over SSH): copied {url}")
        else:
            self._open_url(url)

    def _open_url(self, url: str) -> None:
        """Ask the browser in a worker (a browser command may take a moment to return); the
        browser never writes on the board's terminal (``links.open_browser``)."""
        app = self.app

        def launch() -> None:
            from dslp_tui.links import open_browser

            try:
                opened = open_browser(url)
            except Exception:  # a broken browser command: copying still works
                opened = False
            if opened:
                app.call_from_thread(app.notify, f"Opened {url}", title="Open in browser", timeout=4)
            else:
                app.call_from_thread(self._copy, url, f"No browser could be started: copied {url}")

        app.run_worker(launch, thread=True, group="browser", exit_on_error=False)

    def copy_link(self, selected: NodeData | None) -> None:
        """``y``: copy the issue's address (``#N`` where the tracker has none) to the clipboard;
        OSC 52 carries it, so it works over SSH in terminals that allow it."""
        from dslp_tui.links import copy_text

        row = self._selected_row(selected)
        if row is None:
            return
        text = copy_text(row.issue)
        refused = bool(row.issue.url) and text == f"#{row.number}"
        self._copy(text, f"Copied {text}" + (" (its web address is not http(s))" if refused else ""))

    def _copy(self, text: str, message: str) -> None:
        self.app.copy_to_clipboard(text)
        self.app.notify(message, title="Copied", timeout=5)

    # --- runs -----------------------------------------------------------------------------------

    def show_runs(self, selected: NodeData | None) -> None:
        """The selected issue's runs (an Ask: its children's) in a table, read in a worker first.

        Read afresh (the board's runs may still be loading, or be minutes old); a failure is
        one line and the board keeps working without runs.
        """
        row = self._selected_row(selected)
        snapshot = self.app.snapshot
        if row is None or snapshot is None:
            return
        app, config, ascii_only = self.app, self.app.config, self.app.ascii_only
        number, title = row.number, f"Runs of #{row.number} {one_line(row.issue.title)}"

        def load() -> None:
            from dslp_tui.board import build_board
            from dslp_tui.runs import RunsStopped
            from dslp_tui.runtable import issue_runs
            from dslp_tui.screens.runs import RunsScreen
            from dslp_tui.workspace import with_runs

            try:
                workspace = app._open_workspace()
                access = app.runs_access(workspace, "table")  # a child process on the board; a newer u stops it
                runs = access.runs({b.name for b in snapshot.branches})
                found = issue_runs(build_board(with_runs(snapshot, runs), config), number, config)
            except RunsStopped:  # a newer u replaced this one, or the app quit
                return
            except Exception as error:  # one line (a bug: where its traceback is); the board keeps working
                app.call_from_thread(app.notify, describe(error), title="Runs failed", severity="error", timeout=10)
                return

            def open_table() -> None:
                if found is not None and app.board_screen.is_active:
                    screen = RunsScreen(title, found.runs, found.goal, access.metric_history, ascii_only)
                    app.push_screen(screen, lambda _: access.stop())  # closed: a history still read ends
                else:
                    access.stop()

            app.call_from_thread(open_table)

        app.run_worker(load, thread=True, group="runs-table", exit_on_error=False)
