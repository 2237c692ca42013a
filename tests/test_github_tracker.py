"""The GitHub tracker, only ever through PyGithub over real HTTP to the emulator on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from dslp_tui import cli
from dslp_tui.model import IssueDraft
from dslp_tui.process import LABELS, Kind
from dslp_tui.sources import github as github_source
from dslp_tui.sources.github import (
    AuthError,
    GitHubTracker,
    NetworkError,
    NotFoundError,
    RateLimited,
    ValidationFailed,
    api_base_for,
    find_token,
    repo_from_remote,
)
from dslp_tui.tracker import PartiallyFiled
from dslp_tui.workspace import ValidationError, Workspace

from github_emulator import GitHubEmulator, emulator_fixture

github = emulator_fixture()
KINDS = {kind.value: kind for kind in Kind}


def run(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def fast_client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No pacing between writes in tests; caches in the test's own directory."""
    monkeypatch.setitem(github_source.CLIENT_OPTIONS, "seconds_between_writes", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def project(tmp_path: Path, github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone whose origin is the bare repository the emulator treats as GitHub's."""
    origin = tmp_path / "origin.git"
    work = tmp_path / "churn-model"
    run(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    run(tmp_path, "init", "-q", "-b", "main", str(work))
    (work / "README.md").write_text("# churn\n")
    run(work, "add", "README.md")
    run(work, "commit", "-q", "-m", "start")
    run(work, "remote", "add", "origin", str(origin))
    run(work, "push", "-q", "-u", "origin", "main")
    (work / "dslp.toml").write_text(
        f'[tracker]\nkind = "github"\nrepo = "acme/churn-model"\nbase_url = "{github.base_url}"\n'
    )
    run(work, "add", "dslp.toml")
    run(work, "commit", "-q", "-m", "config")
    run(work, "push", "-q")
    github.origin = origin
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", github.token)  # the emulator is not github.com
    monkeypatch.setenv("GH_HOST", "127.0.0.1")  # the person chose the emulator's host
    return work


def tracker(github: GitHubEmulator, cache: Path | None = None, token: str | None = None) -> GitHubTracker:
    return GitHubTracker("acme/churn-model", token or github.token, github.base_url, KINDS, cache)


# --- connecting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/churn-model.git", ("github.com", "acme/churn-model")),
        ("https://github.com/acme/churn-model", ("github.com", "acme/churn-model")),
        ("git@github.com:acme/churn-model.git", ("github.com", "acme/churn-model")),
        ("ssh://git@github.com/acme/churn-model.git", ("github.com", "acme/churn-model")),
        ("https://ghe.example.com/data/churn.model.git/", ("ghe.example.com", "data/churn.model")),
        ("/srv/git/churn.git", None),
    ],
)
def test_repository_from_the_remote_url(url: str, expected) -> None:
    assert repo_from_remote(url) == expected


def test_api_base() -> None:
    assert api_base_for("github.com", "") == "https://api.github.com"
    assert api_base_for("ghe.example.com", "") == "https://ghe.example.com/api/v3"
    assert api_base_for("ghe.example.com", "https://x/api/v3/") == "https://x/api/v3"


def test_token_from_the_environment_or_a_clear_message() -> None:
    assert find_token(environ={"GITHUB_TOKEN": "a", "GH_TOKEN": "b"}) == "b"  # gh's order
    assert find_token(environ={"GITHUB_TOKEN": "a"}) == "a"
    with pytest.raises(AuthError, match="GH_TOKEN.*gh auth login"):
        find_token(environ={"PATH": "/nonexistent"})  # no gh CLI either


# --- reading ----------------------------------------------------------------------------------


def test_lists_dslp_issues_with_links_from_sub_issues_and_references(github: GitHubEmulator) -> None:
    ask = github.add_issue("Reduce churn", labels=["Ask"])["number"]
    by_sub = github.add_issue("Get CRM Dataset", labels=["Data"], parent=ask)["number"]
    by_ref = github.add_issue("GBM", body="## Description\n\n**Ask Reference:** #1", labels=["Experiment"])["number"]
    github.add_issue("Fix the README", labels=["documentation"])  # not DSLP work
    github.add_pull("experiment/3-gbm", title="GBM")  # pull requests are not issues
    issues = {i.number: i for i in tracker(github).list_issues()}
    assert sorted(issues) == [ask, by_sub, by_ref]
    assert issues[by_sub].parent == ask and issues[by_sub].kind is Kind.DATA
    assert issues[by_ref].parent is None  # linked by its body only; the board reads the line


def test_reads_every_page(github: GitHubEmulator) -> None:
    for n in range(250):
        github.add_issue(f"Experiment {n}", labels=["Experiment"])
    github.reset_log()
    issues = tracker(github).list_issues()
    assert len(issues) == 250 and issues[-1].title == "Experiment 249"
    assert github.count("GET", github.repo_path + "/issues") == 3  # 100 a page


def test_pull_requests_and_their_states(github: GitHubEmulator) -> None:
    github.add_pull("experiment/1-a", title="a")
    github.add_pull("explore/2-b", title="b", draft=True)
    github.add_pull("data/3-c", title="c", state="closed")
    github.add_pull("model/4-d", title="d", merged=True)
    pulls = {p.head: p.state for p in tracker(github).pull_requests()}
    assert pulls == {"experiment/1-a": "open", "explore/2-b": "draft", "data/3-c": "closed", "model/4-d": "merged"}


def test_a_refresh_of_1000_issues_and_200_pulls_is_cheap_then_free(github: GitHubEmulator, tmp_path: Path) -> None:
    kinds = ["Ask", "Data", "Explore", "Experiment", "Model"]
    for n in range(1000):
        github.add_issue(f"work {n}", labels=[kinds[n % 5]])
    for n in range(200):
        github.add_pull(f"experiment/{n}-x", title=f"pr {n}")
    cache = tmp_path / "pages.json"
    github.reset_log()
    first = tracker(github, cache)
    assert len(first.list_issues()) == 1000 and len(first.pull_requests()) == 200
    assert len(github.requests) <= 15
    used = github.rate_limit["used"]
    # A new process (a new tracker reading the same cache file): every request conditional.
    github.reset_log()
    second = tracker(github, cache)
    assert len(second.list_issues()) == 1000 and len(second.pull_requests()) == 200
    assert github.requests and all(r.status == 304 and not r.counted for r in github.requests)
    assert github.rate_limit["used"] == used
    # A change shows up: only the page that changed costs anything.
    github.advance_time(60)
    github.add_issue("fresh work", labels=["Explore"])
    github.reset_log()
    assert any(i.title == "fresh work" for i in second.list_issues())
    assert github.count(counted=True) == 1


# --- keeping in step (GitHubTracker._synced) -------------------------------------------------


def test_a_refresh_after_more_than_a_page_changed_reads_every_changed_page(github: GitHubEmulator) -> None:
    for n in range(1, 251):
        github.add_issue(f"work {n}", labels=["Experiment"])
    store = tracker(github)
    assert len(store.list_issues()) == 250
    github.advance_time(60)
    elsewhere = tracker(github)
    for number in range(1, 151):  # 150 changed: all of page 1 and half of page 2
        elsewhere.update_issue(number, title=f"work {number} (renamed)")
    github.reset_log()
    titles = {issue.number: issue.title for issue in store.list_issues()}
    assert [n for n in range(1, 151) if titles[n] != f"work {n} (renamed)"] == []
    assert all(titles[n] == f"work {n}" for n in range(151, 251))
    assert github.count("GET", github.repo_path + "/issues") == 2  # the unchanged page 3 is not read


def test_the_periodic_full_read_drops_deleted_and_transferred_issues(github: GitHubEmulator) -> None:
    now = [1_000_000.0]
    store = GitHubTracker("acme/churn-model", github.token, github.base_url, KINDS, clock=lambda: now[0])
    kept = github.add_issue("Reduce churn", labels=["Ask"])["number"]
    deleted = github.add_issue("GBM", labels=["Experiment"])["number"]
    transferred = github.add_issue("CRM data", labels=["Data"])["number"]
    assert [i.number for i in store.list_issues()] == [kept, deleted, transferred]
    github.remove_issue(deleted)
    github.remove_issue(transferred)  # moved to another repository: gone from this one's lists
    now[0] += github_source.FULL_EVERY + 1
    assert [i.number for i in store.list_issues()] == [kept]


def test_a_pull_request_with_a_kind_label_is_never_an_issue(github: GitHubEmulator) -> None:
    issue = github.add_issue("GBM", labels=["Experiment"])["number"]
    github.add_pull("experiment/1-gbm", title="GBM", labels=["Experiment"])
    store = tracker(github)
    assert [i.number for i in store.list_issues()] == [issue]
    github.advance_time(60)
    github.add_pull("model/1-gbm", title="GBM model", labels=["Model"])  # seen by an incremental refresh
    assert [i.number for i in store.list_issues()] == [issue]


def test_comments_answered_304_come_from_the_cache(github: GitHubEmulator) -> None:
    number = github.add_issue("GBM", labels=["Experiment"])["number"]
    for n in range(120):  # two pages
        github.add_comment(number, f"note {n}")
    store = tracker(github)
    first = [c.body for c in store.comments(number)]
    assert first == [f"note {n}" for n in range(120)]
    github.reset_log()
    assert [c.body for c in store.comments(number)] == first
    assert github.requests and all(r.status == 304 for r in github.requests)


def test_comments_carry_their_author_and_issues_their_count(github: GitHubEmulator) -> None:
    number = github.add_issue("GBM", labels=["Experiment"])["number"]
    quiet = github.add_issue("Logit", labels=["Experiment"])["number"]
    github.add_comment(number, "TL;DR: r2 0.71", user="ann")
    github.add_comment(number, "agreed")
    store = tracker(github)
    assert [(c.author, c.body) for c in store.comments(number)] == [("ann", "TL;DR: r2 0.71"), (github.login, "agreed")]
    assert {i.number: i.comments for i in store.list_issues()} == {number: 2, quiet: 0}


# --- writing ----------------------------------------------------------------------------------


def test_workspace_creates_a_child_as_sub_issue_with_reference_and_ask_link(
    project: Path, github: GitHubEmulator
) -> None:
    workspace = Workspace.open(project)
    ask = workspace.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    child = workspace.create_issue(
        IssueDraft(template="experiment", title="GBM", sections={"Description": "Boosted trees."}, parent=ask.number)
    )
    state = github.issues[child.number]
    assert [label["name"] for label in state["labels"]] == ["Experiment"]
    assert state["body"].startswith("## Description\n\nAsk Reference: #1")
    assert github.sub_issues[ask.number] == [child.number]
    assert f"- #{child.number} GBM" in github.issues[ask.number]["body"]
    assert child.parent == ask.number


def test_labels_comments_close_and_reopen(github: GitHubEmulator) -> None:
    number = github.add_issue("GBM", labels=["Experiment"])["number"]
    store = tracker(github)
    assert "succeeded" in store.set_labels(number, add=("succeeded",)).labels
    assert store.set_labels(number, remove=("succeeded", "never-there")).labels == ("Experiment",)
    written = store.comment(number, "TL;DR: r2 0.71")
    assert written.author == github.login
    assert github.comments[number][0]["body"] == "TL;DR: r2 0.71"
    assert [c.body for c in store.comments(number)] == ["TL;DR: r2 0.71"]
    assert store.update_issue(number, state="closed").state == "closed"
    assert store.update_issue(number, state="open").state == "open"


def test_start_work_pushes_and_opens_a_draft_pr_once_there_are_commits(project: Path, github: GitHubEmulator) -> None:
    workspace = Workspace.open(project)
    ask = workspace.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    exp = workspace.create_issue(IssueDraft(template="experiment", title="GBM", parent=ask.number))
    result = workspace.start_work(exp.number)
    assert result.pushed and "experiment/2-gbm" in run(project, "branch", "-r")
    assert any("not opened yet" in note and "No commits between" in note for note in result.notes)
    assert github.pulls == {}
    (project / "gbm.py").write_text("MODEL = 'gbm'\n")
    run(project, "add", "gbm.py")
    run(project, "commit", "-q", "-m", "gbm")
    run(project, "push", "-q")
    result = workspace.start_work(exp.number)
    pull = next(iter(github.pulls.values()))
    assert pull["draft"] and pull["head"]["ref"] == "experiment/2-gbm" and pull["base"]["ref"] == "main"
    assert pull["body"] == f"Closes #{exp.number}"
    assert any("opened draft pull request" in note for note in result.notes)
    again = workspace.start_work(exp.number)
    assert any("already open" in note for note in again.notes) and len(github.pulls) == 1


def test_explore_prs_never_close_their_issue(project: Path, github: GitHubEmulator) -> None:
    workspace = Workspace.open(project)
    ask = workspace.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    explore = workspace.create_issue(IssueDraft(template="explore", title="Tenure", parent=ask.number))
    workspace.start_work(explore.number)
    (project / "notes.md").write_text("tenure\n")
    run(project, "add", "notes.md")
    run(project, "commit", "-q", "-m", "notes")
    run(project, "push", "-q")
    workspace.start_work(explore.number)
    body = next(iter(github.pulls.values()))["body"]
    assert body.startswith(f"Refs #{explore.number}") and "Closes" not in body


def test_pull_request_operations(project: Path, github: GitHubEmulator) -> None:
    for branch in ("experiment/1-a", "model/2-b"):
        run(project, "checkout", "-q", "-b", branch, "main")
        (project / f"{branch.replace('/', '_')}.txt").write_text(branch)
        run(project, "add", ".")
        run(project, "commit", "-q", "-m", branch)
        run(project, "push", "-q", "-u", "origin", branch)
    store = tracker(github)
    pull = store.open_pull(head="experiment/1-a", base="main", title="a", body="Closes #9", draft=False)
    store.retarget_pull(pull.number, "model/2-b")
    assert github.pulls[pull.number]["base"]["ref"] == "model/2-b"
    store.merge_pull(pull.number)
    assert github.pulls[pull.number]["merged"] is True
    other = store.open_pull(head="model/2-b", base="main", title="b", body="", draft=True)
    store.close_pull(other.number)
    assert github.pulls[other.number]["state"] == "closed" and not github.pulls[other.number]["merged"]


# --- init -------------------------------------------------------------------------------------


def test_init_creates_labels_and_templates_and_is_idempotent(
    project: Path, github: GitHubEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    github.add_label("failed", "000000", "old words")
    assert cli.main(["--repo", str(project), "init", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would create label 'Ask'" in out and "would update label 'failed'" in out
    assert github.count("POST", github.repo_path + "/labels") == 0
    assert not (project / ".github").exists()
    assert cli.main(["--repo", str(project), "init"]) == 0
    labels = github.labels
    for spec in LABELS:
        assert labels[spec.name]["color"] == spec.color and labels[spec.name]["description"] == spec.description
    assert (project / ".github" / "ISSUE_TEMPLATE" / "experiment.md").read_text().count("## ") == 4
    capsys.readouterr()
    github.reset_log()
    assert cli.main(["--repo", str(project), "init"]) == 0
    out = capsys.readouterr().out
    assert "would" not in out and "create" not in out and "update" not in out
    assert github.count("POST") == github.count("PATCH") == 0


# --- failures ---------------------------------------------------------------------------------


def test_bad_token(github: GitHubEmulator) -> None:
    with pytest.raises(AuthError) as caught:
        tracker(github, token="ghp_wrong_secret").list_issues()
    assert "401" in str(caught.value) and "ghp_wrong_secret" not in str(caught.value)


def test_repository_gone(github: GitHubEmulator) -> None:
    store = GitHubTracker("acme/gone", github.token, github.base_url, KINDS)
    with pytest.raises(NotFoundError, match="404"):
        store.list_issues()


def test_validation_errors_carry_githubs_words_and_keep_the_draft(project: Path, github: GitHubEmulator) -> None:
    workspace = Workspace.open(project)
    github.fail_next(
        422,
        method="POST",
        path_contains="/issues",
        message="Validation Failed",
        errors=[{"resource": "Issue", "code": "custom", "field": "title", "message": "title is too long"}],
    )
    with pytest.raises(ValidationFailed, match="title is too long"):
        workspace.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    assert workspace.drafts.load("ask", None).title == "Reduce churn"
    with pytest.raises(ValidationError):
        workspace.create_issue(IssueDraft(template="experiment", title="x", parent=99))


def test_rate_limit_reports_when_to_retry(github: GitHubEmulator) -> None:
    store = tracker(github)
    github.exhaust_rate_limit(reset_in=120)
    with pytest.raises(RateLimited) as caught:
        store.list_issues()
    assert 100 < caught.value.reset_at - github.rate_limit["reset"] + 120 <= 121
    github.exhaust_rate_limit(reset_in=30, kind="secondary", status=429)
    with pytest.raises(RateLimited, match="retry in"):
        store.pull_requests()


def test_server_errors_are_retried_then_reported(github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(github_source.time, "sleep", lambda _seconds: None)
    github.add_issue("Reduce churn", labels=["Ask"])
    github.fail_next(502, count=2)
    assert len(tracker(github).list_issues()) == 1
    github.fail_next(503, count=3)
    with pytest.raises(NetworkError, match="503"):
        tracker(github).list_issues()


def test_network_down(github: GitHubEmulator) -> None:
    github.go_offline()
    with pytest.raises(NetworkError) as caught:
        tracker(github).list_issues()
    assert "cannot reach GitHub" in str(caught.value) and github.token not in str(caught.value)


# --- the CLI end to end -----------------------------------------------------------------------


def test_cli_new_status_and_branch(project: Path, github: GitHubEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    repo = ["--repo", str(project)]
    assert cli.main([*repo, "new", "ask", "Reduce churn"]) == 0
    assert cli.main([*repo, "new", "data", "CRM", "--ask", "1"]) == 0
    assert capsys.readouterr().out.split() == ["1", "2"]
    assert github.issues[2]["title"] == "Get CRM Dataset"
    assert cli.main([*repo, "branch", "2"]) == 0
    assert "data/2-get-crm-dataset" in capsys.readouterr().out
    assert cli.main([*repo, "status", "--json"]) == 0
    out = capsys.readouterr().out
    assert github.token not in out
    data = json.loads(out)
    assert data["repository"]["tracker"] == "GitHub acme/churn-model"
    child = data["asks"][0]["children"][0]
    assert child["number"] == 2 and child["branch"]["name"] == "data/2-get-crm-dataset"


def test_cli_failures_are_clear(project: Path, github: GitHubEmulator, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", "ghp_not_the_right_one")
    assert cli.main(["--repo", str(project), "status"]) == 1
    err = capsys.readouterr().err
    assert "401" in err and "GH_ENTERPRISE_TOKEN" in err and "ghp_not_the_right_one" not in err
    monkeypatch.delenv("GH_ENTERPRISE_TOKEN")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # git (it reads the remote), but no gh CLI
    assert cli.main(["--repo", str(project), "status"]) == 2
    assert "No GitHub token" in capsys.readouterr().err


def test_cli_issue_or_repository_gone(project: Path, github: GitHubEmulator, capsys) -> None:
    assert cli.main(["--repo", str(project), "branch", "999"]) == 1
    err = capsys.readouterr().err
    assert "404" in err and "does not exist" in err
    (project / "dslp.toml").write_text(
        f'[tracker]\nkind = "github"\nrepo = "acme/gone"\nbase_url = "{github.base_url}"\n'
    )
    assert cli.main(["--repo", str(project), "status"]) == 1
    assert "acme/gone" in capsys.readouterr().err


def test_cli_new_refused_by_github_keeps_the_draft(project: Path, github: GitHubEmulator, capsys) -> None:
    github.fail_next(500, method="POST", path_contains="/issues")
    assert cli.main(["--repo", str(project), "new", "ask", "Reduce churn"]) == 1
    err = capsys.readouterr().err
    assert "500" in err and "draft is kept" in err
    assert github.issues == {}  # a failed write is not retried blindly (no duplicate issue)
    workspace = Workspace.open(project)
    assert workspace.drafts.load("ask", None).title == "Reduce churn"


# --- filing that only partly worked, and the Ask's list under concurrent edits ----------------


def test_a_failed_sub_issue_link_is_retried_from_the_draft_without_a_duplicate(
    project: Path, github: GitHubEmulator
) -> None:
    workspace = Workspace.open(project)
    ask = workspace.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    github.fail_next(502, method="POST", path_contains="/sub_issues")
    with pytest.raises(PartiallyFiled, match=r"^#2 was created .* linking it as a sub-issue failed") as caught:
        workspace.create_issue(IssueDraft(template="experiment", title="GBM", parent=ask.number))
    assert caught.value.number == 2
    kept = workspace.drafts.load("experiment", ask.number)
    assert kept is not None and kept.filed_as == 2
    assert sorted(github.issues) == [1, 2]

    child = workspace.create_issue(kept)  # what "retry the link" does
    assert child.number == 2 and child.parent == ask.number
    assert sorted(github.issues) == [1, 2]  # no duplicate
    assert github.sub_issues[ask.number] == [2]
    assert "- #2 GBM" in github.issues[ask.number]["body"]
    assert workspace.drafts.load("experiment", ask.number) is None
    workspace.create_issue(replace(kept, draft_id="again"))  # already linked: nothing is added twice
    assert github.sub_issues[ask.number] == [2]
    assert github.issues[ask.number]["body"].count("- #2 GBM") == 1


def test_an_ask_edited_between_reading_and_writing_keeps_both_edits(project: Path, github: GitHubEmulator) -> None:
    workspace = Workspace.open(project)
    ask = workspace.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    someone = tracker(github)
    read, created = workspace.tracker.get_issue, []
    create = workspace.tracker.create_issue

    def create_then_note(*args, **kwargs):
        created.append(create(*args, **kwargs))
        return created[-1]

    def read_then_someone_edits(number: int):
        issue = read(number)
        if number == ask.number and created and len(created) < 2:
            created.append("edited")  # once: another client lists its own child right now
            someone.update_issue(number, body=issue.body + "\n- #99 Listed by someone else\n")
        return issue

    workspace.tracker.create_issue = create_then_note
    workspace.tracker.get_issue = read_then_someone_edits
    child = workspace.create_issue(IssueDraft(template="experiment", title="GBM", parent=ask.number))
    body = github.issues[ask.number]["body"]
    assert "- #99 Listed by someone else" in body
    assert f"- #{child.number} GBM" in body


def test_an_ask_overwritten_right_after_our_write_is_written_again(project: Path, github: GitHubEmulator) -> None:
    workspace = Workspace.open(project)
    ask = workspace.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    original = github.issues[ask.number]["body"]
    someone = tracker(github)
    update, overwritten = workspace.tracker.update_issue, []

    def update_then_someone_overwrites(number: int, **changes):
        result = update(number, **changes)
        if number == ask.number and not overwritten:
            overwritten.append(True)  # a writer that read before us saves its older edit over ours
            someone.update_issue(number, body=original + "\n- #99 Listed by someone else\n")
        return result

    workspace.tracker.update_issue = update_then_someone_overwrites
    child = workspace.create_issue(IssueDraft(template="experiment", title="GBM", parent=ask.number))
    body = github.issues[ask.number]["body"]
    assert overwritten and "- #99 Listed by someone else" in body
    assert f"- #{child.number} GBM" in body
