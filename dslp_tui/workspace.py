"""One repository opened for DSLP work: its config, git, tracker and drafts.

The CLI and the app both go through a :class:`Workspace`, so ``dslp-tui new`` and the form
file exactly the same issue, and ``dslp-tui branch`` and ``b`` do exactly the same git work.
Every method may block; the app calls them from thread workers.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dslp_tui.cache import BoardCache
from dslp_tui.config import Config, load_config
from dslp_tui.drafts import DraftStore, EditDrafts, with_identity
from dslp_tui.errors import EXIT_USAGE, DslpError
from dslp_tui.model import Comment, Issue, IssueDraft, MetricPoint, Run, Snapshot, primary_branch
from dslp_tui.parts import GitPart, IssuesPart, merge_snapshot
from dslp_tui.process import (
    ASK_REFERENCE,
    ASK_SECTION_FOR,
    BASED_ON_EXPERIMENT,
    STATUS_KEYS,
    Kind,
    branch_name,
    edit_problem,
    pull_request_body,
    render_body,
    template,
)
from dslp_tui.runlink import commits_to_place, link_runs
from dslp_tui.runs import ModelRegistry, RunsError, RunSource, RunsStopped
from dslp_tui.sources.git import GitError, GitSource, LazyGit, StartResult
from dslp_tui.tracker import NotFoundError, PartiallyFiled, PullRequests, SubIssues, Tracker, TrackerError

if TYPE_CHECKING:
    from dslp_tui.sources.github import ChosenHosts

TLDR_PREFIX = re.compile(r"^\s*TL;DR:", re.IGNORECASE)
OPEN_CHILDREN_SHOWN = 6  # an Ask's open children named in the question before "and N more"


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or digit (punctuation and whitespace alone say nothing)."""
    return any(ch.isalnum() for ch in text)


class ValidationError(DslpError, ValueError):
    """A draft that cannot be filed as it is; the message says which field and why.

    The message starts with the field ("title: ...", "ask: ...", "based on: ..."); that
    name is also ``field``, so a form can point at it.
    """

    exit_status = EXIT_USAGE

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field or (message.partition(": ")[0] if ": " in message else None))


class IssueNotFound(ValidationError):
    """A draft names an issue the tracker does not have (the CLI: the operation failed, exit 1)."""


TITLE_MAX = 256  # GitHub's limit
BODY_MAX = 65536  # GitHub's limit, in characters
_TITLE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and newline are text


def checked_title(title: str) -> str:
    """An edited title, trimmed: one line of printable text, not empty, at most 256 characters."""
    title = title.strip()
    if "\n" in title or "\r" in title:
        raise ValidationError("title: keep the title on one line")
    if not title:
        raise ValidationError("title: a title is required")
    if _TITLE_CONTROLS.search(title):
        raise ValidationError("title: remove the control characters (escape sequences, tabs) from the title")
    if len(title) > TITLE_MAX:
        raise ValidationError(f"title: keep it under {TITLE_MAX} characters")
    return title


def checked_body(body: str) -> str:
    """An edited body with Windows line ends made plain; control characters other than tab and
    newline are refused (they would reach other people's terminals), as is more than GitHub keeps."""
    body = body.replace("\r\n", "\n")
    if _BODY_CONTROLS.search(body):
        raise ValidationError("body: remove the control characters (escape sequences) from the body")
    if len(body) > BODY_MAX:
        raise ValidationError(f"body: keep it under {BODY_MAX:,} characters (GitHub's limit)")
    return body


class NeedsConfirmation(DslpError):
    """A write stopped before changing anything: the person must confirm (or choose) first.

    ``str(error)`` says why; after a yes, call again with ``**error.answer``
    (``{option: value}``); ``flag`` is the CLI's option that says yes (``--allow-closed``,
    ``--during-bisect``, ``--no-checkout``) and ``yes`` the board's button for it.
    """

    def __init__(
        self, message: str, option: str, *, value: bool = True, flag: str | None = None, yes: str = "Start anyway"
    ) -> None:
        super().__init__(message)
        self.option, self.value, self.yes = option, value, yes
        self.flag = flag or "--" + option.replace("_", "-")

    @property
    def answer(self) -> dict[str, bool]:
        return {self.option: self.value}


@dataclass
class Workspace:
    root: Path
    config: Config
    lazy_git: LazyGit  # GitPython is imported on first use of ``git``, not on opening
    tracker: Tracker
    drafts: DraftStore
    cache: BoardCache | None = None  # the last board, painted first at the next start
    _run_source: RunSource | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path, clock: Callable[[], float] = time.time) -> Workspace:
        """Open the repository at or above ``path``; raises NotAGitRepository or ConfigError.

        Cheap: the repository's paths are read from files, and the tracker needs nothing
        more, so the issues can be read (and painted) before GitPython is imported.
        """
        git = LazyGit.open(path)
        config = load_config(git.root)
        tracker = make_tracker(config, git, clock)
        cache = BoardCache.for_config(git.root, config)
        return cls(git.root, config, git, tracker, DraftStore(git.common_dir / "dslp" / "drafts"), cache)

    @property
    def git(self) -> GitSource:
        """The repository through GitPython (imported here, on first use)."""
        return self.lazy_git.get()

    @property
    def common_dir(self) -> Path:
        """The git directory every worktree shares (no GitPython needed)."""
        return self.lazy_git.common_dir

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def edit_drafts(self) -> EditDrafts:
        """Unsaved edits of issues, kept beside the new-issue drafts."""
        return EditDrafts(self.drafts.directory)

    def load(self) -> Snapshot:
        """Read issues, pull requests and branch states at one moment."""
        return merge_snapshot(self.load_issues(), self.load_git())

    def load_issues(self) -> IssuesPart:
        """The tracker's part of the board: issues and pull requests (the app's tracker worker)."""
        return IssuesPart(tuple(self.tracker.list_issues()), tuple(self.tracker.pull_requests()))

    def load_git(self) -> GitPart:
        """The repository's part of the board: its state and the DSLP branches (the git worker)."""
        repo, branches = self.git.snapshot(self.config.prefixes, self.config.collaboration, self.config.remote)
        return GitPart(repo, tuple(branches))

    # --- runs ---------------------------------------------------------------------------------

    def run_source(self) -> RunSource | None:
        """The configured run source (None: ``[runs] source = "none"``); built lazily, kept."""
        if self._run_source is None and self.config.runs_source != "none":
            self._run_source = make_run_source(self.config, self.root)
        return self._run_source

    def load_runs(self, snapshot: Snapshot | None = None) -> tuple[Run, ...]:
        """Read the runs and link each to its issue (see ``runlink.py``); blocks, so a worker calls it.

        Separate from :meth:`load`: MLflow is slow to import and a store may be slow to
        answer, so the board is painted first and runs are merged in later (:func:`with_runs`).
        """
        branches = snapshot.branches if snapshot is not None else self.load_branches()
        return self.runs_of({b.name for b in branches})

    def runs_of(self, branches: Collection[str]) -> tuple[Run, ...]:
        """The runs of ``branches`` read in this process, each linked to its issue."""
        source = self.run_source()
        if source is None:
            return ()
        return list_and_link(source, branches, self.config, lambda: self.git)

    # --- issues -------------------------------------------------------------------------------

    def validate(self, draft: IssueDraft) -> IssueDraft:
        """Check a draft against the process and the tracker; return it with its final title."""
        tpl = template(draft.template)
        title = tpl.title_for(draft.title)
        if not title.strip():
            raise ValidationError("title: a title is required")
        if len(title) > 256:
            raise ValidationError("title: keep it under 256 characters")
        if tpl.kind is not Kind.ASK:
            if draft.parent is None:
                raise ValidationError(f"ask: a {tpl.kind.value} issue belongs to an Ask; choose one")
            parent = self._issue(draft.parent, "ask")
            if parent.kind is not Kind.ASK:
                raise ValidationError(f"ask: #{draft.parent} is not an Ask issue")
        if draft.based_on is not None:
            if tpl.kind is not Kind.MODEL:
                raise ValidationError("based on: only a Model is based on an Experiment")
            based = self._issue(draft.based_on, "based on")
            if based.kind is not Kind.EXPERIMENT:
                raise ValidationError(f"based on: #{draft.based_on} is not an Experiment issue")
        return replace(draft, title=title)

    def _issue(self, number: int, field_name: str) -> Issue:
        """Issue ``number`` for a draft's field; only a real "not found" says it does not exist.

        A rate limit, a network failure or a bad token propagates as itself: the issue may well exist.
        """
        try:
            return self.tracker.get_issue(number)
        except NotFoundError:
            raise IssueNotFound(f"{field_name}: issue #{number} does not exist") from None

    def create_issue(self, draft: IssueDraft) -> Issue:
        """File a draft: validated, rendered from its template, labelled, linked to its Ask.

        On any failure the draft is saved to the draft store first, so nothing typed is lost
        (the error's ``kept_draft`` is where, or None when the store could not be written);
        when the issue was created but linking it failed, the kept draft says which issue it
        became (``filed_as``), and filing that draft again only retries the link. Success
        discards this draft only, never another one for the same form.
        """
        draft = with_identity(draft)
        if draft.filed_as is not None:
            return self._finish_filed(draft)
        try:
            draft = self.validate(draft)
            tpl = template(draft.template)
            refs: dict[str, int] = {}
            if draft.parent is not None and tpl.kind is not Kind.ASK:
                refs[ASK_REFERENCE] = draft.parent
            if draft.based_on is not None:
                refs[BASED_ON_EXPERIMENT] = draft.based_on
            body = render_body(tpl, draft.sections, refs)
            issue = self.tracker.create_issue(draft, labels=(self.config.label(tpl.kind.key),), body=body)
        except PartiallyFiled as error:
            error.kept_draft = self._keep(replace(draft, filed_as=error.number))
            raise
        except Exception as error:
            kept = self._keep(draft)
            if isinstance(error, DslpError):
                error.kept_draft = kept
            raise
        self._list_or_keep(draft, issue)
        self.drafts.discard(draft)
        return issue

    def _keep(self, draft: IssueDraft) -> Path | None:
        """Save a draft on the way out of a failure; where it went, or None when it could not be.

        A draft store that cannot be written (a read-only ``.git/dslp``) must not hide the
        failure being reported; the error's ``kept_draft`` says whether the draft is safe.
        """
        try:
            return self.drafts.save(draft)
        except OSError:
            return None

    def _finish_filed(self, draft: IssueDraft) -> Issue:
        """Link an issue created earlier from ``draft`` (its link failed): no new issue is made."""
        number = draft.filed_as
        assert number is not None
        try:
            issue = self.tracker.get_issue(number)
            parent = draft.parent
            if parent is not None and issue.kind is not Kind.ASK and issue.parent != parent:
                if isinstance(self.tracker, SubIssues):
                    self.tracker.link_sub_issue(parent, number)
                issue = replace(issue, parent=parent)
        except TrackerError as error:
            failure = PartiallyFiled(
                f"#{number} was created earlier, but linking it to Ask #{draft.parent} failed again: {error}", number
            )
            failure.kept_draft = self._keep(draft)
            raise failure from None
        self._list_or_keep(draft, issue)
        self.drafts.discard(draft)
        return issue

    def _list_or_keep(self, draft: IssueDraft, issue: Issue) -> None:
        """List ``issue`` in its Ask; if that fails, keep the draft as filed and say so."""
        try:
            self._list_in_ask(issue)
        except TrackerError as error:
            failure = PartiallyFiled(
                f"#{issue.number} was created, but listing it in Ask #{issue.parent} failed: {error}", issue.number
            )
            failure.kept_draft = self._keep(replace(draft, filed_as=issue.number))
            raise failure from None

    def _list_in_ask(self, issue: Issue) -> None:
        """Add ``- #N title`` under the right section of the parent Ask, atomically per tracker."""
        section = ASK_SECTION_FOR.get(issue.kind) if issue.kind else None
        if issue.parent is None or section is None:
            return
        self.tracker.append_to_section(issue.parent, section, f"- #{issue.number} {issue.title}")

    # --- comments -----------------------------------------------------------------------------

    def comments(self, number: int) -> list[Comment]:
        """Issue ``number``'s comments, oldest first: read on demand, for one issue at a time."""
        return sorted(self.tracker.comments(number), key=lambda c: (c.created_at, c.id))

    def comment(self, number: int, body: str) -> Comment:
        """Write a comment (a TL;DR); one with nothing but the prefilled ``TL;DR:`` is refused."""
        if not has_words(TLDR_PREFIX.sub("", body, count=1)):
            raise ValidationError(
                "body: the comment is empty; write what was learned after TL;DR:, or cancel", field="body"
            )
        return self.tracker.comment(number, body.strip())

    def edit_issue(self, number: int, *, title: str | None = None, body: str | None = None) -> Issue:
        """Change issue ``number``'s title and/or body (None: leave it), checked first.

        The title is one line of text; the body may say anything, but keeps what the board and
        the moves read from it (:func:`~dslp_tui.process.edit_problem`), checked against the
        body the tracker has now, not the one the edit started from. Nothing changed: no write.
        """
        if title is None and body is None:
            raise ValidationError("edit: give a new title, a new body, or both")
        current = self._issue(number, "issue")
        if title is not None:
            title = checked_title(title)
            title = title if title != current.title else None
        if body is not None:
            body = checked_body(body)
            problem = edit_problem(current.kind, current.body, body)
            if problem:
                raise ValidationError(problem, field="body")
            body = body if body != current.body else None
        if title is None and body is None:
            return current
        return self.tracker.update_issue(number, title=title, body=body)

    # --- labels and state ---------------------------------------------------------------------

    def set_status(self, number: int, key: str | None) -> Issue:
        """Leave exactly one status label (``key`` of ``STATUS_KEYS``; None: none) on issue ``number``."""
        from dslp_tui.workflows import status_labels

        if key is not None and key not in STATUS_KEYS:
            raise ValidationError(f"status: {key!r} is not one of {', '.join(STATUS_KEYS)}", field="status")
        add, remove = status_labels(self.config, key)
        return self.tracker.set_labels(number, add=add, remove=remove)

    def toggle_deploy(self, number: int) -> Issue:
        """Add the process's Deploy label to Model ``number``, or take it off (Models only)."""
        from dslp_tui.workflows import deploy_toggle

        issue = self.tracker.get_issue(number)
        if issue.kind is not Kind.MODEL:
            raise ValidationError(f"status: Deploy is for Model issues; #{number} is not one", field="status")
        add, remove = deploy_toggle(self.config, issue)
        return self.tracker.set_labels(number, add=add, remove=remove)

    def set_state(self, number: int, state: str, *, with_open_children: bool = False) -> Issue:
        """Close (``"closed"``) or reopen (``"open"``) issue ``number``.

        Closing an Ask whose children are still open raises :class:`NeedsConfirmation` (the
        Ask is the question their work answers) unless ``with_open_children``.
        """
        if state not in ("open", "closed"):
            raise ValidationError(f"state: {state!r} is neither open nor closed", field="state")
        if state == "closed" and not with_open_children:
            issue = self.tracker.get_issue(number)
            if issue.kind is Kind.ASK and issue.state == "open":
                self._confirm_close_ask(number)
        return self.tracker.update_issue(number, state=state)

    def open_children(self, ask: int) -> list[int]:
        """The open issues that belong to Ask ``ask`` (sub-issue link or ``Ask Reference``)."""
        from dslp_tui.board import ask_of

        issues = self.tracker.list_issues()
        asks = {i.number for i in issues if i.kind is Kind.ASK}  # as the board links them
        return sorted(
            i.number for i in issues if i.state == "open" and i.kind is not Kind.ASK and ask_of(i, asks) == ask
        )

    def _confirm_close_ask(self, number: int) -> None:
        children = self.open_children(number)
        if not children:
            return
        shown = ", ".join(f"#{n}" for n in children[:OPEN_CHILDREN_SHOWN])
        if len(children) > OPEN_CHILDREN_SHOWN:
            shown += f" and {len(children) - OPEN_CHILDREN_SHOWN} more"
        count = f"{len(children)} open child{'ren' if len(children) != 1 else ''}"
        raise NeedsConfirmation(
            f"Ask #{number} has {count} ({shown}); close them first, or close the Ask anyway",
            "with_open_children",
            yes="Close anyway",
        )

    # --- branches -----------------------------------------------------------------------------

    def branch_for(self, issue: Issue) -> str:
        kind_key = issue.kind.key if issue.kind and issue.kind is not Kind.ASK else None
        return branch_name(issue.number, issue.title, self.config.prefix(kind_key))

    def start_work(
        self, number: int, *, checkout: bool = True, allow_closed: bool = False, during_bisect: bool = False
    ) -> StartResult:
        """Create (or reuse) the DSLP branch for issue ``number``, check it out, push it.

        Where the tracker has pull requests, also open a draft PR for the branch once it is
        on the remote (GitHub refuses one for a branch with no commits yet: that is a note,
        and pressing ``b`` again later opens it). Work on a closed issue, or a checkout in the
        middle of a ``git bisect``, raises :class:`NeedsConfirmation` unless already allowed; so
        does a checkout over uncommitted changes, whose answer is ``checkout=False``.
        """
        issue = self.tracker.get_issue(number)
        own = [b for b in self.load_branches() if b.issue == number]
        existing = primary_branch(own)
        name = existing.name if existing else self.branch_for(issue)
        self._confirm_start(issue, name, checkout=checkout, allow_closed=allow_closed, during_bisect=during_bisect)
        base = self.git.base_branch(self.config.collaboration, self.config.remote)
        result = self.git.start_branch(name, base, checkout=checkout, push=self.config.push, remote=self.config.remote)
        if isinstance(self.tracker, PullRequests):
            on_remote = result.pushed or any(b.name == name and b.remote for b in own)
            self._open_draft_pull(self.tracker, issue, name, base, on_remote, result)
        return result

    def _confirm_start(
        self, issue: Issue, name: str, *, checkout: bool, allow_closed: bool, during_bisect: bool
    ) -> None:
        """Ask before work on a closed issue, a checkout over uncommitted changes (offering to
        create the branch without one) or a checkout that would move a bisect's HEAD."""
        if issue.state == "closed" and not allow_closed:
            raise NeedsConfirmation(
                f"issue #{issue.number} is closed; reopen it, or start work on it anyway", "allow_closed"
            )
        if checkout and not self.git.operation_in_progress() and self.git.is_dirty():
            raise NeedsConfirmation(
                f"you have uncommitted changes, so {name} cannot be checked out; commit or `git stash` them "
                "and try again, or create the branch without checking it out",
                "checkout",
                value=False,
                flag="--no-checkout",
                yes="Create without checking out",
            )
        if checkout and not during_bisect and self.git.bisect_in_progress():
            raise NeedsConfirmation(
                "a git bisect is in progress and checking out the branch would move it; "
                "finish it (git bisect reset), or check out anyway",
                "during_bisect",
            )

    def _open_draft_pull(
        self, tracker: PullRequests, issue: Issue, head: str, base: str, on_remote: bool, result: StartResult
    ) -> None:
        if not on_remote:
            result.notes.append("no draft pull request: the branch is not on the remote yet")
            return
        for pull in self.tracker.pull_requests():
            if pull.head == head and pull.state in ("open", "draft"):
                result.notes.append(f"pull request #{pull.number} is already open for {head}")
                return
        try:
            pull = tracker.open_pull(
                head=head, base=base, title=issue.title, body=pull_request_body(issue.kind, issue.number)
            )
        except TrackerError as error:
            result.notes.append(f"draft pull request not opened yet ({error}); press b again after your first push")
            return
        result.notes.append(f"opened draft pull request #{pull.number} → {base}")

    def load_branches(self):
        _, branches = self.git.snapshot(self.config.prefixes, self.config.collaboration, self.config.remote)
        return branches


def with_runs(snapshot: Snapshot, runs: tuple[Run, ...]) -> Snapshot:
    """The snapshot with runs merged in (a later :meth:`Workspace.load_runs` replaces them whole)."""
    return replace(snapshot, runs=runs)


def unlinked_runs(runs: tuple[Run, ...]) -> int:
    """How many runs name no issue (no ``dslp.issue`` tag, no DSLP branch, no placed commit)."""
    return sum(1 for run in runs if run.issue is None)


def list_and_link(
    source: RunSource, branches: Collection[str], config: Config, git: Callable[[], GitSource]
) -> tuple[Run, ...]:
    """The runs of ``branches``, each linked to its issue; ``git`` is asked only when a run
    has nothing but a commit. Shared by :meth:`Workspace.load_runs` and the app's runs
    process (``runs_process.py``), which has no workspace."""
    runs = source.list_runs(branches)
    prefixes = config.prefixes
    unknown = commits_to_place(runs, prefixes)
    containing = git().branches_containing(unknown, prefixes, config.remote) if unknown else {}
    return link_runs(runs, prefixes, containing)


class InProcessRuns:
    """:class:`~dslp_tui.runs.RunsAccess` in this process, through the workspace's run source:
    the CLI (not interactive: MLflow's import blocks nothing), and the app's tests that swap
    the run source in their own process (``DslpApp.runs_in_child = False``)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._stopped = False

    def runs(self, branches: Collection[str]) -> tuple[Run, ...]:
        self._check()
        return self.workspace.runs_of(branches)

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        self._check()
        source = self.workspace.run_source()
        return source.metric_history(run_id, key) if source is not None else []

    def registry(self) -> ModelRegistry | None:
        source = self.workspace.run_source()
        return source if isinstance(source, ModelRegistry) else None

    def stop(self) -> None:
        self._stopped = True  # a call already running in a thread here cannot be ended: it finishes

    def _check(self) -> None:
        if self._stopped:
            raise RunsStopped("reading the runs was stopped")


def make_run_source(config: Config, root: Path) -> RunSource:
    """The run source ``[runs] source`` chose; MLflow is imported only here, in a worker."""
    if config.runs_source == "mlflow":
        from dslp_tui.sources.mlflow import MlflowRunSource, resolve_tracking_uri

        return MlflowRunSource(resolve_tracking_uri(config.runs_tracking_uri, root), config.runs_experiments)
    if config.runs_source == "azureml":
        try:
            from dslp_tui.sources.azureml import AzureMLRunSource
        except ImportError as error:
            raise RunsError(
                f'the AzureML run source needs the azure extra: pip install "dslp-tui[azure]" ({error})'
            ) from None
        return AzureMLRunSource.from_config(config)
    raise RunsError(f'unknown run source {config.runs_source!r}; set [runs] source = "mlflow", "azureml" or "none"')


def make_tracker(config: Config, git: LazyGit, clock: Callable[[], float] = time.time) -> Tracker:
    """The tracker ``dslp.toml`` chose; each is imported only when chosen.

    Neither needs GitPython to read issues: the local tracker lives under the common git
    directory, GitHub's repository comes from the remote's URL (one ``git`` process). Git
    itself is opened only to number a new local issue or to sign a comment.
    """
    if config.tracker == "local":
        from dslp_tui.sources.local import LocalTracker

        return LocalTracker.for_git_dir(
            git.common_dir, clock, lambda: highest_branch_number(config, git), author=git.user_name
        )
    if config.tracker == "github":
        return make_github_tracker(config, git, clock)
    raise TrackerError(f"unknown tracker {config.tracker!r}")


def highest_branch_number(config: Config, git: LazyGit) -> int:
    """The highest issue number any DSLP branch carries (0: none), local or on the remote."""
    try:
        _, branches = git.get().snapshot(config.prefixes, config.collaboration, config.remote)
    except GitError as error:
        raise TrackerError(f"cannot read the branches to number a new issue safely: {error}") from None
    return max((branch.issue for branch in branches), default=0)


def github_repository(config: Config, git: LazyGit) -> tuple[ChosenHosts, str]:
    """The hosts the person chose (the remote's, GH_HOST) and ``owner/name``: from
    ``[tracker] repo``, else parsed from the remote's URL.

    ``dslp.toml`` names the repository, never its host: the host decides which token is sent,
    and a committed file must not decide where the person's token goes.
    """
    from dslp_tui.sources.github import ChosenHosts, gh_host, repo_from_remote

    url = git.remote_url(config.remote)
    parsed = repo_from_remote(url) if url else None
    hosts = ChosenHosts(config.remote, parsed[0] if parsed else "", gh_host())
    if config.github_repo:
        return hosts, config.github_repo
    if parsed is None:
        where = f"has the URL {url!r}" if url else "does not exist"
        raise TrackerError(
            f"cannot tell which GitHub repository this is: the remote {config.remote!r} {where}; "
            'set [tracker] repo = "owner/name" in dslp.toml'
        )
    return hosts, parsed[1]


def make_github_tracker(config: Config, git: LazyGit, clock: Callable[[], float] = time.time) -> Tracker:
    """The GitHub tracker, with the token chosen for the host the requests will go to, which
    must be one the person chose (checked before any token is read or request made)."""
    from dslp_tui.cache import cache_dir, cache_key
    from dslp_tui.sources.github import GitHubTracker, api_base_for, api_host, find_token

    hosts, full_name = github_repository(config, git)
    base_url = api_base_for(hosts.default, config.github_base_url)
    host = api_host(base_url)  # refuses plain http beyond loopback
    hosts.check(host)  # refuses a host that only dslp.toml names
    token = find_token(host)
    kind_labels = {config.label(kind.key): kind for kind in Kind}
    cache_file = cache_dir() / f"{cache_key(git.root, 'github:' + full_name)}-pages.json"
    return GitHubTracker(full_name, token, base_url, kind_labels, cache_file, clock)
