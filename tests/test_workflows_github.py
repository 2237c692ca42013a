"""Promote, fail, close against the GitHub emulator (PyGithub over HTTP, a bare git remote behind PRs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dslp_tui.model import IssueDraft
from dslp_tui.sources import github as github_source
from dslp_tui.workflows import Journal, MoveContext, MoveRefused, build_plan, check_can_start, initial_tldr, run_plan
from dslp_tui.workspace import Workspace

from github_emulator import GitHubEmulator, emulator_fixture

github = emulator_fixture()
EXP = "experiment/2-gradient-boosting"
MODEL = "model/4-implement-gradient-boosting-model"


@pytest.fixture
def project(tmp_path: Path, github: GitHubEmulator, origin: Path, git, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Ask #1, Experiment #2 with commits on its pushed branch and an open PR #3 to main."""
    monkeypatch.setitem(github_source.CLIENT_OPTIONS, "seconds_between_writes", None)
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", github.token)
    monkeypatch.setenv("GH_HOST", "127.0.0.1")  # the person chose the emulator's host
    github.origin = origin
    work = git.init(tmp_path / "work")
    (work / "dslp.toml").write_text(
        f'[tracker]\nkind = "github"\nrepo = "acme/churn-model"\nbase_url = "{github.base_url}"\n'
    )
    git.commit(work, "config", {"dslp.toml": (work / "dslp.toml").read_text()})
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "-u", "origin", "main")
    ws = Workspace.open(work)
    ws.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    ws.create_issue(IssueDraft(template="experiment", title="Gradient boosting", parent=1))
    ws.start_work(2)  # GitHub refuses the draft PR: no commits yet
    git.commit(work, "features", {"model.py": "x = 1\n"})
    git(work, "push", "-q")
    github.add_pull(EXP, "main", title="Gradient boosting", body="Closes #2")  # #3, ready for review
    git(work, "checkout", "-q", "main")
    git.commit(work, "main moves on", {"docs.md": "docs\n"})
    git(work, "push", "-q")
    return work


def run_move(repo: Path, name: str, number: int, tldr: str = "AUC 0.91", events=None):
    ws = Workspace.open(repo)
    journal = Journal.for_move(ws.git.common_dir, name, number)
    ctx = MoveContext(ws, number)
    ctx.tldr = initial_tldr(name, ctx.issue(), journal, tldr)
    plan = build_plan(name, ctx)
    check_can_start(plan, journal)
    log = events if events is not None else []
    return ws, run_plan(plan, journal, log.append), log


def comment_bodies(github: GitHubEmulator, number: int) -> list[str]:
    return [c["body"] for c in github.comments.get(number, [])]


def test_promote_on_github_merges_the_pull_request_into_the_model_branch(
    project: Path, github: GitHubEmulator, origin: Path, git
) -> None:
    exp_tip = git.sha(project, EXP)
    ws, outcome, log = run_move(project, "promote", 2)
    assert outcome.finished, outcome
    pull = github.pulls[3]
    assert pull["merged"] and pull["base"]["ref"] == MODEL
    model = github.issues[4]
    assert [label["name"] for label in model["labels"]] == ["Model"]
    assert "Ask Reference: #1" in model["body"] and "Based on Experiment: #2" in model["body"]
    assert 4 in github.sub_issues.get(1, [])
    exp = github.issues[2]
    assert exp["state"] == "closed" and "succeeded" in [label["name"] for label in exp["labels"]]
    assert comment_bodies(github, 2) == ["TL;DR: AUC 0.91"]
    git(origin, "merge-base", "--is-ancestor", exp_tip, MODEL)
    git(origin, "merge-base", "--is-ancestor", "main", MODEL)
    assert EXP not in git(origin, "branch") and EXP not in git(project, "branch")
    assert git.sha(project, MODEL) == git.sha(origin, MODEL)
    _, again, log2 = run_move(project, "promote", 2)
    assert again.finished and {e.kind for e in log2} == {"skip", "finished"}


def test_promote_when_the_branch_has_no_commits_of_its_own(project: Path, github: GitHubEmulator, git) -> None:
    # A second experiment with a branch but no commits: GitHub would refuse a PR; nothing to merge.
    ws = Workspace.open(project)
    ws.create_issue(IssueDraft(template="experiment", title="Empty idea", parent=1))  # #4
    ws.start_work(4)
    git(project, "checkout", "-q", "main")
    _, outcome, log = run_move(project, "promote", 4)
    assert outcome.finished, outcome
    assert "experiment/4-empty-idea" not in git(project, "branch", "-a")
    assert not any(e.kind == "start" and e.step.id in ("retarget_pull", "merge_pull") for e in log)


def test_fail_on_github_closes_the_pull_request_unmerged(
    project: Path, github: GitHubEmulator, origin: Path, git
) -> None:
    _, outcome, _ = run_move(project, "fail", 2, tldr="Overfits")
    assert outcome.finished, outcome
    assert github.pulls[3]["state"] == "closed" and not github.pulls[3]["merged"]
    assert github.issues[2]["state"] == "closed" and "failed" in [x["name"] for x in github.issues[2]["labels"]]
    assert "- #2 failed: Overfits" in github.issues[1]["body"]
    assert EXP in git(origin, "branch")  # kept


def test_close_an_exploration_on_github(project: Path, github: GitHubEmulator, git) -> None:
    ws = Workspace.open(project)
    ws.create_issue(
        IssueDraft(template="explore", title="Regions", parent=1, sections={"What was discovered": "North churns."})
    )  # #4
    ws.start_work(4)
    git.commit(project, "notebook", {"eda.ipynb": "{}\n"})
    git(project, "push", "-q")
    ws.start_work(4)  # now the draft PR opens (#5)
    git(project, "checkout", "-q", "main")
    _, outcome, _ = run_move(project, "close", 4, tldr="")
    assert outcome.finished, outcome
    assert github.pulls[5]["state"] == "closed" and not github.pulls[5]["merged"]
    assert github.issues[4]["state"] == "closed" and "North churns." in comment_bodies(github, 4)[0]


def test_a_merged_pull_request_is_refused_before_any_change(project: Path, github: GitHubEmulator) -> None:
    github.add_pull(EXP, "main", title="old", merged=True)  # #4: merged into main already
    ws = Workspace.open(project)
    journal = Journal.for_move(ws.git.common_dir, "fail", 2)
    plan = build_plan("fail", MoveContext(ws, 2, tldr="x"))
    github.reset_log()
    with pytest.raises(MoveRefused, match="already merged"):
        check_can_start(plan, journal)
    assert github.count("POST") == github.count("PATCH") == 0


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(lambda gh: gh.fail_next(422, path_contains="/merge", method="PUT"), id="422-merge"),
        pytest.param(lambda gh: gh.fail_next(500, path_contains="/pulls/3", method="PATCH"), id="500-retarget"),
        pytest.param(lambda gh: gh.fail_next(500, path_contains="/issues", method="POST"), id="500-model-issue"),
        pytest.param(lambda gh: gh.fail_next(502, path_contains="/labels", method="POST"), id="502-label"),
        pytest.param("offline-merge", id="network-drop-merge"),
    ],
)
def test_faults_stop_the_move_and_a_second_run_finishes_it(
    project: Path, github: GitHubEmulator, origin: Path, git, fault
) -> None:
    exp_tip = git.sha(project, EXP)
    events: list = []

    def drop_at_merge(event) -> None:
        if event.kind == "start" and event.step.id == "merge_pull":
            github.go_offline()

    if fault == "offline-merge":
        ws, outcome, _ = run_move(project, "promote", 2, events=_Tee(events, drop_at_merge))
        github.go_online()
    else:
        fault(github)
        ws, outcome, _ = run_move(project, "promote", 2, events=events)
    assert not outcome.finished and outcome.reason
    assert github.issues[2]["state"] == "open"  # never closed after a failed step
    ran_first = [e.step.id for e in events if e.kind == "done"]
    events2: list = []
    _, outcome2, _ = run_move(project, "promote", 2, tldr="", events=events2)
    assert outcome2.finished, outcome2
    ran_again = [e.step.id for e in events2 if e.kind == "done"]
    assert not set(ran_first) & set(ran_again)  # no step done twice
    assert comment_bodies(github, 2) == ["TL;DR: AUC 0.91"]  # the TL;DR, once
    assert [n for n, i in github.issues.items() if "Model" in [x["name"] for x in i["labels"]]] == [4]
    git(origin, "merge-base", "--is-ancestor", exp_tip, MODEL)  # no commit lost
    assert github.pulls[3]["merged"]


class _Tee(list):
    """An event list that also calls a hook on each event (to inject a fault mid-run)."""

    def __init__(self, target: list, hook) -> None:
        super().__init__()
        self.target, self.hook = target, hook

    def append(self, event) -> None:
        self.hook(event)
        self.target.append(event)


def test_promote_a_draft_pull_request_merges_in_git_and_closes_it(
    tmp_path: Path, github: GitHubEmulator, origin: Path, git, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`b` opens draft PRs, which the REST API cannot merge: the merge is done in git and pushed."""
    monkeypatch.setitem(github_source.CLIENT_OPTIONS, "seconds_between_writes", None)
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", github.token)
    monkeypatch.setenv("GH_HOST", "127.0.0.1")  # the person chose the emulator's host
    github.origin = origin
    work = git.init(tmp_path / "work")
    git.commit(
        work,
        "config",
        {"dslp.toml": f'[tracker]\nkind = "github"\nrepo = "acme/churn-model"\nbase_url = "{github.base_url}"\n'},
    )
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "-u", "origin", "main")
    ws = Workspace.open(work)
    ws.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    ws.create_issue(IssueDraft(template="experiment", title="Gradient boosting", parent=1))
    ws.start_work(2)
    exp_tip = git.commit(work, "features", {"model.py": "x = 1\n"})
    git(work, "push", "-q")
    assert any("opened draft pull request #3" in n for n in ws.start_work(2).notes)
    _, outcome, _ = run_move(work, "promote", 2)
    assert outcome.finished, outcome
    assert github.pulls[3]["base"]["ref"] == MODEL and github.pulls[3]["state"] == "closed"
    assert "Merged into " + MODEL in comment_bodies(github, 3)[0]
    git(origin, "merge-base", "--is-ancestor", exp_tip, MODEL)
    assert github.issues[2]["state"] == "closed" and EXP not in git(origin, "branch")
