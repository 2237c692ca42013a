"""One repository opened for DSLP work: its config, git, tracker and drafts.

The CLI and the app both go through a :class:`Workspace`, so ``dslp-tui new`` and the form
file exactly the same issue, and ``dslp-tui branch`` and ``b`` do exactly the same git work.
Every method may block; the app calls them from thread workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from dslp_tui.cache import BoardCache
from dslp_tui.config import Config, load_config
from dslp_tui.drafts import DraftStore
from dslp_tui.model import Issue, IssueDraft, Snapshot
from dslp_tui.process import (
    ASK_REFERENCE,
    BASED_ON_EXPERIMENT,
    Kind,
    add_to_section,
    branch_name,
    render_body,
    template,
)
from dslp_tui.sources.git import GitSource, StartResult
from dslp_tui.tracker import Tracker, TrackerError


class ValidationError(ValueError):
    """A draft that cannot be filed as it is; the message says which field and why."""


# Where a new child is listed in its Ask's body (the Ask "lists them in its sections").
ASK_SECTION_FOR: dict[Kind, str] = {
    Kind.DATA: "Data Requirements",
    Kind.EXPLORE: "Understanding and Exploration",
    Kind.EXPERIMENT: "Approaches and Experiments",
}


@dataclass
class Workspace:
    root: Path
    config: Config
    git: GitSource
    tracker: Tracker
    drafts: DraftStore
    cache: BoardCache | None = None  # the last board, for trackers that are slow to ask

    @classmethod
    def open(cls, path: Path, clock: Callable[[], float] = time.time) -> Workspace:
        """Open the repository at or above ``path``; raises NotAGitRepository or ConfigError."""
        git = GitSource(path)
        config = load_config(git.root)
        tracker = make_tracker(config, git, clock)
        cache = BoardCache.for_repo(git.root, tracker.name) if config.tracker != "local" else None
        return cls(git.root, config, git, tracker, DraftStore(git.common_dir / "dslp" / "drafts"), cache)

    @property
    def name(self) -> str:
        return self.root.name

    def load(self) -> Snapshot:
        """Read issues, pull requests and branch states at one moment."""
        issues = tuple(self.tracker.list_issues())
        pulls = tuple(self.tracker.pull_requests())
        repo, branches = self.git.snapshot(self.config.prefixes, self.config.collaboration, self.config.remote)
        return Snapshot(issues=issues, branches=tuple(branches), pulls=pulls, repo=repo)

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
        try:
            return self.tracker.get_issue(number)
        except TrackerError:
            raise ValidationError(f"{field_name}: issue #{number} does not exist") from None

    def create_issue(self, draft: IssueDraft) -> Issue:
        """File a draft: validated, rendered from its template, labelled, linked to its Ask.

        On any failure the draft is saved to the draft store first, so nothing typed is lost.
        """
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
        except Exception:
            self.drafts.save(draft)
            raise
        self.drafts.discard(draft.template, draft.parent)
        self._list_in_ask(issue)
        return issue

    def _list_in_ask(self, issue: Issue) -> None:
        """Add ``- #N title`` under the right section of the parent Ask (best effort)."""
        section = ASK_SECTION_FOR.get(issue.kind) if issue.kind else None
        if issue.parent is None or section is None:
            return
        try:
            ask = self.tracker.get_issue(issue.parent)
            body = add_to_section(ask.body, section, f"- #{issue.number} {issue.title}")
            if body != ask.body:
                self.tracker.update_issue(ask.number, body=body)
        except TrackerError:
            pass  # the child is filed and linked by its Ask Reference; the list is a convenience

    # --- branches -----------------------------------------------------------------------------

    def branch_for(self, issue: Issue) -> str:
        kind_key = issue.kind.key if issue.kind and issue.kind is not Kind.ASK else None
        return branch_name(issue.number, issue.title, self.config.prefix(kind_key))

    def start_work(self, number: int, *, checkout: bool = True) -> StartResult:
        """Create (or reuse) the DSLP branch for issue ``number``, check it out, push it."""
        issue = self.tracker.get_issue(number)
        existing = [b for b in self.load_branches() if b.issue == number]
        name = existing[0].name if existing else self.branch_for(issue)
        base = self.git.base_branch(self.config.collaboration, self.config.remote)
        return self.git.start_branch(name, base, checkout=checkout, push=self.config.push, remote=self.config.remote)

    def load_branches(self):
        _, branches = self.git.snapshot(self.config.prefixes, self.config.collaboration, self.config.remote)
        return branches


def make_tracker(config: Config, git: GitSource, clock: Callable[[], float] = time.time) -> Tracker:
    """The tracker ``dslp.toml`` chose; each is imported only when chosen."""
    if config.tracker == "local":
        from dslp_tui.sources.local import LocalTracker

        return LocalTracker.for_git_dir(git.common_dir, clock)
    raise TrackerError(
        f'tracker {config.tracker!r} is not available in this version; set [tracker] kind = "local" in dslp.toml'
    )
