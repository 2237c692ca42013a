"""The Textual app: the workspace, the workers that read and write it, and their messages.

The only module of ``dslp_tui`` that imports Textual. Each source loads in its own worker
group and posts its own message: the tracker (``IssuesLoaded``), git (``BranchesLoaded``)
and the runs (``RunsLoaded``, started once the board is painted: MLflow is slow to import).
The board shows one snapshot merged from the latest part of each (the cached board fills
in a part not read yet). Writes run in the ``write`` group, one at a time per tracker.
The board cached at the last run (one JSON file) is in the first frame itself; opening the
repository waits for that frame, and reads no GitPython: git (GitPython, ~200 ms to import)
is read only once a board is on screen, so the issues come first and branch states after.

The flows behind the keys (forms, pickers, questions) live in ``screens/flows.py``; the
board screen talks to the app through the typed ``BoardHost`` (``screens/host.py``).
Failures: an expected error (``DslpError``) is shown as its message, anything else is a bug
whose traceback goes to a log file the message names (``bugs.describe``).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events, work
from textual.app import SystemCommand
from textual.markup import escape as escape_markup
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import get_current_worker

from dslp_tui import screens as screens_package
from dslp_tui.board import Board, Filter, Joined, build_board, join
from dslp_tui.bugs import describe
from dslp_tui.cache import BoardCache
from dslp_tui.config import Config, load_config
from dslp_tui.gcpolicy import GcPolicy
from dslp_tui.model import Comment, Issue, Run, Snapshot
from dslp_tui.parts import GitPart, IssuesPart, merge_snapshot
from dslp_tui.rollup import RunSummary, summaries
from dslp_tui.screens import guards, look
from dslp_tui.screens.board import BOARD_ACTIONS, BoardAction, BoardScreen
from dslp_tui.screens.host import NodeData
from dslp_tui.screens.messages import MessageLog
from dslp_tui.screens.status_bar import StatusInfo
from dslp_tui.screens.typeahead import TypeAheadApp
from dslp_tui.text import clean, one_line
from dslp_tui.tracker import RateBudget, RateLimited

guards.install()

if TYPE_CHECKING:
    from dslp_tui.runs import RunsAccess
    from dslp_tui.screens.flows import Flows
    from dslp_tui.workspace import Workspace

T = TypeVar("T")
LOADS = ("tracker", "git", "runs")  # the sources, each its own worker group
GIT_WAITS_FOR_BOARD = 2.0  # seconds git waits for the first board before it loads anyway (a slow tracker)


# --- messages ---------------------------------------------------------------------------------


class IssuesLoaded(Message):
    """The tracker's part: issues and pull requests."""

    def __init__(self, part: IssuesPart) -> None:
        super().__init__()
        self.part = part


class BranchesLoaded(Message):
    """Git's part: the repository's state and its DSLP branches."""

    def __init__(self, part: GitPart) -> None:
        super().__init__()
        self.part = part


class RunsLoaded(Message):
    """The run source's part: every run, linked to its issue."""

    def __init__(self, runs: tuple[Run, ...]) -> None:
        super().__init__()
        self.runs = runs


class CommentsLoaded(Message):
    """Issue ``number``'s comments, or (a string) why they could not be read."""

    def __init__(self, number: int, comments: list[Comment] | str) -> None:
        super().__init__()
        self.number = number
        self.comments = comments


class Failed(Message):
    """A worker failed; ``what`` says which operation (``refresh``, ``runs``, ``status``...),
    ``source`` which part it stands for (a load's source, else the operation)."""

    def __init__(self, what: str, error: BaseException, source: str | None = None) -> None:
        super().__init__()
        self.what = what
        self.error = error
        self.source = source or what


class DslpApp(TypeAheadApp[int]):
    CSS_PATH = Path(screens_package.__file__).parent / "styles.tcss"
    TITLE = "dslp-tui"
    ENABLE_COMMAND_PALETTE = True
    # Runs are read in a child process (runs_process.py), so MLflow never holds this process's
    # GIL; False reads them in a thread here (tests that swap the run source in this process).
    runs_in_child = True

    def __init__(
        self,
        root: Path,
        config: Config | None = None,
        *,
        ascii_only: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # NO_COLOR: Textual's ANSI mode, whose filter gives every cell the default colours (see screens/look.py).
        super().__init__(ansi_color=True if look.no_color() else None)
        self.root = root
        self.config = config or load_config(root)
        self.ascii_only = ascii_only or self.config.ascii
        if self.ascii_only:
            self._filters.append(look.AsciiOnly())
        self.clock = clock
        self.workspace: Workspace | None = None  # opened by the first worker
        self.snapshot: Snapshot | None = None  # merged from the parts below
        self.query_text = ""
        self.show_closed = self.config.show_closed
        self.cached_at: float | None = None  # set while a part shown came from the cache
        self.rate_reset_at: float | None = None
        self._cached: Snapshot | None = None  # the board of the last run, until each part is read
        self._issues: IssuesPart | None = None
        self._git: GitPart | None = None
        self._runs: tuple[Run, ...] | None = None  # None: not read (yet)
        self._errors: dict[str, str] = {}  # by source or operation, the latest last
        self._countdown: Timer | None = None
        self.gc_policy = GcPolicy()  # full garbage collections only while the keys are idle
        self._idle_timer: Timer | None = None
        self._joined: tuple[Snapshot, Joined, Board, dict[int, RunSummary] | None] | None = None
        self._first_frame = threading.Event()
        self._board_shown = threading.Event()  # a board is painted (or the tracker failed): git may load
        self._open_lock = threading.Lock()  # the workspace is opened once, by whichever worker comes first
        self._generation: dict[str, int] = {}  # by source: its latest load
        self._write_locks: dict[str, threading.Lock] = {}  # by tracker: its writes one at a time
        self._board_cache = BoardCache.for_config(root, self.config)  # the last board, painted first
        self.messages = MessageLog()  # what was said, in full (``!``)
        self._readers: dict[str, RunsAccess] = {}  # by purpose ("board", "table", "move"): its latest
        self._readers_lock = threading.Lock()
        self._readers_closed = False  # the app has quit: no run is read any more
        self.set_keymap(self.config.keys)

    async def on_mount(self) -> None:
        self.gc_policy.install()
        self.board_screen = BoardScreen(self, self.ascii_only)
        await self.push_screen(self.board_screen)
        self._show_cached_board()
        self._update_status()
        self.call_after_refresh(self._first_frame.set)
        self.refresh_board()

    @functools.cached_property
    def flows(self) -> Flows:
        """The flows behind the keys, built at the first key that needs one: they import the
        workspace (git, the tracker, drafts), which the first frame does without."""
        from dslp_tui.screens.flows import Flows

        return Flows(self)

    @property
    def last_error(self) -> str | None:
        """The latest failure, one line ("what: why"), or None."""
        return next(reversed(self._errors.values()), None)

    def keys_ready(self) -> bool:
        """Typed keys wait for the open workspace and the tracker's issues (``a`` needs both),
        or for a failure (then they act on what is there and say why not)."""
        return bool(self._errors) or (self.workspace is not None and self._issues is not None)

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
        self.messages.add(clean(message), one_line(title), severity, self.clock())  # kept whole for ``!``
        super().notify(clean(message), title=one_line(title), severity=severity, timeout=timeout, markup=False)

    # --- opening the workspace ------------------------------------------------------------------

    def _open_workspace(self) -> Workspace:
        """The workspace, opened on first use by a worker, after the first frame: the imports it
        needs (the tracker's: SQLite, or PyGithub) hold the GIL a while."""
        with self._open_lock:
            if self.workspace is None:
                self._first_frame.wait(0.5)
                from dslp_tui.workspace import Workspace

                workspace = Workspace.open(self.root, clock=self.clock)
                if workspace.cache is not None and workspace.cache.path == self._board_cache.path:
                    workspace.cache = self._board_cache  # it knows the board it read: unchanged, it is not re-encoded
                self.workspace = workspace
            return self.workspace

    def _show_cached_board(self) -> None:
        """The board saved at the last run, in the first frame: reading it is one JSON file
        (no GitPython, git or SQLite), cheaper than painting an empty board first."""
        cached = self._board_cache.load()
        if cached is not None:
            self._cached, self.cached_at = cached
            self._merge()
            self.call_after_refresh(self._board_painted)

    def _board_painted(self) -> None:
        """A board is on screen (or a load failed): git may be read now."""
        self._board_shown.set()

    # --- loading: a worker group per source ------------------------------------------------------

    def refresh_board(self) -> None:
        """Reload the tracker and git (the runs follow git); each posts its part when read."""
        self._start("tracker")
        self._start("git")

    def _start(self, source: str, snapshot: Snapshot | None = None) -> None:
        """Start ``source``'s worker; an older one still running finds out it is outdated and
        posts nothing (Textual cannot stop a thread, and a cancelled worker would fail waits)."""
        self._generation[source] = generation = self._generation.get(source, 0) + 1
        if source == "runs":
            self.stop_runs("board")  # an older read is outdated: its process ends now, not when it is done
        if source == "tracker":
            self._load_tracker(generation)
        elif source == "git":
            self._load_git(generation)
        elif snapshot is not None:
            self._load_runs(generation, snapshot)

    def _current(self, source: str, generation: int) -> bool:
        """Whether a worker's result is still wanted: its load is the latest and the app runs on."""
        return self._generation.get(source) == generation and not get_current_worker().is_cancelled

    def reload_board(self) -> None:
        self.refresh_board()

    @work(thread=True, group="tracker", exit_on_error=False)
    def _load_tracker(self, generation: int) -> None:
        try:
            part = self._open_workspace().load_issues()
        except Exception as error:  # shown to the person (a bug: with its log file), never raised into Textual
            self._board_shown.set()  # no board to wait for: git goes ahead
            self.post_message(Failed("refresh", error, "tracker"))
            return
        if self._current("tracker", generation):  # else a newer refresh replaced this one
            self.post_message(IssuesLoaded(part))

    @work(thread=True, group="git", exit_on_error=False)
    def _load_git(self, generation: int) -> None:
        try:
            workspace = self._open_workspace()
            # Reading git imports GitPython (~200 ms holding the GIL): after the issues (or the
            # cached board) are on screen, so branch states fill in and never delay the first board.
            self._board_shown.wait(GIT_WAITS_FOR_BOARD)
            part = workspace.load_git()
        except Exception as error:
            self.post_message(Failed("refresh", error, "git"))
            return
        if self._current("git", generation):
            self.post_message(BranchesLoaded(part))

    @work(thread=True, group="runs", exit_on_error=False)
    def _load_runs(self, generation: int, snapshot: Snapshot) -> None:
        try:
            workspace = self._open_workspace()
            if self.runs_in_child:
                runs = self._read_runs_in_child(workspace, snapshot, generation)
            else:
                runs = workspace.load_runs(snapshot)
        except Exception as error:
            if self._current("runs", generation):  # else it was stopped for a newer load, or the exit
                self.post_message(Failed("runs", error, "runs"))
            return
        if self._current("runs", generation):
            self.post_message(RunsLoaded(runs))

    def _read_runs_in_child(self, workspace: Workspace, snapshot: Snapshot, generation: int) -> tuple[Run, ...]:
        """The runs, read by a child process (``runs_process.py``): this thread only waits on
        its pipe, so MLflow's import and the listing never hold this process's GIL."""
        reader = self.runs_access(workspace, "board", lambda: self._current("runs", generation))
        try:
            return reader.runs({b.name for b in snapshot.branches})
        finally:
            reader.stop()

    def runs_access(self, workspace: Workspace, purpose: str, wanted: Callable[[], bool] = lambda: True) -> RunsAccess:
        """Where ``purpose`` reads runs: a child process per call (``runs_process.ChildRuns``),
        or this process when ``runs_in_child`` is False (tests that swap the run source here).

        It replaces ``purpose``'s previous access, whose calls still running end now. Born
        stopped (its calls raise ``RunsStopped``) when ``wanted()`` is False or the app has
        quit: checked under the lock :meth:`stop_runs` takes, so no child outlives a stop.
        """
        from dslp_tui.runs_process import ChildRuns
        from dslp_tui.workspace import InProcessRuns

        access: RunsAccess = (
            ChildRuns(workspace.root, workspace.config) if self.runs_in_child else InProcessRuns(workspace)
        )
        with self._readers_lock:
            if self._readers_closed or not wanted():
                access.stop()
                return access
            replaced = self._readers.get(purpose)
            self._readers[purpose] = access
        if replaced is not None:
            replaced.stop()
        return access

    def stop_runs(self, purpose: str | None = None) -> None:
        """End ``purpose``'s runs calls still running (every purpose's: None)."""
        with self._readers_lock:
            purposes = list(self._readers) if purpose is None else [purpose]
            stopping = [self._readers.pop(p) for p in purposes if p in self._readers]
        for access in stopping:
            access.stop()

    def on_issues_loaded(self, message: IssuesLoaded) -> None:
        self._issues = message.part
        for key in [k for k in self._errors if k not in LOADS[1:]]:
            del self._errors[key]  # a fresh board: the failures of earlier loads and writes are history
        self._fresh()
        self.call_after_refresh(self._board_painted)
        self.call_after_refresh(self.release_keys)

    def on_branches_loaded(self, message: BranchesLoaded) -> None:
        self._git = message.part
        self._errors.pop("git", None)
        self._fresh()
        if self.config.runs_source != "none":
            # After this board is painted: reading runs imports MLflow (about half a second).
            part = message.part
            self.call_after_refresh(self._start, "runs", merge_snapshot(IssuesPart(()), part))

    def on_runs_loaded(self, message: RunsLoaded) -> None:
        self._runs = message.runs
        self._errors.pop("runs", None)
        self._merge()

    def _fresh(self) -> None:
        """A part was read: merge it in; once both the tracker and git are read, the board is
        fresh (no longer stale) and becomes the cache for the next start."""
        if self._issues is not None and self._git is not None:
            self.cached_at = None
            self._cached = None
        self._merge()
        if self.snapshot is not None and self.cached_at is None and self._issues is not None and self._git is not None:
            self._save_cache(self.snapshot)

    @work(thread=True, group="cache", exit_on_error=False)
    def _save_cache(self, snapshot: Snapshot) -> None:
        self._board_cache.save(replace(snapshot, runs=()), self.clock())  # runs are read afresh each start

    def _merge(self) -> None:
        """The snapshot from the latest part of each source (the cached board fills the rest)."""
        if not self.is_running:  # shutting down: the board's widgets may be gone already
            return
        cached = self._cached
        issues = self._issues or (IssuesPart(cached.issues, cached.pulls) if cached is not None else None)
        if issues is None:
            self.snapshot = None  # the tracker's part is the board: nothing to show without it
        else:
            self.snapshot = merge_snapshot(issues, self._git, self._runs or (), cached)
        self._redraw()
        self._settle_garbage()

    def _settle_garbage(self) -> None:
        """Take what a fresh board leaves alive out of the garbage collector's way, once the
        keys are idle (``gcpolicy.py``): unfreeze what the previous load froze (so the old
        board is collected), collect, and freeze the survivors; later collections walk only
        what is newer."""
        self.gc_policy.loaded()
        self._arm_idle()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.InputEvent, events.Paste)):
            self.gc_policy.input(time.monotonic())  # a full collection waits for the keys to pause
            self._arm_idle()
        await super().on_event(event)

    def _arm_idle(self) -> None:
        """Look again once the keys may have gone idle (one timer, however many keys come)."""
        if self._idle_timer is None and self.is_running:
            delay = max(self.gc_policy.idle_in(time.monotonic()), self.gc_policy.idle_seconds)
            self._idle_timer = self.set_timer(delay, self._when_idle)

    def _when_idle(self) -> None:
        """The keys may be idle: run the full collection now, or look again when they will be."""
        self._idle_timer = None
        now = time.monotonic()
        wait = self.gc_policy.idle_in(now)
        if wait > 0 or self.keys_pending:
            self._idle_timer = self.set_timer(wait or self.gc_policy.idle_seconds, self._when_idle)
            return
        self.gc_policy.collect_when_idle(now)

    def on_unmount(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.stop()
        self.gc_policy.uninstall()  # leave the process's collector as it was
        self._generation["runs"] = self._generation.get("runs", 0) + 1  # a read still going is outdated
        with self._readers_lock:
            self._readers_closed = True  # no runs process starts after this
        self.stop_runs()  # and none outlives the board

    def on_failed(self, message: Failed) -> None:
        self.report_failure(message.what, message.error, message.source)

    def report_failure(self, what: str, error: BaseException, source: str | None = None) -> None:
        """One line in the status bar and a toast: an expected error's message, or (a bug)
        where its traceback was logged."""
        if not self.is_running:  # shutting down: nothing left to show it in
            return
        text = describe(error)
        shown = text in (line.partition(": ")[2] for line in self._errors.values())
        key = source or what
        self._errors.pop(key, None)
        self._errors[key] = f"{what}: {text}"
        if isinstance(error, RateLimited):
            self._wait_for_rate_limit(error.reset_at)
        self._update_status()
        self._board_painted()  # nothing more to wait for before the keys and git
        if not shown:  # the tracker and git failing for one reason (no repository): one toast
            self.notify(text, title=f"{what.capitalize()} failed", severity="error", timeout=10)
        self.release_keys()

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

    # --- showing ---------------------------------------------------------------------------------

    def _redraw(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            self._update_status()
            return
        if self._joined is None or self._joined[0] is not snapshot:
            joined = join(snapshot, self.config)
            whole = build_board(snapshot, self.config, joined=joined)  # what the details and runs describe
            # Summaries over the whole board: a filter hides rows, not runs.
            runs = summaries(whole, self.config) if self._runs is not None else None
            self._joined = (snapshot, joined, whole, runs)
        _, joined, whole, runs = self._joined
        query = Filter.parse(self.query_text)
        board = build_board(snapshot, self.config, query, self.show_closed, joined)
        self.board_screen.show_board(board, filtered=bool(query), runs=runs, whole=whole)
        self._update_status()

    @property
    def board(self) -> Board | None:
        return self.board_screen.board

    def _update_status(self) -> None:
        repo = self.snapshot.repo if self.snapshot else None
        tracker = self.workspace.tracker if self.workspace else None
        rate = tracker.rate if isinstance(tracker, RateBudget) else None
        board = self.board_screen.board
        runs = self._runs
        wait = max(0, int(self.rate_reset_at - self.clock())) if self.rate_reset_at is not None else None
        info = StatusInfo(
            project=self.root.name,
            tracker=tracker.name if tracker else self.config.tracker,
            branch=(repo.current_branch or "") if repo else None,
            dirty=bool(repo and repo.dirty),
            rate=(rate.remaining, rate.limit) if rate is not None else None,
            query=self.query_text,
            closed_hidden=not self.show_closed,
            cached_at=self.cached_at,
            rate_wait=wait,
            error=self.last_error,
            error_reloads=next(reversed(self._errors), None) in LOADS,
            runs=f"{len(runs)} run{'s' if len(runs) != 1 else ''}" if runs else "",
            warning="; ".join(board.warnings) if board is not None and board.warnings else None,
            loading=self.snapshot is None,
        )
        self.board_screen.show_status(info)

    # --- writes: one at a time per tracker --------------------------------------------------------

    def write(
        self,
        what: str,
        operation: Callable[[Workspace], T],
        done: Callable[[T], None],
        failed: Callable[[BaseException], None] | None = None,
        reload: tuple[str, ...] = ("tracker",),
    ) -> None:
        """Run one change in a worker; ``done`` gets its result (``failed`` the error, else it
        is reported), then the sources in ``reload`` are read again."""
        self._write(what, operation, done, failed, reload)

    @work(thread=True, group="write", exit_on_error=False)
    def _write(
        self,
        what: str,
        operation: Callable[[Workspace], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None,
        reload: tuple[str, ...],
    ) -> None:
        try:
            workspace = self._open_workspace()
            with self.write_lock(workspace):
                result = operation(workspace)
        except Exception as error:  # shown to the person (a bug: with its log file), never raised into Textual
            if failed is not None:
                self._call_back(failed, error)
            else:
                self.post_message(Failed(what, error))
            return
        self._call_back(done, result)
        self._call_back(self._reload, reload)

    def _call_back(self, callback: Callable[..., None], *args: Any) -> None:
        """Run a write's ``callback`` on the app's thread, unless the app is closing.

        A write can end after the person quit: its callback would then run against screens
        being torn down (or, once the loop is gone, ``call_from_thread`` raises in the worker).
        The write itself is done; there is nothing left to show it in.
        """

        def guarded() -> None:
            if self.is_running:  # checked on the app's thread: teardown cannot start midway
                callback(*args)

        if not self.is_running:
            return
        try:
            self.call_from_thread(guarded)
        except RuntimeError:  # "App is not running": it stopped since the check above
            if self.is_running:
                raise

    def _reload(self, sources: tuple[str, ...]) -> None:
        for source in sources:
            self._start(source)

    def comment_sent(self, number: int) -> None:
        """Issue ``number`` has a new comment: its comments are read again when it is shown."""
        self.board_screen.forget_comments(number)

    # --- comments, for the selected issue only ----------------------------------------------------

    def load_comments(self, number: int) -> None:
        self._read_comments(number)

    @work(thread=True, group="comments", exit_on_error=False)
    def _read_comments(self, number: int) -> None:
        try:
            comments: list[Comment] | str = self._open_workspace().comments(number)
        except Exception as error:  # one line in the detail pane (a bug: with its log file)
            comments = describe(error)
        if not get_current_worker().is_cancelled:  # the screen keeps them only for the issue it shows
            self.post_message(CommentsLoaded(number, comments))

    def on_comments_loaded(self, message: CommentsLoaded) -> None:
        if not self.is_running:  # shutting down: the detail pane may be gone already
            return
        self.board_screen.show_comments(message.number, message.comments)

    # --- the board host: what the board screen asks for -----------------------------------------

    def new_issue(self, template_id: str, selected: NodeData | None) -> None:
        self.flows.new_issue(template_id, selected)

    def pick_child(self, selected: NodeData | None) -> None:
        self.flows.pick_child(selected)

    def start_branch(self, selected: NodeData | None) -> None:
        self.flows.start_branch(selected)

    def choose_status(self, selected: NodeData | None) -> None:
        self.flows.choose_status(selected)

    def write_comment(self, selected: NodeData | None) -> None:
        self.flows.write_comment(selected)

    def open_close(self, selected: NodeData | None) -> None:
        self.flows.open_close(selected)

    def start_move(self, move: str, selected: NodeData | None) -> None:
        self.flows.start_move(move, selected)

    def write_lock(self, workspace: Workspace) -> threading.Lock:
        """The lock that serialises writes to ``workspace``'s tracker (one per tracker)."""
        return self._write_locks.setdefault(workspace.tracker.name, threading.Lock())

    def action_show_runs(self) -> None:
        """``u`` (a board key bound to the app): the selected issue's runs table."""
        if self.board_screen.is_active:  # not a key that arrived under a dialog
            self.flows.show_runs(self.board_screen.selected)

    def action_edit_issue(self) -> None:
        """``E``: edit the selected issue's title and body (see ``Flows.edit_issue``)."""
        if self.board_screen.is_active:
            self.flows.edit_issue(self.board_screen.selected)

    def action_open_in_browser(self) -> None:
        """``O``: the selected issue's page in a browser (or its address copied, see ``Flows``)."""
        if self.board_screen.is_active:
            self.flows.open_in_browser(self.board_screen.selected)

    def action_copy_link(self) -> None:
        """``y``: the selected issue's address (``#N`` on the local tracker) to the clipboard."""
        if self.board_screen.is_active:
            self.flows.copy_link(self.board_screen.selected)

    def set_filter(self, query: str) -> None:
        self.query_text = query
        self._redraw()
        problem = Filter.parse(query).problem()
        if problem:  # kind:foo would silently match nothing: say what exists
            self.notify(problem, title="Filter", severity="warning", timeout=6)

    def toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self._redraw()
        self.notify("Closed issues shown" if self.show_closed else "Closed issues hidden", timeout=2)

    def branch_name_for(self, issue: Issue) -> str | None:
        return self.workspace.branch_for(issue) if self.workspace else None

    def show_messages(self) -> None:
        from dslp_tui.screens.messages import MessagesScreen

        self.push_screen(MessagesScreen(self.messages))

    def show_help(self) -> None:
        from dslp_tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self._key_list(), self.board_screen.glyphs))

    def _key_list(self) -> list[tuple[str, str]]:
        keys: list[tuple[str, str]] = []
        for action in BOARD_ACTIONS:
            keys.append((self._keys_for(action), action.description))
        keys.append(("↑ ↓", "Move"))
        keys.append(("→ ←", "Expand / collapse (← on a row goes to its group)"))
        keys.append(("enter, space", "Expand or collapse the selected group"))
        return keys

    def _keys_for(self, action: BoardAction) -> str:
        """The keys bound to a board action now (after ``[keys]`` remapping), for display."""
        from textual.binding import Binding

        keys = self.config.keys.get(action.id, action.key)
        return ", ".join(self.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))

    def action_command_palette(self) -> None:
        """Textual's palette, as :class:`Palette`: it closes once in a key burst."""
        from textual.command import CommandPalette

        from dslp_tui.screens.palette import Palette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            # No id (Textual's own gives "--command-palette"): a palette closed in the same
            # burst is still registered while it is removed, and a second one with its id
            # would be refused (DuplicateIds). Nothing looks the palette up by id.
            self.push_screen(Palette())

    def search_themes(self) -> None:
        """The palette's Theme command, with the same guarded palette."""
        from textual.theme import ThemeProvider

        from dslp_tui.screens.palette import Palette

        self.push_screen(Palette(providers=[ThemeProvider], placeholder="Search for themes…"))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, BoardScreen):
            return
        for action in BOARD_ACTIONS:
            yield SystemCommand(
                action.description,
                f"key: {escape_markup(self._keys_for(action))}",  # [keys] comes from dslp.toml
                functools.partial(self.run_action, action.action, screen),
            )


def build_app(root: Path, *, ascii_only: bool = False, clock: Callable[[], float] = time.time) -> DslpApp:
    """The factory the CLI and the tests share."""
    return DslpApp(root, ascii_only=ascii_only, clock=clock)


def run_app(root: Path, *, ascii_only: bool = False) -> int:
    app = build_app(root, ascii_only=ascii_only)
    app.run()
    return app.return_code or 0
