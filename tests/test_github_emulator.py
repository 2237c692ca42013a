"""Self-tests of the GitHub emulator, driven with plain ``requests`` and with PyGithub over real HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from github import Auth, Github, GithubException
from github.GithubException import BadCredentialsException, RateLimitExceededException, UnknownObjectException

from github_emulator import ROUTES, GitHubEmulator, emulator_fixture, validate_response

API_DIR = Path(__file__).resolve().parent / "github_api"

github = emulator_fixture()  # the fixture under test: a running emulator, no violations at teardown


def client(emulator: GitHubEmulator, token: str | None = None) -> Github:
    return Github(
        base_url=emulator.base_url,
        auth=Auth.Token(token or emulator.token),
        seconds_between_requests=None,
        seconds_between_writes=None,
        retry=None,
    )


@pytest.fixture
def gh(github: GitHubEmulator) -> Iterator[Github]:
    g = client(github)
    yield g
    g.close()


class Api:
    """Plain HTTP against the emulator, with the token; paths are relative to the repository
    unless they are absolute URLs or start with /user, /rate_limit or /repos/."""

    def __init__(self, emulator: GitHubEmulator) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {emulator.token}"
        self.session.headers["Accept"] = "application/vnd.github+json"

    def url(self, path: str) -> str:
        if path.startswith("http"):
            return path
        if path.startswith(("/user", "/rate_limit", "/repos/")):
            return self.emulator.base_url + path
        return self.emulator.base_url + self.emulator.repo_path + path

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url(path), timeout=10, **kwargs)


@pytest.fixture
def api(github: GitHubEmulator) -> Iterator[Api]:
    a = Api(github)
    yield a
    a.session.close()


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Tess Tester",
        "GIT_AUTHOR_EMAIL": "tess@example.com",
        "GIT_COMMITTER_NAME": "Tess Tester",
        "GIT_COMMITTER_EMAIL": "tess@example.com",
        "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare origin: main (2 commits), feature (+1 commit), empty (= main), clash (conflicts with main)."""
    bare = tmp_path / "origin.git"
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    git(work, "config", "commit.gpgsign", "false")
    (work / "README.md").write_text("churn\n")
    git(work, "add", "README.md")
    git(work, "commit", "-q", "-m", "Start")
    git(work, "branch", "empty")
    git(work, "switch", "-q", "-c", "clash")
    (work / "README.md").write_text("clash\n")
    git(work, "commit", "-q", "-am", "Clash")
    git(work, "switch", "-q", "main")
    (work / "README.md").write_text("churn model\n")
    git(work, "commit", "-q", "-am", "Describe")
    git(work, "switch", "-q", "-c", "feature")
    (work / "model.py").write_text("print('model')\n")
    git(work, "add", "model.py")
    git(work, "commit", "-q", "-m", "Add the model")
    git(work, "push", "-q", str(bare), "main", "feature", "empty", "clash")
    return bare


# ---------------------------------------------------------------------------- basics


def test_repo_user_and_rate_limit(github: GitHubEmulator, gh: Github, api: Api) -> None:
    repo = gh.get_repo("acme/churn-model")
    assert (repo.full_name, repo.name, repo.default_branch) == ("acme/churn-model", "churn-model", "main")
    assert repo.url == f"{github.base_url}/repos/acme/churn-model"
    assert repo.owner.login == "acme"
    assert gh.get_user().login == github.login
    limits = gh.get_rate_limit()
    assert limits.resources.core.limit == 5000
    answer = api("GET", "")
    assert answer.status_code == 200
    headers = answer.headers
    assert headers["x-ratelimit-limit"] == "5000"
    assert headers["x-ratelimit-resource"] == "core"
    assert int(headers["x-ratelimit-used"]) + int(headers["x-ratelimit-remaining"]) == 5000
    assert int(headers["x-ratelimit-reset"]) > 0
    assert headers["ETag"].startswith('W/"')


def test_answers_point_at_the_emulator_only(github: GitHubEmulator, gh: Github, api: Api) -> None:
    github.add_issue("Ask: churn", body="body", labels=["Ask"], assignees=["tess-tester"])
    github.add_issue("Data: tables", parent=1)
    github.add_comment(1, "hello")
    github.add_pull("feature", title="Model")
    texts = [
        api("GET", path).text
        for path in ("", "/issues?state=all", "/issues/1", "/issues/1/comments", "/pulls/3", "/pulls", "/labels")
    ]
    texts += [api("GET", "/user").text, api("GET", "/issues/1/sub_issues").text, api("GET", "/issues/2/parent").text]
    for text in texts:
        assert "api.github.com" not in text
        assert "Hello-World" not in text
        assert "octocat" not in text
        assert "1347" not in text
    assert all(url.startswith(github.base_url) for url in re.findall(r'"(http://127[^"]*)"', "".join(texts)))


def test_routes_match_the_trimmed_description() -> None:
    spec = json.loads((API_DIR / "openapi.json").read_text())
    served = {(method.lower(), path) for method, path, _ in ROUTES}
    described = {
        (m, p) for p, item in spec["paths"].items() for m in item if m in {"get", "post", "put", "patch", "delete"}
    }
    assert served == described
    for name in ("issues__get.json", "pulls__create.json", "LICENSE.openapi", "README.md", "trim_openapi.py"):
        assert (API_DIR / name).is_file()


def test_bad_credentials_and_missing_token(github: GitHubEmulator, api: Api) -> None:
    answer = requests.get(github.base_url + github.repo_path, headers={"Authorization": "token nope"}, timeout=10)
    assert answer.status_code == 401
    body = answer.json()
    assert body["message"] == "Bad credentials"
    assert body["status"] == "401"
    assert body["documentation_url"].startswith("https://docs.github.com/")
    assert requests.get(github.base_url + "/user", timeout=10).status_code == 401
    ok = requests.get(
        github.base_url + github.repo_path, headers={"Authorization": f"Bearer {github.token}"}, timeout=10
    )
    assert ok.status_code == 200
    bad = client(github, token="ghp_wrong")
    with pytest.raises(BadCredentialsException):
        bad.get_repo("acme/churn-model")
    bad.close()
    assert github.requests[-1].status == 401 and not github.requests[-1].counted


def test_unknown_things_are_404(github: GitHubEmulator, gh: Github, api: Api) -> None:
    with pytest.raises(UnknownObjectException):
        gh.get_repo("acme/other")
    repo = gh.get_repo("acme/churn-model")
    with pytest.raises(UnknownObjectException):
        repo.get_issue(99)
    with pytest.raises(UnknownObjectException):
        repo.get_pull(1)
    answer = api("GET", "/nothing-here")
    assert answer.status_code == 404
    assert answer.json()["message"] == "Not Found"
    assert api("POST", "/issues", data=b"{not json").status_code == 400


# ---------------------------------------------------------------------------- issues


def test_create_and_paginate_250_issues(github: GitHubEmulator, gh: Github, api: Api) -> None:
    repo = gh.get_repo("acme/churn-model")
    for n in range(250):
        repo.create_issue(title=f"Issue {n}", body="b", labels=["Ask"] if n % 2 else [])
    assert github.count("POST", github.repo_path + "/issues") == 250

    first = api("GET", "/issues?state=all&per_page=100")
    assert [i["number"] for i in first.json()][:2] == [250, 249]
    base = f"{github.base_url}{github.repo_path}/issues"
    assert first.headers["Link"] == (
        f'<{base}?state=all&per_page=100&page=2>; rel="next", <{base}?state=all&per_page=100&page=3>; rel="last"'
    )
    middle = api("GET", "/issues?state=all&per_page=100&page=2")
    assert len(middle.json()) == 100
    rels = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', middle.headers["Link"]))
    assert set(rels) == {"prev", "next", "last", "first"}
    assert rels["first"].endswith("page=1") and rels["prev"].endswith("page=1") and rels["next"].endswith("page=3")
    last = api("GET", rels["last"])
    assert len(last.json()) == 50
    assert re.findall(r'rel="(\w+)"', last.headers["Link"]) == ["prev", "first"]
    assert len(api("GET", "/issues?per_page=500").json()) == 100  # per_page caps at 100
    assert len(api("GET", "/issues").json()) == 30  # default page size
    assert "Link" not in api("GET", "/issues?per_page=100&labels=nothing").headers

    github.reset_log()
    numbers = [issue.number for issue in repo.get_issues(state="all")]
    assert numbers == list(range(250, 0, -1))
    assert github.count("GET", github.repo_path + "/issues") == 9  # 30 a page
    assert repo.get_issues(state="all", labels=["Ask"]).totalCount == 125
    assert [i.number for i in repo.get_issues(state="all", sort="created", direction="asc")[:3]] == [1, 2, 3]


def test_issue_list_filters_and_pull_requests(github: GitHubEmulator, gh: Github, api: Api) -> None:
    github.add_issue("one", labels=["Ask", "Data"])
    github.add_issue("two", labels=["Ask"], state="closed")
    github.advance_time(3600)
    github.add_issue("three", labels=["data"], assignees=["kim"])
    github.add_pull("feature", title="four")
    listed = lambda query: [i["number"] for i in api("GET", "/issues" + query).json()]  # noqa: E731
    assert listed("") == [4, 3, 1]
    assert listed("?state=closed") == [2]
    assert listed("?state=all&labels=ask,DATA") == [1]
    assert listed("?state=all&labels=Ask") == [2, 1]
    assert listed("?state=all&sort=updated&direction=asc") == [1, 2, 3, 4]
    assert listed("?assignee=kim") == [3]
    assert listed("?assignee=none") == [4, 1]
    since = github.issues[3]["created_at"]
    assert listed(f"?state=all&since={since}") == [4, 3]
    items = api("GET", "/issues").json()
    assert "pull_request" in items[0] and "pull_request" not in items[1]
    repo = gh.get_repo("acme/churn-model")
    assert [i.number for i in repo.get_issues() if i.pull_request is None] == [3, 1]
    assert repo.get_issue(2).state_reason == "completed"


def test_create_issue_validation_and_auto_labels(github: GitHubEmulator, gh: Github, api: Api) -> None:
    answer = api("POST", "/issues", json={"body": "no title"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"resource": "Issue", "code": "missing_field", "field": "title"}]
    repo = gh.get_repo("acme/churn-model")
    with pytest.raises(GithubException) as caught:
        repo.create_issue(title="")
    assert caught.value.status == 422
    assert caught.value.data["errors"][0]["field"] == "title"

    github.add_label("Ask", "0e8a16", "a question")
    issue = repo.create_issue(title="Ask: churn", body="why", labels=["ask", "Explore"], assignees=["kim"])
    assert answer.headers["x-ratelimit-remaining"]
    assert issue.number == 1 and issue.id > 1_000_000_000
    assert [label.name for label in issue.labels] == ["Ask", "Explore"]
    assert github.labels["Explore"]["color"] == "ededed"
    assert github.labels["Explore"]["description"] is None
    assert [user.login for user in issue.assignees] == ["kim"]
    assert issue.user.login == github.login
    assert issue.html_url == "https://github.com/acme/churn-model/issues/1"
    assert issue.raw_data["parent_issue_url"] is None
    assert issue.raw_data["sub_issues_summary"] == {"total": 0, "completed": 0, "percent_completed": 0}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", issue.raw_data["created_at"])
    assert github.requests[-1].body["labels"] == ["ask", "Explore"]


def test_edit_close_reopen_issue(github: GitHubEmulator, gh: Github) -> None:
    github.add_issue("Ask", labels=["Ask"])
    issue = gh.get_repo("acme/churn-model").get_issue(1)
    issue.edit(title="Ask: churn", body="new", labels=["Ask", "Done"], assignees=["kim", "lee"])
    assert (issue.title, issue.body) == ("Ask: churn", "new")
    assert [label.name for label in issue.labels] == ["Ask", "Done"]
    assert [user.login for user in issue.assignees] == ["kim", "lee"]
    issue.edit(state="closed", state_reason="not_planned")
    assert (issue.state, issue.state_reason, issue.closed_by.login) == ("closed", "not_planned", github.login)
    assert issue.closed_at is not None
    issue.edit(state="open")
    assert (issue.state, issue.state_reason, issue.closed_at) == ("open", "reopened", None)
    with pytest.raises(GithubException) as caught:
        issue.edit(state="done")
    assert caught.value.status == 422
    assert github.issues[1]["state"] == "open"


# ---------------------------------------------------------------------------- labels and comments


def test_label_crud(github: GitHubEmulator, gh: Github, api: Api) -> None:
    repo = gh.get_repo("acme/churn-model")
    label = repo.create_label("Ask", "0e8a16", "A business question")
    assert (label.name, label.color, label.description) == ("Ask", "0e8a16", "A business question")
    with pytest.raises(GithubException) as caught:
        repo.create_label("ASK", "ffffff")
    assert caught.value.status == 422
    assert caught.value.data["errors"] == [{"resource": "Label", "code": "already_exists", "field": "name"}]
    assert api("POST", "/labels", json={"name": "x", "color": "#ffffff"}).status_code == 422
    assert repo.get_label("ask").name == "Ask"
    label.edit("Question", "aabbcc", "renamed")
    assert repo.get_label("Question").color == "aabbcc"
    with pytest.raises(UnknownObjectException):
        repo.get_label("Ask")
    repo.create_label("Data", "1d76db")
    with pytest.raises(GithubException):
        label.edit("data", "aabbcc")
    assert [label.name for label in repo.get_labels()] == ["Question", "Data"]

    github.add_issue("Ask", labels=["Question"])
    issue = repo.get_issue(1)
    issue.add_to_labels("Data", "New")
    assert [label.name for label in issue.get_labels()] == ["Question", "Data", "New"]
    issue.remove_from_labels("Data")
    assert [label["name"] for label in github.issues[1]["labels"]] == ["Question", "New"]
    with pytest.raises(GithubException) as caught:
        issue.remove_from_labels("Data")
    assert caught.value.status == 404
    assert caught.value.data["message"] == "Label does not exist"
    issue.set_labels("Data")
    assert [label["name"] for label in github.issues[1]["labels"]] == ["Data"]
    answer = api("POST", "/issues/1/labels", json={"labels": ["Ask"]})
    assert [label["name"] for label in answer.json()] == ["Data", "Ask"]
    repo.get_label("Data").delete()
    assert [label["name"] for label in github.issues[1]["labels"]] == ["Ask"]
    issue.delete_labels()
    assert github.issues[1]["labels"] == []


def test_comments(github: GitHubEmulator, gh: Github, api: Api) -> None:
    github.add_issue("Ask")
    issue = gh.get_repo("acme/churn-model").get_issue(1)
    comment = issue.create_comment("First finding")
    issue.create_comment("Second")
    assert comment.body == "First finding" and comment.user.login == github.login
    assert [c.body for c in issue.get_comments()] == ["First finding", "Second"]
    assert gh.get_repo("acme/churn-model").get_issue(1).comments == 2
    comment.edit("Edited")
    assert github.comments[1][0]["body"] == "Edited"
    answer = api("POST", "/issues/1/comments", json={"body": ""})
    assert answer.status_code == 422
    assert answer.json()["errors"][0] == {"resource": "IssueComment", "code": "missing_field", "field": "body"}
    comment.delete()
    assert [c["body"] for c in github.comments[1]] == ["Second"]
    assert len(api("GET", "/issues/comments").json()) == 1


# ---------------------------------------------------------------------------- sub-issues


def test_sub_issues_by_id(github: GitHubEmulator, gh: Github, api: Api) -> None:
    for title in ("Ask", "Data", "Explore", "Other ask"):
        github.add_issue(title)
    repo = gh.get_repo("acme/churn-model")
    ask, data, explore, other = (repo.get_issue(n) for n in (1, 2, 3, 4))
    assert len({ask.id, data.id, explore.id}) == 3 and min(ask.id, data.id) > 1000

    parent = ask.add_sub_issue(data)
    assert github.requests[-1].body == {"sub_issue_id": data.id}
    assert github.requests[-1].status == 201
    assert parent.number == 1
    assert parent.sub_issues_summary.total == 1
    ask.add_sub_issue(explore.id)
    assert github.sub_issues == {1: [2, 3]}
    assert [s.number for s in ask.get_sub_issues()] == [2, 3]
    assert repo.get_issue(2).raw_data["parent_issue_url"] == f"{github.base_url}{github.repo_path}/issues/1"
    assert api("GET", "/issues/2/parent").json()["number"] == 1

    with pytest.raises(UnknownObjectException):  # the number, not the id: GitHub answers 404
        ask.add_sub_issue(4)
    with pytest.raises(GithubException) as caught:
        other.add_sub_issue(data)
    assert caught.value.status == 422 and "one parent" in caught.value.data["errors"][0]["message"]
    moved = api("POST", "/issues/4/sub_issues", json={"sub_issue_id": data.id, "replace_parent": True})
    assert moved.status_code == 201 and moved.json()["number"] == 4
    assert github.sub_issues == {1: [3], 4: [2]}
    assert api("POST", "/issues/4/sub_issues", json={"sub_issue_id": str(explore.id)}).status_code == 422

    repo.get_issue(3).edit(state="closed")
    api("POST", "/issues/4/sub_issues", json={"sub_issue_id": explore.id, "replace_parent": True})
    summary = github.issues[4]["sub_issues_summary"]
    assert summary == {"total": 2, "completed": 1, "percent_completed": 50}
    answer = api("PATCH", "/issues/4/sub_issues/priority", json={"sub_issue_id": explore.id, "before_id": data.id})
    assert answer.status_code == 200
    assert github.sub_issues[4] == [3, 2]

    removed = other.remove_sub_issue(data)
    assert removed.number == 4
    assert github.sub_issues == {4: [3]}
    assert repo.get_issue(2).raw_data["parent_issue_url"] is None
    assert api("GET", "/issues/2/parent").status_code == 404
    assert api("DELETE", "/issues/4/sub_issue", json={"sub_issue_id": data.id}).status_code == 404
    with pytest.raises(GithubException):
        repo.get_issue(3).add_sub_issue(repo.get_issue(4))  # a cycle


# ---------------------------------------------------------------------------- pull requests


def test_pulls_without_origin(github: GitHubEmulator, gh: Github, api: Api) -> None:
    github.add_issue("Ask: churn")
    repo = gh.get_repo("acme/churn-model")
    pull = repo.create_pull(title="Model", body="Closes #1", head="feature", base="main")
    assert github.requests[-1].status == 201
    assert pull.number == 2 and pull.id not in (2, github.issues[2]["id"])
    assert (pull.head.ref, pull.base.ref, pull.head.label) == ("feature", "main", "acme:feature")
    assert pull.mergeable and pull.mergeable_state == "clean" and not pull.merged
    assert github.issues[2]["pull_request"]["url"] == pull.url
    with pytest.raises(GithubException) as caught:
        repo.create_pull(title="Again", head="feature", base="main")
    assert "already exists" in caught.value.data["errors"][0]["message"]
    with pytest.raises(GithubException):
        repo.create_pull(title="Nothing", head="main", base="main")
    draft = repo.create_pull(title="Draft", head="explore", base="main", draft=True)

    assert [p.number for p in repo.get_pulls()] == [3, 2]
    assert [p.number for p in repo.get_pulls(head="acme:feature")] == [2]
    assert [p.number for p in repo.get_pulls(base="dev")] == []
    pull.edit(title="Model v1", body="Closes #1\nmore")
    assert repo.get_pull(2).title == "Model v1"
    assert gh.get_repo("acme/churn-model").get_issue(2).title == "Model v1"

    with pytest.raises(GithubException) as caught:
        draft.merge()
    assert caught.value.status == 405
    status = pull.merge(merge_method="squash")
    assert status.merged and len(status.sha) == 40
    merged = repo.get_pull(2)
    assert (merged.state, merged.merged, merged.merge_commit_sha) == ("closed", True, status.sha)
    assert merged.merged_at is not None and merged.merged_by.login == github.login
    assert github.issues[1]["state"] == "closed"  # "Closes #1" on the default branch
    assert repo.get_pull(2).is_merged()
    assert not draft.is_merged()
    with pytest.raises(GithubException) as caught:
        pull.merge()
    assert caught.value.status == 405
    draft.edit(state="closed")
    assert [p.number for p in repo.get_pulls(state="closed")] == [3, 2]
    draft.edit(state="open")
    assert github.pulls[3]["state"] == "open"
    with pytest.raises(GithubException):
        merged.edit(state="open")
    assert [i["number"] for i in api("GET", "/issues?state=all").json()] == [3, 2, 1]


def test_pulls_with_origin(github: GitHubEmulator, gh: Github, origin: Path) -> None:
    github.origin = origin
    repo = gh.get_repo("acme/churn-model")
    with pytest.raises(GithubException) as caught:
        repo.create_pull(title="Ghost", head="no-such-branch", base="main")
    assert caught.value.status == 422
    assert caught.value.data["errors"] == [{"resource": "PullRequest", "code": "invalid", "field": "head"}]
    with pytest.raises(GithubException) as caught:
        repo.create_pull(title="Empty", head="empty", base="main")
    assert caught.value.data["errors"][0]["message"] == "No commits between main and empty"
    assert github.issues == {}

    feature_sha = git(origin, "rev-parse", "feature")
    main_sha = git(origin, "rev-parse", "main")
    pull = repo.create_pull(title="Add the model", body="Fixes #9", head="feature", base="main")
    assert (pull.head.sha, pull.base.sha) == (feature_sha, main_sha)
    assert (pull.commits, pull.additions, pull.deletions, pull.changed_files) == (1, 1, 0, 1)
    assert pull.mergeable is True
    clash = repo.create_pull(title="Clash", head="clash", base="main")
    assert clash.mergeable is False and clash.mergeable_state == "dirty"
    with pytest.raises(GithubException) as caught:
        clash.merge()
    assert caught.value.status == 405

    with pytest.raises(GithubException) as caught:
        pull.merge(sha=main_sha)
    assert caught.value.status == 409
    status = pull.merge()
    assert status.merged
    assert git(origin, "rev-parse", "main") == status.sha
    assert git(origin, "log", "-1", "--format=%P", "main").split() == [main_sha, feature_sha]
    assert git(origin, "log", "-1", "--format=%s", "main") == "Merge pull request #1 from acme/feature"
    assert git(origin, "rev-list", "--count", "main..feature") == "0"


def test_squash_and_rebase_write_to_origin(github: GitHubEmulator, gh: Github, origin: Path, tmp_path: Path) -> None:
    github.origin = origin
    repo = gh.get_repo("acme/churn-model")
    main_sha = git(origin, "rev-parse", "main")
    squash = repo.create_pull(title="Add the model", head="feature", base="main")
    status = squash.merge(merge_method="squash")
    assert git(origin, "log", "-1", "--format=%P%n%s", "main").splitlines() == [main_sha, "Add the model (#1)"]
    assert git(origin, "show", f"{status.sha}:model.py") == "print('model')"

    work = tmp_path / "work"
    git(work, "fetch", "-q", str(origin), "main")
    git(work, "switch", "-q", "-c", "more", "FETCH_HEAD")
    (work / "more.py").write_text("more\n")
    git(work, "add", "more.py")
    git(work, "commit", "-q", "-m", "More")
    git(work, "push", "-q", str(origin), "more")
    rebase = repo.create_pull(title="More", head="more", base="main")
    status = rebase.merge(merge_method="rebase")
    assert git(origin, "log", "-1", "--format=%s|%an|%cn", "main") == "More|Tess Tester|GitHub"
    assert status.sha == git(origin, "rev-parse", "main") != git(origin, "rev-parse", "more")


# ---------------------------------------------------------------------------- conditional requests, rate limits


def test_etag_304_is_not_counted(github: GitHubEmulator, gh: Github, api: Api) -> None:
    github.add_issue("Ask")
    first = api("GET", "/issues/1")
    etag = first.headers["ETag"]
    remaining = int(first.headers["x-ratelimit-remaining"])
    again = api("GET", "/issues/1", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["x-ratelimit-remaining"]) == remaining
    assert github.requests[-1].status == 304 and not github.requests[-1].counted
    assert api("GET", "/issues", headers={"If-None-Match": api("GET", "/issues").headers["ETag"]}).status_code == 304

    issue = gh.get_repo("acme/churn-model").get_issue(1)
    assert issue.update() is False
    github.add_comment(1, "news")
    assert issue.update() is True and issue.comments == 1
    assert github.count(counted=False) == 3


def test_primary_rate_limit(github: GitHubEmulator, gh: Github, api: Api) -> None:
    repo = gh.get_repo("acme/churn-model")
    github.exhaust_rate_limit(reset_in=120)
    with pytest.raises(RateLimitExceededException) as caught:
        repo.get_issues()[0]
    assert caught.value.status == 403
    assert caught.value.data["message"] == "API rate limit exceeded for user ID 1."
    answer = api("GET", "/issues")
    assert answer.status_code == 403
    assert answer.headers["x-ratelimit-remaining"] == "0"
    assert int(answer.headers["x-ratelimit-reset"]) >= github.rate_limit["reset"] - 1
    assert gh.get_rate_limit().resources.core.remaining == 0  # /rate_limit still answers
    github.advance_time(121)
    assert api("GET", "/issues").status_code == 200
    assert github.rate_limit["remaining"] == 4999
    github.set_rate_limit(1)
    assert api("GET", "/issues").status_code == 200
    assert api("GET", "/issues").status_code == 403
    github.restore_rate_limit()
    assert api("GET", "/issues").status_code == 200


def test_secondary_rate_limit(github: GitHubEmulator, gh: Github, api: Api) -> None:
    repo = gh.get_repo("acme/churn-model")
    github.exhaust_rate_limit(30, "secondary")
    answer = api("GET", "/issues")
    assert answer.status_code == 403 and answer.headers["retry-after"] == "30"
    with pytest.raises(RateLimitExceededException):
        repo.create_issue(title="x")
    github.exhaust_rate_limit(30, "secondary", status=429)
    with pytest.raises(GithubException) as caught:
        repo.create_issue(title="x")
    assert caught.value.status == 429 and not isinstance(caught.value, RateLimitExceededException)
    github.advance_time(31)
    assert repo.create_issue(title="x").number == 1


# ---------------------------------------------------------------------------- failure injection, offline


def test_injected_failures(github: GitHubEmulator, gh: Github, api: Api) -> None:
    github.add_issue("Ask")
    repo = gh.get_repo("acme/churn-model")
    github.fail_next(500)
    with pytest.raises(GithubException) as caught:
        repo.get_issue(1)
    assert caught.value.status == 500 and caught.value.data["message"] == "Server Error"
    assert repo.get_issue(1).number == 1

    github.fail_next(502, count=2, path_contains="/labels", method="GET")
    assert api("GET", "/issues/1").status_code == 200
    assert api("POST", "/labels", json={"name": "A", "color": "000000"}).status_code == 201
    assert [api("GET", "/labels").status_code for _ in range(3)] == [502, 502, 200]
    github.fail_next(503, message="Service Unavailable")
    assert api("GET", "/issues").json()["message"] == "Service Unavailable"
    github.fail_next(422)
    with pytest.raises(GithubException) as caught:
        repo.create_issue(title="x")
    assert caught.value.status == 422 and caught.value.data["errors"]
    github.fail_next(404)
    with pytest.raises(UnknownObjectException):
        repo.get_issue(1)
    github.fail_next(401)
    with pytest.raises(BadCredentialsException):
        repo.get_issue(1)
    github.fail_next(403)
    with pytest.raises(GithubException) as caught:
        repo.get_issue(1)
    assert caught.value.status == 403 and not isinstance(caught.value, RateLimitExceededException)
    with pytest.raises(ValueError):
        github.fail_next(418)


def test_offline_drops_connections(github: GitHubEmulator, gh: Github, api: Api) -> None:
    repo = gh.get_repo("acme/churn-model")
    github.add_issue("Ask")
    assert api("GET", "/issues/1").status_code == 200  # a kept-alive connection exists
    github.go_offline()
    with pytest.raises(requests.ConnectionError):
        api("GET", "/issues/1")
    with pytest.raises(requests.ConnectionError):
        repo.get_issue(1)
    with pytest.raises(requests.ConnectionError):
        requests.get(github.base_url + "/user", timeout=5)
    assert github.requests[-1].status is None and not github.requests[-1].counted
    github.go_online()
    assert repo.get_issue(1).title == "Ask"
    assert api("GET", "/issues/1").status_code == 200


# ---------------------------------------------------------------------------- the state API and the log


def test_state_api_and_log(github: GitHubEmulator, api: Api) -> None:
    ask = github.add_issue("Ask", labels=["Ask"])
    child = github.add_issue("Data", parent=1, assignees=["kim"], state="closed")
    assert child["parent_issue_url"].endswith("/issues/1") and child["state"] == "closed"
    assert github.issues[1]["sub_issues_summary"] == {"total": 1, "completed": 1, "percent_completed": 100}
    pull = github.add_pull("feature", title="Model", merged=True)
    assert pull["merged"] and pull["state"] == "closed" and pull["number"] == 3
    assert ask["id"] != child["id"] != pull["id"]
    assert set(github.labels) == {"Ask"}
    assert github.pulls[3]["head"]["ref"] == "feature"
    with pytest.raises(ValueError):
        github.add_issue("Orphan", parent=99)
    with pytest.raises(ValueError):
        github.add_label("ask")

    github.reset_log()
    api("GET", "/issues?state=all")
    api("GET", "/issues/1")
    api("PATCH", "/issues/1", json={"title": "Ask: churn"})
    assert [(r.method, r.path, r.status) for r in github.requests] == [
        ("GET", github.repo_path + "/issues", 200),
        ("GET", github.repo_path + "/issues/1", 200),
        ("PATCH", github.repo_path + "/issues/1", 200),
    ]
    assert github.requests[0].query == {"state": "all"}
    assert github.requests[0].route == "/repos/{owner}/{repo}/issues"
    assert github.count("GET") == 2 and github.count(path_prefix=github.repo_path + "/issues/1") == 2
    assert github.count("patch", counted=True) == 1


def test_removed_issues_leave_every_list(github: GitHubEmulator, api: Api) -> None:
    github.add_issue("Ask", labels=["Ask"])
    github.add_issue("Data", parent=1)
    github.add_issue("Explore", parent=2)
    github.add_comment(2, "a note")
    github.add_comment(1, "kept")
    labelled = github.add_pull("feature", title="Model", labels=["Model"])
    assert [label["name"] for label in labelled["labels"]] == ["Model"]
    github.remove_issue(2)
    assert sorted(github.issues) == [1, 3, 4] and github.sub_issues == {}
    assert github.issues[3]["parent_issue_url"] is None
    assert list(github.comments) == [1]
    assert [i["number"] for i in api("GET", "/issues?state=all").json()] == [4, 3, 1]
    assert api("GET", "/issues/2").status_code == 404
    with pytest.raises(ValueError):
        github.remove_issue(2)


# ---------------------------------------------------------------------------- validation


def test_validation_catches_a_broken_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    original = GitHubEmulator._label_json

    def without_name(self: GitHubEmulator, label: Any) -> dict[str, Any]:
        out = original(self, label)
        del out["name"]
        return out

    monkeypatch.setattr(GitHubEmulator, "_label_json", without_name)
    with GitHubEmulator() as emulator:
        emulator.add_label("Ask")
        answer = Api(emulator)("GET", "/labels/Ask")
        assert answer.status_code == 200  # still answered
    assert len(emulator.violations) == 1
    assert "'name' is a required property" in emulator.violations[0]
    with pytest.raises(AssertionError):
        emulator.assert_no_violations()


def test_validation_of_status_and_types() -> None:
    issue_path = "/repos/{owner}/{repo}/issues/{issue_number}"
    assert validate_response("/repos/{owner}/{repo}/labels", "POST", 200, {}) == [
        "status 200 is not declared for POST /repos/{owner}/{repo}/labels"
    ]
    assert validate_response(issue_path, "GET", 500, {"message": "Server Error"}) == []
    assert validate_response(issue_path, "GET", 422, {"message": "x"}) != []  # validation-error needs documentation_url
    assert validate_response("/repos/{owner}/{repo}/labels/{name}", "DELETE", 204, None) == []
    with GitHubEmulator() as emulator:
        body = emulator.add_issue("Ask")
        assert validate_response(issue_path, "GET", 200, body) == []
        problems = validate_response(issue_path, "GET", 200, {**body, "id": "1", "state_reason": "finished"})
        assert len(problems) == 2
        assert "'1' is not of type 'integer' at $.id" in problems[0]
        assert "'finished' is not one of" in problems[1]
        assert validate_response(issue_path, "GET", 200, {**body, "state_reason": None}) == []


def test_label_names_with_slashes_and_spaces(github: GitHubEmulator, gh: Github) -> None:
    repo = gh.get_repo("acme/churn-model")
    done = repo.create_label("status/done", "0e8a16")
    repo.create_label("good first issue", "7057ff")
    assert done.url.endswith("/labels/status%2Fdone")
    assert repo.get_label("good first issue").name == "good first issue"
    github.add_issue("Ask", labels=["status/done", "good first issue"])
    issue = repo.get_issue(1)
    issue.remove_from_labels("status/done")  # PyGithub leaves the "/" unquoted
    assert [label["name"] for label in github.issues[1]["labels"]] == ["good first issue"]
    done.edit("status/closed", "0e8a16")
    assert "status/closed" in github.labels


def test_since_and_sorting_through_pygithub(github: GitHubEmulator, gh: Github) -> None:
    github.add_issue("old")
    github.advance_time(600)
    github.add_issue("new")
    repo = gh.get_repo("acme/churn-model")
    since = repo.get_issue(2).updated_at
    assert [i.title for i in repo.get_issues(since=since)] == ["new"]
    github.advance_time(600)
    repo.get_issue(1).edit(body="touched")
    assert [i.title for i in repo.get_issues(sort="updated")] == ["old", "new"]
    github.add_pull("a", title="A")
    github.add_pull("b", title="B", state="closed")
    assert [p.title for p in repo.get_pulls(state="all", sort="created", direction="asc")] == ["A", "B"]


def test_stop_closes_kept_alive_connections(github: GitHubEmulator, api: Api) -> None:
    assert api("GET", "/issues").status_code == 200
    github.stop()
    with pytest.raises(requests.ConnectionError):
        api("GET", "/issues")
    github.stop()  # idempotent
