"""The DSLP's multi-step moves (promote, fail, close an exploration) as plans: data first, acts second.

A :class:`Plan` is an ordered list of :class:`Step` s. Each step says in one sentence what
it will change, knows whether it is already done by reading git and the tracker (never a
memory of an earlier run), and does it. :func:`preview` lists the steps with done / not
done, so a person sees everything before anything happens; :func:`run_plan` skips done
steps, stops at the first failure (each step leaves git and the tracker whole), and
records every step in a :class:`Journal` under the git common dir, so an interrupted move
resumes where it stopped and the TL;DR typed for it is never lost.

The runner reports through an ``on_event`` callback (the CLI prints; the board streams a
live log from a thread worker). Nothing here imports Textual.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dslp_tui.errors import DslpError
from dslp_tui.model import Issue, IssueDraft, PullRequest, Run
from dslp_tui.process import (
    ASK_SECTION_FOR,
    BASED_ON_EXPERIMENT,
    STATUS_KEYS,
    Kind,
    parse_reference,
    parse_sections,
    slugify,
    template,
)
from dslp_tui.runs import ModelRegistry, RunsAccess
from dslp_tui.sources.git import MoveGit
from dslp_tui.text import one_line
from dslp_tui.tracker import PullRequests, Tracker

MOVES = ("promote", "fail", "close")
TLDR_PREFIX = "TL;DR: "


class MoveRefused(DslpError):
    """A move that cannot start here as things are; nothing was changed."""


# --- plans as data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of a move: what it will change, whether it is done, and how to do it."""

    id: str
    says: str  # one sentence: what this step will change
    done: Callable[[MoveContext], bool]  # read from git and the tracker, never from memory
    run: Callable[[MoveContext], str | None]  # does it; returns a note for the log (or None)


@dataclass
class Plan:
    move: str
    issue: Issue
    steps: list[Step]
    context: MoveContext


@dataclass
class Event:
    """What the runner reports: ``kind`` is start, skip, done, fail or finished."""

    kind: str
    step: Step | None = None
    message: str = ""


@dataclass
class Outcome:
    finished: bool
    stopped_at: str | None = None  # the step id it stopped at
    reason: str = ""


def preview(plan: Plan) -> list[tuple[Step, bool]]:
    """Every step with whether it is already done: what a person confirms."""
    return [(step, step.done(plan.context)) for step in plan.steps]


def run_plan(plan: Plan, journal: Journal, on_event: Callable[[Event], None] | None = None) -> Outcome:
    """Run ``plan``: skip steps already done, stop at the first failure, journal every step.

    The journal (with the TL;DR) is saved before any step runs. An exception raised by
    ``on_event`` (a killed process, a cancelled worker) stops the run between steps, and the
    journal still says where.
    """
    emit = on_event or (lambda event: None)
    journal.data["tldr"] = plan.context.tldr
    journal.data["stopped"] = None
    journal.save()
    for step in plan.steps:
        try:
            already = step.done(plan.context)
        except DslpError as error:
            return _stop(journal, emit, step, f"could not check it: {error}")
        if already:
            journal.record(step.id, "skipped")
            emit(Event("skip", step, "already done"))
            continue
        journal.record(step.id, "started")
        emit(Event("start", step))
        try:
            note = step.run(plan.context)
        except DslpError as error:
            return _stop(journal, emit, step, str(error))
        journal.record(step.id, "done", note or "")
        emit(Event("done", step, note or ""))
    journal.data["finished"] = True
    journal.save()
    emit(Event("finished", None, f"{plan.move} #{plan.issue.number} finished"))
    return Outcome(True)


def _stop(journal: Journal, emit: Callable[[Event], None], step: Step, reason: str) -> Outcome:
    journal.record(step.id, "failed", reason)
    journal.data["stopped"] = {"step": step.id, "reason": reason}
    journal.save()
    emit(Event("fail", step, reason))
    return Outcome(False, step.id, reason)


# --- the journal -----------------------------------------------------------------------------


class Journal:
    """What ran of one move on one issue: ``.git/dslp/moves/<move>-<N>.json``, written atomically."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    @classmethod
    def for_move(cls, common_dir: Path, move: str, number: int) -> Journal:
        path = common_dir / "dslp" / "moves" / f"{move}-{number}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError
        except (OSError, ValueError):
            data = {}
        data.setdefault("move", move)
        data.setdefault("issue", number)
        data.setdefault("tldr", "")
        data.setdefault("steps", [])
        data.setdefault("stopped", None)
        data.setdefault("finished", False)
        return cls(path, data)

    @property
    def exists(self) -> bool:
        return self.path.exists()

    @property
    def tldr(self) -> str:
        return str(self.data.get("tldr") or "")

    def started(self, step_id: str) -> bool:
        """Whether this move ever started ``step_id`` (so what it made is its own)."""
        return any(entry.get("step") == step_id and entry.get("state") != "skipped" for entry in self.data["steps"])

    def record(self, step_id: str, state: str, note: str = "") -> None:
        self.data["steps"].append({"step": step_id, "state": state, "note": note, "at": time.time()})
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".move-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self.data, out, indent=2, ensure_ascii=False)
        os.replace(temp, self.path)


# --- what a move works on --------------------------------------------------------------------


@dataclass
class MoveContext:
    """The repository, tracker and inputs a move reads its facts from (fresh on every call)."""

    workspace: Any  # dslp_tui.workspace.Workspace (not imported: it imports the trackers)
    number: int
    tldr: str = ""
    best_run: Run | None = None
    registry: ModelRegistry | None = None
    git: MoveGit = field(init=False)

    def __post_init__(self) -> None:
        self.git = MoveGit(self.workspace.git, self.workspace.config.remote)

    @property
    def tracker(self) -> Tracker:
        return self.workspace.tracker

    @property
    def config(self):
        return self.workspace.config

    @property
    def has_pulls(self) -> bool:
        return isinstance(self.tracker, PullRequests)

    def issue(self) -> Issue:
        return self.tracker.get_issue(self.number)

    def base(self) -> str:
        return self.workspace.git.base_branch(self.config.collaboration, self.config.remote)

    def work_branch(self) -> str:
        """The issue's branch: an existing one (local or remote), else the name the process gives."""
        own = [b for b in self.workspace.load_branches() if b.issue == self.number]
        wanted = self.workspace.branch_for(self.issue())
        names = [b.name for b in own]
        if wanted in names or not names:
            return wanted
        return sorted(names)[0]

    def branch_exists(self, name: str) -> bool:
        return self.git.local_sha(name) is not None or self.git.remote_sha(name) is not None

    def model_issue(self) -> Issue | None:
        """The Model issue based on this experiment (its ``Based on Experiment: #N`` line)."""
        models = [
            i
            for i in self.tracker.list_issues()
            if i.kind is Kind.MODEL and parse_reference(i.body, BASED_ON_EXPERIMENT) == self.number
        ]
        return min(models, key=lambda i: (i.state != "open", i.number), default=None)

    def model_branch(self) -> str | None:
        model = self.model_issue()
        return self.workspace.branch_for(model) if model else None

    def pull_api(self) -> PullRequests:
        """The tracker's pull-request operations (only steps planned for such a tracker ask)."""
        tracker = self.tracker
        if not isinstance(tracker, PullRequests):
            raise MoveRefused(f"the {tracker.name} tracker has no pull requests")
        return tracker

    def pulls(self) -> list[PullRequest]:
        """Every pull request of the work branch (none where the tracker has none)."""
        if not self.has_pulls:
            return []
        head = self.work_branch()
        return [p for p in self.tracker.pull_requests() if p.head == head]

    def pull(self) -> PullRequest | None:
        """The work branch's pull request: an open one first, then a merged, then any."""
        rank = {"open": 0, "draft": 0, "merged": 1, "closed": 2}
        return min(self.pulls(), key=lambda p: (rank[p.state], -p.number), default=None)

    def tldr_comment(self) -> str:
        return TLDR_PREFIX + self.tldr.strip()

    def comment_exists(self, body: str) -> bool:
        return any(c.body.strip() == body.strip() for c in self.tracker.comments(self.number))


# --- steps shared by the moves ---------------------------------------------------------------


def _tldr_step(ctx: MoveContext) -> Step:
    first = ctx.tldr.strip().splitlines()[0] if ctx.tldr.strip() else ""
    return Step(
        "tldr",
        f"comment the TL;DR on #{ctx.number}" + (f": {first[:60]}{'…' if len(first) > 60 else ''}" if first else ""),
        lambda c: c.comment_exists(c.tldr_comment()),
        lambda c: (c.tracker.comment(c.number, c.tldr_comment()), "TL;DR commented")[1],
    )


def status_labels(config, key: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(add, remove) that leave exactly status ``key`` (None: no status label) on an issue."""
    add = (config.label(key),) if key else ()
    remove = tuple(config.label(k) for k in STATUS_KEYS if k != key)
    return add, remove


def deploy_toggle(config, issue: Issue) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(add, remove) that toggle the ``Deploy`` label on a Model issue (ready to deploy)."""
    if issue.kind is not Kind.MODEL:
        raise MoveRefused(f"#{issue.number} is not a Model issue; only a Model is marked ready to deploy")
    label = config.label("deploy")
    return ((), (label,)) if label in issue.labels else ((label,), ())


def _status_step(ctx: MoveContext, key: str) -> Step:
    label = ctx.config.label(key)

    def run(c: MoveContext) -> str:
        add, remove = status_labels(c.config, key)
        c.tracker.set_labels(c.number, add=add, remove=tuple(r for r in remove if r in c.issue().labels))
        return f"labelled {label}"

    return Step(
        "label",
        f"label #{ctx.number} {label!r} (other status labels removed)",
        lambda c: label in c.issue().labels,
        run,
    )


def _close_pull_step(ctx: MoveContext) -> Step:
    def done(c: MoveContext) -> bool:
        pull = c.pull()
        return pull is None or pull.state in ("closed", "merged")

    def run(c: MoveContext) -> str:
        pull = c.pull()
        assert pull is not None
        c.pull_api().close_pull(pull.number)
        return f"closed pull request #{pull.number} without merging"

    return Step("close_pull", f"close the pull request of {ctx.work_branch()} without merging", done, run)


def _close_issue_step(ctx: MoveContext) -> Step:
    return Step(
        "close_issue",
        f"close #{ctx.number}",
        lambda c: c.issue().state == "closed",
        lambda c: (c.tracker.update_issue(c.number, state="closed"), f"closed #{c.number}")[1],
    )


def _ask_line(ctx: MoveContext, issue: Issue, outcome: str) -> Step | None:
    """The line that tells the Ask how this child ended (under the child's section)."""
    section = ASK_SECTION_FOR.get(issue.kind) if issue.kind else None
    if issue.parent is None or section is None:
        return None
    first = ctx.tldr.strip().splitlines()[0] if ctx.tldr.strip() else ""
    line = f"- #{issue.number} {outcome}: {first}".rstrip()
    ask = issue.parent
    return Step(
        "ask_line",
        f"add to Ask #{ask} under {section}: {line}",
        lambda c: any(row.strip() == line for row in c.tracker.get_issue(ask).body.splitlines()),
        lambda c: (c.tracker.append_to_section(ask, section, line), f"Ask #{ask} updated")[1],
    )


# --- fail and close --------------------------------------------------------------------------


def plan_fail(ctx: MoveContext) -> Plan:
    """Fail an experiment: TL;DR, ``failed``, close its PR unmerged, close the issue, tell the Ask."""
    issue = ctx.issue()
    _require_kind(issue, Kind.EXPERIMENT, "fail")
    return Plan(
        "fail", issue, [_tldr_step(ctx), _status_step(ctx, "failed"), *_closing_steps(ctx, issue, "failed")], ctx
    )


def plan_close(ctx: MoveContext) -> Plan:
    """Close an exploration: TL;DR, close its PR unmerged, close the issue, tell the Ask."""
    issue = ctx.issue()
    _require_kind(issue, Kind.EXPLORE, "close")
    return Plan("close", issue, [_tldr_step(ctx), *_closing_steps(ctx, issue, "explored")], ctx)


def _closing_steps(ctx: MoveContext, issue: Issue, outcome: str) -> list[Step]:
    """What failing and closing share: the PR closed unmerged, the issue closed, a line on the Ask."""
    steps = [_close_pull_step(ctx)] if ctx.has_pulls else []
    steps.append(_close_issue_step(ctx))
    line = _ask_line(ctx, issue, outcome)
    return steps + ([line] if line else [])


def exploration_tldr(issue: Issue) -> str:
    """A TL;DR prefilled from an Explore issue's findings (What was discovered, Next Steps)."""
    sections = parse_sections(issue.body)
    parts = []
    for heading in ("What was discovered", "Next Steps"):
        text = "\n".join(
            line for line in sections.get(heading, "").splitlines() if line.strip() and not line.startswith("###")
        ).strip()
        if text:
            parts.append(text)
    return "\n\n".join(parts)


def initial_tldr(move: str, issue: Issue, journal: Journal, given: str = "") -> str:
    """The TL;DR to start from: the one given, else the one kept from an interrupted run, else
    (closing an exploration) its findings."""
    if given.strip():
        return given.strip()
    if journal.tldr:
        return journal.tldr
    return exploration_tldr(issue) if move == "close" else ""


def _require_kind(issue: Issue, kind: Kind, move: str) -> None:
    if issue.kind is not kind:
        what = issue.kind.value if issue.kind else "untyped"
        raise MoveRefused(f"#{issue.number} is {what}, not {kind.value}; `{move}` is for {kind.value} issues")


# --- promote ---------------------------------------------------------------------------------


def run_for_model(workspace, number: int, run_id: str | None = None, runs: RunsAccess | None = None) -> Run | None:
    """The run whose metrics and link go in the Model issue: ``run_id``, else experiment
    ``number``'s best run by its Ask's primary metric (None: no runs, or no primary metric).

    Shared by ``dslp-tui promote`` and the board's ``p``; read through ``runs`` (the board's:
    a child process), else in this process. Raises ``RunsError`` when the runs cannot be
    read, :class:`MoveRefused` when ``run_id`` is not among them.
    """
    from dslp_tui.rollup import best_run
    from dslp_tui.workspace import InProcessRuns

    access = runs if runs is not None else InProcessRuns(workspace)
    runs_read = access.runs({b.name for b in workspace.load_branches()})
    if run_id:
        chosen = next((run for run in runs_read if run.id == run_id), None)
        if chosen is None:
            raise MoveRefused(f"--run {run_id}: no such run among this repository's runs")
        return chosen
    issue = workspace.tracker.get_issue(number)
    return best_run((run for run in runs_read if run.issue == number), workspace.config.goal(issue.parent))


def best_run_summary(run: Run) -> str:
    metrics = ", ".join(f"{k} = {v:g}" for k, v in sorted(run.metrics.items()))
    head = f"Best run: {run.name or run.id} ({run.id})"
    return "\n".join(
        x for x in (head, f"Metrics: {metrics}" if metrics else "", f"Link: {run.url}" if run.url else "") if x
    )


def plan_promote(ctx: MoveContext) -> Plan:
    """Promote an experiment to a model: PROCESS.md's seven steps, on either tracker."""
    issue = ctx.issue()
    _require_kind(issue, Kind.EXPERIMENT, "promote")
    if issue.parent is None:
        raise MoveRefused(f"#{issue.number} names no Ask; add an `Ask Reference: #N` line, then promote it")
    exp = ctx.work_branch()
    base = ctx.base()
    model = ctx.model_issue()
    model_title = template("model").title_for(issue.title)
    slug = slugify(model_title)
    model_name = ctx.model_branch() or f"{ctx.config.prefix('model')}<new number>{'-' + slug if slug else ''}"

    def model_branch(c: MoveContext) -> str:
        name = c.model_branch()
        if name is None:
            raise MoveRefused("the Model issue is not there yet; run the move again")
        return name

    def exp_gone(c: MoveContext) -> bool:
        return not c.branch_exists(exp)

    def in_model(c: MoveContext) -> bool:
        """The experiment's work is in the model branch (or was, and its branch is gone)."""
        name = c.model_branch()
        if exp_gone(c):
            return True
        tip = c.git.local_sha(exp) or c.git.fetch(exp)
        if name is None or tip is None:
            return False
        refs = [r for r in (c.git.local_sha(name), c.git.fetch(name) if c.has_pulls else None) if r]
        return any(c.git.is_ancestor(tip, ref) for ref in refs)

    steps = [_tldr_step(ctx), _status_step(ctx, "succeeded")]

    def open_model(c: MoveContext) -> str:
        sections = {"Description": best_run_summary(c.best_run)} if c.best_run else {}
        draft = IssueDraft(
            template="model", title=issue.title, sections=sections, parent=issue.parent, based_on=c.number
        )
        created = c.workspace.create_issue(draft)
        return f"opened Model #{created.number} {created.title}"

    run_note = " with the best run's metrics and link" if ctx.best_run else ""
    # An existing Model (based on this experiment) is the one the move uses: named as it is.
    says = (
        f"Model issue #{model.number} '{one_line(model.title)}' under Ask #{issue.parent} "
        f"(Based on Experiment #{issue.number})"
        if model is not None
        else f"open Model issue '{model_title}' under Ask #{issue.parent} "
        f"(Ask Reference, Based on Experiment #{issue.number}){run_note}"
    )
    steps.append(
        Step(
            "model_issue",
            says,
            lambda c: c.model_issue() is not None,
            open_model,
        )
    )

    def create_model_branch(c: MoveContext) -> str:
        name = model_branch(c)
        remote_tip = c.git.fetch(name)
        start = f"refs/remotes/{c.git.remote}/{name}" if remote_tip else base
        c.git.create_branch(name, start)
        return f"created {name} from {start.removeprefix('refs/remotes/')}"

    steps.append(
        Step(
            "model_branch",
            f"create {model_name} from {base}",
            lambda c: c.model_branch() is not None and c.git.local_sha(model_branch(c)) is not None,
            create_model_branch,
        )
    )
    steps.append(
        Step(
            "merge_base",
            f"merge {base} into {exp}",
            lambda c: exp_gone(c) or c.git.local_sha(exp) is None or c.git.is_ancestor(base, exp),
            lambda c: f"{exp} is now at {c.git.merge(exp, base, f'Merge {base} into {exp}')[:10]}",
        )
    )
    if ctx.has_pulls:
        steps += _github_promote_steps(ctx, exp, model_branch, in_model, model_name)
    else:
        steps.append(
            Step(
                "merge_model",
                f"merge {exp} into {model_name}",
                in_model,
                lambda c: (
                    f"{model_branch(c)} is now at "
                    + c.git.merge(model_branch(c), exp, f"Merge {exp} into {model_branch(c)} (#{c.number})")[:10]
                ),
            )
        )
        if ctx.git.has_remote():
            steps.append(
                Step(
                    "push_model",
                    f"push {model_name} to {ctx.git.remote}",
                    lambda c: _pushed(c, c.model_branch()),
                    _then(lambda c: c.git.push(model_branch(c)), lambda c: f"pushed {model_branch(c)}"),
                )
            )
    steps.append(_close_issue_step(ctx))

    def delete_exp(c: MoveContext) -> str:
        name = model_branch(c)
        if c.git.current_branch() == exp:
            c.workspace.git._git("checkout", "-q", name)
        into = c.git.local_sha(name) or name
        return "deleted " + ", ".join(c.git.delete_merged(exp, into))

    steps.append(
        Step(
            "delete_branch",
            f"delete {exp} (locally{' and on ' + ctx.git.remote if ctx.git.has_remote() else ''}) once it is in {model_name}",
            exp_gone,
            delete_exp,
        )
    )
    if ctx.registry is not None and ctx.best_run is not None:
        steps.append(_register_step(ctx, ctx.best_run, ctx.registry, model_branch))
    del model
    return Plan("promote", issue, steps, ctx)


def _github_promote_steps(ctx: MoveContext, exp: str, model_branch, in_model, model_name: str) -> list[Step]:
    def push_model(c: MoveContext) -> str:
        c.git.push(model_branch(c))
        return f"pushed {model_branch(c)}"

    def retargeted(c: MoveContext) -> bool:
        if in_model(c):
            return True
        pull = c.pull()
        return pull is not None and pull.state in ("open", "draft", "merged") and pull.base == model_branch(c)

    def retarget(c: MoveContext) -> str:
        name = model_branch(c)
        pull = c.pull()
        if pull is None or pull.state not in ("open", "draft"):
            made = c.pull_api().open_pull(
                head=exp, base=name, title=c.issue().title, body=f"Refs #{c.number}", draft=False
            )
            return f"opened pull request #{made.number} {exp} → {name}"
        c.pull_api().retarget_pull(pull.number, name)
        return f"pull request #{pull.number} now targets {name}"

    def merge_pull(c: MoveContext) -> str:
        name = model_branch(c)
        pull = c.pull()
        assert pull is not None
        if pull.state == "draft":
            # The REST API cannot mark a draft ready; merge in git, push, and close the PR as merged by hand.
            c.git.update_from_remote(name)
            c.git.merge(name, exp, f"Merge {exp} into {name} (#{c.number}, pull request #{pull.number})")
            c.git.push(name)
            c.tracker.comment(
                pull.number, f"Merged into {name} by dslp-tui (a draft cannot be merged through the API)."
            )
            c.pull_api().close_pull(pull.number)
            return f"merged {exp} into {name} in git (pull request #{pull.number} was a draft) and closed it"
        c.pull_api().merge_pull(pull.number, f"Promote experiment #{c.number} to {name}")
        return f"merged pull request #{pull.number} into {name}"

    return [
        Step(
            "push_model",
            f"push {model_name} to {ctx.git.remote}",
            lambda c: (name := c.model_branch()) is not None and c.git.remote_sha(name) is not None,
            push_model,
        ),
        Step(
            "push_experiment",
            f"push {exp} to {ctx.git.remote}",
            lambda c: not c.branch_exists(exp) or c.git.local_sha(exp) in (None, c.git.remote_sha(exp)) or in_model(c),
            _then(lambda c: c.git.push(exp), lambda c: f"pushed {exp}"),
        ),
        Step("retarget_pull", f"point the pull request of {exp} at {model_name} (or open one)", retargeted, retarget),
        Step("merge_pull", f"merge the pull request of {exp} into {model_name}", in_model, merge_pull),
        Step(
            "update_model",
            f"bring the local {model_name} up to date with {ctx.git.remote}",
            lambda c: _pushed(c, c.model_branch()),
            _then(lambda c: c.git.update_from_remote(model_branch(c)), lambda c: f"{model_branch(c)} updated"),
        ),
    ]


def _then(action: Callable[[MoveContext], object], note: Callable[[MoveContext], str]) -> Callable[[MoveContext], str]:
    """A step action: do ``action``, then say ``note``."""

    def run(c: MoveContext) -> str:
        action(c)
        return note(c)

    return run


def _pushed(c: MoveContext, branch: str | None) -> bool:
    """The branch exists and is at the same commit locally and on the remote."""
    return (
        branch is not None
        and c.git.local_sha(branch) is not None
        and c.git.local_sha(branch) == c.git.remote_sha(branch)
    )


def _register_step(ctx: MoveContext, run: Run, registry: ModelRegistry, model_branch) -> Step:
    def note(c: MoveContext) -> str:
        return f"Registered the model of run {run.id}"

    def done(c: MoveContext) -> bool:
        model = c.model_issue()
        return model is not None and any(x.body.startswith(note(c)) for x in c.tracker.comments(model.number))

    def register(c: MoveContext) -> str:
        model = c.model_issue()
        assert model is not None
        name = model_branch(c).rsplit("/", 1)[-1]
        version = registry.register_model(run.id, name)
        c.tracker.comment(model.number, f"{note(c)} as {name} version {version}.")
        return f"registered {name} version {version}"

    return Step(
        "register", f"register the model of run {run.id} in {getattr(registry, 'name', 'the registry')}", done, register
    )


# --- safety: refuse before any change --------------------------------------------------------


def check_can_start(plan: Plan, journal: Journal, *, require_tldr: bool = True) -> None:
    """Everything that would make the move stop half-way for a known reason, said up front.

    ``require_tldr=False``: everything but the TL;DR (the board asks before it is typed).
    """
    ctx = plan.context
    issue = plan.issue
    resuming = bool(journal.data["steps"])
    if require_tldr and not ctx.tldr.strip():
        raise MoveRefused(f"a TL;DR is required for {plan.move} #{issue.number}: give --tldr TEXT or --tldr-file F")
    if issue.state == "closed" and not resuming:
        raise MoveRefused(f"#{issue.number} is already closed; reopen it first if the move is still to be done")
    pulls = ctx.pulls()
    if plan.move == "promote":
        _check_promote(ctx, journal, pulls)
        return
    for pull in pulls:
        if pull.state == "merged":
            raise MoveRefused(
                f"pull request #{pull.number} of #{issue.number} was already merged into {pull.base}; "
                f"the work is in {pull.base}, so it is not {plan.move}ed unmerged: revert it there first"
            )


def _check_promote(ctx: MoveContext, journal: Journal, pulls: list[PullRequest]) -> None:
    git = ctx.git
    source = ctx.workspace.git
    busy = source.operation_in_progress()
    if busy:
        raise MoveRefused(f"{busy} is in progress; finish or abort it, then promote")
    if git.current_branch() is None:
        raise MoveRefused("HEAD is detached; check out a branch (git switch main), then promote")
    if source.is_dirty():
        raise MoveRefused("you have uncommitted changes; commit or stash them, then promote")
    if ctx.has_pulls and not git.has_remote():
        raise MoveRefused(f"the remote {ctx.config.remote!r} does not exist; add it (git remote add), then promote")
    exp = ctx.work_branch()
    if not ctx.branch_exists(exp) and not journal.started("delete_branch"):
        raise MoveRefused(f"#{ctx.number} has no branch ({exp}); there is nothing to promote")
    model = ctx.model_branch()
    if model and ctx.branch_exists(model) and not journal.started("model_branch"):
        raise MoveRefused(f"{model} already exists; promote by hand, or remove it if it is left over, then run again")
    for pull in pulls:
        if pull.state == "merged" and pull.base != model:
            raise MoveRefused(f"pull request #{pull.number} of #{ctx.number} was already merged into {pull.base}")
    live = [p for p in pulls if p.state != "closed"]
    if pulls and not live and not journal.data["steps"]:
        closed = max(p.number for p in pulls)
        raise MoveRefused(f"pull request #{closed} of #{ctx.number} is closed unmerged; reopen it, then promote")


def build_plan(move: str, ctx: MoveContext) -> Plan:
    builders = {"promote": plan_promote, "fail": plan_fail, "close": plan_close}
    return builders[move](ctx)


# --- the board's side: a move opened for a preview, then confirmed ---------------------------


@dataclass
class OpenedMove:
    """A move as the board previews it: the plan, its done marks, the TL;DR to start from,
    why it would be refused as things are (besides the TL;DR), and notes (runs unreadable)."""

    plan: Plan
    journal: Journal
    steps: list[tuple[Step, bool]]
    refusal: str | None = None
    notes: list[str] = field(default_factory=list)
    # Promote only: the registry offered (the run source, when it is a ModelRegistry and
    # there is a best run), and the preview's steps with its register step added.
    registry: ModelRegistry | None = None
    steps_registering: list[tuple[Step, bool]] = field(default_factory=list)

    @property
    def move(self) -> str:
        return self.plan.move

    @property
    def registers(self) -> bool:
        """Whether the run's model is registered too (the plan is built with the registry)."""
        return self.registry is not None and self.plan.context.registry is not None

    def set_register(self, on: bool) -> list[tuple[Step, bool]]:
        """Register the best run's model, or not (only when a registry is offered); the steps to show."""
        self.plan.context.registry = self.registry if on else None
        return self.steps_registering if self.registers else self.steps

    @property
    def register_offer(self) -> str | None:
        """What the toggle says, or None: not offered. The run by its name and the registry by
        its kind ("register the model of run tabnet-small in MLflow"): the run's id and the
        store's address are in the step it adds, and would not fit the dialog's line."""
        best = self.plan.context.best_run
        if self.registry is None or best is None:
            return None
        where = getattr(self.registry, "name", "") or "the registry"
        return f"register the model of run {one_line(best.name) or best.id} in {where.split()[0]}"

    @property
    def tldr(self) -> str:
        return self.plan.context.tldr

    def keep_tldr(self, text: str) -> None:
        """Save an unsent TL;DR in the move's journal: reopening the move resumes it. Nothing
        typed, and no step ever ran: nothing to resume, so no journal is left behind."""
        self.journal.data["tldr"] = text
        if not text.strip() and not self.journal.data["steps"]:
            self.journal.path.unlink(missing_ok=True)
            return
        self.journal.save()

    def confirm(self, tldr: str) -> Plan:
        """The plan rebuilt with ``tldr`` (its steps quote it), checked; raises MoveRefused."""
        ctx = self.plan.context
        ctx.tldr = tldr.strip()
        plan = build_plan(self.move, ctx)
        check_can_start(plan, self.journal)
        return plan

    def run(self, plan: Plan, on_event: Callable[[Event], None]) -> Outcome:
        return run_plan(plan, self.journal, on_event)


def open_move(workspace, move: str, number: int, runs: RunsAccess | None = None) -> OpenedMove:
    """Build move ``move`` on issue ``number`` for a preview; changes nothing.

    A promote's best run is read, and its model registered, through ``runs`` (the board's
    reads in a child process, so MLflow never enters its process); None: in this process.
    Raises MoveRefused (wrong kind, no Ask) and the tracker's and git's errors; a refusal of
    the move as things are (uncommitted changes, a closed issue) is kept in ``refusal``.
    """
    from dslp_tui.runs import RunsError
    from dslp_tui.workspace import InProcessRuns

    runs = runs if runs is not None else InProcessRuns(workspace)

    journal = Journal.for_move(workspace.common_dir, move, number)
    notes = []
    best = None
    if move == "promote":
        try:
            best = run_for_model(workspace, number, runs=runs)
        except RunsError as error:
            notes.append(f"runs: {error} (the Model issue is written without run metrics)")
    ctx = MoveContext(workspace, number, best_run=best)
    ctx.tldr = initial_tldr(move, ctx.issue(), journal)
    registry, registering = _registry_offer(runs, move, ctx)
    plan = build_plan(move, ctx)
    steps = preview(plan)
    try:
        check_can_start(plan, journal, require_tldr=False)
        refusal = None
    except MoveRefused as error:
        refusal = str(error)
    return OpenedMove(plan, journal, steps, refusal, notes, registry, registering)


def _registry_offer(
    runs: RunsAccess, move: str, ctx: MoveContext
) -> tuple[ModelRegistry | None, list[tuple[Step, bool]]]:
    """For a promote with a best run whose source can register models: the registry, and the
    preview with the register step (read now, in the worker; the toggle only swaps lists)."""
    if move != "promote" or ctx.best_run is None:
        return None, []
    source = runs.registry()
    if source is None:
        return None, []
    ctx.registry = source
    try:
        return source, preview(build_plan(move, ctx))
    finally:
        ctx.registry = None  # off until the person turns it on
