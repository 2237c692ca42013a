"""The command line against GitHub (the emulator, through PyGithub): GitHub's failures, worded as they are."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dslp_tui import cli
from dslp_tui.sources import github as github_source

from github_emulator import GitHubEmulator, emulator_fixture

github = emulator_fixture()


def run(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path: Path, github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(github_source.CLIENT_OPTIONS, "seconds_between_writes", None)
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", github.token)  # the emulator is not github.com
    monkeypatch.setenv("GH_HOST", "127.0.0.1")  # the person chose the emulator's host
    monkeypatch.setattr(github_source, "GET_ATTEMPTS", 1)  # a 5xx is not retried with backoff here
    work = tmp_path / "churn-model"
    run(tmp_path, "init", "-q", "-b", "main", str(work))
    (work / "dslp.toml").write_text(
        f'[tracker]\nkind = "github"\nrepo = "acme/churn-model"\nbase_url = "{github.base_url}"\n'
    )
    github.add_issue("Reduce customer churn", labels=["Ask"])
    return work


def new_child(capsys, project: Path, ask: int = 1) -> tuple[int, str]:
    status = cli.main(["--repo", str(project), "new", "experiment", "Gradient boosting", "--ask", str(ask)])
    return status, capsys.readouterr().err


def test_a_missing_ask_does_not_exist(capsys, project: Path) -> None:
    status, err = new_child(capsys, project, ask=99)
    assert status == 1
    assert "issue #99 does not exist" in err


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        ("rate_limit", "rate limit"),
        ("network", "cannot reach GitHub"),
        ("bad_token", "401"),
        ("server", "500"),
    ],
)
def test_a_failure_checking_the_ask_says_what_it_is(capsys, project: Path, github: GitHubEmulator, failure, words):
    """Only a real "not found" may say the Ask does not exist (#7.11)."""
    if failure == "rate_limit":
        github.exhaust_rate_limit()
    elif failure == "network":
        github.go_offline()
    elif failure == "bad_token":
        github.fail_next(401, path_contains="/issues/1")
    else:
        github.fail_next(500, path_contains="/issues/1")
    status, err = new_child(capsys, project)
    github.go_online()
    assert status == 1
    assert "does not exist" not in err
    assert words in err
    assert len(github.issues) == 1  # nothing filed
