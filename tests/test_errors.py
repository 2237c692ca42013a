"""One error root: every expected error is a DslpError with the exit status it maps to."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from dslp_tui import cli
from dslp_tui.cli import CliError
from dslp_tui.config import ConfigError
from dslp_tui.demo import DemoError
from dslp_tui.errors import EXIT_FAILED, EXIT_USAGE, DslpError
from dslp_tui.model import IssueDraft
from dslp_tui.sources import github as github_source
from dslp_tui.sources.git import GitError, NotAGitRepository
from dslp_tui.tracker import (
    AuthError,
    NetworkError,
    NotFoundError,
    RateLimited,
    TrackerError,
    ValidationFailed,
)
from dslp_tui.workspace import ValidationError, Workspace

EXPECTED = [
    (TrackerError("tracker down"), EXIT_FAILED),
    (AuthError("no token"), EXIT_FAILED),
    (NotFoundError("gone"), EXIT_FAILED),
    (ValidationFailed("refused"), EXIT_FAILED),
    (RateLimited("slow down", reset_at=60.0), EXIT_FAILED),
    (NetworkError("unreachable"), EXIT_FAILED),
    (GitError("git push failed"), EXIT_FAILED),
    (NotAGitRepository("/tmp/x is not a git repository"), EXIT_USAGE),
    (ConfigError("dslp.toml:3: bad key"), EXIT_USAGE),
    (ValidationError("title: a title is required"), EXIT_USAGE),
    (DemoError("/tmp/x exists and is not empty"), EXIT_USAGE),
    (CliError("failed"), EXIT_FAILED),
    (CliError("bad arguments", EXIT_USAGE), EXIT_USAGE),
]
IDS = [f"{type(error).__name__}-{status}" for error, status in EXPECTED]


@pytest.mark.parametrize(("error", "status"), EXPECTED, ids=IDS)
def test_every_expected_error_is_a_dslp_error_with_its_exit_status(error: Exception, status: int) -> None:
    assert isinstance(error, DslpError)
    assert error.exit_status == status


def test_existing_names_and_bases_still_hold() -> None:
    """Callers that catch ValueError, or import the errors from the GitHub module, keep working."""
    assert issubclass(ValidationError, ValueError)
    assert issubclass(NotAGitRepository, GitError)
    for name in ("AuthError", "NotFoundError", "ValidationFailed", "RateLimited", "NetworkError", "RateInfo"):
        assert getattr(github_source, name) is getattr(__import__("dslp_tui.tracker").tracker, name)
    assert RateLimited("wait", reset_at=12.5).reset_at == 12.5
    assert CliError("x", EXIT_USAGE).status == EXIT_USAGE  # the old attribute name stays


@pytest.mark.parametrize(
    ("draft", "field", "message"),
    [
        (IssueDraft(template="ask", title="  "), "title", "title: a title is required"),
        (IssueDraft(template="experiment", title="GBM"), "ask", "ask: a Experiment issue belongs to an Ask"),
        (IssueDraft(template="data", title="CRM", parent=42), "ask", "ask: issue #42 does not exist"),
        (
            IssueDraft(template="model", title="churn", parent=1, based_on=1),
            "based on",
            "based on: #1 is not an Experiment issue",
        ),
    ],
)
def test_a_refused_draft_names_its_field(git_repo: Path, draft: IssueDraft, field: str, message: str) -> None:
    workspace = Workspace.open(git_repo)
    workspace.create_issue(IssueDraft(template="ask", title="Reduce churn"))
    with pytest.raises(ValidationError) as caught:
        workspace.validate(draft)
    assert caught.value.field == field
    assert str(caught.value).startswith(message)  # the message is unchanged


def test_an_error_without_a_field_prefix_has_no_field() -> None:
    assert ValidationError("something is off").field is None
    assert ValidationError("free text", field="sections").field == "sections"


@pytest.mark.parametrize(("error", "status"), EXPECTED, ids=IDS)
def test_the_cli_turns_any_expected_error_into_one_line_and_its_exit_status(
    error: DslpError, status: int, git_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever a command lets through, ``main`` reports it; no traceback reaches the person."""

    def fail(self: Workspace) -> None:
        raise error

    monkeypatch.setattr(Workspace, "load", fail)
    assert cli.main(["--repo", str(git_repo), "status"]) == status
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"dslp-tui: {error}\n"


def test_signatures_of_update_issue_agree() -> None:
    """Both trackers take exactly what the protocol offers, so callers need not know which it is."""
    from dslp_tui.sources.github import GitHubTracker
    from dslp_tui.sources.local import LocalTracker
    from dslp_tui.tracker import Tracker

    def parameters(function: object) -> list[tuple[str, object, object]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]  # type: ignore[arg-type]

    expected = parameters(Tracker.update_issue)
    assert parameters(LocalTracker.update_issue) == expected
    assert parameters(GitHubTracker.update_issue) == expected


def test_no_git_on_path_is_a_clear_error_not_an_internal_one(tmp_path: Path) -> None:
    """GitPython refuses to load without git, and ``git remote`` cannot start: either way the
    person reads what is missing (exit 2: it cannot run here), never "internal error"."""
    import subprocess
    import sys

    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    env = {"PATH": str(tmp_path / "empty"), "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "dslp_tui", "status"],
        cwd=tmp_path / "repo",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_USAGE, done.stderr
    assert "git is not installed or not on PATH" in done.stderr and "internal error" not in done.stderr, done.stderr
