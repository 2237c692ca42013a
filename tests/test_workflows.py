"""Promote, fail, close as plans: end to end on the embedded tracker with real repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dslp_tui.model import IssueDraft, Run
from dslp_tui.process import Kind
from dslp_tui.sources.git import GitError, MergeConflict, MoveGit
from dslp_tui.sources.local import LocalTracker
from dslp_tui.workflows import (
    Journal,
    MoveContext,
    MoveRefused,
    build_plan,
    check_can_start,
    deploy_toggle,
    initial_tldr,
    preview,
    run_plan,
    status_labels,
)
from dslp_tui.workspace import Workspace

EXP = "experiment/2-gradient-boosting"


def file_issue(ws: Workspace, template: str, title: str, parent: int | None = None, **sections: str) -> int:
    return ws.create_issue(IssueDraft(template=template, title=title, parent=parent, sections=sections)).number


@pytest.fixture
def project(repo_with_remote: Path, git) -> Path:
    """An Ask (#1), an Experiment (#2) with two commits on its branch, a commit on main since."""
    ws = Workspace.open(repo_with_remote)
    assert file_issue(ws, "ask", "Reduce churn") == 1
    assert file_issue(ws, "experiment", "Gradient boosting", parent=1) == 2
    ws.start_work(2)
    git.commit(repo_with_remote, "features", {"model.py": "x = 1\n"})
    git.commit(repo_with_remote, "train", {"train.py": "fit()\n"})
    git(repo_with_remote, "push", "-q")
    git(repo_with_remote, "checkout", "-q", "main")
    git.commit(repo_with_remote, "main moves on", {"docs.md": "docs\n"})
    return repo_with_remote


def move(repo: Path, name: str, number: int, tldr: str = "It works: AUC 0.91", **kw):
    ws = Workspace.open(repo)
    journal = Journal.for_move(ws.git.common_dir, name, number)
    ctx = MoveContext(ws, number, **kw)
    ctx.tldr = initial_tldr(name, ctx.issue(), journal, tldr)
    return ws, build_plan(name, ctx), journal


def run_move(repo: Path, name: str, number: int, tldr: str = "It works: AUC 0.91", events=None, **kw):
    ws, plan, journal = move(repo, name, number, tldr, **kw)
    check_can_start(plan, journal)
    log = events if events is not None else []
    return ws, run_plan(plan, journal, log.append), log


def branches(git, repo: Path) -> set[str]:
    return set(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").split())


def remote_branches(git, origin: Path) -> set[str]:
    return set(git(origin, "for-each-ref", "--format=%(refname:short)", "refs/heads").split())


def test_promote_on_the_embedded_tracker(project: Path, origin: Path, git) -> None:
    exp_tip = git.sha(project, EXP)
    main_tip = git.sha(project, "main")
    best = Run(id="r7", name="lucky", branch=EXP, status="FINISHED", metrics={"auc": 0.91}, url="http://mlflow/r7")
    ws, outcome, log = run_move(project, "promote", 2, best_run=best)
    assert outcome.finished, outcome
    model = ws.tracker.get_issue(3)
    assert model.kind is Kind.MODEL and model.title == "Implement Gradient boosting model" and model.parent == 1
    assert "Ask Reference: #1" in model.body and "Based on Experiment: #2" in model.body
    assert "auc = 0.91" in model.body and "http://mlflow/r7" in model.body
    exp = ws.tracker.get_issue(2)
    assert exp.state == "closed" and "succeeded" in exp.labels
    assert [c.body for c in ws.tracker.comments(2)] == ["TL;DR: It works: AUC 0.91"]
    model_branch = "model/3-implement-gradient-boosting-model"
    assert EXP not in branches(git, project) and EXP not in remote_branches(git, origin)
    assert model_branch in branches(git, project) and model_branch in remote_branches(git, origin)
    # every experiment commit and main are in the model branch, locally and on the remote
    for tip in (exp_tip, main_tip):
        git(project, "merge-base", "--is-ancestor", tip, model_branch)
        git(origin, "merge-base", "--is-ancestor", tip, model_branch)
    assert git.sha(project, model_branch) == git.sha(origin, model_branch)
    assert git.sha(project, "main") == main_tip  # the collaboration branch did not move
    assert git.current(project) == "main"
    # a second run does nothing: every step is recognised as done
    _, again, log2 = run_move(project, "promote", 2)
    assert again.finished and {e.kind for e in log2} == {"skip", "finished"}
    assert len(ws.tracker.comments(2)) == 1 and len(ws.tracker.list_issues()) == 3


def test_fail_keeps_the_branch_and_tells_the_ask(project: Path, origin: Path, git) -> None:
    exp_tip = git.sha(project, EXP)
    ws, outcome, _ = run_move(project, "fail", 2, tldr="Overfits badly.\nTried depth 3 to 12.")
    assert outcome.finished
    exp = ws.tracker.get_issue(2)
    assert exp.state == "closed" and "failed" in exp.labels and "succeeded" not in exp.labels
    assert ws.tracker.comments(2)[0].body == "TL;DR: Overfits badly.\nTried depth 3 to 12."
    ask = ws.tracker.get_issue(1).body
    assert "- #2 failed: Overfits badly." in ask.split("## Approaches and Experiments")[1]
    assert git.sha(project, EXP) == exp_tip and git.sha(origin, EXP) == exp_tip  # the failed work stays


def test_close_an_exploration_prefills_the_tldr_from_its_findings(repo_with_remote: Path, git) -> None:
    from dslp_tui.workflows import exploration_tldr

    ws = Workspace.open(repo_with_remote)
    file_issue(ws, "ask", "Reduce churn")
    number = file_issue(ws, "explore", "Churn by region", parent=1, **{"What was discovered": "North churns 2x."})
    issue = ws.tracker.get_issue(number)
    tldr = exploration_tldr(issue)
    assert "North churns 2x." in tldr
    ws, outcome, _ = run_move(repo_with_remote, "close", number, tldr=tldr)
    assert outcome.finished
    assert ws.tracker.get_issue(number).state == "closed"
    assert "North churns 2x." in ws.tracker.comments(number)[0].body
    assert f"- #{number} explored: " in ws.tracker.get_issue(1).body


def test_preview_changes_nothing_and_shows_done_steps(project: Path, git) -> None:
    before = branches(git, project)
    ws, plan, _ = move(project, "fail", 2)
    shown = preview(plan)
    assert [s.id for s, _ in shown] == ["tldr", "label", "close_issue", "ask_line"]
    assert [done for _, done in shown] == [False] * 4
    assert ws.tracker.comments(2) == [] and branches(git, project) == before
    ws.tracker.set_labels(2, add=("failed",))
    assert [done for _, done in preview(plan)] == [False, True, False, False]


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda repo, git: (repo / "README.md").write_text("changed\n"), "uncommitted changes"),
        (lambda repo, git: git(repo, "checkout", "-q", "--detach"), "detached"),
        (lambda repo, git: git(repo, "branch", "model/3-implement-gradient-boosting-model"), "already exists"),
    ],
)
def test_promote_refuses_before_any_change(project: Path, git, setup, message) -> None:
    setup(project, git)
    ws, plan, journal = move(project, "promote", 2)
    ws.create_issue(
        IssueDraft(template="model", title="Gradient boosting", parent=1, based_on=2)
    ) if "exists" in message else None
    ws, plan, journal = move(project, "promote", 2)
    with pytest.raises(MoveRefused, match=message):
        check_can_start(plan, journal)
    assert ws.tracker.comments(2) == [] and "succeeded" not in ws.tracker.get_issue(2).labels


def test_a_merge_conflict_changes_nothing_and_the_move_resumes(project: Path, git) -> None:
    git(project, "checkout", "-q", EXP)
    git.commit(project, "exp edits docs", {"docs.md": "experiment\n"})  # main changed docs.md too
    git(project, "checkout", "-q", "main")
    refs_before = git(project, "for-each-ref")
    ws, outcome, log = run_move(project, "promote", 2)
    assert not outcome.finished and outcome.stopped_at == "merge_base"
    assert "conflicts (docs.md)" in outcome.reason and f"git checkout {EXP} && git merge main" in outcome.reason
    # only the new model branch was added; every other ref and the tree are as they were
    after = git(project, "for-each-ref")
    assert set(refs_before.splitlines()) <= set(after.splitlines())
    assert git(project, "status", "--porcelain", "--untracked-files=no") == ""
    assert ws.tracker.get_issue(2).state == "open"  # never closed after an earlier step failed
    # resolve as the message says, then run again: done steps are skipped, the rest finish
    git(project, "checkout", "-q", EXP)
    git(project, "merge", "-q", "main", check=False)
    (project / "docs.md").write_text("both\n")
    git(project, "commit", "-qam", "resolve")
    git(project, "checkout", "-q", "main")
    ws, outcome, log = run_move(project, "promote", 2, tldr="")  # the TL;DR comes from the journal
    assert outcome.finished, outcome
    ran = [e.step.id for e in log if e.kind == "start"]
    assert ran == ["merge_model", "push_model", "close_issue", "delete_branch"]
    assert [c.body for c in ws.tracker.comments(2)] == ["TL;DR: It works: AUC 0.91"]


def test_journal_keeps_the_tldr_and_where_it_stopped(project: Path, git) -> None:
    ws, plan, journal = move(project, "fail", 2, tldr="Kept for later")

    def crash(event):
        if event.kind == "done" and event.step.id == "tldr":
            raise KeyboardInterrupt  # the process dies between steps

    with pytest.raises(KeyboardInterrupt):
        run_plan(plan, journal, crash)
    saved = Journal.for_move(ws.git.common_dir, "fail", 2)
    assert saved.tldr == "Kept for later" and [s["step"] for s in saved.data["steps"]] == ["tldr", "tldr"]
    ws, outcome, log = run_move(project, "fail", 2, tldr=saved.tldr)
    assert outcome.finished and [e.kind for e in log][:1] == ["skip"]
    assert len(ws.tracker.comments(2)) == 1


def test_status_and_deploy_labels() -> None:
    from dslp_tui.config import Config
    from dslp_tui.model import Issue

    config = Config()
    assert status_labels(config, "on_hold") == (("on hold",), ("succeeded", "failed", "blocked - need access"))
    model = Issue(7, "Implement x model", Kind.MODEL)
    assert deploy_toggle(config, model) == (("Deploy",), ())
    assert deploy_toggle(config, Issue(7, "m", Kind.MODEL, labels=("Model", "Deploy"))) == ((), ("Deploy",))
    with pytest.raises(MoveRefused):
        deploy_toggle(config, Issue(2, "e", Kind.EXPERIMENT))


def cli(repo: Path, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dslp_tui", "--repo", str(repo), *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_cli_killed_between_steps_resumes_without_doing_a_step_twice(project: Path, origin: Path, git) -> None:
    exp_tip = git.sha(project, EXP)
    dry = cli(project, "promote", "2", "--tldr", "Ship it", "--dry-run")
    assert dry.returncode == 0 and "merge main into experiment/2-gradient-boosting" in dry.stdout
    no_yes = cli(project, "promote", "2", "--tldr", "Ship it")
    assert no_yes.returncode == 1 and "--yes" in no_yes.stderr and "1. [    ] comment the TL;DR" in no_yes.stdout
    killed = cli(
        project, "promote", "2", "--tldr", "Ship it", "--yes", env={"DSLP_TUI_EXIT_AFTER_STEP": "model_branch"}
    )
    assert killed.returncode == 1 and "done model_branch" in killed.stdout and "merge_base" not in killed.stdout
    journal = json.loads((project / ".git" / "dslp" / "moves" / "promote-2.json").read_text())
    assert journal["tldr"] == "Ship it" and not journal["finished"]
    done = cli(project, "promote", "2", "--yes")  # no --tldr: the journal's is used
    assert done.returncode == 0, done.stderr
    assert "skip tldr" in done.stdout and "skip model_branch" in done.stdout
    ws = Workspace.open(project)
    assert [c.body for c in ws.tracker.comments(2)] == ["TL;DR: Ship it"]
    assert [i.number for i in ws.tracker.list_issues() if i.kind is Kind.MODEL] == [3]
    git(origin, "merge-base", "--is-ancestor", exp_tip, "model/3-implement-gradient-boosting-model")


def test_cli_stopped_move_exits_1_with_the_step(project: Path, git) -> None:
    git(project, "checkout", "-q", EXP)
    git.commit(project, "exp edits docs", {"docs.md": "experiment\n"})
    git(project, "checkout", "-q", "main")
    stopped = cli(project, "promote", "2", "--tldr", "x", "--yes")
    assert stopped.returncode == 1 and "stopped at step merge_base" in stopped.stderr
    refused = cli(project, "fail", "1", "--tldr", "x", "--yes")
    assert refused.returncode == 1 and "not Experiment" in refused.stderr


def test_delete_merged_refuses_a_branch_with_commits_the_target_lacks(project: Path, origin: Path, git) -> None:
    ws = Workspace.open(project)
    mg = MoveGit(ws.git, "origin")
    git(project, "branch", "target", "main")
    tip = git.sha(project, EXP)
    with pytest.raises(GitError, match="has commits that target lacks"):
        mg.delete_merged(EXP, "target")
    assert git.sha(project, EXP) == tip and git.sha(origin, EXP) == tip
    git(project, "branch", "merged", EXP)
    assert mg.delete_merged(EXP, "merged") == [f"{EXP} (local)", f"{EXP} (origin)"]
    assert EXP not in branches(git, project) and EXP not in remote_branches(git, origin)


def test_a_conflict_on_the_checked_out_branch_is_aborted(project: Path, git) -> None:
    git(project, "checkout", "-q", EXP)
    git.commit(project, "exp edits docs", {"docs.md": "experiment\n"})
    tip = git.sha(project, EXP)
    mg = MoveGit(Workspace.open(project).git, "origin")
    with pytest.raises(MergeConflict) as caught:
        mg.merge(EXP, "main", "Merge main")
    assert caught.value.files == ["docs.md"]
    assert git.sha(project, EXP) == tip and git(project, "status", "--porcelain") == ""
    assert not (project / ".git" / "MERGE_HEAD").exists()


def test_push_never_forces(project: Path, origin: Path, git) -> None:
    remote_tip = git.sha(origin, EXP)
    git(project, "branch", "-f", EXP, "main")  # local history rewritten: not a fast-forward of the remote
    mg = MoveGit(Workspace.open(project).git, "origin")
    with pytest.raises(GitError):
        mg.push(EXP)
    assert git.sha(origin, EXP) == remote_tip


PROMOTE_STEPS = [
    "tldr",
    "label",
    "model_issue",
    "model_branch",
    "merge_base",
    "merge_model",
    "push_model",
    "close_issue",
]


@pytest.mark.parametrize("killed_after", PROMOTE_STEPS)
def test_killed_after_any_step_the_next_run_finishes_without_redoing_it(
    project: Path, origin: Path, git, killed_after: str
) -> None:
    exp_tip = git.sha(project, EXP)
    ws, plan, journal = move(project, "promote", 2)
    check_can_start(plan, journal)
    first: list[str] = []

    def die(event) -> None:
        if event.kind == "done":
            first.append(event.step.id)
            if event.step.id == killed_after:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_plan(plan, journal, die)
    ws, outcome, log = run_move(project, "promote", 2, tldr="")
    assert outcome.finished, outcome
    second = [e.step.id for e in log if e.kind == "done"]
    assert first[-1] == killed_after and not set(first) & set(second)
    assert set(first) | set(second) == {*PROMOTE_STEPS, "delete_branch"}
    assert [c.body for c in ws.tracker.comments(2)] == ["TL;DR: It works: AUC 0.91"]
    git(origin, "merge-base", "--is-ancestor", exp_tip, "model/3-implement-gradient-boosting-model")


class _Registry:
    """A model registry as a run source offers it (``ModelRegistry``): records what it registers."""

    name = "test registry"

    def __init__(self) -> None:
        self.registered: list[tuple[str, str]] = []

    def register_model(self, run_id: str, name: str) -> str:
        self.registered.append((run_id, name))
        return str(len(self.registered))


def test_promote_registers_the_best_runs_model_once(project: Path) -> None:
    from dslp_tui.runs import ModelRegistry

    registry = _Registry()
    assert isinstance(registry, ModelRegistry)
    best = Run(id="r7", name="lucky", branch=EXP, status="FINISHED", metrics={"auc": 0.91})
    ws, outcome, _ = run_move(project, "promote", 2, best_run=best, registry=registry)
    assert outcome.finished, outcome
    assert registry.registered == [("r7", "3-implement-gradient-boosting-model")]
    assert ws.tracker.comments(3)[0].body.startswith("Registered the model of run r7 as 3-implement")
    _, again, _ = run_move(project, "promote", 2, best_run=best, registry=registry)
    assert again.finished and len(registry.registered) == 1


def test_promote_puts_the_best_runs_metrics_in_the_model_and_registers_it(demo: Path, capsys) -> None:
    """The demo's #7 has real MLflow runs: the best finished one (not the failed, higher one) is used."""
    from dslp_tui.cli import main

    assert main(["--repo", str(demo), "promote", "7", "--tldr", "Tabnet works", "--yes", "--register"]) == 0
    out = capsys.readouterr().out
    assert "promote #7 finished" in out
    model = max(LocalTracker.for_git_dir(demo / ".git").list_issues(), key=lambda i: i.number)
    assert "Best run: tabnet-small" in model.body and "r2 = 0.693" in model.body
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{demo / 'mlflow.db'}")
    [registered] = client.search_registered_models()
    assert registered.name.startswith(f"{model.number}-") and str(registered.latest_versions[0].version) == "1"
